// client-config-dir files: each option, errors with file and line, the client's push list after
// push-reset / push-remove / push and the iroute filter, and the address checks.

#include "config/ccd.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config_test_util.h"

namespace ovpn::config {
namespace {

using Strings = std::vector<std::string>;

IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }
IpPrefix prefix(std::string_view text) { return *IpPrefix::parse(text); }

ClientConfig read_ok(std::string_view text) {
  MemoryFileSystem fs;
  auto ccd = read_client_config(text, "ccd/alice", fs);
  EXPECT_TRUE(ccd.has_value()) << (ccd ? "" : ccd.error().message);
  return ccd ? *ccd : ClientConfig{};
}

std::string read_error(std::string_view text) {
  MemoryFileSystem fs;
  auto ccd = read_client_config(text, "ccd/alice", fs);
  return ccd ? std::string() : ccd.error().message;
}

TEST(ClientConfigDir, EveryOption) {
  const ClientConfig c = read_ok(
      "# alice's settings\nifconfig-push 10.8.0.50 255.255.255.0\n"
      "ifconfig-ipv6-push fd00::50/64 fd00::1\niroute 192.168.50.0 255.255.255.0\n"
      "iroute 192.168.51.7\niroute-ipv6 fd00:50::/48\npush \"route 10.50.0.0 255.255.0.0\"\n"
      "push-reset\npush-remove dhcp-option\n");
  EXPECT_FALSE(c.disable);
  ASSERT_TRUE(c.ifconfig_push);
  EXPECT_EQ(*c.ifconfig_push, (IfconfigPush{ip("10.8.0.50"), ip("255.255.255.0")}));
  EXPECT_EQ(c.ifconfig_push_where.to_string(), "ccd/alice:2");
  EXPECT_EQ(c.ifconfig_ipv6_push, (IfconfigIpv6Push{ip("fd00::50"), 64, ip("fd00::1")}));
  EXPECT_EQ(c.iroutes,
            (std::vector<IpPrefix>{prefix("192.168.50.0/24"), prefix("192.168.51.7/32")}));
  EXPECT_EQ(c.iroutes_ipv6, std::vector<IpPrefix>{prefix("fd00:50::/48")});
  EXPECT_EQ(c.push_edits,
            (std::vector<PushEdit>{{PushEditKind::kAdd, "route 10.50.0.0 255.255.0.0"},
                                   {PushEditKind::kReset, ""},
                                   {PushEditKind::kRemove, "dhcp-option"}}));
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_TRUE(read_ok("disable\n").disable);
  EXPECT_TRUE(read_ok("").push_edits.empty());
}

TEST(ClientConfigDir, HostBitsAndAliasAreWarnings) {
  const ClientConfig c = read_ok(
      "iroute 192.168.50.9 255.255.255.0\niroute-ipv6 fd00:50::1/48\n"
      "ifconfig-push 10.8.0.6 10.8.0.5 10.8.0.7\n");
  EXPECT_EQ(c.iroutes, std::vector<IpPrefix>{prefix("192.168.50.0/24")});
  EXPECT_EQ(c.iroutes_ipv6, std::vector<IpPrefix>{prefix("fd00:50::/48")});
  EXPECT_EQ(c.warnings,
            (Strings{"ccd/alice:1: iroute: 192.168.50.9 has host bits set; taken as "
                     "192.168.50.0/24",
                     "ccd/alice:2: iroute-ipv6: fd00:50::1 has host bits set; taken as "
                     "fd00:50::/48",
                     "ccd/alice:3: ifconfig-push: the alias address \"10.8.0.7\" is ignored"}));
}

TEST(ClientConfigDir, ErrorsNameFileAndLine) {
  EXPECT_EQ(read_error("iroute 192.168.50.0 255.0.255.0\n"),
            "ccd/alice:1: iroute: netmask \"255.0.255.0\" is not a netmask (its one bits must be "
            "contiguous)");
  EXPECT_EQ(read_error("\n\niroute 192.168.50\n"),
            "ccd/alice:3: iroute: network \"192.168.50\" is not an IPv4 address");
  EXPECT_EQ(read_error("ifconfig-push 10.8.0.5\n"),
            "ccd/alice:1: ifconfig-push: expects 2 to 3 arguments, got 1");
  EXPECT_EQ(read_error("ifconfig-ipv6-push fd00::5\n"),
            "ccd/alice:1: ifconfig-ipv6-push: \"fd00::5\" is not an IPv6 ADDRESS/BITS "
            "(fd00::2/64)");
  EXPECT_EQ(read_error("iroute-ipv6 10.0.0.0/8\n"),
            "ccd/alice:1: iroute-ipv6: \"10.0.0.0/8\" is not an IPv6 ADDRESS/BITS (fd00::2/64)");
  EXPECT_EQ(read_error("push \"comp-lzo yes\"\n"),
            "ccd/alice:1: push: cannot push \"comp-lzo yes\": comp-lzo: the server pushes "
            "compression \"yes\", which the offload engine (like the kernel DCO) cannot do");
  EXPECT_EQ(read_error("push-remove\n"), "ccd/alice:1: push-remove: expects 1 argument, got 0");
  EXPECT_EQ(read_error("server 10.8.0.0 255.255.255.0\n"),
            "ccd/alice:1: server: not valid in a client-config-dir file (ovpnd takes "
            "ifconfig-push, ifconfig-ipv6-push, iroute, iroute-ipv6, push, push-reset, "
            "push-remove and disable)");
  EXPECT_EQ(read_error("inactive 60\n"),
            "ccd/alice:1: inactive: not supported yet: not valid in a client-config-dir file "
            "(ovpnd takes ifconfig-push, ifconfig-ipv6-push, iroute, iroute-ipv6, push, "
            "push-reset, push-remove and disable)");
  EXPECT_EQ(read_error("push \"route 10.0.0.0 255.0.0.0\n"),
            "ccd/alice:1: no closing quotation (\")");
}

TEST(ClientConfigDir, ConfigIncludes) {
  MemoryFileSystem fs;
  fs.add("common.ccd", "iroute 10.77.0.0 255.255.0.0\n");
  auto c = read_client_config("config common.ccd\ndisable\n", "ccd/bob", fs);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->iroutes, std::vector<IpPrefix>{prefix("10.77.0.0/16")});
  EXPECT_TRUE(c->disable);
  auto missing = read_client_config("config nope.ccd\n", "ccd/bob", fs);
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().message.find("nope.ccd") != std::string::npos);
}

