#include "app/management_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/log.h"

namespace ovpn::app::management {
namespace {

constexpr Logger kLog{"management"};
constexpr uint64_t kClosingGraceMs = 1000;  // to write the last answer before closing

}  // namespace

bool same_password(std::string_view expected, std::string_view given) noexcept {
  // Every byte of `given` is compared (against `expected` repeated), whatever matches, and the
  // lengths are folded in at the end: no early exit.
  if (expected.empty()) return given.empty();
  unsigned diff = expected.size() == given.size() ? 0u : 1u;
  for (size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned>(static_cast<uint8_t>(given[i]) ^
                                  static_cast<uint8_t>(expected[i % expected.size()]));
  }
  return diff == 0;
}

Expected<std::unique_ptr<Server>> Server::listen(const config::ManagementOptions& options,
                                                 Handler& handler) {
  auto listener = listen_management(options);
  if (!listener) return forward_error(std::move(listener));
  std::unique_ptr<Server> server(new Server(std::move(*listener), options, handler));
  server->pid_ = static_cast<long>(::getpid());
  OVPN_LOG(kLog, LogLevel::kInfo, "management interface listening on %s%s", server->where().c_str(),
           options.password.empty() ? "" : " (password)");
  return server;
}

Server::~Server() {
  for (auto& c : connections_) {
    if (c->fd.valid()) flush(*c);
  }
  remove_unix_socket(listener_);
}

void Server::set_state(StateEntry entry) {
  const std::string line = ">STATE:" + format_state(entry);
  if (history_.size() >= kMaxStateHistory) history_.erase(history_.begin());
  history_.push_back(std::move(entry));
  for (auto& c : connections_) {
    if (c->fd.valid() && c->authenticated && c->settings.state_on) send_lines(*c, {line});
  }
}

void Server::add_pollfds(std::vector<pollfd>& fds) const {
  fds.push_back({listener_.fd.get(), POLLIN, 0});
  for (const auto& c : connections_) {
    // A closing connection is read no more: only its last answer is written.
    const short read = c->closing ? 0 : POLLIN;
    fds.push_back({c->fd.get(), static_cast<short>(read | (c->out.empty() ? 0 : POLLOUT)), 0});
  }
}

uint64_t Server::next_timeout_ms() const noexcept {
  uint64_t t = kNoTimeout;
  for (const auto& c : connections_) {
    if (!c->authenticated || c->closing) t = std::min(t, c->auth_deadline_ms);
    t = std::min(t, c->bytecount_at_ms);
  }
  return t;
}

void Server::service(std::span<const pollfd> polled, uint64_t now_ms) {
  // The entries match the connections only if add_pollfds() made them for this set.
  if (polled.size() == 1 + connections_.size()) {
    for (size_t i = 0; i < connections_.size(); ++i) {
      Connection& c = *connections_[i];
      const short ev = polled[i + 1].revents;
      if (c.fd.valid() && (ev & (POLLIN | POLLHUP | POLLERR)) != 0) read_from(c, now_ms);
      if (c.fd.valid() && (ev & POLLOUT) != 0) flush(c);
    }
    if ((polled[0].revents & POLLIN) != 0) accept_all(now_ms);
  }
  for (auto& c : connections_) {
    if ((!c->authenticated || c->closing) && now_ms >= c->auth_deadline_ms) c->fd.reset();
  }
  send_byte_counts(now_ms);
  std::erase_if(connections_, [](const auto& c) { return !c->fd.valid(); });
}

void Server::accept_all(uint64_t now_ms) {
  for (int i = 0; i < 16; ++i) {
    io::Fd fd(::accept4(listener_.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) return;
    if (connections_.size() >= kMaxConnections) {
      static constexpr std::string_view kFull = "ERROR: too many management connections\r\n";
      static_cast<void>(::send(fd.get(), kFull.data(), kFull.size(), MSG_NOSIGNAL));
      OVPN_LOG_RATELIMITED(kLog, LogLevel::kWarn, "refused a connection: %zu already open",
                           connections_.size());
      continue;  // closes it
    }
    auto c = std::make_unique<Connection>();
    c->fd = std::move(fd);
    c->auth_deadline_ms = now_ms + kAuthTimeoutMs;
    if (password_.empty()) {
      c->authenticated = true;
      send_lines(*c, {std::string(kGreeting)});
    } else {
      send_raw(*c, kPasswordPrompt);
    }
    OVPN_LOG(kLog, LogLevel::kDebug, "connection opened (%zu open)", connections_.size() + 1);
    connections_.push_back(std::move(c));
  }
}

void Server::read_from(Connection& c, uint64_t now_ms) {
  char buf[4096];
  for (int round = 0; round < 16 && c.fd.valid() && !c.closing; ++round) {
    const ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      c.fd.reset();
      return;
    }
    if (n < 0) return;
    c.in.append(buf, static_cast<size_t>(n));
    bool too_long = false;
    size_t newline;
    while (c.fd.valid() && !c.closing && (newline = c.in.find('\n')) != std::string::npos) {
      if (newline > kMaxLine) {
        too_long = true;
        break;
      }
      const std::string line = c.in.substr(0, newline);
      c.in.erase(0, newline + 1);
      on_line(c, line, now_ms);
    }
    if (c.fd.valid() && !c.closing && (too_long || c.in.size() > kMaxLine)) {
      // A line longer than any command: answered once, then the connection closes.
      send_lines(c, {"ERROR: command too long"});
      c.closing = true;
      c.auth_deadline_ms = now_ms + kClosingGraceMs;
    }
  }
  if (c.fd.valid()) flush(c);
}

void Server::on_line(Connection& c, std::string_view line, uint64_t now_ms) {
  if (!c.authenticated) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (same_password(password_, line)) {
      c.authenticated = true;
      send_lines(c, {std::string(kPasswordCorrect), std::string(kGreeting)});
    } else {
      OVPN_LOG_RATELIMITED(kLog, LogLevel::kWarn, "wrong password: connection closed");
      send_lines(c, {std::string(kPasswordWrong)});
      c.closing = true;
      c.auth_deadline_ms = now_ms + kClosingGraceMs;
    }
    return;
  }
  const uint32_t bytecount_before = c.settings.bytecount_s;
  const Context context{pid_, history_};
  send_lines(c, answer(parse_command(line), *handler_, c.settings, context));
  if (c.settings.bytecount_s != bytecount_before) {
    c.bytecount_at_ms =
        c.settings.bytecount_s == 0 ? kNoTimeout : now_ms + uint64_t{c.settings.bytecount_s} * 1000;
  }
  if (c.settings.quit) {
    c.closing = true;
    c.auth_deadline_ms = now_ms + kClosingGraceMs;
  }
}

