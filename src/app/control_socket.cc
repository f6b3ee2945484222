#include "app/control_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "common/log.h"
#include "dco/dco_json.h"
#include "dco/dco_rpc.h"
#include "io/io_result.h"

namespace ovpn::app {
namespace {

constexpr Logger kLog{"control"};
constexpr size_t kMaxRequest = 1 << 20;  // a line longer than this closes the connection
constexpr size_t kMaxFds = 4;            // room for a few per read; one is used, the rest closed

// Takes ownership of every descriptor in `msg`'s SCM_RIGHTS messages.
std::vector<io::Fd> take_fds(msghdr& msg, ssize_t n) {
  std::vector<io::Fd> fds;
  if (n < 0) return fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds.emplace_back(fd);
    }
  }
  return fds;
}

}  // namespace

Expected<ControlSocket> ControlSocket::listen(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return make_error(Errc::kInvalidArgument, "control socket path too long: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    const std::string dir = path.substr(0, slash);
    ::mkdir(dir.c_str(), 0700);  // may exist already
  }
  io::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return io::errno_error(errno, "control socket");
  ::unlink(path.c_str());
  const mode_t old_mask = ::umask(0177);  // the socket is created 0600
  const int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old_mask);
  if (rc != 0) return io::errno_error(errno, "bind " + path);
  if (::listen(fd.get(), 16) != 0) return io::errno_error(errno, "listen " + path);
  return ControlSocket(path, std::move(fd));
}

ControlSocket::~ControlSocket() {
  if (fd_.valid()) ::unlink(path_.c_str());
}

void ControlSocket::flush(Client& client) {
  while (!client.out.empty()) {
    const ssize_t n = ::send(client.fd.get(), client.out.data(), client.out.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      client.fd.reset();
      return;
    }
    client.out.erase(0, static_cast<size_t>(n));
  }
}

// One recvmsg: appends the bytes and files the first descriptor that came with them under the
// last line that begins in them (see the header). False when there is nothing to read now or
// the connection is gone.
bool ControlSocket::read_some(Client& client) {
  char buf[4096];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = ::recvmsg(client.fd.get(), &msg, MSG_CMSG_CLOEXEC);
  std::vector<io::Fd> fds = take_fds(msg, n);  // owned at once: whatever is not filed closes
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
    client.fd.reset();
    return false;
  }
  if (n < 0) return false;
  const size_t prior = client.in.size();
  client.in.append(buf, static_cast<size_t>(n));
  if (fds.empty()) return true;
  const size_t end = client.in.size();
  const size_t nl = end >= 2 ? client.in.rfind('\n', end - 2) : std::string::npos;
  if (nl != std::string::npos ? nl + 1 >= prior : prior == 0) {
    client.passed.emplace_back(nl == std::string::npos ? 0 : nl + 1, std::move(fds.front()));
  } else {
    OVPN_LOG(kLog, LogLevel::kDebug, "descriptor in the middle of a line: closed");
  }
  return true;
}

void ControlSocket::answer(dco::Dco& dco, Client& client, const std::string& line, io::Fd passed) {
  dco::Json reply;
  const dco::Json request = dco::Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) {
    reply = {{"ok", false}, {"error", "not JSON"}, {"code", "invalid-argument"}};
  } else if (request.is_object() && request.value("cmd", dco::Json()) == "subscribe") {
    client.subscribed = true;
    reply = {{"ok", true}};
  } else {
    int fd = passed.get();
    reply = dco::handle_request(dco, request, &fd);
    if (fd < 0) (void)passed.release();  // taken by the DCO
  }
  client.out += reply.dump() + "\n";
}  // `passed`, unless taken, closes here

void ControlSocket::serve_client(dco::Dco& dco, Client& client) {
  while (read_some(client)) {
    size_t newline;
    while ((newline = client.in.find('\n')) != std::string::npos) {
      io::Fd passed;
      if (!client.passed.empty() && client.passed.front().first == 0) {
        passed = std::move(client.passed.front().second);
        client.passed.erase(client.passed.begin());
      }
      const std::string line = client.in.substr(0, newline);
      client.in.erase(0, newline + 1);
      for (auto& p : client.passed) p.first -= newline + 1;  // line starts: past this line
      answer(dco, client, line, std::move(passed));
    }
    if (client.in.size() > kMaxRequest) {
      client.fd.reset();
      return;
    }
  }
  if (client.fd.valid()) flush(client);
}

void ControlSocket::forward_notifications(dco::Dco& dco) {
  std::vector<dco::Notification> events;
  dco.read_notifications(events, 1024);
  for (const auto& n : events) {
    const std::string line = dco::to_json(n).dump() + "\n";
    for (auto& client : clients_) {
      if (client.subscribed && client.fd.valid()) client.out += line;
    }
  }
  for (auto& client : clients_) {
    if (client.subscribed && client.fd.valid()) flush(client);
  }
}

Status ControlSocket::run(dco::Dco& dco, int stop_fd) {
  std::vector<pollfd> fds;
  for (;;) {
    // Notifications wait in the DCO's queue until someone subscribes: none is lost.
    bool any_subscriber = false;
    for (const auto& c : clients_) any_subscriber |= c.subscribed;
    fds.clear();
    fds.push_back({stop_fd, POLLIN, 0});
    fds.push_back({fd_.get(), POLLIN, 0});
    fds.push_back({any_subscriber ? dco.notification_fd() : -1, POLLIN, 0});
    for (const auto& c : clients_) {
      fds.push_back({c.fd.get(), static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return io::errno_error(errno, "poll");
    }
    if (fds[0].revents != 0) return {};
    if (fds[1].revents & POLLIN) {
      io::Fd client(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (client.valid()) clients_.push_back(Client{std::move(client), {}, {}, false, {}});
    }
    if (fds[2].revents & POLLIN) forward_notifications(dco);
    for (size_t i = 3; i < fds.size(); ++i) {
      Client& c = clients_[i - 3];
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) serve_client(dco, c);
      if (c.fd.valid() && (fds[i].revents & POLLOUT)) flush(c);
    }
    std::erase_if(clients_, [](const Client& c) { return !c.fd.valid(); });
    OVPN_LOG(kLog, LogLevel::kTrace, "%zu control clients", clients_.size());
  }
}

}  // namespace ovpn::app
