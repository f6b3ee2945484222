// NetPlan + NetSetup against the kernel, in the private network namespace netns_main.cc makes
// (root; skipped otherwise). Topology, all in this namespace:
//
//   "uplink" TUN up%d: 192.0.2.2/24, fd02::2/64, default routes via 192.0.2.1 / fd02::1
//   "vpn"    TUN vpn%d: what the plan configures (def1 + ipv6 redirect, one route each family)
//   servers: 198.51.100.7 and 2001:db8:ff::7, reached through the uplink's routers
//
// The kernel's answer (RTM_GETROUTE) for a set of probe destinations is compared before the
// plan, with it, and after teardown, which must be exactly as before.

#include <unistd.h>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "app/net_plan.h"
#include "app/net_setup.h"
#include "io/netlink.h"
#include "io/tun.h"

namespace ovpn::app {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }
IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }

const std::vector<const char*> kProbes = {"198.51.100.7", "8.8.8.8",       "200.1.1.1",
                                          "172.16.5.5",   "10.99.0.1",     "2001:db8:ff::7",
                                          "2001:4860::1", "2001:db8:1::1", "fd55::1"};

std::string describe(const io::RouteLookup& r) {
  std::string s = "dev " + std::to_string(r.ifindex);
  if (r.gateway) s += " via " + r.gateway->to_string();
  return s;
}

class NetSetupNetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/net/tun";
    auto nl = io::NetlinkSocket::open();
    ASSERT_TRUE(nl) << nl.error().message;
    nl_.emplace(std::move(*nl));
    auto uplink = io::TunDevice::open({.name = "up%d", .queues = 1});
    ASSERT_TRUE(uplink) << uplink.error().message;
    uplink_.emplace(std::move(*uplink));
    auto vpn = io::TunDevice::open({.name = "vpn%d", .queues = 1});
    ASSERT_TRUE(vpn) << vpn.error().message;
    vpn_.emplace(std::move(*vpn));

    const int up = uplink_->ifindex();
    ASSERT_TRUE(nl_->link_set_up(up, true));
    ASSERT_TRUE(nl_->addr_new(up, ip("192.0.2.2"), 24));
    ASSERT_TRUE(nl_->addr_new(up, ip("fd02::2"), 64));
    auto d4 = nl_->route_new({prefix("0.0.0.0/0"), up, ip("192.0.2.1"), std::nullopt});
    ASSERT_TRUE(d4) << d4.error().message;
    auto d6 = nl_->route_new({prefix("::/0"), up, ip("fd02::1"), std::nullopt});
    ASSERT_TRUE(d6) << d6.error().message;
    // Someone else's route that the plan also wants: it must survive the teardown.
    ASSERT_TRUE(nl_->route_new({prefix("172.16.0.0/12"), up, ip("192.0.2.1"), std::nullopt}));
  }

  std::vector<std::string> snapshot() {
    std::vector<std::string> out;
    for (const char* probe : kProbes) {
      auto r = nl_->route_get(ip(probe));
      out.push_back(std::string(probe) + " " + (r ? describe(*r) : r.error().message));
    }
    return out;
  }

  io::RouteLookup lookup(const char* destination) {
    auto r = nl_->route_get(ip(destination));
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : io::RouteLookup{};
  }

  std::optional<io::NetlinkSocket> nl_;
  std::optional<io::TunDevice> uplink_;
  std::optional<io::TunDevice> vpn_;
};

