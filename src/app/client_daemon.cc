#include "app/client_daemon.h"

#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>

#include "app/auth_prompt.h"
#include "app/client_setup.h"
#include "app/client_status.h"
#include "app/client_tunnel.h"
#include "app/privileges.h"
#include "app/reconnect_policy.h"
#include "app/tcp_handshake.h"
#include "common/clock.h"
#include "common/log.h"
#include "engine/engine_dco.h"
#include "engine/mss_clamp.h"
#include "io/fd.h"
#include "io/io_result.h"

namespace ovpn::app {
namespace {

constexpr Logger kLog{"ovpnd"};
constexpr uint64_t kNever = ~uint64_t{0};
// A handshake the server has answered and then stopped answering (it restarted, or a server
// that was going down took it) is abandoned after this much silence, rather than at the end of
// hand-window: a live server ACKs every packet of ours within a round trip, also while it
// defers the PUSH_REPLY.
constexpr uint64_t kHandshakeSilenceMs = 8000;

// What ends a run of the loop.
enum class Stop : uint8_t { kNone, kExit, kFail };

Expected<Endpoint> resolve(const config::ConnectionEntry& entry) {
  addrinfo hints{};
  hints.ai_family = entry.family == config::AddressFamily::kIpv4   ? AF_INET
                    : entry.family == config::AddressFamily::kIpv6 ? AF_INET6
                                                                   : AF_UNSPEC;
  hints.ai_socktype = entry.proto == config::TransportProto::kTcpClient ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(entry.remote_host.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    return make_error(Errc::kNotFound, "RESOLVE: Cannot resolve host address: " +
                                           entry.remote_host + ": " + ::gai_strerror(rc));
  }
  std::optional<Endpoint> found;
  for (addrinfo* a = list; a != nullptr && !found; a = a->ai_next) {
    if (auto e = Endpoint::from_sockaddr(a->ai_addr, a->ai_addrlen)) {
      found = Endpoint(e->address(), entry.remote_port);
    }
  }
  ::freeaddrinfo(list);
  if (!found) return make_error(Errc::kNotFound, "no address for " + entry.remote_host);
  return *found;
}

// dev tun -> tun%d (the kernel numbers it), dev tun0 / dev NAME -> as written.
std::string device_name(const config::TunRouteOptions& tun) {
  if (tun.dev == "tun") return "tun%d";
  return tun.dev;
}

// The engine's UDP socket: local/lport as configured (lport defaults to 1194 as in OpenVPN),
// else any port, dual stack.
Expected<Endpoint> listen_endpoint(const config::ConnectionEntry& entry) {
  IpAddress address = IpAddress::v6(in6addr_any);
  if (!entry.local_host.empty()) {
    auto a = IpAddress::parse(entry.local_host);
    if (!a) {
      return make_error(Errc::kInvalidArgument,
                        "local " + entry.local_host + ": ovpnd binds to an address, not a name");
    }
    address = *a;
  }
  const bool udp = entry.proto == config::TransportProto::kUdp;
  uint16_t port = 0;
  if (udp && entry.bind_local) port = entry.local_port == 0 ? 1194 : entry.local_port;
  return Endpoint(address, port);
}

// mssfix: the largest TCP segment whose encrypted UDP datagram fits in `mssfix` bytes of IPv4
// (IP 20 + UDP 8 + DATA_V2 header 8 + tag 16 + inner IP 20 + TCP 20); 0: off.
uint16_t max_mss(const config::ConnectionEntry& entry) {
  if (entry.mssfix == 0) return 0;
  const uint32_t by_mtu = engine::mss_for_mtu(entry.tun_mtu);
  const uint32_t by_mssfix = entry.mssfix > 92 ? entry.mssfix - 92 : 0;
  return static_cast<uint16_t>(std::min(by_mtu, by_mssfix));
}

class ClientDaemon {
 public:
  ClientDaemon(const config::ClientOptions& options, const ClientRunSettings& settings)
      : options_(options), settings_(settings), policy_(options.connection, shuffle_entries) {}

  int run();

 private:
  static void shuffle_entries(std::vector<size_t>& order) {
    std::random_device rd;
    std::shuffle(order.begin(), order.end(), std::mt19937(rd()));
  }

