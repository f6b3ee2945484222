#include "io/netlink.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>

#include "io/fd.h"
#include "io/tun.h"
#include "io/udp_socket.h"
#include "io_test_util.h"

namespace ovpn::io {
namespace {

using test::bytes_of;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }
IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }

// An interface request on a throwaway socket (SIOCGIFFLAGS, SIOCGIFMTU); /sys/class/net would
// show the namespace sysfs was mounted in, not ours.
std::optional<ifreq> query(const std::string& name, unsigned long request) {
  Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (!s.valid() || ::ioctl(s.get(), request, &ifr) < 0) return std::nullopt;
  return ifr;
}

// Whether `name` has `address` with prefix length `prefix_len` (getifaddrs, which asks netlink).
bool has_address(const std::string& name, const IpAddress& address, unsigned prefix_len) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return false;
  bool found = false;
  for (ifaddrs* a = list; a != nullptr && !found; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || name != a->ifa_name) continue;
    const auto addr = Endpoint::from_sockaddr(a->ifa_addr, sizeof(sockaddr_storage));
    const auto mask = Endpoint::from_sockaddr(a->ifa_netmask, sizeof(sockaddr_storage));
    if (!addr || !mask || addr->address() != address) continue;
    unsigned bits = 0;
    for (size_t i = 0; i < mask->address().size(); ++i) {
      bits += static_cast<unsigned>(__builtin_popcount(mask->address().bytes()[i]));
    }
    found = bits == prefix_len;
  }
  ::freeifaddrs(list);
  return found;
}

class NetlinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto nl = NetlinkSocket::open();
    ASSERT_TRUE(nl) << nl.error().message;
    nl_.emplace(std::move(*nl));
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/net/tun";
    auto tun = TunDevice::open({.name = "nl%d", .queues = 2});
    ASSERT_TRUE(tun) << tun.error().message;
    tun_.emplace(std::move(*tun));
    ifindex_ = tun_->ifindex();
  }

  // Up, with 10.9.0.1/24: the tunnel's subnet, so routes have somewhere to go.
  void bring_up() {
    auto up = nl_->link_set_up(ifindex_, true);
    ASSERT_TRUE(up) << up.error().message;
    auto addr = nl_->addr_new(ifindex_, ip("10.9.0.1"), 24);
    ASSERT_TRUE(addr) << addr.error().message;
    auto addr6 = nl_->addr_new(ifindex_, ip("fd09::1"), 64);
    ASSERT_TRUE(addr6) << addr6.error().message;
  }

  // Sends a datagram to `to` from a fresh socket; returns 0 or the errno.
  int send_probe(const Endpoint& to) {
    auto s = UdpSocket::open(Endpoint(to.is_v4() ? ip("0.0.0.0") : ip("::"), 0));
    if (!s) return EBADF;
    return test::send_to(s->fd(), to, bytes_of("probe"), s->is_v6());
  }

  std::optional<NetlinkSocket> nl_;
  std::optional<TunDevice> tun_;
  int ifindex_ = 0;
};

TEST_F(NetlinkTest, LinkIndexByName) {
  auto lo = nl_->link_index("lo");
  ASSERT_TRUE(lo) << lo.error().message;
  EXPECT_EQ(*lo, 1);
  auto tun = nl_->link_index(tun_->name());
  ASSERT_TRUE(tun) << tun.error().message;
  EXPECT_EQ(*tun, ifindex_);

  auto missing = nl_->link_index("nosuch0");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
  EXPECT_EQ(missing.error().message, "RTM_GETLINK nosuch0: No such device");
}

TEST_F(NetlinkTest, LinkUpDownAndMtu) {
  auto up = nl_->link_set_up(ifindex_, true);
  ASSERT_TRUE(up) << up.error().message;
  auto flags = query(tun_->name(), SIOCGIFFLAGS);
  ASSERT_TRUE(flags);
  EXPECT_TRUE(flags->ifr_flags & IFF_UP);

  auto mtu = nl_->link_set_mtu(ifindex_, 1400);
  ASSERT_TRUE(mtu) << mtu.error().message;
  auto got = query(tun_->name(), SIOCGIFMTU);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->ifr_mtu, 1400);

  auto down = nl_->link_set_up(ifindex_, false);
  ASSERT_TRUE(down) << down.error().message;
  flags = query(tun_->name(), SIOCGIFFLAGS);
  ASSERT_TRUE(flags);
  EXPECT_FALSE(flags->ifr_flags & IFF_UP);
}

TEST_F(NetlinkTest, MtuOutOfRangeIsRefusedWithTheKernelsReason) {
  auto tiny = nl_->link_set_mtu(ifindex_, 10);
  ASSERT_FALSE(tiny);
  EXPECT_EQ(tiny.error().code, Errc::kInvalidArgument);
  EXPECT_NE(tiny.error().message.find("RTM_NEWLINK mtu 10 on " + tun_->name() + ": "),
            std::string::npos)
      << tiny.error().message;
}

TEST_F(NetlinkTest, AddressesAreAddedAndDeleted) {
  auto v4 = nl_->addr_new(ifindex_, ip("10.9.0.1"), 24);
  ASSERT_TRUE(v4) << v4.error().message;
  auto v6 = nl_->addr_new(ifindex_, ip("fd09::1"), 64);
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_TRUE(has_address(tun_->name(), ip("10.9.0.1"), 24));
  EXPECT_TRUE(has_address(tun_->name(), ip("fd09::1"), 64));

  auto del4 = nl_->addr_del(ifindex_, ip("10.9.0.1"), 24);
  ASSERT_TRUE(del4) << del4.error().message;
  auto del6 = nl_->addr_del(ifindex_, ip("fd09::1"), 64);
  ASSERT_TRUE(del6) << del6.error().message;
  EXPECT_FALSE(has_address(tun_->name(), ip("10.9.0.1"), 24));
  EXPECT_FALSE(has_address(tun_->name(), ip("fd09::1"), 64));
}

