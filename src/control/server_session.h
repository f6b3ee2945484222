#pragma once
// The server's session with one client, sans-I/O (protocol reference 4, 5, 8, 9): the session
// ids, the tls-wrap context and the client's key states, driving a dco::Dco.
//
//   handshake  key id 0 from the client's hard reset, until ACTIVE (hand-window);
//   authorize  the client's certificate name, credentials and peer-info go up as
//              NeedsAuthorization; the caller answers accept(ClientGrant) or reject(reason);
//   connect    NCP (our data-ciphers against the client's IV_CIPHERS, its OCC cipher, then
//              data-ciphers-fallback), EKM when the client has it; peer_new and key_new(primary)
//              before the PUSH_REPLY goes out, so that no data packet of the client is lost;
//              the PUSH_REPLY (split at kPushBundleSize with push-continuation) answers the
//              client's PUSH_REQUEST, or goes at once to clients with IV_PROTO request-push;
//   rekey      KeyRotation: ours after reneg-sec, or the client's SOFT_RESET;
//   end        the client's EXIT (cc-exit), expiry or a closed TCP connection (PeerDeleted),
//              a failed handshake, reject() after AUTH_FAILED went out, kill(), restart().
//
// The caller feeds the client's control packets and the dco notifications of its peer, calls
// poll() at next_timeout_ms() (and after each input), and drains outcomes with take_outcomes().
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
#include "control/key_rotation.h"
#include "control/key_state.h"
#include "control/peer_info.h"
#include "control/stateless_handshake.h"
#include "control/tls_wrap_context.h"
#include "crypto/cipher_alg.h"
#include "dco/dco.h"

namespace ovpn::control {

inline constexpr uint64_t kAuthFailedLingerMs = 1000;  // AUTH_FAILED's ACK, then the end

struct ServerSessionConfig {
  // Our key-method-2 message.
  std::string options;
  RandomSource random = openssl_random;  // our session id and key-method-2 randoms

  size_t tls_mtu = kDefaultTlsMtu;
  size_t transport_overhead = kUdp4Overhead;
  uint64_t tls_timeout_ms = kDefaultTlsTimeoutMs;
  uint64_t hand_window_ms = kDefaultHandWindowMs;
  uint64_t tran_window_ms = 3600 * 1000;
  uint64_t reneg_ms = 3600 * 1000;  // reneg-sec, the caller's jitter applied; 0: never ours

  std::vector<std::string> data_ciphers;
  std::optional<std::string> data_ciphers_fallback;

  // The client's peer in the engine.
  PeerId peer_id = PeerId::undefined();  // assigned by the caller; pushed as peer-id
  dco::Transport transport = dco::Transport::kUdp;
  Endpoint remote;  // UDP: where the client's packets come from
  int tcp_fd = -1;  // TCP: its connection, handed to the engine by peer_new
  dco::Keepalive keepalive;

  // Dynamic tls-crypt, for clients that announce it (IV_PROTO bit 9).
  bool dynamic_tls_crypt = true;
  std::optional<proto::Key2> wrap_key;  // tls-auth / tls-crypt key, or the client's v2 Kc
  std::function<uint32_t()> unix_time = system_unix_time;
};

// The caller decides who the client is and what it gets.
struct NeedsAuthorization {
  std::string common_name;  // of the client's certificate ("" without one)
  std::string username;
  std::string password;
  PeerInfo peer_info;
};

struct ClientGrant {
  std::vector<std::string> push;  // option lines, in order ("route 10.0.0.0 255.0.0.0", ...)
  std::optional<IpAddress> vpn_ipv4;
  std::optional<IpAddress> vpn_ipv6;
  std::vector<IpPrefix> iroutes;  // routed to this client in the engine
};

struct Established {
  crypto::CipherAlg cipher = crypto::CipherAlg::kAes256Gcm;
  bool ekm = false;
};

enum class EndReason : uint8_t {
  kHandshakeFailed,  // TLS or key-method-2 failed, or hand-window passed
  kRejected,         // reject(): AUTH_FAILED sent
  kNegotiationFailed,
  kClientExit,  // the client's EXIT
  kExpired,     // keepalive timeout in the engine
  kDisconnected,
  kRenegotiationFailed,
  kKilled,  // kill() or restart()
};
const char* end_reason_name(EndReason reason) noexcept;

struct SessionEnded {
  EndReason reason = EndReason::kHandshakeFailed;
  std::string detail;
};

using ServerOutcome = std::variant<NeedsAuthorization, Established, SessionEnded>;

struct ServerSessionStats {
  uint64_t unknown_key_id = 0;
  uint64_t ignored_messages = 0;
  uint64_t push_replies = 0;  // PUSH_REPLY messages sent (parts counted)
  uint64_t send_errors = 0;
};

class ServerSession {
 public:
  enum class Phase : uint8_t { kHandshake, kAuthorizing, kConnected, kRejecting, kDone };