TEST(ClientPushList, EditsInOrder) {
  const Strings server = {"route 10.1.0.0 255.255.0.0",
                          "dhcp-option DNS 10.8.0.1",
                          "dhcp-option DOMAIN corp",
                          "route-gateway 10.8.0.1",
                          "topology subnet",
                          "ping 10",
                          "ping-restart 60"};
  EXPECT_EQ(client_push_list(server, ClientConfig{}).options, server);
  const ClientConfig remove = read_ok(
      "push \"dhcp-option DNS 10.9.9.9\"\npush-remove dhcp-option\npush \"dhcp-option WINS "
      "10.9.9.8\"\n"
      "push-remove ping\n");
  EXPECT_EQ(client_push_list(server, remove).options,
            (Strings{"route 10.1.0.0 255.255.0.0", "route-gateway 10.8.0.1", "topology subnet",
                     "dhcp-option WINS 10.9.9.8"}));
  const ClientConfig reset = read_ok(
      "push \"route 10.2.0.0 255.255.0.0\"\npush-reset\n"
      "push \"topology subnet\"\npush \"route-gateway 10.8.0.1\"\n");
  EXPECT_EQ(client_push_list(server, reset).options,
            (Strings{"topology subnet", "route-gateway 10.8.0.1"}));
  const ClientConfig blocked = read_ok("push-remove ifconfig\npush-remove ifconfig-ipv6\n");
  const ClientPushList b = client_push_list(server, blocked);
  EXPECT_TRUE(b.ifconfig_blocked && b.ifconfig_ipv6_blocked);
  EXPECT_EQ(b.options, server);
}

