// The environment of client-connect / client-disconnect / tls-crypt-v2-verify: the client's
// names and addresses, its pool addresses by topology, its peer-info (IV_* and UV_* only), the
// process's settings, the counters of client-disconnect, and control characters replaced.

#include "app/server_script_env.h"

#include <gtest/gtest.h>

namespace ovpn::app {
namespace {

IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

config::ServerOptions subnet_server() {
  config::ServerOptions o;
  o.network.topology = config::Topology::kSubnet;
  o.network.ifconfig = config::Ipv4Ifconfig{ip("10.8.0.1"), ip("255.255.255.0")};
  o.network.ifconfig_ipv6 = config::Ipv6Ifconfig{ip("fd88::1"), 64, std::nullopt};
  o.scripts.setenv = {{"SITE", "east"}};
  o.logging.verb = 3;
  return o;
}

ClientScriptFacts facts(const config::ServerOptions& o) {
  ClientScriptFacts f;
  f.options = &o;
  f.config_path = "server.conf";
  f.dev = "tun0";
  f.common_name = "alice";
  f.username = "al\nice";
  f.remote = *Endpoint::parse("10.77.0.2:40000");
  f.peer_id = 7;
  f.peer_info = {{"IV_VER", "2.6.14"}, {"IV_PLAT", "linux"}, {"UV_ROLE", "ops"}, {"X", "no"}};
  f.vpn_ipv4 = ip("10.8.0.2");
  f.vpn_ipv6 = ip("fd88::1000");
  f.time_unix = 1'700'000'000;
  f.daemon_pid = 42;
  f.bytes_received = 1234;
  f.bytes_sent = 5678;
  f.time_duration = 61;
  return f;
}

TEST(ServerScriptEnv, ClientConnect) {
  const auto o = subnet_server();
  auto f = facts(o);
  f.connect_config_file = "/tmp/ovpnd_cc_abc";
  const ScriptEnv env = build_client_script_env(ClientScript::kConnect, f);
  EXPECT_EQ(env.at("script_type"), "client-connect");
  EXPECT_EQ(env.at("common_name"), "alice");
  EXPECT_EQ(env.at("username"), "al_ice");
  EXPECT_EQ(env.at("trusted_ip"), "10.77.0.2");
  EXPECT_EQ(env.at("trusted_port"), "40000");
  EXPECT_EQ(env.at("untrusted_ip"), "10.77.0.2");
  EXPECT_EQ(env.at("ifconfig_pool_remote_ip"), "10.8.0.2");
  EXPECT_EQ(env.at("ifconfig_pool_netmask"), "255.255.255.0");
  EXPECT_EQ(env.at("ifconfig_pool_remote_ip6"), "fd88::1000");
  EXPECT_EQ(env.at("ifconfig_local"), "10.8.0.1");
  EXPECT_EQ(env.at("ifconfig_netmask"), "255.255.255.0");
  EXPECT_EQ(env.at("ifconfig_ipv6_local"), "fd88::1");
  EXPECT_EQ(env.at("ifconfig_ipv6_netbits"), "64");
  EXPECT_EQ(env.at("dev"), "tun0");
  EXPECT_EQ(env.at("proto_1"), "udp");
  EXPECT_EQ(env.at("IV_VER"), "2.6.14");
  EXPECT_EQ(env.at("UV_ROLE"), "ops");
  EXPECT_FALSE(env.contains("X"));
  EXPECT_EQ(env.at("SITE"), "east");
  EXPECT_EQ(env.at("config"), "server.conf");
  EXPECT_EQ(env.at("daemon_pid"), "42");
  EXPECT_EQ(env.at("peer_id"), "7");
  EXPECT_EQ(env.at("time_unix"), "1700000000");
  EXPECT_EQ(env.at("client_connect_config_file"), "/tmp/ovpnd_cc_abc");
  EXPECT_FALSE(env.contains("bytes_received"));
  EXPECT_FALSE(env.contains("ifconfig_pool_local_ip"));
}

TEST(ServerScriptEnv, ClientDisconnectHasTheCounters) {
  const auto o = subnet_server();
  const ScriptEnv env = build_client_script_env(ClientScript::kDisconnect, facts(o));
  EXPECT_EQ(env.at("script_type"), "client-disconnect");
  EXPECT_EQ(env.at("bytes_received"), "1234");
  EXPECT_EQ(env.at("bytes_sent"), "5678");
  EXPECT_EQ(env.at("time_duration"), "61");
  EXPECT_FALSE(env.contains("client_connect_config_file"));
}

TEST(ServerScriptEnv, Net30AndIpv6Remote) {
  config::ServerOptions o;
  o.network.topology = config::Topology::kNet30;
  o.network.ifconfig = config::Ipv4Ifconfig{ip("10.8.0.1"), ip("10.8.0.2")};
  o.transport.proto = config::ServerProto::kTcpServer;
  o.transport.family = config::AddressFamily::kIpv6;
  auto f = facts(o);
  f.vpn_ipv4 = ip("10.8.0.6");
  f.vpn_ipv4_peer = ip("10.8.0.5");
  f.remote = *Endpoint::parse("[fd77::2]:40000");
  const ScriptEnv env = build_client_script_env(ClientScript::kConnect, f);
  EXPECT_EQ(env.at("ifconfig_remote"), "10.8.0.2");
  EXPECT_EQ(env.at("ifconfig_pool_local_ip"), "10.8.0.5");
  EXPECT_FALSE(env.contains("ifconfig_pool_netmask"));
  EXPECT_EQ(env.at("trusted_ip6"), "fd77::2");
  EXPECT_FALSE(env.contains("trusted_ip"));
  EXPECT_EQ(env.at("proto_1"), "tcp6-server");
}

TEST(ServerScriptEnv, TlsCryptV2VerifyGetsOnlyItsThree) {
  const ScriptEnv env = build_tls_crypt_v2_verify_env(1, "/tmp/md");
  EXPECT_EQ(env, (ScriptEnv{{"metadata_file", "/tmp/md"},
                            {"metadata_type", "1"},
                            {"script_type", "tls-crypt-v2-verify"}}));
}

}  // namespace
}  // namespace ovpn::app
