#pragma once
// One OpenVPN key state, end to end and sans-I/O: its control channel (reliability over the
// session's tls-wrap), its TLS session, the key-method-2 exchange and, once ACTIVE, the control
// messages it carries and the key2 block it yields (protocol reference 4, 5, 6, 9).
//
//   on_packet() --> ControlChannel --read()--> TlsSession --plaintext--> key-method-2, messages
//   poll_transmit() <-- ControlChannel <--write()-- TlsSession <-- key-method-2, send_message()
//
// The state machine is 2.6's:
//   kInitial   a server's hard reset: waiting for the client's reset
//   kPreStart  our reset is queued
//   kStart     our reset is ACKed. A client writes its key-method-2 here (TLS holds it back
//              and sends it as the first application data once the handshake is done)
//   kSentKey / kGotKey
//              client: kStart -> kSentKey -> (server's message read) kGotKey
//              server: kStart -> (client's message read) kGotKey -> (own written) kSentKey
//   kActive    both messages exchanged and every packet we sent ACKed
//   kFailed    TLS, the channel or the key-method-2 exchange failed, or hand-window ran out
//
// Single-threaded: every member runs on the control thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "control/control_channel.h"
#include "control/control_message.h"
#include "control/key_method2.h"
#include "control/peer_info.h"
#include "control/tls_session.h"
#include "control/tls_wrap_context.h"
#include "proto/static_key.h"

namespace ovpn::control {

inline constexpr uint64_t kDefaultHandWindowMs = 60 * 1000;
// Received control messages not yet taken; more are counted as dropped.
inline constexpr size_t kMaxPendingMessages = 64;

enum class KeyStateStage : uint8_t {
  kInitial,
  kPreStart,
  kStart,
  kSentKey,
  kGotKey,
  kActive,
  kFailed,
};

// Thread: any.
const char* key_state_stage_name(KeyStateStage stage) noexcept;

struct KeyStateConfig {
  ChannelConfig channel;  // role, reset kind, key id, session ids, tls-mtu, tls-timeout
  uint64_t hand_window_ms = kDefaultHandWindowMs;
  // Our key-method-2 message. username/password/peer_info are sent by a client only.
  std::string options;
  std::string username;
  std::string password;
  std::string peer_info;
  RandomSource random = openssl_random;  // its randoms (and a client's pre_master)
};

struct KeyStateStats {
  uint64_t messages_received = 0;
  uint64_t messages_dropped = 0;  // non-printable, unterminated, or the queue was full
};

class KeyState;

// Dynamic tls-crypt (protocol reference 6.5): the wrap context of every key state after key id 0
// once negotiated -- tls-crypt under `first`'s exporter output XOR `original` (the tls-auth or
// tls-crypt key, or the tls-crypt-v2 Kc) when there is one, with a counter and replay window of
// its own. `first` must be ACTIVE. Thread: control.
Expected<TlsWrapContext> make_dynamic_tls_crypt(KeyState& first,
                                                const std::optional<proto::Key2>& original,
                                                proto::Role role, uint32_t unix_time);

class KeyState {
 public:
  // Creates the channel (queueing our reset unless we are a server answering a hard reset) and
  // the TLS session. `wrap` is the session's tls-wrap context and must outlive the key state.
  static Expected<KeyState> create(KeyStateConfig config, TlsWrapContext& wrap,
                                   std::shared_ptr<const TlsContext> tls, uint64_t now_ms);

  // One received control packet for this key id. Bad input is a drop, never an error.
  ControlDrop on_packet(std::span<const uint8_t> wire, uint64_t now_ms);
  // The next packet to send at `now_ms` into `out` (kMaxControlPacketSize is enough); 0 when
  // nothing is due or the key state has failed.
  Expected<size_t> poll_transmit(uint64_t now_ms, std::span<uint8_t> out);
  // When to call poll_transmit() next (retransmission or hand-window), or nullopt.
  std::optional<uint64_t> next_timeout_ms() const noexcept;

  KeyStateStage stage() const noexcept { return stage_; }
  bool active() const noexcept { return stage_ == KeyStateStage::kActive; }
  bool failed() const noexcept { return stage_ == KeyStateStage::kFailed; }
  // Why it failed: "TLS key negotiation failed to occur within 60 seconds", "TLS error: ...".
  const std::optional<Error>& error() const noexcept { return error_; }

  // After ACTIVE (nullptr/nullopt before): the peer's key-method-2 message (options, and on a
  // server the client's username, password and peer-info), its peer-info parsed, and the
  // peer's certificate (nullptr also for a client that sent none).
  const KeyMethod2Message* peer_key_method2() const noexcept;
  const PeerInfo* peer_info() const noexcept;
  const PeerCertificate* peer_certificate() const noexcept;

  // The 256-byte key2 block: TLS-EKM from this key state's TLS session, or the legacy PRF over
  // both key-method-2 messages and both session ids. kInvalidArgument before ACTIVE.
  Expected<proto::Key2> derive_key2(bool use_ekm);
  // The RFC 5705 exporter of this key state's TLS session, no context (dynamic tls-crypt).
  // kInvalidArgument before ACTIVE.
  Expected<SecretBytes> export_keying_material(std::string_view label, size_t length);

  // One control message ("PUSH_REQUEST", "PUSH_REPLY,...") in its own TLS record, NUL added.
  // kInvalidArgument before ACTIVE or for text control_message.h refuses.
  Status send_message(std::string_view text);
  // The control messages received since the last call, in order, classified.
  std::vector<ControlMessage> take_messages();

  KeyId key_id() const noexcept { return channel_.key_id(); }
  proto::Role role() const noexcept { return config_.channel.role; }
  const ControlChannel& channel() const noexcept { return channel_; }
  const KeyStateStats& stats() const noexcept { return stats_; }

 private:
  KeyState(KeyStateConfig config, ControlChannel channel, std::unique_ptr<TlsSession> tls,
           KeyMethod2Message own, uint64_t deadline_ms);

  void advance(uint64_t now_ms);
  bool exchange_done() const noexcept;
  bool feed_tls();
  bool flush_tls();
  bool write_own_key_method2();
  bool read_peer_key_method2();
  void read_messages();
  void fail(Errc code, std::string reason);

  KeyStateConfig config_;
  ControlChannel channel_;
  std::unique_ptr<TlsSession> tls_;
  KeyMethod2Message own_km2_;
  std::optional<KeyMethod2Message> peer_km2_;
  std::optional<PeerInfo> peer_info_;
  uint64_t deadline_ms_;
  KeyStateStage stage_ = KeyStateStage::kInitial;
  std::optional<Error> error_;
  std::vector<ControlMessage> messages_;
  KeyStateStats stats_;
};

}  // namespace ovpn::control
