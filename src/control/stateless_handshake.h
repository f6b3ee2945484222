#pragma once
// The 2.6 UDP server's stateless handshake (protocol reference 2.8 and 4): nothing is kept for
// a client until it has shown that it receives packets at its address.
//
//   C->S  HARD_RESET_CLIENT_V2 / V3  k0 sidC                     mid 0   (V3: + WKc)
//            on_packet(): authenticated, message id 0 -> kReply, nothing stored
//   S->C  HARD_RESET_SERVER_V2       k0 cookie  acks [0] + sidC  mid 0   payload: empty, or
//            RESEND_WKC (00 01 00 02 00 01) for a tls-crypt-v2 client whose replay id has
//            the early-negotiation prefix 0x0f; wrapped with replay id 1 (a fresh counter)
//   C->S  CONTROL_V1 / ACK_V1 / WKC_V1  k0 sidC  acks [..] + cookie  mid 1..
//            on_packet(): authenticated, the ACK's session id is a valid cookie for this
//            address, port and sidC -> kCreate: the caller makes the key state (see below)
//            and feeds it this same packet
//
// The cookie is control/session_cookie.h. A key state started after a cookie behaves as if our
// reset (message id 0) had been sent and ACKed and the client's received: ChannelConfig's
// reset_exchanged, and a tls-wrap counter that goes on after the reset's replay id 1
// (new_session_channel_config(), make_context()).
//
// A tls-crypt-v2 client that does not signal early negotiation cannot send its WKc again, so
// its reset is answered with state at once (kCreate, after_cookie false), unless force_cookie
// (OpenVPN's `tls-crypt-v2 ... force-cookie`) drops it. A TCP server, or a caller that wants
// state for a known source, uses accept_reset(): the ordinary path, a server key state created
// on the client's hard reset and fed it.
//
// Rate limits are the caller's (control/handshake_limiter.h): on_packet() only says what the
// bytes allow. Single-threaded: the keyed contexts and the scratch buffer are re-used (control
// thread).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"
#include "control/control_channel.h"
#include "control/server_wrap.h"
#include "control/session_cookie.h"
#include "control/tls_wrap_context.h"
#include "crypto/tls_crypt_v2.h"
#include "proto/control_packet.h"

namespace ovpn::control {

// The largest stateless reply: tls-auth with SHA512 (9 + 64 + 8), ACK array, message id, TLV.
inline constexpr size_t kMaxStatelessReplySize = 128;
// The replay id of the stateless reply; a session after the cookie goes on from it.
inline constexpr uint32_t kStatelessReplyReplayId = 1;

// Why a packet from an unknown source got neither a reply nor state. kNone: it got one.
enum class HandshakeDrop : uint8_t {
  kNone = 0,
  kMalformed,           // size, opcode byte, envelope or body; an all-zero session id
  kUnexpectedOpcode,    // not a client reset, P_CONTROL_V1, P_ACK_V1 or P_CONTROL_WKC_V1
  kWrongKeyId,          // a key id other than 0
  kNoKey,               // a wrapping this server does not use
  kBadWkc,              // tls-crypt-v2: the WKc does not unwrap with the server key
  kBadAuth,             // the HMAC or tag did not verify
  kBadResetId,          // a reset whose message id is not 0
  kBadResetPayload,     // malformed early-negotiation TLVs in the reset
  kNoEarlyNegotiation,  // tls-crypt-v2 reset without early negotiation, and force_cookie
  kNoCookie,            // no ACK in the packet, so no session id of ours
  kBadCookie,           // not our cookie for this address, port and sid in a valid slot
  kBadMessageId,        // a P_CONTROL_V1 / WKC_V1 outside 1..kReceiveWindow (0 is the reset's)
  kReplyFailed,         // the reply did not fit the caller's buffer
  kCount,
};

// Stable lower-case names for counters and logs. Thread: any.
const char* handshake_drop_name(HandshakeDrop reason) noexcept;

enum class HandshakeAction : uint8_t {
  kDrop,    // count `drop`, send nothing, keep nothing
  kReply,   // send the reply (reply_size bytes of the caller's buffer) to the source
  kCreate,  // make a key state for `session` (if the limits allow), then feed it the packet
};

// What a new session's key state needs.
struct NewSession {
  // True: the client returned our cookie; start with reset_exchanged and feed the packet.
  // False: a stateful start on the client's hard reset (the packet fed is that reset).
  bool after_cookie = false;
  proto::SessionId client_session_id{};
  proto::SessionId server_session_id{};  // the cookie; all zeros when not after_cookie
  proto::ControlWrapMode mode = proto::ControlWrapMode::kPlain;  // how the client wraps
  std::optional<crypto::UnwrappedClientKey> client_key;          // tls-crypt-v2: Kc and metadata
};

struct HandshakeVerdict {
  HandshakeAction action = HandshakeAction::kDrop;
  HandshakeDrop drop = HandshakeDrop::kNone;  // why, for kDrop
  size_t reply_size = 0;                      // kReply
  bool early_negotiation = false;             // kReply: RESEND_WKC asked for
  std::optional<NewSession> session;          // kCreate
};

struct StatelessOptions {
  // tls-crypt-v2 ... force-cookie: refuse v2 clients that cannot do the stateless exchange.
  bool force_cookie = false;
};

struct StatelessStats {
  std::array<uint64_t, static_cast<size_t>(HandshakeDrop::kCount)> drops{};  // [kNone] unused
  uint64_t replies = 0;
  uint64_t early_negotiation_replies = 0;  // replies carrying RESEND_WKC
  uint64_t created_after_cookie = 0;
  uint64_t created_stateful = 0;  // accept_reset(), and v2 resets without early negotiation
};

class StatelessHandshake {
 public:
  StatelessHandshake(ServerWrap wrap, SessionCookie cookie, StatelessOptions options = {});

