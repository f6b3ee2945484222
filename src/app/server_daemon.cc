#include "app/server_daemon.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <random>

#include "app/address_pool.h"
#include "app/client_scripts.h"
#include "app/inactivity_timer.h"
#include "app/management_server.h"
#include "app/net_setup.h"
#include "app/privileges.h"
#include "app/script_runner.h"
#include "app/server_setup.h"
#include "app/server_status.h"
#include "app/tcp_handshake.h"
#include "common/clock.h"
#include "common/log.h"
#include "config/ccd.h"
#include "config/file_system.h"
#include "config/pool_persist.h"
#include "control/handshake_limiter.h"
#include "control/session_cookie.h"
#include "control/stateless_handshake.h"
#include "engine/engine_dco.h"
#include "engine/mss_clamp.h"
#include "io/fd.h"
#include "io/io_result.h"

namespace ovpn::app {
namespace {

constexpr Logger kLog{"ovpnd"};
constexpr uint64_t kNever = ~uint64_t{0};

enum class Stop : uint8_t { kNone, kExit, kFail, kRestart };

uint32_t unix_now() { return static_cast<uint32_t>(::time(nullptr)); }

// One client: its session, and over TCP its connection until the engine has it.
struct Client {
  PeerId peer = PeerId::undefined();
  Endpoint remote;
  bool tcp = false;
  std::unique_ptr<TcpHandshakeDco> tcp_link;  // TCP: the socket, then the engine
  std::unique_ptr<control::ServerSession> session;
  std::optional<PoolLease> lease;
  std::string common_name;
  std::string username;
  bool half_open = false;  // counted by the limiter until the handshake is done
  bool established = false;
  int64_t connected_since = 0;
  std::string cipher;
  control::KeyRotationStats keys_logged;  // what log_key_events() has reported so far
  std::vector<std::pair<std::string, std::string>> peer_info;  // for the scripts
  bool granted = false;  // accepted (after client-connect): client-disconnect runs at its end
  std::optional<IpAddress> vpn_ipv4, vpn_ipv6;
  dco::PeerStats stats;  // sampled every second (the engine forgets a peer when it expires)
  std::optional<InactivityTimer> inactivity;
};

std::string client_name(const Client& c) {
  return (c.common_name.empty() ? std::string("UNDEF") : c.common_name) + "/" +
         c.remote.to_string();
}

// The daemon answers the management interface (management::Handler) itself.
class ServerDaemon : private management::Handler {
 public:
  ServerDaemon(const config::ServerOptions& options, const ServerRunSettings& settings,
               ServerPersistent& persistent)
      : options_(options), settings_(settings), management_(persistent.management) {}
  ServerRunResult run();

 private:
  Status setup();
  std::optional<PeerId> allocate_peer_id() const;
  void on_notifications(uint64_t now);
  void on_unknown_udp(const dco::ControlPacket& packet, uint64_t now);
  void on_accept(uint64_t now);
  void on_tcp_readable(Client& client, uint64_t now);
  Client* start_session(std::unique_ptr<Client> client, control::TlsWrapContext wrap,
                        const control::NewSession& start, std::span<const uint8_t> packet,
                        dco::Dco& dco, uint64_t now);
  void handle_outcomes(Client& client, uint64_t now);
  void log_key_events(Client& client);
  void authorize(Client& client, const control::NeedsAuthorization& who, uint64_t now);
  Status verify_user_pass(const Client& client, const control::NeedsAuthorization& who);
  void end_client(PeerId peer, const std::string& why);
  // Thread: main (each blocks while its script runs).
  ClientScriptFacts script_facts(const Client& client) const;
  ClientScriptSettings script_settings() const;
  Status client_connect(Client& client, std::optional<config::ClientConfig>& ccd,
                        control::ClientGrant& grant);
  void client_disconnect(const Client& client);
  bool tls_crypt_v2_allowed(const Client& client, const control::NewSession& start);
  // Samples every client's counters; ends the ones `inactive` says are idle.
  void sample_clients(uint64_t now);
  // crl-verify FILE: a changed file is read again before a new client's handshake.
  void reload_crl_if_changed();
  void handshake_finished(Client& client);
  void on_signal(uint64_t now);
  void write_status();
  void write_pool_persist();
  ServerStatus status() const;
  void report_state(const char* name, const char* description);
  size_t kill_clients(const std::vector<PeerId>& peers, std::string_view notice = "RESTART");
  // management::Handler
  std::vector<std::string> status_lines(uint32_t version) override;
  std::vector<management::ClientBytes> client_bytes() override;
  size_t kill_by_common_name(std::string_view common_name) override;
  size_t kill_by_address(const Endpoint& remote, management::LinkProto proto) override;
  size_t kill_by_client_id(uint32_t client_id, std::string_view notice) override;
  void raise_signal(int signo) override;