TEST(ClientPushList, RoutesToTheClientsOwnNetworksAreLeftOut) {
  const Strings server = {"route 192.168.50.0 255.255.255.0",
                          "route 192.168.51.0 255.255.255.0",
                          "route 192.168.50.0 255.255.255.0 10.8.0.9",
                          "route 192.168.52.1",
                          "route-ipv6 fd00:50::/48",
                          "route-ipv6 fd00:50::/48 fd00::9",
                          "route-ipv6 fd00:51::/48"};
  const ClientConfig c =
      read_ok("iroute 192.168.50.0 255.255.255.0\niroute 192.168.52.1\niroute-ipv6 fd00:50::/48\n");
  EXPECT_EQ(
      client_push_list(server, c).options,
      (Strings{"route 192.168.51.0 255.255.255.0", "route 192.168.50.0 255.255.255.0 10.8.0.9",
               "route-ipv6 fd00:50::/48 fd00::9", "route-ipv6 fd00:51::/48"}));
}

TEST(ClientConfigDir, ClientConnectFileAppliesAfterTheCcdFile) {
  ClientConfig into = read_ok(
      "ifconfig-push 10.8.0.20 255.255.255.0\n"
      "iroute 10.66.0.0 255.255.255.0\n"
      "push \"route 10.1.0.0 255.255.0.0\"\n");
  merge_client_config(into, read_ok("ifconfig-push 10.8.0.30 255.255.255.0\n"
                                    "ifconfig-ipv6-push fd88::30/64\n"
                                    "iroute 10.67.0.0 255.255.255.0\n"
                                    "push-reset\n"));
  ASSERT_TRUE(into.ifconfig_push);
  EXPECT_EQ(into.ifconfig_push->local, ip("10.8.0.30"));
  ASSERT_TRUE(into.ifconfig_ipv6_push);
  EXPECT_EQ(into.ifconfig_ipv6_push->local, ip("fd88::30"));
  EXPECT_EQ(into.iroutes, (std::vector<IpPrefix>{prefix("10.66.0.0/24"), prefix("10.67.0.0/24")}));
  ASSERT_EQ(into.push_edits.size(), 2u);
  EXPECT_EQ(into.push_edits[1].kind, PushEditKind::kReset);
  EXPECT_FALSE(into.disable);

  // What the later file does not set stays; `disable` there wins.
  merge_client_config(into, read_ok("disable\n"));
  EXPECT_TRUE(into.disable);
  EXPECT_EQ(into.ifconfig_push->local, ip("10.8.0.30"));
}

TEST(ClientConfigDir, AddressChecksAgainstTheServer) {
  auto built = test::build_server_text(test::kMinimalServer);
  ASSERT_TRUE(built) << built.error().message;
  const ServerNetwork& subnet = built->options.network;
  EXPECT_TRUE(check_client_config(read_ok("ifconfig-push 10.8.0.50 255.255.255.0\n"), subnet));
  EXPECT_TRUE(check_client_config(read_ok("iroute 10.99.0.0 255.255.0.0\n"), subnet));
  const Status outside =
      check_client_config(read_ok("ifconfig-push 10.9.0.50 255.255.255.0\n"), subnet);
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().message,
            "ccd/alice:1: ifconfig-push: 10.9.0.50 is outside the server's network 10.8.0.0/24");
  const Status peer = check_client_config(read_ok("ifconfig-push 10.8.0.50 10.8.0.49\n"), subnet);
  ASSERT_FALSE(peer);
  EXPECT_EQ(peer.error().message,
            "ccd/alice:1: ifconfig-push: with topology subnet the second address must be a "
            "netmask, not 10.8.0.49");
  // net30: a local/peer pair, and no network constraint (as OpenVPN).
  auto net30 = test::build_server_text(
      "server 10.8.0.0 255.255.255.0\nca ca.crt\ncert server.crt\nkey server.key\n");
  ASSERT_TRUE(net30);
  EXPECT_TRUE(
      check_client_config(read_ok("ifconfig-push 10.9.0.6 10.9.0.5\n"), net30->options.network));
}

}  // namespace
}  // namespace ovpn::config