  // A packet from a source that has no state. `now_s`: unix seconds (the cookie's time and the
  // reply's replay time). `reply` needs kMaxStatelessReplySize bytes. Never fails on input.
  HandshakeVerdict on_packet(const Endpoint& from, std::span<const uint8_t> wire, uint64_t now_s,
                             std::span<uint8_t> reply);
  // The ordinary, stateful path (TCP, or a source the caller keeps state for): a valid client
  // hard reset gives kCreate with after_cookie false; anything else is a drop.
  HandshakeVerdict accept_reset(std::span<const uint8_t> wire);

  // The tls-wrap context of a new session: its own wrap (the static key, or the client's Kc),
  // a fresh replay window, and a send counter after the stateless reply's id when after_cookie
  // (so its first packet carries replay id 2, as stock 2.6), from 1 otherwise.
  Expected<TlsWrapContext> make_context(const NewSession& session, uint32_t unix_time) const;

  const ServerWrap& wrap() const noexcept { return wrap_; }
  SessionCookie& cookie() noexcept { return cookie_; }
  const StatelessStats& stats() const noexcept { return stats_; }

 private:
  struct Authenticated;
  HandshakeDrop authenticate(std::span<const uint8_t> wire, Authenticated& out);
  HandshakeVerdict on_reset(const Endpoint& from, Authenticated& a, uint64_t now_s,
                            std::span<uint8_t> reply);
  HandshakeVerdict on_cookie(const Endpoint& from, Authenticated& a, uint64_t now_s);
  HandshakeVerdict count(HandshakeVerdict v) noexcept;

  ServerWrap wrap_;
  SessionCookie cookie_;
  StatelessOptions options_;
  std::vector<uint8_t> scratch_;  // an unwrapped body
  StatelessStats stats_;
};

// The ChannelConfig of the key state a NewSession starts: `base` (tls-mtu, tls-timeout, ...)
// as a server's hard reset at key id 0; after a cookie, our session id is the cookie, the
// client's is known and reset_exchanged is set; otherwise ours is `random_sid` (never all
// zeros) and the client's comes with its reset. Thread: any (pure).
ChannelConfig new_session_channel_config(const NewSession& session,
                                         const proto::SessionId& random_sid,
                                         ChannelConfig base = {});

}  // namespace ovpn::control