TEST_F(NetlinkTest, Ipv6AddressIsUsableAtOnce) {
  ASSERT_TRUE(nl_->link_set_up(ifindex_, true));
  ASSERT_TRUE(nl_->addr_new(ifindex_, ip("fd09::1"), 64));
  // With duplicate address detection the address would be tentative and bind() would fail.
  auto s = UdpSocket::open(Endpoint(ip("fd09::1"), 0));
  EXPECT_TRUE(s) << s.error().message;
}

TEST_F(NetlinkTest, DuplicateAddressSaysFileExists) {
  ASSERT_TRUE(nl_->addr_new(ifindex_, ip("10.9.0.1"), 24));
  auto again = nl_->addr_new(ifindex_, ip("10.9.0.1"), 24);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kExists);
  // The kernel may add its own words in parentheses (extended ack).
  EXPECT_EQ(again.error().message.rfind(
                "RTM_NEWADDR 10.9.0.1/24 on " + tun_->name() + ": File exists", 0),
            0u)
      << again.error().message;

  ASSERT_TRUE(nl_->addr_new(ifindex_, ip("fd09::1"), 64));
  auto again6 = nl_->addr_new(ifindex_, ip("fd09::1"), 64);
  ASSERT_FALSE(again6);
  EXPECT_NE(again6.error().message.find("File exists"), std::string::npos)
      << again6.error().message;
}

TEST_F(NetlinkTest, DeletingAMissingAddressFails) {
  auto missing = nl_->addr_del(ifindex_, ip("10.9.0.7"), 24);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
  EXPECT_NE(missing.error().message.find("RTM_DELADDR 10.9.0.7/24 on " + tun_->name()),
            std::string::npos)
      << missing.error().message;
}

TEST_F(NetlinkTest, BadPrefixLengthIsRefusedBeforeTheKernel) {
  auto bad = nl_->addr_new(ifindex_, ip("10.9.0.1"), 33);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
}

TEST_F(NetlinkTest, RouteThroughTheDeviceCarriesPackets) {
  bring_up();
  const Route route{.destination = prefix("10.99.0.0/16"), .ifindex = ifindex_};
  auto add = nl_->route_new(route);
  ASSERT_TRUE(add) << add.error().message;

  const Endpoint to(ip("10.99.1.1"), 4000);
  ASSERT_EQ(send_probe(to), 0);
  EXPECT_TRUE(test::read_udp_from_tun(*tun_, to)) << "not routed into " << tun_->name();

  auto again = nl_->route_new(route);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kExists);
  EXPECT_EQ(again.error().message.rfind(
                "RTM_NEWROUTE 10.99.0.0/16 on " + tun_->name() + ": File exists", 0),
            0u)
      << again.error().message;

  auto del = nl_->route_del(route);
  ASSERT_TRUE(del) << del.error().message;
  EXPECT_EQ(send_probe(to), ENETUNREACH);  // no default route in the namespace

  auto del_again = nl_->route_del(route);
  ASSERT_FALSE(del_again);
  EXPECT_EQ(del_again.error().code, Errc::kNotFound);
}

TEST_F(NetlinkTest, RouteWithGatewayAndMetric) {
  bring_up();
  const Route route{.destination = prefix("10.98.0.0/16"),
                    .ifindex = ifindex_,
                    .gateway = ip("10.9.0.254"),
                    .metric = 100};
  auto add = nl_->route_new(route);
  ASSERT_TRUE(add) << add.error().message;
  const Endpoint to(ip("10.98.0.1"), 4000);
  ASSERT_EQ(send_probe(to), 0);
  EXPECT_TRUE(test::read_udp_from_tun(*tun_, to));

  // Another metric is another route.
  Route other = route;
  other.metric = 200;
  auto add_other = nl_->route_new(other);
  ASSERT_TRUE(add_other) << add_other.error().message;
  ASSERT_TRUE(nl_->route_del(other));
  auto del = nl_->route_del(route);
  ASSERT_TRUE(del) << del.error().message;
  EXPECT_EQ(send_probe(to), ENETUNREACH);
}

TEST_F(NetlinkTest, GatewayOutsideTheLinkIsRefusedWithTheKernelsReason) {
  bring_up();
  auto bad = nl_->route_new(
      {.destination = prefix("10.97.0.0/16"), .ifindex = ifindex_, .gateway = ip("192.0.2.1")});
  ASSERT_FALSE(bad);
  // The extended ack, e.g. "... on nl0: Network is unreachable (Nexthop has invalid gateway)".
  EXPECT_NE(bad.error().message.find(" (Nexthop has invalid gateway)"), std::string::npos)
      << bad.error().message;
}

TEST_F(NetlinkTest, Ipv6RouteThroughTheDevice) {
  bring_up();
  const Route route{.destination = prefix("fd99::/64"), .ifindex = ifindex_, .metric = 50};
  auto add = nl_->route_new(route);
  ASSERT_TRUE(add) << add.error().message;
  const Endpoint to(ip("fd99::5"), 4000);
  ASSERT_EQ(send_probe(to), 0);
  EXPECT_TRUE(test::read_udp_from_tun(*tun_, to));
  auto del = nl_->route_del(route);
  ASSERT_TRUE(del) << del.error().message;
  EXPECT_EQ(send_probe(to), ENETUNREACH);
}

}  // namespace
}  // namespace ovpn::io