  // Starts on `first_packet`, the packet that made the state: without `start`, the client's
  // hard reset (a HARD_RESET_CLIENT_V2/V3 with message id 0), answered with our own; with a
  // NewSession from StatelessHandshake (control/stateless_handshake.h), its session ids, and
  // after a returned cookie the resets count as exchanged and `first_packet` is the client's
  // next packet. `wrap` is then StatelessHandshake::make_context()'s, and a tls-crypt-v2
  // client's Kc becomes the dynamic tls-crypt base. kMalformed when the packet is not taken;
  // no session is made.
  static Expected<std::unique_ptr<ServerSession>> create(
      ServerSessionConfig config, TlsWrapContext wrap, std::shared_ptr<const TlsContext> tls,
      dco::Dco& dco, std::span<const uint8_t> first_packet, uint64_t now_ms,
      const std::optional<NewSession>& start = std::nullopt);
  // Deletes the peer when one was created and not yet deleted.
  ~ServerSession();
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  void on_packet(std::span<const uint8_t> wire, uint64_t now_ms);
  // The dco notifications of this session's peer (and its control packets).
  void on_notification(const dco::Notification& notification, uint64_t now_ms);
  void poll(uint64_t now_ms);
  std::optional<uint64_t> next_timeout_ms() const noexcept;

  // The answer to NeedsAuthorization. kInvalidArgument in another phase.
  Status accept(ClientGrant grant, uint64_t now_ms);
  Status reject(const std::string& reason, uint64_t now_ms);
  // Ends the session at once (the peer is deleted). A connected client is first sent `notice`
  // when it is not empty: "RESTART" (a server going down with explicit-exit-notify, the
  // management's kill), "RESTART,[N]" (go to the next server), "HALT" (stop).
  void kill(uint64_t now_ms, std::string_view notice = {});
  Status renegotiate(uint64_t now_ms);
  // The TLS context of the key states made from now on (renegotiations): a reloaded CRL then
  // applies to connected clients at their next renegotiation, as in stock OpenVPN.
  void set_tls(std::shared_ptr<const TlsContext> tls) noexcept { tls_ = std::move(tls); }

  std::vector<ServerOutcome> take_outcomes();
  Phase phase() const noexcept { return phase_; }
  PeerId peer() const noexcept { return config_.peer_id; }
  const ServerSessionStats& stats() const noexcept { return stats_; }
  const KeyRotationStats& rotation_stats() const noexcept { return keys_.stats(); }
  KeyId primary_key_id() const noexcept;
  const proto::SessionId& session_id() const noexcept { return session_id_; }

 private:
  ServerSession(ServerSessionConfig config, TlsWrapContext wrap,
                std::shared_ptr<const TlsContext> tls, dco::Dco& dco);

  Expected<std::unique_ptr<KeyState>> make_key_state(ResetKind reset, KeyId key_id, uint64_t now_ms,
                                                     const NewSession* start = nullptr);
  void flush(uint64_t now_ms);
  void handle_messages(uint64_t now_ms);
  void run_timers(uint64_t now_ms);
  Status connect(uint64_t now_ms);
  void send_push_reply();
  void send_auth_failed(const std::string& reason, EndReason end, uint64_t now_ms);
  void finish(EndReason reason, std::string detail);
  dco::ControlTarget target() const;

  ServerSessionConfig config_;
  std::unique_ptr<TlsWrapContext> wrap_;  // key states keep a reference: its address is fixed
  std::unique_ptr<TlsWrapContext> dynamic_wrap_;
  std::shared_ptr<const TlsContext> tls_;
  dco::Dco* dco_;
  proto::SessionId session_id_{};

  Phase phase_ = Phase::kHandshake;
  KeyRotation keys_;
  ClientGrant grant_;
  PeerInfo peer_info_;
  std::string client_options_;  // the client's OCC string (its cipher, for old clients)
  bool push_requested_ = false;
  bool pushed_ = false;
  bool cc_exit_ = false;
  bool peer_created_ = false;
  crypto::CipherAlg cipher_ = crypto::CipherAlg::kAes256Gcm;
  bool ekm_ = false;
  std::vector<std::string> push_messages_;  // the PUSH_REPLY, split
  uint64_t reject_deadline_ms_ = 0;
  EndReason reject_reason_ = EndReason::kRejected;  // reported when the linger ends

  std::vector<ServerOutcome> outcomes_;
  ServerSessionStats stats_;
};

}  // namespace ovpn::control
