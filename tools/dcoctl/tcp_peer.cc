#include "tcp_peer.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/ip_address.h"

namespace ovpn::dcoctl {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// "ADDR:PORT", "[V6]:PORT", or an address alone (port 0: any).
std::optional<Endpoint> parse_local(std::string_view text) {
  if (auto e = Endpoint::parse(text)) return e;
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (auto a = IpAddress::parse(text)) return Endpoint(*a, 0);
  return std::nullopt;
}

bool wait_for(int fd, short events, int timeout_s, const std::string& what, std::string& error) {
  pollfd p{fd, events, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, timeout_s * 1000);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) error = errno_text("poll");
  if (rc == 0) error = what + ": no connection within " + std::to_string(timeout_s) + " s";
  return rc > 0;
}

io::Fd tcp_socket(const Endpoint& e, std::string& error) {
  io::Fd fd(::socket(e.is_v4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) error = errno_text("socket");
  return fd;
}

bool bind_to(int fd, const Endpoint& e, std::string& error) {
  const int one = 1;
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss;
  const socklen_t len = e.to_sockaddr(ss);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) return true;
  error = errno_text("bind " + e.to_string());
  return false;
}

io::Fd connect_to(const TcpOptions& o, std::string& error) {
  const auto remote = Endpoint::parse(*o.connect);
  if (!remote) {
    error = "--tcp-connect: not ADDR:PORT: " + *o.connect;
    return {};
  }
  io::Fd fd = tcp_socket(*remote, error);
  if (!fd.valid()) return {};
  if (o.bind) {
    const auto local = parse_local(*o.bind);
    if (!local || local->is_v4() != remote->is_v4()) {
      error = "--tcp-bind: not an ADDR[:PORT] of the remote's family: " + *o.bind;
      return {};
    }
    if (!bind_to(fd.get(), *local, error)) return {};
  }
  // Non-blocking for the time the connect may take, blocking again afterwards.
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    error = errno_text("fcntl");
    return {};
  }
  sockaddr_storage ss;
  const socklen_t len = remote->to_sockaddr(ss);
  const std::string what = "connect " + remote->to_string();
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) {
      error = errno_text(what);
      return {};
    }
    if (!wait_for(fd.get(), POLLOUT, o.timeout_s, what, error)) return {};
    int err = 0;
    socklen_t err_len = sizeof err;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
    if (err != 0) {
      errno = err;
      error = errno_text(what);
      return {};
    }
  }
  if (::fcntl(fd.get(), F_SETFL, flags) != 0) {
    error = errno_text("fcntl");
    return {};
  }
  return fd;
}

io::Fd accept_one(const TcpOptions& o, std::string& error) {
  const auto local = Endpoint::parse(*o.accept);
  if (!local) {
    error = "--tcp-accept: not ADDR:PORT: " + *o.accept;
    return {};
  }
  io::Fd listener = tcp_socket(*local, error);
  if (!listener.valid() || !bind_to(listener.get(), *local, error)) return {};
  if (::listen(listener.get(), 1) != 0) {
    error = errno_text("listen");
    return {};
  }
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&ss), &len);
  const auto bound = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
  std::fprintf(stderr, "dcoctl: waiting for a TCP connection on %s\n",
               bound ? bound->to_string().c_str() : o.accept->c_str());
  const std::string what = "accept on " + *o.accept;
  if (!wait_for(listener.get(), POLLIN, o.timeout_s, what, error)) return {};
  io::Fd fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!fd.valid()) error = errno_text(what);
  return fd;  // the listener closes here
}

std::string name_of(int fd, bool peer) {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  auto* sa = reinterpret_cast<sockaddr*>(&ss);
  const int rc = peer ? ::getpeername(fd, sa, &len) : ::getsockname(fd, sa, &len);
  const auto e = rc == 0 ? Endpoint::from_sockaddr(sa, len) : std::nullopt;
  return e ? e->to_string() : "?";
}

}  // namespace

io::Fd open_tcp(const TcpOptions& o, std::string& error) {
  if (o.connect && o.accept) {
    error = "--tcp-connect or --tcp-accept, not both";
    return {};
  }
  if (o.bind && !o.connect) {
    error = "--tcp-bind goes with --tcp-connect";
    return {};
  }
  io::Fd fd = o.connect ? connect_to(o, error) : accept_one(o, error);
  if (!fd.valid()) return fd;
  const int one = 1;
  if (::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
    error = errno_text("TCP_NODELAY");
    return {};
  }
  return fd;
}

std::string tcp_description(int fd) { return name_of(fd, false) + " -> " + name_of(fd, true); }

}  // namespace ovpn::dcoctl
