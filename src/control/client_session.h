#pragma once
// The OpenVPN client's session, sans-I/O: the session ids, the tls-wrap context and up to three
// key states (primary, lame duck, one negotiating), driving a dco::Dco (protocol reference 4,
// 6.4, 8, 9).
//
//   connect   key id 0 with a hard reset; once ACTIVE, PUSH_REQUEST ~1 s later and every 5 s
//             until the PUSH_REPLY is complete (within hand-window); NCP; key derivation (EKM
//             when pushed, else PRF); peer_new, key_new(primary) -> Connected.
//   messages  AUTH_FAILED, RESTART, HALT, EXIT (cc-exit) become outcomes; exit() sends EXIT.
//   rekey     a server's SOFT_RESET with the next key id, or reneg-sec: a new key state over the
//             same session ids; ACTIVE -> key_new(secondary), key_swap; the old key is deleted
//             after tran-window or at the next renegotiation.
//   engine    ControlPacket -> on_packet, PeerDeleted(expired) -> Restart, KeySwapNeeded -> rekey.
//
// The caller feeds received control packets and dco notifications, calls poll() at
// next_timeout_ms() (and after each input), and drains outcomes with take_outcomes().
//
// Single-threaded: every member runs on the control thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"
#include "common/strong_id.h"
#include "config/pushed_options.h"
#include "control/key_rotation.h"
#include "control/key_state.h"
#include "control/tls_wrap_context.h"
#include "crypto/cipher_alg.h"
#include "dco/dco.h"

namespace ovpn::control {

inline constexpr uint64_t kPushRequestDelayMs = 1000;     // after the key state is ACTIVE
inline constexpr uint64_t kPushRequestIntervalMs = 5000;  // until the reply is complete
inline constexpr uint64_t kDefaultExitWaitMs = 2000;      // for the ACK of our EXIT

struct ClientSessionConfig {
  // The key-method-2 message of every key state (options string, credentials, peer-info).
  std::string options;
  std::string username;
  std::string password;
  std::string peer_info;
  RandomSource random = openssl_random;  // session id and key-method-2 randoms

  size_t tls_mtu = kDefaultTlsMtu;
  size_t transport_overhead = kUdp4Overhead;
  uint64_t tls_timeout_ms = kDefaultTlsTimeoutMs;
  uint64_t hand_window_ms = kDefaultHandWindowMs;
  uint64_t tran_window_ms = 3600 * 1000;
  uint64_t reneg_ms = 3600 * 1000;  // reneg-sec; 0: never initiated by us
  uint64_t exit_wait_ms = kDefaultExitWaitMs;

  // Dynamic tls-crypt (IV_PROTO bit 9; announce it in peer_info exactly when this is set): when
  // the server pushes dyn-tls-crypt, renegotiations are wrapped with tls-crypt under a key from
  // the key id 0 TLS session's exporter, XORed with `wrap_key` (the tls-auth / tls-crypt key or
  // tls-crypt-v2 Kc) when there is one.
  bool dynamic_tls_crypt = false;
  std::optional<proto::Key2> wrap_key;
  std::function<uint32_t()> unix_time = system_unix_time;  // the new context's replay time

  // NCP and pull.
  std::vector<std::string> data_ciphers;
  std::optional<std::string> data_ciphers_fallback;
  config::PullPolicy pull_policy;

  // The DCO peer: the server's address (UDP), or a connected socket (TCP), and the client's own
  // keepalive, used where the server pushes no ping/ping-restart.
  dco::Transport transport = dco::Transport::kUdp;
  Endpoint remote;
  int tcp_fd = -1;
  dco::Keepalive keepalive;
};

// Outcomes, reported in order through take_outcomes().
struct Connected {
  config::PushedOptions pushed;
  crypto::CipherAlg cipher = crypto::CipherAlg::kAes256Gcm;
  PeerId peer = PeerId::undefined();
  bool ekm = false;
};
// Reconnect: RESTART, AUTH_FAILED,TEMP, ping-restart, a server's EXIT, a failed handshake or
// push, a refused cipher.
struct Restart {
  std::string reason;
  bool next_remote = false;       // RESTART,[N] or TEMP advance remote
  bool keep_credentials = false;  // RESTART,[P]
  std::optional<uint32_t> backoff_s;
};
// AUTH_FAILED (not TEMP): the caller exits or retries by its auth-retry setting.
struct AuthFailed {
  std::string reason;
  AuthFailedKind kind = AuthFailedKind::kPlain;
};
// HALT: exit, do not reconnect.
struct Halt {
  std::string reason;
};
// Our own exit() has completed.
struct Exited {};
using SessionOutcome = std::variant<Connected, Restart, AuthFailed, Halt, Exited>;

struct ClientSessionStats {
  uint64_t unknown_key_id = 0;    // packets for no key state of ours: dropped
  uint64_t key_state_drops = 0;   // packets a key state did not take
  uint64_t push_requests = 0;     // PUSH_REQUESTs sent
  uint64_t ignored_messages = 0;  // control messages with nothing to do
  uint64_t renegotiations = 0;    // key states that became primary after key id 0
  uint64_t failed_renegotiations = 0;
  uint64_t send_errors = 0;  // send_control() failures
};

class ClientSession {
 public:
  enum class Phase : uint8_t { kHandshake, kPushing, kConnected, kExiting, kDone };