TEST_F(NetSetupNetnsTest, RedirectDef1AppliedAndUndone) {
  const int up = uplink_->ifindex();
  const int tun = vpn_->ifindex();
  const auto before = snapshot();

  NetFacts facts;
  facts.tun_ifindex = tun;
  facts.tun_name = vpn_->name();
  for (const char* server : {"198.51.100.7", "2001:db8:ff::7"}) {
    auto r = nl_->route_get(ip(server));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->ifindex, up);
    facts.servers.push_back({ip(server), *r});
  }
  facts.net_gateway4 = facts.servers[0].route;
  ASSERT_EQ(facts.net_gateway4->gateway, ip("192.0.2.1"));

  config::ClientOptions options;
  options.connection.entries.push_back({});
  options.connection.entries[0].tun_mtu = 1420;
  config::PushedOptions pushed;
  pushed.topology = "subnet";
  pushed.ifconfig = {"10.8.0.2", "255.255.255.0"};
  pushed.ifconfig_ipv6 = {"fd00:8::1000/64", "fd00:8::1"};
  pushed.route_gateway = "10.8.0.1";
  pushed.redirect = config::RedirectGateway{.def1 = true, .ipv6 = true};
  pushed.routes.push_back({"172.16.0.0", "255.240.0.0", std::nullopt, std::nullopt});
  pushed.routes6.push_back({"2001:db8:1::/48", std::nullopt, std::nullopt});
  auto plan = make_net_plan(options, pushed, facts);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_TRUE(plan->warnings.empty());

  io::NetlinkSocket& nl = *nl_;
  NetlinkOps ops(nl);
  NetSetup setup(ops);
  auto applied = setup.apply(*plan);
  ASSERT_TRUE(applied) << applied.error().message;
  ASSERT_EQ(setup.notes().size(), 1u);  // 172.16.0.0/12 was there already
  EXPECT_NE(setup.notes()[0].find("172.16.0.0/12"), std::string::npos);

  EXPECT_EQ(describe(lookup("198.51.100.7")), "dev " + std::to_string(up) + " via 192.0.2.1");
  EXPECT_EQ(describe(lookup("8.8.8.8")), "dev " + std::to_string(tun) + " via 10.8.0.1");
  EXPECT_EQ(describe(lookup("200.1.1.1")), "dev " + std::to_string(tun) + " via 10.8.0.1");
  EXPECT_EQ(describe(lookup("172.16.5.5")), "dev " + std::to_string(up) + " via 192.0.2.1");
  EXPECT_EQ(describe(lookup("10.8.0.77")), "dev " + std::to_string(tun));  // the VPN subnet
  EXPECT_EQ(describe(lookup("2001:db8:ff::7")), "dev " + std::to_string(up) + " via fd02::1");
  EXPECT_EQ(lookup("2001:4860::1").ifindex, tun);
  EXPECT_EQ(lookup("2001:db8:1::1").ifindex, tun);
  EXPECT_EQ(lookup("fd55::1").ifindex, tun);  // fc00::/7

  ASSERT_TRUE(setup.teardown());
  EXPECT_EQ(snapshot(), before);
  EXPECT_TRUE(setup.teardown());  // idempotent
  EXPECT_EQ(snapshot(), before);
}

TEST_F(NetSetupNetnsTest, FailureMidwayLeavesTheTableAsBefore) {
  const auto before = snapshot();
  NetPlan plan;
  plan.ifindex = vpn_->ifindex();
  plan.mtu = 1400;
  plan.addresses.push_back({ip("10.8.0.2"), 24, std::nullopt});
  plan.routes.push_back({prefix("0.0.0.0/1"), plan.ifindex, ip("10.8.0.1"), std::nullopt});
  // A gateway no interface reaches: the kernel refuses this route.
  plan.routes.push_back({prefix("128.0.0.0/1"), plan.ifindex, ip("10.77.0.1"), std::nullopt});
  io::NetlinkSocket& nl = *nl_;
  NetlinkOps ops(nl);
  NetSetup setup(ops);
  EXPECT_FALSE(setup.apply(plan));
  EXPECT_TRUE(setup.changes().empty());
  EXPECT_EQ(snapshot(), before);
}

TEST_F(NetSetupNetnsTest, PointToPointAddressWithPeer) {
  const int tun = vpn_->ifindex();
  NetPlan plan;
  plan.ifindex = tun;
  plan.mtu = 1500;
  plan.addresses.push_back({ip("10.8.0.6"), 32, ip("10.8.0.5")});
  plan.routes.push_back({prefix("10.66.0.0/16"), tun, ip("10.8.0.5"), 7});
  io::NetlinkSocket& nl = *nl_;
  NetlinkOps ops(nl);
  NetSetup setup(ops);
  auto applied = setup.apply(plan);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(describe(lookup("10.8.0.5")), "dev " + std::to_string(tun));
  EXPECT_EQ(describe(lookup("10.66.1.1")), "dev " + std::to_string(tun) + " via 10.8.0.5");
  EXPECT_TRUE(setup.teardown());
  EXPECT_NE(lookup("10.66.1.1").ifindex, tun);
}

}  // namespace
}  // namespace ovpn::app
