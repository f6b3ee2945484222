#pragma once
// The server's tls-wrap keys (protocol reference 2.2 to 2.7) and what it does with them before
// a client has any state: authenticate a client's packet, and make the wrap of a new session.
//
//   opcodes 10 and 11 (tls-crypt-v2)  the WKc at the end is unwrapped with the server key,
//                                     which gives the client's Kc and metadata; the rest of the
//                                     packet must then authenticate under Kc
//   every other opcode                the static wrapping: plain, tls-auth or tls-crypt
//
// A server may have both (tls-crypt-v2 and tls-auth / tls-crypt); the opcode says which one a
// client uses. A tls-crypt-v2-only server refuses everything else. No replay check happens
// here: there is no window before there is state.
//
// Single-threaded: the keyed contexts are re-used (control thread).

#include <cstdint>
#include <optional>
#include <span>

#include "common/result.h"
#include "control/tls_wrap_context.h"
#include "crypto/control_wrap.h"
#include "crypto/hmac.h"
#include "crypto/tls_crypt_v2.h"
#include "proto/control_packet.h"
#include "proto/static_key.h"

namespace ovpn::control {

// --tls-auth / --tls-crypt on the server, or neither (plain).
struct StaticWrapKey {
  proto::ControlWrapMode mode = proto::ControlWrapMode::kPlain;  // kPlain, kTlsAuth, kTlsCrypt
  proto::Key2 key;                                               // not for kPlain
  crypto::Digest digest = crypto::Digest::kSha1;                 // tls-auth's --auth
  proto::KeyDirection direction = proto::KeyDirection::kBidirectional;  // tls-auth only
};

// Why a client's packet did not authenticate.
enum class WrapVerdict : uint8_t {
  kOk,
  kMalformed,  // the envelope does not parse (sizes, WKc length field)
  kNoKey,      // a wrapping this server does not use (e.g. a plain packet to a v2-only server)
  kBadWkc,     // the WKc did not unwrap with the server key
  kBadAuth,    // the HMAC or tag did not verify
};

// A client's packet, authenticated.
struct ClientPacket {
  crypto::UnwrappedControl unwrapped;  // body in the caller's scratch (or the wire, plain mode)
  proto::ControlWrapMode mode = proto::ControlWrapMode::kPlain;
  std::optional<crypto::UnwrappedClientKey> client_key;  // tls-crypt-v2: Kc and metadata
  crypto::ControlWrapPtr client_wrap;  // tls-crypt-v2: the server side of Kc (to reply with)
};

class ServerWrap {
 public:
  // `static_key`: how clients that do not use tls-crypt-v2 wrap (nullopt: refuse them).
  // `tls_crypt_v2`: the tls-crypt-v2 server key (nullopt: no tls-crypt-v2). At least one.
  // Thread: any (setup).
  static Expected<ServerWrap> create(std::optional<StaticWrapKey> static_key,
                                     std::optional<crypto::TlsCryptV2Server> tls_crypt_v2);

  ServerWrap(ServerWrap&&) noexcept = default;
  ServerWrap& operator=(ServerWrap&&) noexcept = default;

  // Authenticates (and decrypts) `wire`; `scratch` needs wire.size() bytes. Never fails on
  // input: anything that does not authenticate is a verdict. The opcode is not checked.
  WrapVerdict unwrap(std::span<const uint8_t> wire, std::span<uint8_t> scratch,
                     ClientPacket& out) noexcept;
  // Wraps a packet we send without state (the stateless reset): with the client's Kc for a
  // tls-crypt-v2 client (`packet.client_wrap`), with the static wrapping otherwise.
  Expected<size_t> wrap_reply(ClientPacket& packet, const crypto::WrapHeader& header,
                              std::span<const uint8_t> body, std::span<uint8_t> out) noexcept;

  // A new session's wrap, server side: `mode` as the client used it, and for tls-crypt-v2 its
  // Kc. kInvalidArgument for a mode this server does not use or a v2 session without Kc.
  Expected<crypto::ControlWrapPtr> make_session_wrap(proto::ControlWrapMode mode,
                                                     const proto::Key2* kc) const;
  // The session's tls-wrap context: its wrap, a replay counter whose first id on the wire is
  // last_sent_id + 1 (1 after a stateless reset went out with id 1), and a fresh window.
  Expected<TlsWrapContext> make_context(proto::ControlWrapMode mode, const proto::Key2* kc,
                                        uint32_t last_sent_id, uint32_t unix_time) const;

  bool has_static() const noexcept { return static_key_.has_value(); }
  bool has_tls_crypt_v2() const noexcept { return tls_crypt_v2_.has_value(); }
  // The static key's mode; kTlsCryptV2 on a tls-crypt-v2-only server.
  proto::ControlWrapMode static_mode() const noexcept;

 private:
  ServerWrap(std::optional<StaticWrapKey> static_key, crypto::ControlWrapPtr static_wrap,
             std::optional<crypto::TlsCryptV2Server> tls_crypt_v2) noexcept;
  static Expected<crypto::ControlWrapPtr> make_static(const StaticWrapKey& key);

  std::optional<StaticWrapKey> static_key_;
  crypto::ControlWrapPtr static_wrap_;  // server side, for packets from unknown clients
  std::optional<crypto::TlsCryptV2Server> tls_crypt_v2_;
};

}  // namespace ovpn::control
