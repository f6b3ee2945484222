#pragma once
// One client of the load driver: a control::ClientSession on its own UDP socket (SocketDco),
// taken through the life the server load test asks of it:
//
//   idle       not started yet (the driver bounds the handshakes in flight)
//   handshake  start(): the session config is made from the client options as the ovpnd
//              client makes it (app::make_session_config, a fresh tls-wrap context)
//   pinging    Connected: one ICMP echo to the target through the data channel, sealed with
//              the pushed cipher and key; sent again every second, at most kEchoTries times
//   pinged     the echo reply came back (opened with the receive key); keepalive pings go out
//              while the driver holds the connections
//   no reply   no echo reply after kEchoTries (or by the driver's deadline): held and exited
//              like a pinged client, so that the server is told, but counted as a failure
//   exiting    exit(): the session's clean exit (EXIT when cc-exit was negotiated)
//   exited     the session reported Exited; the socket is closed
//   failed     any other outcome, or a timeout; the reason is kept
//
// Thread: the driver's thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "app/client_setup.h"
#include "common/ip_address.h"
#include "config/client_options.h"
#include "control/client_session.h"
#include "socket_dco.h"

namespace ovpn::load {

inline constexpr int kEchoTries = 5;
inline constexpr uint64_t kEchoIntervalMs = 1000;

// What every client shares: the options and what was made from them once.
struct ClientSetup {
  const config::ClientOptions* options = nullptr;
  const config::ConnectionEntry* entry = nullptr;
  Endpoint server;
  std::shared_ptr<const control::TlsContext> tls;
  const app::ClientWrapKeys* wrap_keys = nullptr;
  app::Credentials credentials;
  std::optional<IpAddress> ping_target;  // default: the pushed route-gateway
};

class LoadClient {
 public:
  enum class State : uint8_t {
    kIdle,
    kHandshake,
    kPinging,
    kPinged,
    kNoReply,
    kExiting,
    kExited,
    kFailed
  };

  LoadClient(uint16_t index, const ClientSetup& setup) : index_(index), setup_(&setup) {}

  // Opens the socket and starts the session (state handshake); on error the client has failed.
  void start(uint64_t now_ms);
  // The socket is readable: control packets go to the session, data packets are opened.
  void on_readable(uint64_t now_ms);
  // Timers: the session's, the echo's retries, keepalive pings.
  void on_timer(uint64_t now_ms);
  std::optional<uint64_t> next_timeout_ms() const;
  // The clean exit of a connected client; others fail with `why_not_connected`.
  void exit(uint64_t now_ms, const std::string& why_not_connected);
  // Gives up (the session deletes its peer; nothing more is sent).
  void fail(const std::string& why);
  // Stops waiting for the echo reply (state no reply); the session stays up.
  void give_up_echo(const std::string& why);

  int fd() const noexcept { return dco_ ? dco_->fd() : -1; }
  State state() const noexcept { return state_; }
  bool connected_once() const noexcept { return connected_ms_ != 0; }
  bool pinged_once() const noexcept { return pinged_ms_ != 0; }
  // Why the client failed, or did not get its echo reply.
  const std::string& failure() const noexcept { return failure_; }
  uint64_t started_ms() const noexcept { return started_ms_; }
  uint64_t connected_ms() const noexcept { return connected_ms_; }
  uint64_t pinged_ms() const noexcept { return pinged_ms_; }
  uint64_t push_requests() const noexcept { return push_requests_; }
  int echo_tries() const noexcept { return echo_tries_; }
  uint64_t ignored_messages() const noexcept { return ignored_messages_; }

 private:
  void poll(uint64_t now_ms);
  void handle_outcomes(uint64_t now_ms);
  void on_connected(const control::Connected& c, uint64_t now_ms);
  void send_echo(uint64_t now_ms);
  void on_data(std::span<uint8_t> wire, uint64_t now_ms);
  void close();

  uint16_t index_;
  const ClientSetup* setup_;
  State state_ = State::kIdle;
  std::unique_ptr<SocketDco> dco_;
  std::unique_ptr<control::ClientSession> session_;  // after dco_: destroyed first
  std::string failure_;

  IpAddress vpn_address_;
  IpAddress target_;
  uint32_t keepalive_ms_ = 0;
  int echo_tries_ = 0;
  uint64_t echo_due_ms_ = 0;

  uint64_t started_ms_ = 0;
  uint64_t connected_ms_ = 0;
  uint64_t pinged_ms_ = 0;
  uint64_t push_requests_ = 0;
  uint64_t ignored_messages_ = 0;
};

}  // namespace ovpn::load
