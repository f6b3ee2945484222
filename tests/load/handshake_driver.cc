// handshake_driver: N OpenVPN clients in one process against a server over UDP, for the server
// load test (tests/load/server_load.sh). Each client is the project's own control plane
// (control::ClientSession, configured from a client config file as the ovpnd client does) on
// its own UDP socket (LoadClient, SocketDco).
//
//   connect   at most --concurrency handshakes in flight; each connected client sends one
//             ICMP echo through the data channel and waits for the reply
//   hold      once every client is pinged (or failed), prints "holding: ..." on stdout and
//             keeps the sessions up (keepalive pings) until SIGUSR1 or --hold seconds
//   exit      every connected client exits cleanly (EXIT, as explicit-exit-notify)
//
// Everything is bounded: --deadline covers connect and hold; the exit takes at most the
// session's exit wait. The last line on stdout is the summary; failures go to stderr. Exit
// status 0 only if every client connected, pinged and exited.
//
// Thread: main only.

#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "app/client_setup.h"
#include "common/clock.h"
#include "common/log.h"
#include "config/client_options.h"
#include "config/config_reader.h"
#include "config/file_system.h"
#include "io/fd.h"
#include "load_client.h"
#include "load_target.h"

namespace {

using ovpn::load::LoadClient;
using State = LoadClient::State;

constexpr const char* kUsage =
    "usage: handshake_driver --config FILE [--clients N] [--concurrency N] [--deadline S]\n"
    "                        [--hold S] [--ping ADDR]\n"
    "  --clients N       clients to run (default 200, at most 5000)\n"
    "  --concurrency N   handshakes in flight at most (default 32)\n"
    "  --deadline S      connecting and holding take at most S seconds (default 60)\n"
    "  --hold S          keep the connections S seconds, or until SIGUSR1 (default 0)\n"
    "  --ping ADDR       the echo target (default: the pushed route-gateway)\n";

struct Args {
  std::string config;
  size_t clients = 200;
  size_t concurrency = 32;
  uint64_t deadline_s = 60;
  uint64_t hold_s = 0;
  std::string ping;
};

bool parse_number(const std::string& text, uint64_t max, uint64_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out <= max;
}

bool parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) return false;
    const std::string v = argv[++i];
    uint64_t n = 0;
    if (k == "--config") {
      a.config = v;
    } else if (k == "--ping") {
      a.ping = v;
    } else if (k == "--clients" && parse_number(v, 5000, n) && n > 0) {
      a.clients = n;
    } else if (k == "--concurrency" && parse_number(v, 5000, n) && n > 0) {
      a.concurrency = n;
    } else if (k == "--deadline" && parse_number(v, 3600, n) && n > 0) {
      a.deadline_s = n;
    } else if (k == "--hold" && parse_number(v, 3600, n)) {
      a.hold_s = n;
    } else {
      return false;
    }
  }
  return !a.config.empty();
}

// The value at fraction q of sorted `v` (nearest rank).
uint64_t percentile(const std::vector<uint64_t>& v, double q) {
  if (v.empty()) return 0;
  const auto rank = static_cast<size_t>(q * static_cast<double>(v.size()) + 0.999999);
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

class Driver {
 public:
  Driver(const Args& args, const ovpn::load::ClientSetup& setup) : args_(args) {
    clients_.reserve(args.clients);
    for (size_t i = 0; i < args.clients; ++i) {
      clients_.emplace_back(static_cast<uint16_t>(i + 1), setup);
    }
  }
  int run();

 private:
  enum class Phase : uint8_t { kConnect, kHold, kExit, kDone };

  size_t count(State s) const {
    return static_cast<size_t>(std::count_if(clients_.begin(), clients_.end(),
                                             [s](const LoadClient& c) { return c.state() == s; }));
  }
  void watch(LoadClient& c, size_t index);
  void start_more(uint64_t now);
  void advance(uint64_t now);
  void run_timers(uint64_t now);
  uint64_t next_deadline() const;
  int summary(uint64_t t0, uint64_t done_at);

  const Args& args_;
  std::vector<LoadClient> clients_;
  ovpn::io::Fd epoll_;
  ovpn::io::Fd signals_;
  Phase phase_ = Phase::kConnect;
  size_t next_ = 0;  // the next client to start
  uint64_t deadline_ = 0;
  uint64_t hold_until_ = 0;
  uint64_t exit_until_ = 0;
  bool released_ = false;  // SIGUSR1
  uint64_t hold_at_ = 0, exit_at_ = 0;
};

void Driver::watch(LoadClient& c, size_t index) {
  if (c.fd() < 0) return;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = index;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.fd(), &ev);
}