  const config::ServerOptions& options_;
  const ServerRunSettings& settings_;
  std::unique_ptr<engine::EngineDco> engine_;
  std::shared_ptr<const control::TlsContext> tls_;
  std::optional<control::StatelessHandshake> handshake_;
  std::optional<control::HandshakeLimiter> limiter_;
  std::optional<AddressPool> pool_;
  std::unique_ptr<io::NetlinkSocket> netlink_;
  std::unique_ptr<NetlinkOps> net_ops_;
  std::unique_ptr<NetSetup> net_;
  io::Fd signals_;
  io::Fd listener_;                                      // TCP
  std::map<uint32_t, std::unique_ptr<Client>> clients_;  // by peer id
  std::map<Endpoint, uint32_t> by_remote_;               // UDP clients by address
  std::vector<dco::Notification> notifications_;
  std::vector<uint8_t> reply_;
  uint64_t status_at_ = kNever;
  uint64_t persist_at_ = 0;  // ifconfig-pool-persist is written every interval, and at exit
  uint64_t sample_at_ = 0;
  int64_t started_at_ = ::time(nullptr);
  std::pair<timespec, off_t> crl_seen_{};  // the CRL file's mtime and size as last read
  Stop stop_ = Stop::kNone;
  // The management interface (the socket and its connections), kept across restarts.
  std::unique_ptr<management::Server>& management_;
};

Status ServerDaemon::setup() {
  // First, while no other thread runs: the unix socket is made under a process-wide umask.
  if (!options_.management || (management_ && management_->options() != *options_.management)) {
    management_.reset();
  }
  if (options_.management && !management_) {
    auto management = management::Server::listen(*options_.management, *this);
    if (!management) return forward_error(std::move(management));
    management_ = std::move(*management);
  }
  if (management_) management_->set_handler(*this);
  const bool tcp = options_.transport.proto == config::ServerProto::kTcpServer;
  auto tls = make_server_tls(options_);
  if (!tls) return forward_error(std::move(tls));
  tls_ = std::move(*tls);
  if (struct stat st{}; !options_.server_tls.crl_path.empty() &&
                        ::stat(options_.server_tls.crl_path.c_str(), &st) == 0) {
    crl_seen_ = {st.st_mtim, st.st_size};  // the CRL make_server_tls() took, read at start
  }
  auto wrap = make_server_wrap(options_);
  if (!wrap) return forward_error(std::move(wrap));
  auto cookie = control::SessionCookie::create_random(options_.tls.hand_window_s);
  if (!cookie) return forward_error(std::move(cookie));
  handshake_.emplace(std::move(*wrap), std::move(*cookie),
                     control::StatelessOptions{options_.server_tls.tls_crypt_v2_force_cookie});
  control::HandshakeLimits limits;
  limits.reset_replies = {options_.clients.connect_freq_initial.first,
                          options_.clients.connect_freq_initial.second};
  if (options_.clients.connect_freq) {
    limits.new_clients = {options_.clients.connect_freq->first,
                          options_.clients.connect_freq->second};
  }
  auto limiter = control::HandshakeLimiter::create(limits, monotonic_ms());
  if (!limiter) return forward_error(std::move(limiter));
  limiter_.emplace(std::move(*limiter));
  if (options_.network.pool || options_.network.pool_ipv6) {
    auto pool = AddressPool::create(options_.network);
    if (!pool) return forward_error(std::move(pool));
    pool_.emplace(std::move(*pool));
    // ifconfig-pool-persist: names keep their addresses across restarts.
    const std::string& file = options_.network.pool_persist_file;
    config::RealFileSystem fs;
    if (!file.empty()) {
      if (auto text = fs.read_file(file, config::kMaxFileBytes)) {
        auto parsed = config::parse_pool_persist(*text, file);
        for (const auto& w : parsed.warnings) OVPN_LOG(kLog, LogLevel::kWarn, "%s", w.c_str());
        pool_->restore(parsed.entries);
      }
    }
  }
  reply_.resize(control::kMaxStatelessReplySize);

  // The engine: the tun device and, for UDP, the server's socket.
  engine::EngineOptions eo;
  eo.mode = dco::Mode::kMultiPeer;
  eo.ifname = options_.tun.dev == "tun" ? "tun%d" : options_.tun.dev;
  eo.threads = settings_.threads;
  IpAddress any = IpAddress::v6(in6addr_any);
  if (!options_.transport.local_host.empty()) {
    auto a = IpAddress::parse(options_.transport.local_host);
    if (!a) return make_error(Errc::kInvalidArgument, "local: ovpnd binds to an address");
    any = *a;
  } else if (options_.transport.family == config::AddressFamily::kIpv4) {
    any = IpAddress::v4(0u);
  }
  eo.listen = Endpoint(any, tcp ? 0 : options_.transport.port);
  eo.max_mss = engine::mss_for_mtu(options_.transport.tun_mtu);
  eo.client_to_client = options_.clients.client_to_client;
  eo.udp_offload = settings_.udp_offload;
  eo.tun_offload = settings_.tun_offload;
  eo.tx_queue_len = options_.tun.txqueuelen.value_or(eo.tx_queue_len);
  eo.fanout = engine::kFanoutDefault;
  auto engine = engine::EngineDco::start(eo);
  if (!engine) return forward_error(std::move(engine));
  engine_ = std::move(*engine);

  auto plan = make_server_net_plan(options_, engine_->ifindex());
  if (!plan) return forward_error(std::move(plan));
  auto nl = io::NetlinkSocket::open();
  if (!nl) return forward_error(std::move(nl));
  netlink_ = std::make_unique<io::NetlinkSocket>(std::move(*nl));
  net_ops_ = std::make_unique<NetlinkOps>(*netlink_);
  net_ = std::make_unique<NetSetup>(*net_ops_);
  if (auto st = net_->apply(*plan); !st) return st;
  OVPN_LOG(kLog, LogLevel::kInfo, "TUN/TAP device %s opened", engine_->ifname().c_str());

  if (tcp) {
    const Endpoint listen(any, options_.transport.port);
    io::Fd fd(::socket(listen.is_v4() ? AF_INET : AF_INET6,
                       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
    if (!fd.valid()) return io::errno_error(errno, "socket");
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (!listen.is_v4()) {
      const int v6only = options_.transport.ipv6_only ? 1 : 0;
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    sockaddr_storage ss;
    const socklen_t len = listen.to_sockaddr(ss);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      return io::errno_error(errno, "bind", listen.to_string());
    }
    if (::listen(fd.get(), 128) != 0) return io::errno_error(errno, "listen");
    listener_ = std::move(fd);
    OVPN_LOG(kLog, LogLevel::kInfo, "TCPv4/v6 link local (bound): %s", listen.to_string().c_str());
  } else {
    OVPN_LOG(kLog, LogLevel::kInfo, "UDPv4/v6 link local (bound): %s, %zu engine shards",
             engine_->local_endpoint().to_string().c_str(), engine_->shards());
  }
  if (auto st = drop_privileges(options_.scripts.user, options_.scripts.group); !st) return st;
  if (!options_.logging.status_file.empty()) status_at_ = monotonic_ms();
  report_state("CONNECTED", "SUCCESS");
  return {};
}

std::optional<PeerId> ServerDaemon::allocate_peer_id() const {
  for (uint32_t id = 0; id < options_.clients.max_clients; ++id) {
    if (!clients_.contains(id)) return PeerId::make(id);
  }
  return std::nullopt;
}

Client* ServerDaemon::start_session(std::unique_ptr<Client> client, control::TlsWrapContext wrap,
                                    const control::NewSession& start,
                                    std::span<const uint8_t> packet, dco::Dco& dco, uint64_t now) {
  if (!tls_crypt_v2_allowed(*client, start)) return nullptr;
  reload_crl_if_changed();
  auto config = make_server_session_config(options_, client->tcp, !client->remote.is_v4());
  config.peer_id = client->peer;
  config.remote = client->remote;
  if (client->tcp) config.tcp_fd = client->tcp_link->socket_fd();
  // The server's reneg-sec carries OpenVPN's jitter: a random time in [min, max].
  if (options_.tls.reneg_sec_min && config.reneg_ms != 0) {
    static std::mt19937_64 rng(std::random_device{}());
    const uint64_t lo = uint64_t{*options_.tls.reneg_sec_min} * 1000;
    config.reneg_ms = lo + rng() % (config.reneg_ms - lo + 1);
  }
  auto session = control::ServerSession::create(std::move(config), std::move(wrap), tls_, dco,
                                                packet, now, start);
  if (!session) {
    OVPN_LOG(kLog, LogLevel::kDebug, "%s: %s", client->remote.to_string().c_str(),
             session.error().message.c_str());
    return nullptr;
  }
  client->session = std::move(*session);
  client->session->poll(now);
  Client* raw = client.get();
  if (!client->tcp) by_remote_[client->remote] = client->peer.value();
  clients_[client->peer.value()] = std::move(client);
  return raw;
}

void ServerDaemon::on_unknown_udp(const dco::ControlPacket& p, uint64_t now) {
  const auto v = handshake_->on_packet(p.remote, p.bytes, unix_now(), reply_);
  if (v.action == control::HandshakeAction::kReply) {
    if (limiter_->allow_reply(p.remote.address(), now) == control::LimitVerdict::kAllowed) {
      static_cast<void>(engine_->send_control(p.remote, std::span(reply_.data(), v.reply_size)));
    }
    return;
  }
  if (v.action != control::HandshakeAction::kCreate) return;
  const auto peer = allocate_peer_id();
  if (!peer) {
    OVPN_LOG_RATELIMITED(kLog, LogLevel::kWarn, "max-clients reached: %s refused",
                         p.remote.to_string().c_str());
    return;
  }
  if (limiter_->admit(p.remote.address(), now, v.session->after_cookie) !=
      control::LimitVerdict::kAllowed) {
    return;
  }
  auto ctx = handshake_->make_context(*v.session, unix_now());
  if (!ctx) {
    limiter_->handshake_done(p.remote.address());
    return;
  }
  auto client = std::make_unique<Client>();
  client->peer = *peer;
  client->remote = p.remote;
  client->half_open = true;
  Client* c = start_session(std::move(client), std::move(*ctx), *v.session, p.bytes, *engine_, now);
  if (c == nullptr) {
    limiter_->handshake_done(p.remote.address());
    return;
  }
  handle_outcomes(*c, now);
}

void ServerDaemon::on_notifications(uint64_t now) {
  notifications_.clear();
  engine_->read_notifications(notifications_, 256);
  for (const auto& n : notifications_) {
    std::optional<uint32_t> id;
    if (const auto* p = std::get_if<dco::ControlPacket>(&n.event)) {
      if (p->peer) {
        id = p->peer->value();
      } else if (auto it = by_remote_.find(p->remote); it != by_remote_.end()) {
        id = it->second;
      } else if (p->transport == dco::Transport::kUdp) {
        on_unknown_udp(*p, now);
        continue;
      }
    } else if (const auto* d = std::get_if<dco::PeerDeleted>(&n.event)) {
      id = d->peer.value();
    } else if (const auto* k = std::get_if<dco::KeySwapNeeded>(&n.event)) {
      id = k->peer.value();
    } else if (const auto* f = std::get_if<dco::PeerFloated>(&n.event)) {
      if (auto it = clients_.find(f->peer.value()); it != clients_.end() && !it->second->tcp) {
        by_remote_.erase(it->second->remote);
        it->second->remote = f->remote;
        by_remote_[f->remote] = f->peer.value();
        OVPN_LOG(kLog, LogLevel::kInfo, "%s: floated", client_name(*it->second).c_str());
      }
      continue;
    }
    if (!id) continue;
    auto it = clients_.find(*id);
    if (it == clients_.end() || !it->second->session) continue;
    Client& c = *it->second;
    c.session->on_notification(n, now);
    c.session->poll(now);
    handle_outcomes(c, now);
  }
}

void ServerDaemon::on_accept(uint64_t now) {
  for (int i = 0; i < 64; ++i) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    io::Fd fd(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&ss), &len,
                        SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) return;
    const auto remote = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    const auto peer = allocate_peer_id();
    if (!remote || !peer) continue;  // closes it
    if (limiter_->admit(remote->address(), now, false) != control::LimitVerdict::kAllowed) {
      continue;
    }
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto client = std::make_unique<Client>();
    client->peer = *peer;
    client->remote = *remote;
    client->tcp = true;
    client->half_open = true;
    client->connected_since = ::time(nullptr);
    client->tcp_link = std::make_unique<TcpHandshakeDco>(*engine_, std::move(fd), *remote);
    clients_[peer->value()] = std::move(client);
  }
}

void ServerDaemon::on_tcp_readable(Client& c, uint64_t now) {
  std::vector<std::vector<uint8_t>> packets;
  const Status st = c.tcp_link->read_packets(packets);
  const PeerId peer = c.peer;
  for (const auto& p : packets) {
    auto it = clients_.find(peer.value());
    if (it == clients_.end()) return;
    if (!it->second->session) {
      // The client's hard reset: the ordinary, stateful start (no cookie over TCP).
      const auto v = handshake_->accept_reset(p);
      auto ctx = v.session ? handshake_->make_context(*v.session, unix_now())
                           : Expected<control::TlsWrapContext>(
                                 make_error(Errc::kMalformed, "not a client hard reset"));
      if (!ctx) {
        end_client(peer, "TCP: the first packet is not a client reset");
        return;
      }
      auto owned = std::move(it->second);
      clients_.erase(it);
      const IpAddress address = owned->remote.address();
      dco::Dco& link = *owned->tcp_link;
      if (start_session(std::move(owned), std::move(*ctx), *v.session, p, link, now) == nullptr) {
        limiter_->handshake_done(address);
        return;
      }
    } else {
      it->second->session->on_packet(p, now);
      it->second->session->poll(now);
    }
    auto again = clients_.find(peer.value());
    if (again != clients_.end()) handle_outcomes(*again->second, now);
  }
  if (!st) {
    auto it = clients_.find(peer.value());
    if (it != clients_.end() && it->second->tcp_link && !it->second->tcp_link->handed_over()) {
      end_client(peer, st.error().message);
    }
  }
}

void ServerDaemon::handshake_finished(Client& c) {
  if (!c.half_open) return;
  c.half_open = false;
  limiter_->handshake_done(c.remote.address());
}

Status ServerDaemon::verify_user_pass(const Client& c, const control::NeedsAuthorization& who) {
  const auto& policy = options_.clients;
  if (policy.auth_user_pass_verify.empty()) return {};
  ClientScriptFacts facts = script_facts(c);
  facts.common_name = who.common_name;
  facts.username = who.username;
  return run_user_pass_verify(policy.auth_user_pass_verify, policy.auth_verify_method, facts,
                              who.password, script_settings());
}

void ServerDaemon::authorize(Client& c, const control::NeedsAuthorization& who, uint64_t now) {
  const auto& policy = options_.clients;
  c.username = who.username;
  c.common_name = who.common_name;
  c.peer_info = who.peer_info.entries();
  if (policy.username_as_common_name && !who.username.empty()) c.common_name = who.username;
  auto refuse = [&](const std::string& why) {
    OVPN_LOG(kLog, LogLevel::kWarn, "%s: %s", client_name(c).c_str(), why.c_str());
    static_cast<void>(c.session->reject("", now));
  };
  if (auto st = verify_user_pass(c, who); !st) {
    refuse("TLS Auth Error: " + st.error().message);
    return;
  }
  if (!policy.auth_user_pass_verify.empty()) {
    OVPN_LOG(kLog, LogLevel::kInfo,
             "%s TLS: Username/Password authentication succeeded for username '%s'",
             client_name(c).c_str(), who.username.c_str());
  }
  // One session per certificate, unless duplicate-cn: the newer one wins.
  if (!policy.duplicate_cn && !c.common_name.empty()) {
    std::vector<PeerId> older;
    for (const auto& [id, other] : clients_) {
      if (other.get() != &c && other->common_name == c.common_name) older.push_back(other->peer);
    }
    for (PeerId id : older)
      end_client(id, "replaced by a new connection with the same common name");
  }
  std::optional<config::ClientConfig> ccd;
  if (!policy.client_config_dir.empty() && !c.common_name.empty()) {
    config::RealFileSystem fs;
    const std::string path = policy.client_config_dir + "/" + c.common_name;
    auto text = fs.read_file(path, config::kMaxFileBytes);
    if (text) {
      auto parsed = config::read_client_config(*text, path, fs);
      if (!parsed) {
        refuse(parsed.error().message);
        return;
      }
      if (auto st = config::check_client_config(*parsed, options_.network); !st) {
        refuse(st.error().message);
        return;
      }
      for (const auto& w : parsed->warnings) OVPN_LOG(kLog, LogLevel::kWarn, "%s", w.c_str());
      ccd = std::move(*parsed);
      if (ccd->disable) {
        refuse("client-config-dir: disabled");
        return;
      }
    } else if (policy.ccd_exclusive) {
      refuse("client-config-dir: no file for this client (ccd-exclusive)");
      return;
    }
  } else if (policy.ccd_exclusive) {
    refuse("ccd-exclusive: a client without a common name");
    return;
  }
  if (!(ccd && ccd->ifconfig_push) && pool_) {
    c.lease = pool_->acquire(c.common_name, !policy.duplicate_cn);
    if (!c.lease) {
      refuse("no free address in the pool");
      return;
    }
  }
  auto grant = make_client_grant(options_, c.lease, ccd ? &*ccd : nullptr);
  if (!grant) {
    refuse(grant.error().message);
    return;
  }
  if (auto st = client_connect(c, ccd, *grant); !st) {
    refuse(st.error().message);
    return;
  }
  c.vpn_ipv4 = grant->vpn_ipv4;
  c.vpn_ipv6 = grant->vpn_ipv6;
  c.granted = true;
  if (policy.inactive_s != 0) c.inactivity.emplace(policy.inactive_s, policy.inactive_bytes, now);
  static_cast<void>(c.session->accept(std::move(*grant), now));
}

// Renegotiations as log lines, worded as stock OpenVPN's server words them ("TLS: soft reset"
// when it starts one, "Control Channel: TLS ..." per completed handshake).
void ServerDaemon::log_key_events(Client& c) {
  const control::KeyRotationStats& now = c.session->rotation_stats();
  control::KeyRotationStats& seen = c.keys_logged;
  const std::string name = client_name(c);
  for (; seen.started_by_us < now.started_by_us; ++seen.started_by_us) {
    OVPN_LOG(kLog, LogLevel::kInfo, "%s TLS: soft reset, renegotiation started by the server",
             name.c_str());
  }
  for (; seen.started_by_peer < now.started_by_peer; ++seen.started_by_peer) {
    OVPN_LOG(kLog, LogLevel::kInfo, "%s TLS: renegotiation started by the client", name.c_str());
  }
  for (; seen.renegotiations < now.renegotiations; ++seen.renegotiations) {
    OVPN_LOG(kLog, LogLevel::kInfo,
             "%s Control Channel: TLS renegotiation complete, primary key id %u", name.c_str(),
             c.session->primary_key_id().value());
  }
  for (; seen.failed_renegotiations < now.failed_renegotiations; ++seen.failed_renegotiations) {
    OVPN_LOG(kLog, LogLevel::kWarn, "%s TLS: renegotiation failed", name.c_str());
  }
}

void ServerDaemon::handle_outcomes(Client& c, uint64_t now) {
  const PeerId peer = c.peer;
  log_key_events(c);
  // Until none is left: authorize() raises more (Established, or the end of a refused client).
  for (auto outcomes = c.session->take_outcomes(); !outcomes.empty();
       outcomes = c.session->take_outcomes()) {
    for (auto& outcome : outcomes) {
      if (const auto* who = std::get_if<control::NeedsAuthorization>(&outcome)) {
        handshake_finished(c);
        authorize(c, *who, now);
        c.session->poll(now);
      } else if (const auto* e = std::get_if<control::Established>(&outcome)) {
        c.established = true;
        c.connected_since = ::time(nullptr);
        c.cipher = crypto::cipher_name(e->cipher);
        // Worded as stock OpenVPN words it: log watchers look for these lines.
        OVPN_LOG(kLog, LogLevel::kInfo, "%s Data Channel: cipher '%s', peer-id: %u",
                 client_name(c).c_str(), c.cipher.c_str(), peer.value());
        OVPN_LOG(kLog, LogLevel::kInfo, "%s Control Channel: TLS handshake complete",
                 client_name(c).c_str());
        OVPN_LOG(kLog, LogLevel::kInfo, "%s Peer Connection Initiated", client_name(c).c_str());
      } else if (const auto* end = std::get_if<control::SessionEnded>(&outcome)) {
        end_client(peer, std::string(control::end_reason_name(end->reason)) +
                             (end->detail.empty() ? "" : ": " + end->detail));
        return;  // `c` is gone
      }
    }
  }
}

void ServerDaemon::end_client(PeerId peer, const std::string& why) {
  auto it = clients_.find(peer.value());
  if (it == clients_.end()) return;
  std::unique_ptr<Client> c = std::move(it->second);
  clients_.erase(it);
  handshake_finished(*c);
  if (!c->tcp) by_remote_.erase(c->remote);
  if (c->lease && pool_) pool_->release(c->lease->index);
  OVPN_LOG(kLog, LogLevel::kInfo, "%s: %s", client_name(*c).c_str(), why.c_str());
  if (c->granted) {
    if (auto info = engine_->peer_get(c->peer)) c->stats = info->stats;
    client_disconnect(*c);
  }
  c->session.reset();  // deletes the peer in the engine (closing a TCP connection)
}

ClientScriptSettings ServerDaemon::script_settings() const {
  return {.script_security = options_.scripts.script_security,
          .tmp_dir = options_.clients.tmp_dir,
          .working_dir = options_.cd_dir};
}

ClientScriptFacts ServerDaemon::script_facts(const Client& c) const {
  ClientScriptFacts f;
  f.options = &options_;
  f.config_path = settings_.config_path;
  f.dev = engine_->ifname();
  f.tun_mtu = options_.transport.tun_mtu;
  f.tcp = c.tcp;
  f.local_port = options_.transport.port;
  f.common_name = c.common_name;
  f.username = c.username;
  f.remote = c.remote;
  f.peer_id = c.peer.value();
  f.peer_info = c.peer_info;
  f.vpn_ipv4 = c.vpn_ipv4;
  if (c.lease) f.vpn_ipv4_peer = c.lease->ipv4_peer;
  f.vpn_ipv6 = c.vpn_ipv6;
  f.time_unix = c.connected_since;
  f.daemon_start_time = started_at_;
  f.daemon_pid = ::getpid();
  f.bytes_received = c.stats.link_rx.bytes;
  f.bytes_sent = c.stats.link_tx.bytes;
  f.time_duration = ::time(nullptr) - c.connected_since;
  return f;
}

Status ServerDaemon::client_connect(Client& c, std::optional<config::ClientConfig>& ccd,
                                    control::ClientGrant& grant) {
  const std::string& command = options_.clients.client_connect;
  if (command.empty()) return {};
  ClientScriptFacts facts = script_facts(c);
  facts.vpn_ipv4 = grant.vpn_ipv4;
  facts.vpn_ipv6 = grant.vpn_ipv6;
  auto written = run_client_connect(command, std::move(facts), script_settings());
  if (!written) return forward_error(std::move(written));
  if (!*written) return {};
  // What the script wrote applies after the client-config-dir file.
  if (!ccd) ccd.emplace();
  config::merge_client_config(*ccd, std::move(**written));
  for (const auto& w : ccd->warnings) OVPN_LOG(kLog, LogLevel::kWarn, "%s", w.c_str());
  ccd->warnings.clear();
  if (ccd->disable) return make_error(Errc::kAuthFailed, "client-connect: disabled");
  if (auto st = config::check_client_config(*ccd, options_.network); !st) return st;
  if (ccd->ifconfig_push && c.lease && pool_) {
    pool_->release(c.lease->index);
    c.lease.reset();
  }
  auto again = make_client_grant(options_, c.lease, &*ccd);
  if (!again) return forward_error(std::move(again));
  grant = std::move(*again);
  return {};
}

void ServerDaemon::client_disconnect(const Client& c) {
  const std::string& command = options_.clients.client_disconnect;
  if (command.empty()) return;
  if (auto st = run_client_disconnect(command, script_facts(c), script_settings()); !st) {
    OVPN_LOG(kLog, LogLevel::kWarn, "%s: %s", client_name(c).c_str(), st.error().message.c_str());
  }
}

bool ServerDaemon::tls_crypt_v2_allowed(const Client& c, const control::NewSession& start) {
  const std::string& command = options_.clients.tls_crypt_v2_verify;
  if (command.empty() || !start.client_key) return true;
  auto st = run_tls_crypt_v2_verify(command, start.client_key->metadata, script_settings());
  if (!st) {
    OVPN_LOG(kLog, LogLevel::kWarn, "%s: tls-crypt-v2-verify: %s", c.remote.to_string().c_str(),
             st.error().message.c_str());
  }
  return static_cast<bool>(st);
}

void ServerDaemon::sample_clients(uint64_t now) {
  std::vector<PeerId> idle;
  for (auto& [id, c] : clients_) {
    if (!c->granted) continue;
    if (auto info = engine_->peer_get(c->peer)) c->stats = info->stats;
    const uint64_t total = c->stats.vpn_rx.bytes + c->stats.vpn_tx.bytes;
    if (c->inactivity && c->inactivity->expired(total, now)) idle.push_back(c->peer);
  }
  for (PeerId peer : idle) end_client(peer, "Inactivity timeout (--inactive), disconnecting");
}

void ServerDaemon::reload_crl_if_changed() {
  const config::ServerTlsOptions& o = options_.server_tls;
  if (o.crl_path.empty() || o.crl_is_dir) return;
  struct stat st {};
  if (::stat(o.crl_path.c_str(), &st) != 0) return;  // kept: the last CRL read stays in force
  const auto seen = crl_seen_;
  crl_seen_ = {st.st_mtim, st.st_size};
  if (seen.first.tv_sec == st.st_mtim.tv_sec && seen.first.tv_nsec == st.st_mtim.tv_nsec &&
      seen.second == st.st_size) {
    return;
  }
  config::RealFileSystem fs;
  auto text = fs.read_file(o.crl_path, config::kMaxFileBytes);
  if (!text) {
    OVPN_LOG(kLog, LogLevel::kWarn, "crl-verify %s: not reloaded, the last one stays: %s",
             o.crl_path.c_str(), text.error().message.c_str());
    return;
  }
  config::ServerOptions changed = options_;
  changed.server_tls.crl.text = std::move(*text);
  auto tls = make_server_tls(changed);
  if (!tls) {
    OVPN_LOG(kLog, LogLevel::kWarn, "crl-verify %s: not reloaded, the last one stays: %s",
             o.crl_path.c_str(), tls.error().message.c_str());
    return;
  }
  tls_ = std::move(*tls);
  for (auto& [id, c] : clients_) {
    if (c->session) c->session->set_tls(tls_);
  }
  OVPN_LOG(kLog, LogLevel::kInfo, "crl-verify %s: reloaded", o.crl_path.c_str());
}

ServerStatus ServerDaemon::status() const {
  ServerStatus s;
  s.title = "ovpnd server";
  s.updated = ::time(nullptr);
  for (const auto& [id, c] : clients_) {
    if (!c->established) continue;
    ServerStatusClient sc;
    sc.common_name = c->common_name;
    sc.real_address = c->remote.to_string();
    if (c->lease && c->lease->ipv4) sc.virtual_address = c->lease->ipv4->to_string();
    if (c->lease && c->lease->ipv6) sc.virtual_ipv6 = c->lease->ipv6->to_string();
    if (auto info = engine_->peer_get(c->peer)) {
      sc.bytes_received = info->stats.link_rx.bytes;
      sc.bytes_sent = info->stats.link_tx.bytes;
      if (!sc.virtual_address.empty() || !info->config.vpn_ipv4) {
      } else {
        sc.virtual_address = info->config.vpn_ipv4->to_string();
      }
    }
    sc.connected_since = c->connected_since;
    sc.username = c->username;
    sc.client_id = id;
    sc.peer_id = id;
    sc.cipher = c->cipher;
    s.clients.push_back(std::move(sc));
  }
  return s;
}

// The management interface's view (management_handler.h). Thread: main, as the daemon.
void ServerDaemon::report_state(const char* name, const char* description) {
  if (!management_) return;
  management::StateEntry e;
  e.time = ::time(nullptr);
  e.name = name;
  e.description = description;
  if (options_.network.ifconfig) e.local_ip = options_.network.ifconfig->local.to_string();
  if (options_.network.ifconfig_ipv6) {
    e.local_ipv6 = options_.network.ifconfig_ipv6->local.to_string();
  }
  e.local_address = options_.transport.local_host;
  e.local_port = std::to_string(options_.transport.port);
  management_->set_state(std::move(e));
}

std::vector<std::string> ServerDaemon::status_lines(uint32_t version) {
  return server_status_lines(status(), version);
}

std::vector<management::ClientBytes> ServerDaemon::client_bytes() {
  std::vector<management::ClientBytes> out;
  for (const auto& c : status().clients) {
    out.push_back({c.client_id, c.bytes_received, c.bytes_sent});
  }
  return out;
}

// Each client is told `notice` (RESTART, as OpenVPN's management kill does), and ended.
size_t ServerDaemon::kill_clients(const std::vector<PeerId>& peers, std::string_view notice) {
  const uint64_t now = monotonic_ms();
  size_t killed = 0;
  for (PeerId peer : peers) {
    auto it = clients_.find(peer.value());
    if (it == clients_.end() || !it->second->session) continue;
    Client& c = *it->second;
    OVPN_LOG(kLog, LogLevel::kInfo, "%s: killed by the management interface",
             client_name(c).c_str());
    c.session->kill(now, notice);
    ++killed;
    handle_outcomes(c, now);  // the session's end: `c` is gone
  }
  return killed;
}

size_t ServerDaemon::kill_by_common_name(std::string_view common_name) {
  std::vector<PeerId> peers;
  for (const auto& [id, c] : clients_) {
    if (c->session && !c->common_name.empty() && c->common_name == common_name) {
      peers.push_back(c->peer);
    }
  }
  return kill_clients(peers);
}

size_t ServerDaemon::kill_by_address(const Endpoint& remote, management::LinkProto proto) {
  std::vector<PeerId> peers;
  for (const auto& [id, c] : clients_) {
    const bool proto_ok =
        proto == management::LinkProto::kAny || c->tcp == (proto == management::LinkProto::kTcp);
    if (c->session && proto_ok && c->remote == remote) peers.push_back(c->peer);
  }
  return kill_clients(peers);
}

size_t ServerDaemon::kill_by_client_id(uint32_t client_id, std::string_view notice) {
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return 0;
  return kill_clients({it->second->peer}, notice);
}

// The signal is raised on this thread, which blocks it: signalfd reads it in the next loop turn,
// and on_signal() handles it as one from outside.
void ServerDaemon::raise_signal(int signo) { static_cast<void>(::raise(signo)); }

void ServerDaemon::write_pool_persist() {
  const std::string& file = options_.network.pool_persist_file;
  if (file.empty() || !pool_) return;
  const std::string text = config::format_pool_persist(pool_->persist_entries());
  const std::string tmp = file + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  const bool ok = f != nullptr && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (f != nullptr) std::fclose(f);
  if (!ok || std::rename(tmp.c_str(), file.c_str()) != 0) {
    OVPN_LOG(kLog, LogLevel::kWarn, "ifconfig-pool-persist %s: cannot write", file.c_str());
  }
}

void ServerDaemon::write_status() {
  if (options_.logging.status_file.empty()) return;
  if (auto st =
          write_server_status_file(options_.logging.status_file, status(), options_.status_version);
      !st) {
    OVPN_LOG(kLog, LogLevel::kWarn, "%s", st.error().message.c_str());
  }
}

void ServerDaemon::on_signal(uint64_t now) {
  signalfd_siginfo info{};
  if (::read(signals_.get(), &info, sizeof info) != sizeof info) return;
  switch (info.ssi_signo) {
    case SIGTERM:
    case SIGINT:
    case SIGHUP:
    case SIGUSR1: {
      const bool restart = info.ssi_signo == SIGHUP || info.ssi_signo == SIGUSR1;
      OVPN_LOG(kLog, LogLevel::kInfo, "%s[hard,] received, process %s",
               ::strsignal(static_cast<int>(info.ssi_signo)), restart ? "restarting" : "exiting");
      // explicit-exit-notify: connected clients are told to reconnect (2: to the next server).
      const uint32_t notify = options_.transport.explicit_exit_notify;
      const std::string_view notice = notify == 0 ? "" : notify == 1 ? "RESTART" : "RESTART,[N]";
      for (auto& [id, c] : clients_) {
        if (c->session) c->session->kill(now, notice);
      }
      stop_ = restart ? Stop::kRestart : Stop::kExit;
      return;
    }
    case SIGUSR2:
      for (const std::string& line : server_status_lines(status(), 1)) {
        OVPN_LOG(kLog, LogLevel::kInfo, "%s", line.c_str());
      }
      return;
    default:
      return;
  }
}

ServerRunResult ServerDaemon::run() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGHUP}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  signals_ = io::Fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signals_.valid()) return {1, false};
  if (auto st = setup(); !st) {
    OVPN_LOG(kLog, LogLevel::kError, "%s", st.error().message.c_str());
    OVPN_LOG(kLog, LogLevel::kInfo, "Exiting due to fatal error");
    if (net_) static_cast<void>(net_->teardown());
    return {1, false};
  }
  OVPN_LOG(kLog, LogLevel::kInfo, "Initialization Sequence Completed");
  std::vector<pollfd> fds;
  std::vector<uint32_t> fd_peer;
  while (stop_ == Stop::kNone) {
    fds.clear();
    fd_peer.clear();
    fds.push_back({signals_.get(), POLLIN, 0});
    fds.push_back({engine_->notification_fd(), POLLIN, 0});
    fds.push_back({listener_.get(), POLLIN, 0});
    uint64_t deadline = status_at_;
    if (management_) deadline = std::min(deadline, management_->next_timeout_ms());
    for (const auto& [id, c] : clients_) {
      if (c->tcp_link && !c->tcp_link->handed_over()) {
        fds.push_back({c->tcp_link->socket_fd(), POLLIN, 0});
        fd_peer.push_back(id);
      }
      if (c->session) {
        if (auto t = c->session->next_timeout_ms()) deadline = std::min(deadline, *t);
      }
    }
    if (management_) management_->add_pollfds(fds);
    const uint64_t now0 = monotonic_ms();
    const int timeout = deadline == kNever ? 1000
                        : deadline <= now0
                            ? 0
                            : static_cast<int>(std::min<uint64_t>(deadline - now0, 1000));
    if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) break;
    const uint64_t now = monotonic_ms();
    if (fds[0].revents != 0) on_signal(now);
    if (stop_ != Stop::kNone) break;
    if (fds[1].revents != 0) on_notifications(now);
    if (listener_.valid() && fds[2].revents != 0) on_accept(now);
    const size_t clients_end = 3 + fd_peer.size();  // the management socket's entries follow
    for (size_t i = 3; i < clients_end; ++i) {
      if (fds[i].revents == 0) continue;
      auto it = clients_.find(fd_peer[i - 3]);
      if (it != clients_.end() && it->second->tcp_link) on_tcp_readable(*it->second, now);
    }
    if (management_) management_->service(std::span<const pollfd>(fds).subspan(clients_end), now);
    // Timers of every session that is due.
    std::vector<uint32_t> due;
    for (const auto& [id, c] : clients_) {
      const auto t = c->session ? c->session->next_timeout_ms() : std::nullopt;
      if (t && *t <= now) due.push_back(id);
    }
    for (uint32_t id : due) {
      auto it = clients_.find(id);
      if (it == clients_.end()) continue;
      it->second->session->poll(now);
      handle_outcomes(*it->second, now);
    }
    if (now >= sample_at_) {
      sample_clients(now);
      sample_at_ = now + 1000;
    }
    if (now >= status_at_) {
      write_status();
      status_at_ = now + uint64_t{std::max(options_.logging.status_interval_s, 1u)} * 1000;
    }
    if (options_.network.pool_persist_interval_s != 0 && now >= persist_at_) {
      if (persist_at_ != 0) write_pool_persist();
      persist_at_ = now + uint64_t{options_.network.pool_persist_interval_s} * 1000;
    }
  }
  if (stop_ == Stop::kRestart) report_state("RECONNECTING", "restart");
  if (stop_ != Stop::kRestart) report_state("EXITING", stop_ == Stop::kFail ? "failure" : "exit");
  if (options_.network.pool_persist_interval_s != 0) write_pool_persist();
  // Each client's end as at any other time (client-disconnect runs, the lease is returned).
  while (!clients_.empty()) {
    end_client(PeerId::make(clients_.begin()->first).value(),
               stop_ == Stop::kRestart ? "server restarting" : "server exiting");
  }
  by_remote_.clear();
  if (net_) static_cast<void>(net_->teardown());
  engine_.reset();
  if (stop_ == Stop::kRestart) return {0, true};
  return {stop_ == Stop::kFail ? 1 : 0, false};
}

}  // namespace

ServerPersistent::ServerPersistent() = default;
ServerPersistent::~ServerPersistent() = default;

ServerRunResult run_server(const config::ServerOptions& options, const ServerRunSettings& settings,
                           ServerPersistent& persistent) {
  ServerDaemon daemon(options, settings, persistent);
  return daemon.run();
}

}  // namespace ovpn::app