  // Starts key id 0 with a hard reset (the first packet is due at `now_ms`). `dco` must
  // outlive the session.
  static Expected<std::unique_ptr<ClientSession>> create(ClientSessionConfig config,
                                                         TlsWrapContext wrap,
                                                         std::shared_ptr<const TlsContext> tls,
                                                         dco::Dco& dco, uint64_t now_ms);
  // Deletes the peer when one was created and not yet deleted.
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // One received control packet; routed by key id. Call poll() after.
  void on_packet(std::span<const uint8_t> wire, uint64_t now_ms);
  // One dco notification (control packets, peer expiry, key exhaustion). Call poll() after.
  void on_notification(const dco::Notification& notification, uint64_t now_ms);
  // Runs the timers, handles what the key states received and sends what is due.
  void poll(uint64_t now_ms);
  // When poll() should run next, or nullopt.
  std::optional<uint64_t> next_timeout_ms() const noexcept;
  // Starts a renegotiation now (as reneg-sec would); kInvalidArgument unless connected and
  // none is in progress.
  Status renegotiate(uint64_t now_ms);
  // The client's clean exit: EXIT (when cc-exit was negotiated), then the peer is deleted and
  // Exited reported.
  void exit(uint64_t now_ms);

  std::vector<SessionOutcome> take_outcomes();
  Phase phase() const noexcept { return phase_; }
  ClientSessionStats stats() const noexcept;
  // The key id of the primary key state, and whether a lame duck / negotiation exists.
  KeyId primary_key_id() const noexcept;
  bool has_lame_duck() const noexcept;
  // Whether renegotiations are wrapped with dynamic tls-crypt.
  bool dynamic_tls_crypt_active() const noexcept { return dynamic_wrap_ != nullptr; }
  bool negotiating() const noexcept;

 private:
  ClientSession(ClientSessionConfig config, TlsWrapContext wrap,
                std::shared_ptr<const TlsContext> tls, dco::Dco& dco);

  Expected<std::unique_ptr<KeyState>> make_key_state(ResetKind reset, KeyId key_id,
                                                     uint64_t now_ms);
  void flush(uint64_t now_ms);
  void handle_messages(uint64_t now_ms);
  void handle_message(const ControlMessage& message, uint64_t now_ms);
  void on_push_reply(const ControlMessage& message, uint64_t now_ms);
  Status install_primary(uint64_t now_ms);
  Status start_dynamic_tls_crypt();
  void run_timers(uint64_t now_ms);
  void finish(SessionOutcome outcome);
  dco::ControlTarget target() const;

  ClientSessionConfig config_;
  std::unique_ptr<TlsWrapContext> wrap_;  // key states keep a reference: its address is fixed
  std::unique_ptr<TlsWrapContext> dynamic_wrap_;  // for key ids >= 1, once negotiated
  std::shared_ptr<const TlsContext> tls_;
  dco::Dco* dco_;
  proto::SessionId session_id_{};

  Phase phase_ = Phase::kHandshake;
  KeyRotation keys_;

  uint64_t push_due_ms_ = 0;       // next PUSH_REQUEST (valid in kPushing)
  uint64_t push_deadline_ms_ = 0;  // hand-window of the first key state
  size_t push_parts_ = 0;
  config::PushedOptions pushed_;

  bool peer_created_ = false;
  PeerId peer_ = PeerId::undefined();
  crypto::CipherAlg cipher_ = crypto::CipherAlg::kAes256Gcm;
  bool ekm_ = false;
  uint64_t exit_deadline_ms_ = 0;

  std::vector<SessionOutcome> outcomes_;
  ClientSessionStats stats_;
};

}  // namespace ovpn::control