void Server::send_byte_counts(uint64_t now_ms) {
  bool due = false;
  for (const auto& c : connections_) due |= c->fd.valid() && now_ms >= c->bytecount_at_ms;
  if (!due) return;
  const auto lines = bytecount_lines(handler_->client_bytes());
  for (auto& c : connections_) {
    if (!c->fd.valid() || now_ms < c->bytecount_at_ms) continue;
    send_lines(*c, lines);
    c->bytecount_at_ms = now_ms + uint64_t{c->settings.bytecount_s} * 1000;
  }
}

void Server::send_lines(Connection& c, const std::vector<std::string>& lines) {
  std::string bytes;
  for (const auto& line : lines) {
    bytes += line;
    bytes += "\r\n";
  }
  send_raw(c, bytes);
}

void Server::send_raw(Connection& c, std::string_view bytes) {
  if (!c.fd.valid() || bytes.empty()) return;
  if (c.out.size() + bytes.size() > kMaxPending) {
    OVPN_LOG_RATELIMITED(kLog, LogLevel::kWarn, "a connection does not read its answers: closed");
    c.fd.reset();
    return;
  }
  c.out.append(bytes);
  flush(c);
}

void Server::flush(Connection& c) {
  while (!c.out.empty()) {
    const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      c.fd.reset();
      return;
    }
    c.out.erase(0, static_cast<size_t>(n));
  }
  if (c.closing) c.fd.reset();
}

}  // namespace ovpn::app::management
