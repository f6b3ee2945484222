#include "io/udp_socket.h"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <string>

#include "io/io_result.h"

namespace ovpn::io {
namespace {

Status set_int(int fd, int level, int option, int value, const char* name) {
  if (::setsockopt(fd, level, option, &value, sizeof value) < 0) {
    return errno_error(errno, name);
  }
  return {};
}

// Tries the FORCE variant (allowed past net.core.[rw]mem_max with CAP_NET_ADMIN), then the
// plain option, which the kernel silently caps.
Status set_buffer(int fd, int force_option, int option, int bytes, const char* name) {
  if (bytes <= 0) return {};
  if (::setsockopt(fd, SOL_SOCKET, force_option, &bytes, sizeof bytes) == 0) return {};
  return set_int(fd, SOL_SOCKET, option, bytes, name);
}

}  // namespace

Expected<UdpSocket> UdpSocket::open(const Endpoint& bind, const UdpSocketOptions& options) {
  const bool v6 = !bind.is_v4();
  const std::string where = "UDP " + bind.to_string();
  Fd fd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno_error(errno, where + ": socket");

  const int s = fd.get();
  Status st;
  if (options.reuseport) st = set_int(s, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT");
  if (st && v6) st = set_int(s, IPPROTO_IPV6, IPV6_V6ONLY, options.v6only ? 1 : 0, "IPV6_V6ONLY");
  if (st) st = set_buffer(s, SO_RCVBUFFORCE, SO_RCVBUF, options.rcvbuf, "SO_RCVBUF");
  if (st) st = set_buffer(s, SO_SNDBUFFORCE, SO_SNDBUF, options.sndbuf, "SO_SNDBUF");
  if (st && options.pktinfo) {
    // On a dual-stack socket IPV6_RECVPKTINFO also covers IPv4 datagrams (as v4-mapped).
    st = v6 ? set_int(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO")
            : set_int(s, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO");
  }
  if (!st) return make_error(st.error().code, where + ": " + st.error().message);

  sockaddr_storage ss;
  const socklen_t len = bind.to_sockaddr(ss, v6);
  if (::bind(s, reinterpret_cast<const sockaddr*>(&ss), len) < 0) {
    return errno_error(errno, where + ": bind");
  }
  UdpSocket socket(std::move(fd), v6);
  if (options.offload) {
    // Setting a segment size of 0 only asks whether the kernel knows the option (4.18+).
    const int zero = 0;
    socket.gso_ = ::setsockopt(s, SOL_UDP, UDP_SEGMENT, &zero, sizeof zero) == 0;
    socket.gro_ = set_int(s, SOL_UDP, UDP_GRO, 1, "UDP_GRO").has_value();
  }
  return socket;
}

Expected<Endpoint> UdpSocket::local_endpoint() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    return errno_error(errno, "getsockname");
  }
  auto endpoint = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
  if (!endpoint) return make_error(Errc::kInternal, "getsockname: not an IP socket");
  return *endpoint;
}

}  // namespace ovpn::io