void Driver::start_more(uint64_t now) {
  size_t in_flight = count(State::kHandshake);
  while (next_ < clients_.size() && in_flight < args_.concurrency) {
    LoadClient& c = clients_[next_];
    c.start(now);
    watch(c, next_);
    ++next_;
    if (c.state() == State::kHandshake) ++in_flight;
  }
}

// Moves through the phases; a client's own progress happens in its handlers.
void Driver::advance(uint64_t now) {
  if (phase_ == Phase::kConnect) {
    if (now >= deadline_) {
      for (auto& c : clients_) {
        if (c.state() == State::kPinging) c.give_up_echo("no echo reply by the deadline");
        if (c.state() == State::kIdle || c.state() == State::kHandshake) {
          c.fail("not connected by the deadline");
        }
      }
    } else {
      start_more(now);
    }
    const bool busy = std::any_of(clients_.begin(), clients_.end(), [](const LoadClient& c) {
      return c.state() == State::kIdle || c.state() == State::kHandshake ||
             c.state() == State::kPinging;
    });
    if (busy) return;
    phase_ = Phase::kHold;
    hold_at_ = now;
    hold_until_ = std::min(deadline_, now + args_.hold_s * 1000);
    std::printf("holding: clients=%zu pinged=%zu (SIGUSR1 releases)\n", clients_.size(),
                count(State::kPinged));
    std::fflush(stdout);
  }
  if (phase_ == Phase::kHold) {
    if (!released_ && now < hold_until_) return;
    phase_ = Phase::kExit;
    exit_at_ = now;
    exit_until_ = now + ovpn::control::kDefaultExitWaitMs + 2000;
    for (auto& c : clients_) c.exit(now, "not connected");
  }
  if (phase_ == Phase::kExit) {
    if (count(State::kExiting) != 0 && now < exit_until_) return;
    for (auto& c : clients_) {
      if (c.state() == State::kExiting) c.fail("exit did not finish");
    }
    phase_ = Phase::kDone;
  }
}

void Driver::run_timers(uint64_t now) {
  for (auto& c : clients_) {
    const auto t = c.next_timeout_ms();
    if (t && *t <= now) c.on_timer(now);
  }
}

uint64_t Driver::next_deadline() const {
  uint64_t t = phase_ == Phase::kConnect ? deadline_
               : phase_ == Phase::kHold  ? hold_until_
                                         : exit_until_;
  for (const auto& c : clients_) {
    if (const auto s = c.next_timeout_ms()) t = std::min(t, *s);
  }
  return t;
}

int Driver::run() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGUSR1, SIGINT, SIGTERM}) sigaddset(&set, s);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  signals_ = ovpn::io::Fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  epoll_ = ovpn::io::Fd(::epoll_create1(EPOLL_CLOEXEC));
  if (!signals_.valid() || !epoll_.valid()) {
    std::fprintf(stderr, "handshake_driver: signalfd/epoll: %s\n", std::strerror(errno));
    return 2;
  }
  epoll_event sev{};
  sev.events = EPOLLIN;
  sev.data.u64 = ~uint64_t{0};
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, signals_.get(), &sev);

  const uint64_t t0 = ovpn::monotonic_ms();
  deadline_ = t0 + args_.deadline_s * 1000;
  std::vector<epoll_event> events(256);
  advance(t0);
  while (phase_ != Phase::kDone) {
    const uint64_t now0 = ovpn::monotonic_ms();
    const uint64_t due = next_deadline();
    const int timeout = due <= now0 ? 0 : static_cast<int>(std::min<uint64_t>(due - now0, 1000));
    const int n =
        ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), timeout);
    const uint64_t now = ovpn::monotonic_ms();
    for (int i = 0; i < n; ++i) {
      const uint64_t index = events[static_cast<size_t>(i)].data.u64;
      if (index == ~uint64_t{0}) {
        signalfd_siginfo info{};
        while (::read(signals_.get(), &info, sizeof info) == sizeof info) {
          if (info.ssi_signo == SIGUSR1) released_ = true;
          if (info.ssi_signo != SIGUSR1) deadline_ = hold_until_ = now;  // stop: exit now
        }
      } else if (index < clients_.size()) {
        clients_[index].on_readable(now);
      }
    }
    run_timers(now);
    advance(now);
  }
  return summary(t0, ovpn::monotonic_ms());
}

