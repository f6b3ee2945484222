// PUSH_REPLY options: the replies stock OpenVPN 2.6.14 sent in the golden vectors, the example
// of the protocol reference, pull-filter, route-nopull, continuation and bad input.

#include "config/pushed_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/vectors.h"

namespace ovpn::config {
namespace {

PushedOptions apply(std::string_view text, const PullPolicy& policy = {}) {
  PushedOptions out;
  Status s = apply_push_reply(text, policy, out);
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
  return out;
}

std::vector<std::string> captured_push_replies() {
  std::vector<std::string> out;
  const auto vectors = ovpn::test::load_vectors("push-and-km2.json");
  for (const auto& session : vectors["sessions"]) {
    for (const auto& m : session["messages"]) {
      const auto bytes = ovpn::test::hex(m["plaintext"]);
      const std::string text(bytes.begin(), bytes.end());
      if (text.rfind("PUSH_REPLY", 0) == 0) out.push_back(text);
    }
  }
  return out;
}

TEST(PushedOptions, CapturedRepliesOfStockOpenVpn) {
  const auto replies = captured_push_replies();
  ASSERT_GE(replies.size(), 8u);
  for (const std::string& message : replies) {
    const auto text = push_reply_options(message);
    ASSERT_TRUE(text) << message;
    const PushedOptions p = apply(*text);
    EXPECT_TRUE(p.warnings.empty()) << p.warnings.at(0);
    EXPECT_EQ(p.route_gateway, "10.8.0.1");
    EXPECT_EQ(p.topology, "subnet");
    EXPECT_EQ(p.ping_s, 2u);
    EXPECT_EQ(p.ping_restart_s, 20u);
    EXPECT_EQ(p.ifconfig, std::make_pair(std::string("10.8.0.2"), std::string("255.255.255.0")));
    EXPECT_EQ(p.peer_id, 0u);
    ASSERT_TRUE(p.cipher);
    EXPECT_TRUE(*p.cipher == "AES-256-GCM" || *p.cipher == "AES-128-GCM" ||
                *p.cipher == "CHACHA20-POLY1305");
    if (message.find("protocol-flags") != std::string::npos) {
      EXPECT_EQ(p.protocol_flags, (ProtocolFlags{true, true, true, false}));
      EXPECT_EQ(p.tun_mtu, 1500u);
    }
    EXPECT_TRUE(p.complete());
  }
}

TEST(PushedOptions, ProtocolReferenceExample) {
  const auto text = push_reply_options(
      "PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 60,ifconfig "
      "10.8.0.2 255.255.255.0,peer-id 0,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm "
      "dyn-tls-crypt,tun-mtu 1500");
  ASSERT_TRUE(text);
  const PushedOptions p = apply(*text);
  EXPECT_EQ(p.ping_s, 10u);
  EXPECT_EQ(p.ping_restart_s, 60u);
  EXPECT_EQ(p.cipher, "AES-256-GCM");
  EXPECT_TRUE(p.warnings.empty());
}

TEST(PushedOptions, MessageFraming) {
  EXPECT_EQ(push_reply_options(std::string_view("PUSH_REPLY,ping 1\0", 18)), "ping 1");
  EXPECT_EQ(push_reply_options("PUSH_REPLY"), "");
  EXPECT_FALSE(push_reply_options("PUSH_REPLYX"));
  EXPECT_FALSE(push_reply_options("AUTH_FAILED"));
  EXPECT_TRUE(apply("").warnings.empty());
}

TEST(PushedOptions, EveryPushableOption) {
  const PushedOptions p = apply(
      "ifconfig-ipv6 fd00::2/64 fd00::1,route 10.1.0.0 255.255.0.0,route 10.2.0.0 255.255.0.0 "
      "10.8.0.5 7,route-ipv6 2001:db8::/32,dhcp-option DNS 10.8.0.1,dns server 0 address 10.8.0.1,"
      "redirect-gateway def1 bypass-dhcp,block-ipv6,explicit-exit-notify 3,inactive 300 1000,"
      "session-timeout 3600,auth-token SESS_ID_abc,auth-token-user YWxpY2U=,echo hello  world,"
      "comp-lzo no,setenv-safe FOO bar,key-derivation tls-ekm,topology net30");
  EXPECT_TRUE(p.warnings.empty()) << p.warnings.at(0);
  EXPECT_EQ(p.ifconfig_ipv6->first, "fd00::2/64");
  ASSERT_EQ(p.routes.size(), 2u);
  EXPECT_EQ(p.routes[1], (Route4{"10.2.0.0", "255.255.0.0", "10.8.0.5", 7}));
  EXPECT_EQ(p.routes6.at(0).network, "2001:db8::/32");
  EXPECT_EQ(p.dhcp_options.at(0), (DhcpOption{"DNS", "10.8.0.1"}));
  EXPECT_EQ(p.dns.size(), 1u);
  EXPECT_TRUE(p.redirect && p.redirect->def1 && p.redirect->bypass_dhcp);
  EXPECT_TRUE(p.block_ipv6);
  EXPECT_EQ(p.explicit_exit_notify, 3u);
  EXPECT_EQ(p.inactive_s, 300u);
  EXPECT_EQ(p.inactive_bytes, 1000u);
  EXPECT_EQ(p.session_timeout_s, 3600u);
  EXPECT_EQ(p.auth_token, "SESS_ID_abc");
  EXPECT_EQ(p.auth_token_user, "YWxpY2U=");
  EXPECT_EQ(p.echo, std::vector<std::string>{"hello world"});
  EXPECT_EQ(p.compression, CompressionStub::kCompLzoNo);
  EXPECT_EQ(p.setenv_safe.size(), 1u);
  EXPECT_TRUE(p.protocol_flags.tls_ekm);
  EXPECT_EQ(p.topology, "net30");
}

TEST(PushedOptions, UnknownAndMalformedOptionsAreWarnings) {
  const PushedOptions p = apply(
      "frobnicate 1,ping x,route-gateway 10.8.0.1,ping 5 6,route \"open,"
      "protocol-flags cc-exit future-flag");
  EXPECT_EQ(p.route_gateway, "10.8.0.1");
  EXPECT_TRUE(p.protocol_flags.cc_exit);
  ASSERT_EQ(p.warnings.size(), 5u);
  EXPECT_EQ(p.warnings[0],
            "[PUSH-OPTIONS]:1: frobnicate: unrecognized option or missing or extra "
            "parameter(s), ignored");
  EXPECT_EQ(p.warnings[1],
            "[PUSH-OPTIONS]:2: ping: \"x\" is not a number from 0 to 86400, ignored");
  EXPECT_EQ(p.warnings[2], "[PUSH-OPTIONS]:4: ping: expects 1 argument, got 2, ignored");
  EXPECT_EQ(p.warnings[3], "[PUSH-OPTIONS]:5: no closing quotation (\"), ignored");
  EXPECT_EQ(p.warnings[4],
            "[PUSH-OPTIONS]:6: protocol-flags: unknown flag \"future-flag\", ignored");
  // Host names in pushed routes need allow-pull-fqdn.
  EXPECT_EQ(apply("route host.example.com").warnings.size(), 1u);
  PullPolicy fqdn;
  fqdn.allow_pull_fqdn = true;
  EXPECT_EQ(apply("route host.example.com", fqdn).routes.size(), 1u);
}

TEST(PushedOptions, CompressionWithAnAlgorithmFails) {
  PushedOptions p;
  Status s = apply_push_reply("ping 1,compress lz4,ping 2", {}, p);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "[PUSH-OPTIONS]:2: compress: the server pushes compression \"lz4\", which the "
            "offload engine (like the kernel DCO) cannot do");
  EXPECT_EQ(p.ping_s, 1u);
}

TEST(PushedOptions, PullFilterFirstMatchWins) {
  PullPolicy policy;
  policy.filters = {{PullFilterAction::kAccept, "route 10.1."},
                    {PullFilterAction::kIgnore, "route "},
                    {PullFilterAction::kIgnore, "dhcp-option"}};
  const PushedOptions p = apply(
      "route 10.1.0.0 255.255.0.0,route 10.2.0.0 255.255.0.0, route 10.3.0.0,"
      "route-gateway 10.8.0.1,dhcp-option DNS 1.1.1.1",
      policy);
  ASSERT_EQ(p.routes.size(), 1u);
  EXPECT_EQ(p.routes[0].network, "10.1.0.0");
  EXPECT_TRUE(p.dhcp_options.empty());
  EXPECT_EQ(p.route_gateway, "10.8.0.1");  // "route " is not a prefix of "route-gateway"
  EXPECT_TRUE(p.warnings.empty());
}

TEST(PushedOptions, PullFilterRejectFailsTheReply) {
  PullPolicy policy;
  policy.filters = {{PullFilterAction::kReject, "redirect-gateway"}};
  PushedOptions p;
  Status s = apply_push_reply("ping 10,redirect-gateway def1,ping 20", policy, p);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "[PUSH-OPTIONS]:2: pushed option rejected by pull-filter: \"redirect-gateway def1\"");
  EXPECT_EQ(p.ping_s, 10u);
}

