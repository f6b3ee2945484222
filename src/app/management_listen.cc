#include "app/management_listen.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/ip_address.h"
#include "io/io_result.h"

namespace ovpn::app::management {
namespace {

constexpr int kBacklog = 8;

bool is_loopback(const IpAddress& a) {
  if (a.is_v4()) return a.bytes()[0] == 127;
  return a == *IpAddress::parse("::1");
}

// A socket file at `path`: removed when nobody answers on it (left by a daemon that died).
Status clear_stale_socket(const std::string& path, const sockaddr_un& addr) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return io::errno_error(errno, "management: stat", path);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return make_error(Errc::kExists, "management: " + path + " exists and is not a socket");
  }
  io::Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe.valid()) return io::errno_error(errno, "management: socket");
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    return make_error(Errc::kExists,
                      "management: " + path + " is in use (another process listens on it)");
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return io::errno_error(errno, "management: remove the stale socket", path);
  }
  return {};
}

Expected<Listener> listen_unix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return make_error(Errc::kInvalidArgument, "management: unix socket path too long: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (auto st = clear_stale_socket(path, addr); !st) return forward_error(std::move(st));
  io::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return io::errno_error(errno, "management: socket");
  // The mode comes from the umask at bind(): 0777 & ~0177 = 0600, from the first instant.
  const mode_t old_mask = ::umask(0177);
  const int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (rc != 0) return io::errno_error(bind_errno, "management: bind", path);
  Listener l;
  l.unix_path = path;
  l.where = "unix socket " + path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) l.unix_inode = st.st_ino;
  if (::listen(fd.get(), kBacklog) != 0) {
    const int e = errno;
    ::unlink(path.c_str());
    return io::errno_error(e, "management: listen", path);
  }
  l.fd = std::move(fd);
  return l;
}

Expected<Listener> listen_tcp(const config::ManagementOptions& o) {
  const auto address = IpAddress::parse(o.address == "localhost" ? "127.0.0.1" : o.address);
  if (!address || !is_loopback(*address)) {
    return make_error(Errc::kInvalidArgument,
                      "management: " + o.address + " is not a loopback address");
  }
  if (o.password.empty()) {
    return make_error(Errc::kInvalidArgument, "management: a TCP socket needs a password");
  }
  const Endpoint local(*address, o.port);
  io::Fd fd(::socket(local.is_v4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                     IPPROTO_TCP));
  if (!fd.valid()) return io::errno_error(errno, "management: socket");
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss{};
  const socklen_t len = local.to_sockaddr(ss);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    return io::errno_error(errno, "management: bind", local.to_string());
  }
  if (::listen(fd.get(), kBacklog) != 0) return io::errno_error(errno, "management: listen");
  Listener l;
  l.where = local.to_string();
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &bound_len) == 0) {
    // The port the kernel chose, when the configuration said 0.
    auto actual = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&bound), bound_len);
    if (actual) l.where = actual->to_string();
  }
  l.fd = std::move(fd);
  return l;
}

}  // namespace

Expected<Listener> listen_management(const config::ManagementOptions& options) {
  if (options.unix_socket) return listen_unix(options.address);
  return listen_tcp(options);
}

void remove_unix_socket(const Listener& l) {
  if (l.unix_path.empty() || !l.fd.valid()) return;
  struct stat st {};
  if (::lstat(l.unix_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == l.unix_inode) {
    ::unlink(l.unix_path.c_str());
  }
}

}  // namespace ovpn::app::management