int Driver::summary(uint64_t t0, uint64_t done_at) {
  std::vector<uint64_t> times;
  uint64_t first_start = ~uint64_t{0}, last_connected = 0, push_requests = 0, ignored = 0;
  uint64_t echo_resends = 0;
  size_t connected = 0, pinged = 0, exited = 0;
  std::map<std::string, size_t> failures;
  for (const auto& c : clients_) {
    if (c.started_ms() != 0) first_start = std::min(first_start, c.started_ms());
    if (c.connected_once()) {
      ++connected;
      times.push_back(c.connected_ms() - c.started_ms());
      last_connected = std::max(last_connected, c.connected_ms());
    }
    if (c.pinged_once()) ++pinged;
    if (c.state() == State::kExited) ++exited;
    if (c.state() == State::kFailed || (c.connected_once() && !c.pinged_once())) {
      ++failures[c.failure()];
    }
    push_requests += c.push_requests();
    if (c.echo_tries() > 1) echo_resends += static_cast<uint64_t>(c.echo_tries() - 1);
    ignored += c.ignored_messages();
  }
  std::sort(times.begin(), times.end());
  const double span_s =
      connected == 0 ? 0 : static_cast<double>(last_connected - first_start) / 1000.0;
  const double rate = span_s > 0 ? static_cast<double>(connected) / span_s : 0;
  for (const auto& [why, n] : failures) {
    std::fprintf(stderr, "handshake_driver: %zu client(s) failed: %s\n", n, why.c_str());
  }
  std::printf(
      "clients=%zu connected=%zu pinged=%zu exited=%zu handshakes/s=%.1f p50_ms=%llu "
      "p99_ms=%llu max_ms=%llu connect_s=%.2f ready_s=%.2f exit_s=%.2f total_s=%.2f "
      "push_requests=%llu ignored_messages=%llu echo_resends=%llu\n",
      clients_.size(), connected, pinged, exited, rate,
      static_cast<unsigned long long>(percentile(times, 0.50)),
      static_cast<unsigned long long>(percentile(times, 0.99)),
      static_cast<unsigned long long>(times.empty() ? 0 : times.back()), span_s,
      static_cast<double>(hold_at_ - t0) / 1000.0, static_cast<double>(done_at - exit_at_) / 1000.0,
      static_cast<double>(done_at - t0) / 1000.0, static_cast<unsigned long long>(push_requests),
      static_cast<unsigned long long>(ignored), static_cast<unsigned long long>(echo_resends));
  const size_t n = clients_.size();
  return connected == n && pinged == n && exited == n ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, args)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  ovpn::set_log_level(ovpn::LogLevel::kWarn);
  // One socket per client, and a few more.
  rlimit fds{};
  if (::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < args.clients + 64) {
    fds.rlim_cur = std::min<rlim_t>(fds.rlim_max, args.clients + 64);
    ::setrlimit(RLIMIT_NOFILE, &fds);
  }

  auto target = ovpn::load::read_load_target(args.config);
  if (!target) {
    std::fprintf(stderr, "handshake_driver: %s\n", target.error().message.c_str());
    return 2;
  }
  const auto& options = target->options;
  const auto& entry = options.connection.entries.front();
  auto tls = ovpn::app::make_client_tls(options.tls);
  if (!tls) {
    std::fprintf(stderr, "handshake_driver: %s\n", tls.error().message.c_str());
    return 2;
  }
  auto keys = ovpn::app::ClientWrapKeys::create(options.tls);
  if (!keys) {
    std::fprintf(stderr, "handshake_driver: %s\n", keys.error().message.c_str());
    return 2;
  }
  ovpn::load::ClientSetup setup;
  setup.options = &options;
  setup.entry = &entry;
  setup.server = target->server;
  setup.tls = std::move(*tls);
  setup.wrap_keys = &*keys;
  if (options.auth.auth_user_pass) {
    setup.credentials = {options.auth.username, options.auth.password.value_or("")};
  }
  if (!args.ping.empty()) {
    setup.ping_target = ovpn::IpAddress::parse(args.ping);
    if (!setup.ping_target || !setup.ping_target->is_v4()) {
      std::fprintf(stderr, "handshake_driver: --ping takes an IPv4 address\n");
      return 2;
    }
  }
  Driver driver(args, setup);
  return driver.run();
}