TEST(PushedOptions, RouteNopullRefusesRoutesAndDns) {
  PullPolicy policy;
  policy.route_nopull = true;
  const PushedOptions p = apply(
      "route 10.1.0.0 255.255.0.0,route-ipv6 2001:db8::/32,redirect-gateway def1,dhcp-option DNS "
      "1.1.1.1,dns server 0 address 1.1.1.1,block-ipv6,route-gateway 10.8.0.1,ifconfig 10.8.0.2 "
      "255.255.255.0",
      policy);
  EXPECT_TRUE(p.routes.empty() && p.routes6.empty() && p.dhcp_options.empty() && p.dns.empty());
  EXPECT_FALSE(p.redirect);
  EXPECT_FALSE(p.block_ipv6);
  EXPECT_EQ(p.route_gateway, "10.8.0.1");
  EXPECT_TRUE(p.ifconfig);
  ASSERT_EQ(p.warnings.size(), 6u);
  EXPECT_EQ(p.warnings[0], "[PUSH-OPTIONS]:1: route: refused (route-nopull), ignored");
}

TEST(PushedOptions, PolicyFromClientOptions) {
  ClientOptions o;
  o.tun.route_nopull = true;
  o.tun.pull_filters.push_back({PullFilterAction::kIgnore, "ping"});
  const PullPolicy policy = PullPolicy::from(o);
  EXPECT_TRUE(policy.route_nopull);
  EXPECT_EQ(policy.filters.size(), 1u);
}

TEST(PushedOptions, ContinuationAccumulates) {
  PushedOptions p;
  ASSERT_TRUE(apply_push_reply("route 10.1.0.0,push-continuation 2", {}, p));
  EXPECT_FALSE(p.complete());
  ASSERT_TRUE(apply_push_reply("route 10.2.0.0,ifconfig 10.8.0.2 255.255.255.0,push-continuation 1",
                               {}, p));
  EXPECT_TRUE(p.complete());
  EXPECT_EQ(p.routes.size(), 2u);
}

TEST(PushedOptions, ListsAreBounded) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "route 10.0.0.1,";
  PushedOptions p;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(apply_push_reply(text, {}, p));
  EXPECT_EQ(p.routes.size(), 4096u);
  EXPECT_FALSE(p.warnings.empty());
}

}  // namespace
}  // namespace ovpn::config