  Status setup();
  Status ask_credentials(bool force);
  void start_attempt(uint64_t now);
  void start_session(uint64_t now, dco::Dco& dco, int tcp_fd);
  void attempt_failed(const std::string& why, uint64_t now);
  void end_session(const std::string& signal, bool reconnecting);
  void on_connected(const control::Connected& c);
  void handle_outcomes(uint64_t now);
  void on_notifications(uint64_t now);
  void on_tcp_readable(uint64_t now);
  void on_tcp_connected(uint64_t now);
  void on_signal(uint64_t now);
  void log_status();
  uint64_t next_deadline() const;
  void run_timers(uint64_t now);

  const config::ClientOptions& options_;
  const ClientRunSettings& settings_;
  ReconnectPolicy policy_;
  std::shared_ptr<const control::TlsContext> tls_;
  std::optional<ClientWrapKeys> wrap_keys_;
  Credentials credentials_;
  std::unique_ptr<engine::EngineDco> engine_;
  std::unique_ptr<ClientTunnel> tunnel_;
  io::Fd signals_;

  // The attempt in progress.
  std::optional<Endpoint> remote_;
  size_t entry_index_ = 0;
  io::Fd connecting_;  // TCP: the socket while its connect is pending
  std::unique_ptr<TcpHandshakeDco> tcp_;
  std::unique_ptr<control::ClientSession> session_;
  std::optional<PeerId> peer_;
  bool connected_ = false;
  bool pushed_ping_restart_ = false;    // the server's ping-restart overrides our ping-exit
  uint64_t attempt_deadline_ = kNever;  // server-poll-timeout / TCP connect
  uint64_t retry_at_ = kNever;          // the next attempt starts
  uint64_t exit_deadline_ = kNever;     // a SIGTERM is being handled
  uint64_t status_at_ = kNever;         // the status file is written
  uint64_t last_heard_ = kNever;        // the last control packet from the server (handshake)
  std::vector<dco::Notification> notifications_;
  uint64_t foreign_packets_ = 0;  // control packets from other addresses than the server's
  Stop stop_ = Stop::kNone;
};

Status ClientDaemon::ask_credentials(bool force) {
  const auto& auth = options_.auth;
  if (!auth.auth_user_pass) return {};
  credentials_.username = auth.username;
  credentials_.password = auth.password.value_or("");
  if (auth.username.empty() || force) {
    auto user = prompt_line("Enter Auth Username: ", true);
    if (!user) return forward_error(std::move(user));
    credentials_.username = *user;
  }
  if (!auth.password || force) {
    auto pass = prompt_line("Enter Auth Password: ", false);
    if (!pass) return forward_error(std::move(pass));
    credentials_.password = *pass;
  }
  return {};
}

Status ClientDaemon::setup() {
  auto tls = make_client_tls(options_.tls);
  if (!tls) return forward_error(std::move(tls));
  tls_ = std::move(*tls);
  auto keys = ClientWrapKeys::create(options_.tls);
  if (!keys) return forward_error(std::move(keys));
  wrap_keys_ = std::move(*keys);
  if (auto st = ask_credentials(false); !st) return st;

  const config::ConnectionEntry& first = options_.connection.entries.front();
  auto listen = listen_endpoint(first);
  if (!listen) return forward_error(std::move(listen));
  engine::EngineOptions eo;
  eo.mode = dco::Mode::kPointToPoint;
  eo.ifname = device_name(options_.tun);
  eo.threads = settings_.threads;
  eo.listen = *listen;
  eo.max_mss = max_mss(first);
  eo.udp_offload = settings_.udp_offload;
  eo.tun_offload = settings_.tun_offload;
  eo.tx_queue_len = options_.tun.txqueuelen.value_or(eo.tx_queue_len);
  eo.fanout = engine::kFanoutDefault;
  auto engine = engine::EngineDco::start(eo);
  if (!engine) return forward_error(std::move(engine));
  engine_ = std::move(*engine);
  OVPN_LOG(kLog, LogLevel::kInfo, "TUN/TAP device %s opened", engine_->ifname().c_str());
  OVPN_LOG(kLog, LogLevel::kInfo, "UDPv4/v6 link local (bound): %s, %zu engine shards",
           engine_->local_endpoint().to_string().c_str(), engine_->shards());
  tunnel_ = std::make_unique<ClientTunnel>(options_, settings_.config_path, engine_->ifindex(),
                                           engine_->ifname());
  if (auto st = drop_privileges(options_.scripts.user, options_.scripts.group); !st) return st;
  if (!options_.scripts.user.empty() || !options_.scripts.group.empty()) {
    OVPN_LOG(kLog, LogLevel::kInfo,
             "dropped privileges to user '%s' group '%s' (CAP_NET_ADMIN kept)",
             options_.scripts.user.c_str(), options_.scripts.group.c_str());
  }
  if (!options_.logging.status_file.empty()) status_at_ = monotonic_ms();
  return {};
}

void ClientDaemon::start_attempt(uint64_t now) {
  retry_at_ = kNever;
  if (policy_.exhausted()) {
    OVPN_LOG(kLog, LogLevel::kError,
             "All connections have been connect-retry-max (%u) times "
             "unsuccessful, exiting",
             options_.connection.connect_retry_max);
    stop_ = Stop::kFail;
    return;
  }
  entry_index_ = policy_.current();
  const config::ConnectionEntry& entry = options_.connection.entries[entry_index_];
  auto remote = resolve(entry);
  if (!remote) {
    attempt_failed(remote.error().message, now);
    return;
  }
  remote_ = *remote;
  attempt_deadline_ = now + uint64_t{entry.server_poll_timeout_s} * 1000;
  if (entry.proto == config::TransportProto::kUdp) {
    OVPN_LOG(kLog, LogLevel::kInfo, "UDP link remote: %s", remote_->to_string().c_str());
    start_session(now, *engine_, -1);
    return;
  }
  std::optional<Endpoint> local;
  if (!entry.local_host.empty() || entry.local_port != 0) {
    auto l = listen_endpoint(entry);
    if (!l) {
      attempt_failed(l.error().message, now);
      return;
    }
    const bool any = l->address().is_unspecified();
    local = Endpoint(any ? (remote_->is_v4() ? IpAddress::v4(0u) : l->address()) : l->address(),
                     entry.local_port);
  }
  OVPN_LOG(kLog, LogLevel::kInfo, "Attempting to establish TCP connection with %s",
           remote_->to_string().c_str());
  auto fd = start_tcp_connect(*remote_, local);
  if (!fd) {
    attempt_failed(fd.error().message, now);
    return;
  }
  connecting_ = std::move(*fd);
}

void ClientDaemon::on_tcp_connected(uint64_t now) {
  io::Fd fd = std::move(connecting_);
  if (auto st = finish_tcp_connect(fd.get(), *remote_); !st) {
    attempt_failed(st.error().message, now);
    return;
  }
  OVPN_LOG(kLog, LogLevel::kInfo, "TCP connection established with %s",
           remote_->to_string().c_str());
  tcp_ = std::make_unique<TcpHandshakeDco>(*engine_, std::move(fd), *remote_);
  start_session(now, *tcp_, tcp_->socket_fd());
}

void ClientDaemon::start_session(uint64_t now, dco::Dco& dco, int tcp_fd) {
  const config::ConnectionEntry& entry = options_.connection.entries[entry_index_];
  auto config = make_session_config(options_, entry, *remote_, credentials_);
  if (!config) {
    attempt_failed(config.error().message, now);
    return;
  }
  config->tcp_fd = tcp_fd;
  auto wrap = wrap_keys_->make(static_cast<uint32_t>(::time(nullptr)));
  if (!wrap) {
    attempt_failed(wrap.error().message, now);
    return;
  }
  auto session =
      control::ClientSession::create(std::move(*config), std::move(*wrap), tls_, dco, now);
  if (!session) {
    attempt_failed(session.error().message, now);
    return;
  }
  session_ = std::move(*session);
  session_->poll(now);
}

// The session (if any) and its peer go; the tunnel stays for a reconnect when persist-tun.
void ClientDaemon::end_session(const std::string& signal, bool reconnecting) {
  session_.reset();  // deletes the peer through the DCO
  tcp_.reset();
  connecting_.reset();
  peer_.reset();
  remote_.reset();
  attempt_deadline_ = kNever;
  last_heard_ = kNever;
  if (connected_ || tunnel_->is_up()) tunnel_->down(signal, reconnecting);
  connected_ = false;
}

void ClientDaemon::attempt_failed(const std::string& why, uint64_t now) {
  OVPN_LOG(kLog, LogLevel::kWarn, "%s", why.c_str());
  end_session("connection-failed", true);
  policy_.failed();
  OVPN_LOG(kLog, LogLevel::kInfo,
           "SIGUSR1[soft,connection-failed] received, process restarting; "
           "next attempt in %u s",
           policy_.pause_s());
  retry_at_ = now + uint64_t{policy_.pause_s()} * 1000;
}

void ClientDaemon::on_connected(const control::Connected& c) {
  peer_ = c.peer;
  connected_ = true;
  pushed_ping_restart_ = c.pushed.ping_restart_s.has_value();
  attempt_deadline_ = kNever;
  OVPN_LOG(kLog, LogLevel::kInfo, "Data Channel: cipher '%s', peer-id: %u, key derivation %s",
           crypto::cipher_name(c.cipher), c.peer.value(), c.ekm ? "TLS-EKM" : "PRF");
  for (const auto& w : c.pushed.warnings) OVPN_LOG(kLog, LogLevel::kWarn, "%s", w.c_str());
  for (const auto& e : c.pushed.echo) OVPN_LOG(kLog, LogLevel::kInfo, "echo %s", e.c_str());
  TunnelConnection tc;
  tc.pushed = &c.pushed;
  tc.connection_index = entry_index_;
  tc.server = *remote_;
  tc.peer_id = c.pushed.peer_id;
  tc.username = credentials_.username;
  if (auto st = tunnel_->up(tc); !st) {
    OVPN_LOG(kLog, LogLevel::kError, "setting up the tunnel: %s", st.error().message.c_str());
    stop_ = Stop::kFail;
    return;
  }
  policy_.connected();
  OVPN_LOG(kLog, LogLevel::kInfo, "Initialization Sequence Completed");
}

void ClientDaemon::handle_outcomes(uint64_t now) {
  if (!session_) return;
  for (auto& outcome : session_->take_outcomes()) {
    if (exit_deadline_ != kNever) {
      // Exiting: whatever ends the session now (the EXIT acknowledged, the server gone) ends
      // the process; nothing reconnects.
      end_session("sigterm", false);
      stop_ = Stop::kExit;
      return;
    }
    if (auto* c = std::get_if<control::Connected>(&outcome)) {
      on_connected(*c);
      if (stop_ != Stop::kNone) return;
    } else if (auto* r = std::get_if<control::Restart>(&outcome)) {
      const bool was_connected = connected_;
      // ping-exit: the timeout exits instead of restarting, unless a ping-restart (ours or
      // the server's) set the timeout.
      const bool ping_exit = r->reason == "ping-restart" && options_.timers.ping_exit_s != 0 &&
                             !options_.timers.ping_restart_s && !options_.timers.keepalive &&
                             !pushed_ping_restart_;
      if (ping_exit) {
        OVPN_LOG(kLog, LogLevel::kInfo, "SIGTERM[soft,ping-exit] received, process exiting");
        end_session("ping-exit", false);
        stop_ = Stop::kExit;
        return;
      }
      OVPN_LOG(kLog, LogLevel::kInfo, "SIGUSR1[soft,%s] received, process restarting",
               r->reason.c_str());
      end_session(r->reason == "ping-restart" ? "ping-restart" : "sigusr1", true);
      if (was_connected) {
        policy_.interrupted(r->backoff_s, r->next_remote);
      } else {
        policy_.failed(r->backoff_s, true);
      }
      retry_at_ = now + uint64_t{policy_.pause_s()} * 1000;
      return;
    } else if (auto* a = std::get_if<control::AuthFailed>(&outcome)) {
      OVPN_LOG(kLog, LogLevel::kError, "AUTH: Received control message: AUTH_FAILED%s%s",
               a->reason.empty() ? "" : ",", a->reason.c_str());
      end_session("auth-failure", options_.auth.auth_retry != config::AuthRetry::kNone);
      if (options_.auth.auth_retry == config::AuthRetry::kNone) {
        OVPN_LOG(kLog, LogLevel::kInfo, "SIGTERM[soft,auth-failure] received, process exiting");
        stop_ = Stop::kFail;
        return;
      }
      if (options_.auth.auth_retry == config::AuthRetry::kInteract) {
        if (auto st = ask_credentials(true); !st) {
          OVPN_LOG(kLog, LogLevel::kError, "%s", st.error().message.c_str());
          stop_ = Stop::kFail;
          return;
        }
      }
      policy_.failed(std::nullopt, false);
      // auth-retry nointeract: never faster than every 10 s (OpenVPN's pause for it).
      policy_.auth_failed_pause(10);
      OVPN_LOG(kLog, LogLevel::kInfo,
               "SIGUSR1[soft,auth-failure] received, process restarting; "
               "next attempt in %u s",
               policy_.pause_s());
      retry_at_ = now + uint64_t{policy_.pause_s()} * 1000;
      return;
    } else if (auto* h = std::get_if<control::Halt>(&outcome)) {
      OVPN_LOG(kLog, LogLevel::kInfo,
               "SIGTERM[soft,server-pushed-halt] received, process exiting (%s)",
               h->reason.c_str());
      end_session("sigterm", false);
      stop_ = Stop::kExit;
      return;
    } else if (std::holds_alternative<control::Exited>(outcome)) {
      end_session("sigterm", false);
      stop_ = Stop::kExit;
      return;
    }
  }
}

void ClientDaemon::on_notifications(uint64_t now) {
  notifications_.clear();
  engine_->read_notifications(notifications_, 256);
  for (const auto& n : notifications_) {
    if (!session_) continue;
    if (const auto* p = std::get_if<dco::ControlPacket>(&n.event)) {
      // Over UDP, only the server we talk to may speak (no float for the control channel).
      if (p->transport == dco::Transport::kUdp && (!remote_ || p->remote != *remote_)) {
        ++foreign_packets_;
        continue;
      }
    }
    if (std::holds_alternative<dco::ControlPacket>(n.event)) last_heard_ = now;
    session_->on_notification(n, now);
    session_->poll(now);
    handle_outcomes(now);
    if (stop_ != Stop::kNone) return;
  }
}

void ClientDaemon::on_tcp_readable(uint64_t now) {
  std::vector<std::vector<uint8_t>> packets;
  const Status st = tcp_->read_packets(packets);
  for (const auto& p : packets) {
    if (!session_) break;
    last_heard_ = now;
    session_->on_packet(p, now);
    session_->poll(now);
    handle_outcomes(now);
    if (stop_ != Stop::kNone) return;
  }
  if (!st && session_ && tcp_ && !tcp_->handed_over()) {
    attempt_failed(st.error().message, now);
  }
}

void ClientDaemon::on_signal(uint64_t now) {
  signalfd_siginfo info{};
  if (::read(signals_.get(), &info, sizeof info) != sizeof info) return;
  switch (info.ssi_signo) {
    case SIGTERM:
    case SIGINT: {
      const char* name = info.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT";
      if (exit_deadline_ != kNever || !session_) {
        OVPN_LOG(kLog, LogLevel::kInfo, "%s[hard,] received, process exiting", name);
        end_session("sigterm", false);
        stop_ = Stop::kExit;
        return;
      }
      OVPN_LOG(kLog, LogLevel::kInfo, "%s[hard,] received, process exiting", name);
      exit_deadline_ = now + control::kDefaultExitWaitMs + 1000;
      session_->exit(now);
      session_->poll(now);
      handle_outcomes(now);
      return;
    }
    case SIGUSR1:
    case SIGHUP:
      OVPN_LOG(kLog, LogLevel::kInfo, "%s[hard,] received, process restarting",
               info.ssi_signo == SIGUSR1 ? "SIGUSR1" : "SIGHUP");
      end_session("sigusr1", true);
      policy_.interrupted();
      retry_at_ = now;
      return;
    case SIGUSR2:
      log_status();
      return;
    default:
      return;
  }
}

void ClientDaemon::log_status() {
  ClientStatus s;
  if (peer_) {
    if (auto info = engine_->peer_get(*peer_)) s.stats = info->stats;
  }
  s.connected = connected_;
  s.remote = remote_ ? remote_->to_string() : "";
  for (const std::string& line : status_lines(s))
    OVPN_LOG(kLog, LogLevel::kInfo, "%s", line.c_str());
  if (!options_.logging.status_file.empty()) {
    if (auto st = write_status_file(options_.logging.status_file, s); !st) {
      OVPN_LOG(kLog, LogLevel::kWarn, "%s", st.error().message.c_str());
    }
  }
}

uint64_t ClientDaemon::next_deadline() const {
  uint64_t t = std::min({attempt_deadline_, retry_at_, exit_deadline_, status_at_});
  if (!connected_ && last_heard_ != kNever) t = std::min(t, last_heard_ + kHandshakeSilenceMs);
  if (session_) {
    if (auto s = session_->next_timeout_ms()) t = std::min(t, *s);
  }
  return t;
}

void ClientDaemon::run_timers(uint64_t now) {
  if (now >= exit_deadline_) {
    end_session("sigterm", false);
    stop_ = Stop::kExit;
    return;
  }
  if (session_) {
    session_->poll(now);
    handle_outcomes(now);
    if (stop_ != Stop::kNone) return;
  }
  if (!connected_ && now >= attempt_deadline_ && (session_ || connecting_.valid())) {
    attempt_failed("Server poll timeout, trying next remote entry...", now);
  } else if (!connected_ && session_ && last_heard_ != kNever &&
             now >= last_heard_ + kHandshakeSilenceMs) {
    attempt_failed("TLS handshake stalled: the server stopped answering", now);
  }
  if (now >= retry_at_) start_attempt(now);
  if (now >= status_at_ && !options_.logging.status_file.empty()) {
    ClientStatus s;
    if (peer_) {
      if (auto info = engine_->peer_get(*peer_)) s.stats = info->stats;
    }
    s.connected = connected_;
    if (auto st = write_status_file(options_.logging.status_file, s); !st) {
      OVPN_LOG(kLog, LogLevel::kWarn, "%s", st.error().message.c_str());
    }
    status_at_ = now + uint64_t{std::max(options_.logging.status_interval_s, 1u)} * 1000;
  }
}

int ClientDaemon::run() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGHUP}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before the engine's threads: they inherit it
  ::signal(SIGPIPE, SIG_IGN);
  signals_ = io::Fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signals_.valid()) {
    OVPN_LOG(kLog, LogLevel::kError, "signalfd: %s", std::strerror(errno));
    return 1;
  }
  if (auto st = setup(); !st) {
    OVPN_LOG(kLog, LogLevel::kError, "%s", st.error().message.c_str());
    OVPN_LOG(kLog, LogLevel::kInfo, "Exiting due to fatal error");
    return 1;
  }
  retry_at_ = monotonic_ms();
  while (stop_ == Stop::kNone) {
    pollfd fds[3] = {
        {signals_.get(), POLLIN, 0}, {engine_->notification_fd(), POLLIN, 0}, {-1, 0, 0}};
    if (connecting_.valid()) {
      fds[2] = {connecting_.get(), POLLOUT, 0};
    } else if (tcp_ && !tcp_->handed_over()) {
      fds[2] = {tcp_->socket_fd(), POLLIN, 0};
    }
    const uint64_t now = monotonic_ms();
    const uint64_t deadline = next_deadline();
    const int timeout = deadline == kNever ? 1000
                        : deadline <= now
                            ? 0
                            : static_cast<int>(std::min<uint64_t>(deadline - now, 1000));
    const int n = ::poll(fds, 3, timeout);
    if (n < 0 && errno != EINTR) {
      OVPN_LOG(kLog, LogLevel::kError, "poll: %s", std::strerror(errno));
      stop_ = Stop::kFail;
      break;
    }
    const uint64_t t = monotonic_ms();
    if (fds[0].revents != 0) on_signal(t);
    if (stop_ == Stop::kNone && fds[1].revents != 0) on_notifications(t);
    if (stop_ == Stop::kNone && fds[2].fd >= 0 && fds[2].revents != 0) {
      if (connecting_.valid() && fds[2].fd == connecting_.get()) {
        on_tcp_connected(t);
      } else if (tcp_ && fds[2].fd == tcp_->socket_fd()) {
        on_tcp_readable(t);
      }
    }
    if (stop_ == Stop::kNone) run_timers(monotonic_ms());
  }
  end_session("sigterm", false);
  tunnel_.reset();
  engine_.reset();
  return stop_ == Stop::kFail ? 1 : 0;
}

}  // namespace

int run_client(const config::ClientOptions& options, const ClientRunSettings& settings) {
  ClientDaemon daemon(options, settings);
  return daemon.run();
}

}  // namespace ovpn::app
