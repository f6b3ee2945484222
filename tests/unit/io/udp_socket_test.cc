#include "io/udp_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

namespace ovpn::io {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

int get_int(int fd, int level, int option) {
  int value = -1;
  socklen_t len = sizeof value;
  if (::getsockopt(fd, level, option, &value, &len) < 0) return -1;
  return value;
}

TEST(UdpSocketTest, BindToPortZeroReportsTheChosenPort) {
  for (const char* address : {"127.0.0.1", "::1"}) {
    auto s = UdpSocket::open(Endpoint(ip(address), 0));
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->is_v6(), ip(address).is_v6());
    auto local = s->local_endpoint();
    ASSERT_TRUE(local) << local.error().message;
    EXPECT_EQ(local->address(), ip(address));
    EXPECT_NE(local->port(), 0);
  }
}

TEST(UdpSocketTest, WildcardIpv6IsDualStackUnlessV6Only) {
  auto dual = UdpSocket::open(Endpoint(ip("::"), 0));
  ASSERT_TRUE(dual) << dual.error().message;
  EXPECT_EQ(get_int(dual->fd(), IPPROTO_IPV6, IPV6_V6ONLY), 0);

  auto v6only = UdpSocket::open(Endpoint(ip("::"), 0), {.v6only = true});
  ASSERT_TRUE(v6only) << v6only.error().message;
  EXPECT_EQ(get_int(v6only->fd(), IPPROTO_IPV6, IPV6_V6ONLY), 1);
}

TEST(UdpSocketTest, ReuseportLetsTwoSocketsShareAPort) {
  const UdpSocketOptions shared{.reuseport = true};
  auto first = UdpSocket::open(Endpoint(ip("127.0.0.1"), 0), shared);
  ASSERT_TRUE(first) << first.error().message;
  auto port = first->local_endpoint();
  ASSERT_TRUE(port) << port.error().message;

  auto second = UdpSocket::open(*port, shared);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->local_endpoint()->port(), port->port());

  auto exclusive = UdpSocket::open(*port);
  ASSERT_FALSE(exclusive);
  EXPECT_EQ(exclusive.error().message,
            "UDP " + port->to_string() + ": bind: Address already in use");
}

TEST(UdpSocketTest, BufferSizesAndOptionsAreApplied) {
  auto s = UdpSocket::open(Endpoint(ip("127.0.0.1"), 0),
                           {.rcvbuf = 4 << 20, .sndbuf = 2 << 20, .pktinfo = true});
  ASSERT_TRUE(s) << s.error().message;
  // The kernel doubles the value for its bookkeeping; FORCE (we are root) passes rmem_max.
  EXPECT_GE(get_int(s->fd(), SOL_SOCKET, SO_RCVBUF), 4 << 20);
  EXPECT_GE(get_int(s->fd(), SOL_SOCKET, SO_SNDBUF), 2 << 20);
  EXPECT_EQ(get_int(s->fd(), IPPROTO_IP, IP_PKTINFO), 1);
  EXPECT_EQ(get_int(s->fd(), SOL_SOCKET, SO_REUSEPORT), 0);

  auto v6 = UdpSocket::open(Endpoint(ip("::1"), 0));
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(get_int(v6->fd(), IPPROTO_IPV6, IPV6_RECVPKTINFO), 1);
}

TEST(UdpSocketTest, BindToAnAddressNotHereFails) {
  auto s = UdpSocket::open(Endpoint(ip("192.0.2.1"), 0));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kNotFound);  // EADDRNOTAVAIL
  EXPECT_EQ(s.error().message, "UDP 192.0.2.1:0: bind: Cannot assign requested address");
}

}  // namespace
}  // namespace ovpn::io
