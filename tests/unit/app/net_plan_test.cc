// make_net_plan(): addresses per topology, MTU, routes with keyword gateways and metrics,
// redirect-gateway (def1, replace-default, ipv6, !ipv4, local, private, bypass-dns), servers
// routed or on-link, and what is skipped with a warning.

#include "app/net_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ovpn::app {
namespace {

constexpr int kTun = 7;
constexpr int kUplink = 2;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

std::string text(const io::Route& r) {
  std::string s = r.destination.to_string() + " dev " + std::to_string(r.ifindex);
  if (r.gateway) s += " via " + r.gateway->to_string();
  if (r.metric) s += " metric " + std::to_string(*r.metric);
  return s;
}

std::vector<std::string> texts(const std::vector<io::Route>& routes) {
  std::vector<std::string> out;
  for (const auto& r : routes) out.push_back(text(r));
  return out;
}

bool has_warning(const NetPlan& plan, const std::string& part) {
  return std::any_of(plan.warnings.begin(), plan.warnings.end(),
                     [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

class NetPlanTest : public ::testing::Test {
 protected:
  NetPlanTest() {
    options_.connection.entries.push_back({});
    options_.connection.entries[0].remote_host = "vpn.example.net";
    facts_.tun_ifindex = kTun;
    facts_.tun_name = "tun0";
    // The server 198.51.100.7 is reached through the uplink's router 192.0.2.1.
    facts_.servers.push_back({ip("198.51.100.7"), io::RouteLookup{kUplink, ip("192.0.2.1"), {}}});
    facts_.net_gateway4 = io::RouteLookup{kUplink, ip("192.0.2.1"), {}};
  }

  // topology subnet, 10.8.0.2/24, route-gateway 10.8.0.1: what a 2.6 server pushes.
  void push_subnet() {
    pushed_.topology = "subnet";
    pushed_.ifconfig = {"10.8.0.2", "255.255.255.0"};
    pushed_.route_gateway = "10.8.0.1";
  }

  NetPlan plan() {
    auto p = make_net_plan(options_, pushed_, facts_);
    EXPECT_TRUE(p) << p.error().message;
    return p ? *p : NetPlan{};
  }

  config::ClientOptions options_;
  config::PushedOptions pushed_;
  NetFacts facts_;
};

TEST_F(NetPlanTest, SubnetTopologyAddressAndMtu) {
  push_subnet();
  const NetPlan p = plan();
  EXPECT_EQ(p.ifindex, kTun);
  EXPECT_EQ(p.mtu, 1500u);
  ASSERT_EQ(p.addresses.size(), 1u);
  EXPECT_EQ(p.addresses[0], (PlannedAddress{ip("10.8.0.2"), 24, std::nullopt}));
  EXPECT_TRUE(p.routes.empty());
  EXPECT_TRUE(p.warnings.empty());
}

TEST_F(NetPlanTest, Net30IsPointToPointAndItsRemoteIsTheVpnGateway) {
  pushed_.ifconfig = {"10.8.0.6", "10.8.0.5"};  // no topology pushed: net30
  pushed_.routes.push_back({"10.8.0.1", "255.255.255.255", std::nullopt, std::nullopt});
  const NetPlan p = plan();
  ASSERT_EQ(p.addresses.size(), 1u);
  EXPECT_EQ(p.addresses[0], (PlannedAddress{ip("10.8.0.6"), 32, ip("10.8.0.5")}));
  EXPECT_EQ(texts(p.routes), std::vector<std::string>{"10.8.0.1/32 dev 7 via 10.8.0.5"});
}

TEST_F(NetPlanTest, P2pTopologyFromTheConfiguration) {
  options_.tun.topology = "p2p";
  pushed_.ifconfig = {"10.9.0.2", "10.9.0.1"};
  const NetPlan p = plan();
  ASSERT_EQ(p.addresses.size(), 1u);
  EXPECT_EQ(p.addresses[0].peer, ip("10.9.0.1"));
}

TEST_F(NetPlanTest, PushedTunMtuWinsOverTheConfiguredOne) {
  options_.connection.entries[0].tun_mtu = 1400;
  push_subnet();
  EXPECT_EQ(plan().mtu, 1400u);
  pushed_.tun_mtu = 1380;
  EXPECT_EQ(plan().mtu, 1380u);
}

TEST_F(NetPlanTest, IfconfigIpv6) {
  push_subnet();
  pushed_.ifconfig_ipv6 = {"fd00:8::1000/64", "fd00:8::1"};
  const NetPlan p = plan();
  ASSERT_EQ(p.addresses.size(), 2u);
  EXPECT_EQ(p.addresses[1], (PlannedAddress{ip("fd00:8::1000"), 64, std::nullopt}));
}

TEST_F(NetPlanTest, MalformedIfconfigIsAnError) {
  push_subnet();
  pushed_.ifconfig = {"10.8.0.2", "255.0.255.0"};  // not contiguous
  EXPECT_FALSE(make_net_plan(options_, pushed_, facts_));
  pushed_.ifconfig = {"10.8.0.x", "255.255.255.0"};
  EXPECT_FALSE(make_net_plan(options_, pushed_, facts_));
  pushed_.ifconfig = {"10.8.0.2", "255.255.255.0"};
  for (const char* bad : {"fd00::1/129", "fd00::1/", "10.0.0.1/64", "fd00::1/6x"}) {
    pushed_.ifconfig_ipv6 = {bad, ""};
    EXPECT_FALSE(make_net_plan(options_, pushed_, facts_)) << bad;
  }
}

TEST_F(NetPlanTest, BadFactsAndTopologyAreErrors) {
  push_subnet();
  pushed_.topology = "star";
  EXPECT_EQ(make_net_plan(options_, pushed_, facts_).error().code, Errc::kInvalidArgument);
  pushed_.topology = "subnet";
  facts_.connection_index = 1;
  EXPECT_FALSE(make_net_plan(options_, pushed_, facts_));
  facts_.connection_index = 0;
  facts_.tun_ifindex = 0;
  EXPECT_FALSE(make_net_plan(options_, pushed_, facts_));
}

TEST_F(NetPlanTest, RoutesWithDefaultAndKeywordGatewaysAndMetrics) {
  push_subnet();
  options_.tun.route_metric = 50;
  options_.tun.routes.push_back({"172.16.0.0", "255.240.0.0", std::nullopt, std::nullopt});
  pushed_.routes.push_back({"192.168.10.0", "255.255.255.0", "vpn_gateway", 5});
  pushed_.routes.push_back({"203.0.113.0", "255.255.255.0", "net_gateway", std::nullopt});
  pushed_.routes.push_back({"remote_host", "255.255.255.255", "net_gateway", std::nullopt});
  pushed_.routes.push_back({"10.20.0.0", "255.255.0.0", "10.8.0.254", std::nullopt});
  pushed_.routes.push_back({"10.30.0.0", "255.255.0.0", "192.0.2.99", std::nullopt});
  const NetPlan p = plan();
  EXPECT_EQ(texts(p.routes), (std::vector<std::string>{
                                 "172.16.0.0/12 dev 7 via 10.8.0.1 metric 50",
                                 "192.168.10.0/24 dev 7 via 10.8.0.1 metric 5",
                                 "203.0.113.0/24 dev 2 via 192.0.2.1 metric 50",
                                 "198.51.100.7/32 dev 2 via 192.0.2.1 metric 50",
                                 "10.20.0.0/16 dev 7 via 10.8.0.254 metric 50",
                                 "10.30.0.0/16 dev 0 via 192.0.2.99 metric 50",
                             }));
  EXPECT_TRUE(p.warnings.empty());
}

TEST_F(NetPlanTest, ConfiguredRouteGatewayWinsOverThePushedOne) {
  push_subnet();
  options_.tun.route_gateway = "10.8.0.254";
  pushed_.routes.push_back({"10.1.0.0", "255.255.0.0", std::nullopt, std::nullopt});
  EXPECT_EQ(texts(plan().routes), std::vector<std::string>{"10.1.0.0/16 dev 7 via 10.8.0.254"});
}

TEST_F(NetPlanTest, UnresolvableRoutesAreSkippedWithAWarning) {
  pushed_.topology = "subnet";
  pushed_.ifconfig = {"10.8.0.2", "255.255.255.0"};  // no route-gateway: no vpn_gateway
  facts_.net_gateway4.reset();
  pushed_.routes.push_back({"10.1.0.0", "255.255.0.0", std::nullopt, std::nullopt});
  pushed_.routes.push_back({"10.2.0.0", "255.255.0.0", "net_gateway", std::nullopt});
  pushed_.routes.push_back({"intranet.example", "255.255.255.255", "10.8.0.1", std::nullopt});
  pushed_.routes.push_back({"10.3.0.1", "255.255.0.0", "10.8.0.1", std::nullopt});  // host bits
  pushed_.routes.push_back({"10.4.0.0", "255.0.255.0", "10.8.0.1", std::nullopt});
  pushed_.routes.push_back({"10.5.0.0", "255.255.0.0", "10.8.0.1", std::nullopt});
  const NetPlan p = plan();
  EXPECT_EQ(texts(p.routes), std::vector<std::string>{"10.5.0.0/16 dev 7 via 10.8.0.1"});
  EXPECT_EQ(p.warnings.size(), 5u);
  EXPECT_TRUE(has_warning(p, "route 10.1.0.0 255.255.0.0: cannot resolve the gateway"));
  EXPECT_TRUE(has_warning(p, "route 10.2.0.0 255.255.0.0 net_gateway: cannot resolve"));
  EXPECT_TRUE(has_warning(p, "intranet.example"));
  EXPECT_TRUE(has_warning(p, "10.3.0.1 255.255.0.0 10.8.0.1: not a network/netmask pair"));
}

TEST_F(NetPlanTest, ARouteBothConfiguredAndPushedIsPlannedOnce) {
  push_subnet();
  options_.tun.routes.push_back({"10.1.0.0", "255.255.0.0", std::nullopt, std::nullopt});
  pushed_.routes.push_back({"10.1.0.0", "255.255.0.0", std::nullopt, std::nullopt});
  EXPECT_EQ(plan().routes.size(), 1u);
}

TEST_F(NetPlanTest, Ipv6RoutesGoThroughTheTunnelWithoutGateway) {
  push_subnet();
  pushed_.ifconfig_ipv6 = {"fd00:8::1000/64", "fd00:8::1"};
  options_.tun.route_metric = 9;
  facts_.net_gateway6 = io::RouteLookup{kUplink, ip("fe80::1"), {}};
  pushed_.routes6.push_back({"2001:db8:1::/48", std::nullopt, std::nullopt});
  pushed_.routes6.push_back({"2001:db8:2::/48", "vpn_gateway", 3});
  pushed_.routes6.push_back({"2001:db8:3::/48", "fd00:8::2", std::nullopt});
  pushed_.routes6.push_back({"2001:db8:4::/48", "net_gateway", std::nullopt});
  pushed_.routes6.push_back({"2001:db8:5::/48", "not-an-address", std::nullopt});
  pushed_.routes6.push_back({"10.0.0.0/8", std::nullopt, std::nullopt});
  const NetPlan p = plan();
  EXPECT_EQ(texts(p.routes), (std::vector<std::string>{
                                 "2001:db8:1::/48 dev 7 metric 9",
                                 "2001:db8:2::/48 dev 7 metric 3",
                                 "2001:db8:3::/48 dev 7 via fd00:8::2 metric 9",
                                 "2001:db8:4::/48 dev 2 via fe80::1 metric 9",
                             }));
  EXPECT_EQ(p.warnings.size(), 2u);
}

TEST_F(NetPlanTest, Ipv6RoutesNeedAnIpv6AddressOnTheTunnel) {
  push_subnet();
  pushed_.routes6.push_back({"2001:db8:1::/48", std::nullopt, std::nullopt});
  const NetPlan p = plan();
  EXPECT_TRUE(p.routes.empty());
  EXPECT_TRUE(has_warning(p, "no IPv6 address"));
}

TEST_F(NetPlanTest, RedirectDef1RoutesTheServerAroundTheTunnelFirst) {
  push_subnet();
  options_.tun.route_metric = 20;
  pushed_.redirect = config::RedirectGateway{.def1 = true};
  const NetPlan p = plan();
  EXPECT_EQ(texts(p.routes), (std::vector<std::string>{
                                 "198.51.100.7/32 dev 2 via 192.0.2.1",
                                 "0.0.0.0/1 dev 7 via 10.8.0.1 metric 20",
                                 "128.0.0.0/1 dev 7 via 10.8.0.1 metric 20",
                             }));
  EXPECT_TRUE(p.warnings.empty());
}

TEST_F(NetPlanTest, RedirectWithoutDef1KeepsTheDefaultRouteAndWarns) {
  push_subnet();
  options_.tun.redirect = config::RedirectGateway{};  // from the configuration this time
  const NetPlan p = plan();
  EXPECT_EQ(texts(p.routes), (std::vector<std::string>{
                                 "198.51.100.7/32 dev 2 via 192.0.2.1",
                                 "0.0.0.0/1 dev 7 via 10.8.0.1",
                                 "128.0.0.0/1 dev 7 via 10.8.0.1",
                             }));
  EXPECT_TRUE(has_warning(p, "without def1"));
}

TEST_F(NetPlanTest, RedirectSkipsTheHostRouteForALocalOrOnLinkServer) {
  push_subnet();
  pushed_.redirect = config::RedirectGateway{.def1 = true, .local = true};
  EXPECT_EQ(plan().routes.size(), 2u);
  pushed_.redirect = config::RedirectGateway{.def1 = true};
  facts_.servers[0].route = io::RouteLookup{kUplink, std::nullopt, {}};  // on the uplink's LAN
  const NetPlan p = plan();
  EXPECT_EQ(texts(p.routes), (std::vector<std::string>{"0.0.0.0/1 dev 7 via 10.8.0.1",
                                                       "128.0.0.0/1 dev 7 via 10.8.0.1"}));
}

TEST_F(NetPlanTest, RedirectIsRefusedWhenTheServerRouteIsUnknown) {
  push_subnet();
  pushed_.redirect = config::RedirectGateway{.def1 = true};
  facts_.servers[0].route.reset();
  const NetPlan p = plan();
  EXPECT_TRUE(p.routes.empty());
  EXPECT_TRUE(has_warning(p, "no route to the server 198.51.100.7"));
}

TEST_F(NetPlanTest, RedirectWithoutVpnGatewayIsSkipped) {
  pushed_.topology = "subnet";
  pushed_.ifconfig = {"10.8.0.2", "255.255.255.0"};
  pushed_.redirect = config::RedirectGateway{.def1 = true};
  const NetPlan p = plan();
  EXPECT_TRUE(p.routes.empty());
  EXPECT_TRUE(has_warning(p, "VPN gateway"));
}

TEST_F(NetPlanTest, RedirectIpv6AndNotIpv4) {
  push_subnet();
  pushed_.ifconfig_ipv6 = {"fd00:8::1000/64", "fd00:8::1"};
  facts_.servers.push_back({ip("2001:db8:ff::7"), io::RouteLookup{kUplink, ip("fe80::1"), {}}});
  pushed_.redirect = config::RedirectGateway{.def1 = true, .ipv4 = false, .ipv6 = true};
  const NetPlan p = plan();
  EXPECT_EQ(texts(p.routes), (std::vector<std::string>{
                                 "2001:db8:ff::7/128 dev 2 via fe80::1",
                                 "::/3 dev 7",
                                 "2000::/4 dev 7",
                                 "3000::/4 dev 7",
                                 "fc00::/7 dev 7",
                             }));
}

TEST_F(NetPlanTest, RedirectIpv6NeedsIfconfigIpv6) {
  push_subnet();
  pushed_.redirect = config::RedirectGateway{.def1 = true, .ipv6 = true};
  const NetPlan p = plan();
  EXPECT_EQ(p.routes.size(), 3u);  // IPv4 only
  EXPECT_TRUE(has_warning(p, "not redirecting IPv6"));
}

TEST_F(NetPlanTest, RedirectPrivateAddsOnlyTheServerRoute) {
  push_subnet();
  pushed_.redirect = config::RedirectGateway{.is_private = true};
  EXPECT_EQ(texts(plan().routes), std::vector<std::string>{"198.51.100.7/32 dev 2 via 192.0.2.1"});
}

TEST_F(NetPlanTest, RedirectBypassDnsAndUnsupportedFlags) {
  push_subnet();
  pushed_.dhcp_options.push_back({"DNS", "192.0.2.53"});
  pushed_.dhcp_options.push_back({"DNS", "2001:db8::53"});
  pushed_.dhcp_options.push_back({"DOMAIN", "example.net"});
  pushed_.redirect = config::RedirectGateway{
      .def1 = true, .bypass_dhcp = true, .bypass_dns = true, .block_local = true};
  options_.tun.route_delay = std::pair<uint32_t, uint32_t>{5, 30};
  const NetPlan p = plan();
  EXPECT_EQ(texts(p.routes), (std::vector<std::string>{
                                 "198.51.100.7/32 dev 2 via 192.0.2.1",
                                 "192.0.2.53/32 dev 2 via 192.0.2.1",
                                 "0.0.0.0/1 dev 7 via 10.8.0.1",
                                 "128.0.0.0/1 dev 7 via 10.8.0.1",
                             }));
  EXPECT_TRUE(has_warning(p, "block-local is not supported yet"));
  EXPECT_TRUE(has_warning(p, "bypass-dhcp"));
  EXPECT_TRUE(has_warning(p, "route-delay ignored"));
}

TEST_F(NetPlanTest, PushedRedirectOverridesTheConfiguredOne) {
  push_subnet();
  options_.tun.redirect = config::RedirectGateway{.def1 = true};
  pushed_.redirect = config::RedirectGateway{.is_private = true};
  EXPECT_EQ(plan().routes.size(), 1u);
}

TEST(NetmaskPrefixLen, ContiguousMasksOnly) {
  EXPECT_EQ(netmask_prefix_len(ip("0.0.0.0")), 0);
  EXPECT_EQ(netmask_prefix_len(ip("255.255.255.252")), 30);
  EXPECT_EQ(netmask_prefix_len(ip("255.255.255.255")), 32);
  EXPECT_EQ(netmask_prefix_len(ip("255.254.0.0")), 15);
  EXPECT_FALSE(netmask_prefix_len(ip("255.0.255.0")));
  EXPECT_FALSE(netmask_prefix_len(ip("0.0.0.255")));
  EXPECT_FALSE(netmask_prefix_len(ip("ffff::")));
}

}  // namespace
}  // namespace ovpn::app
