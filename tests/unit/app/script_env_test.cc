// The scripts' environment and arguments, against what stock OpenVPN 2.6.14 gave a dump script
// for the same configuration (run by hand: dev tun, topology subnet, two routes, IPv6 with a
// redirect, dns and dhcp-option, setenv-safe, ipchange), plus a net30 client, IPv6-only
// arguments, the certificate variables and the password rule.

#include "app/script_env.h"

#include <gtest/gtest.h>

namespace ovpn::app {
namespace {

config::ClientOptions subnet_client_options() {
  config::ClientOptions o;
  config::ConnectionEntry e;
  e.remote_host = "127.0.0.1";
  e.remote_port = 11941;
  e.local_port = 11942;
  o.connection.entries.push_back(e);
  o.logging.verb = 3;
  o.scripts.script_security = 2;
  o.scripts.setenv_safe.emplace_back("FOO_BAR", "baz");
  o.tun.dhcp_options.push_back({"DOMAIN", "foo.example"});
  o.tun.dhcp_options.push_back({"DNS", "9.9.9.9"});  // replaced by the dns server
  o.tun.dns.push_back({"server", "1", "address", "10.8.0.53", "[fd00::53]:5353"});
  o.tun.dns.push_back({"server", "1", "resolve-domains", "corp.example"});
  o.tun.dns.push_back({"search-domains", "example.com", "example.net"});
  return o;
}

ScriptEnvInput subnet_client_input(const config::ClientOptions& o) {
  ScriptEnvInput in;
  in.options = &o;
  in.config_path = "a.conf";
  in.tun = TunFacts{"tun0", "tun", 1500};
  in.addresses = TunAddresses{"10.8.0.2", "255.255.255.0", true, "fd00::2", 64, "fd00::1"};
  in.routes.vpn_gateway = "10.8.0.1";
  in.routes.net_gateway = "0.0.0.0";
  in.routes.routes = {{"192.168.7.0", "255.255.255.0", "10.8.0.1", std::nullopt},
                      {"192.168.8.0", "255.255.255.0", "10.8.0.9", 77}};
  in.routes.routes6 = {{"fd01::/64", "fd00::1", std::nullopt}, {"fd02::/64", "fd00::7", 5}};
  return in;
}

// The variables stock OpenVPN 2.6.14 set for the up script of this client (daemon_pid,
// daemon_start_time and the redirect routes left out).
const ScriptEnv kStockUp = {
    {"OPENVPN_FOO_BAR", "baz"},
    {"config", "a.conf"},
    {"daemon", "0"},
    {"daemon_log_redirect", "0"},
    {"dev", "tun0"},
    {"dev_type", "tun"},
    {"dns_search_domain_1", "example.com"},
    {"dns_search_domain_2", "example.net"},
    {"dns_server_1_address_1", "10.8.0.53"},
    {"dns_server_1_address_2", "fd00::53"},
    {"dns_server_1_port_2", "5353"},
    {"dns_server_1_resolve_domain_1", "corp.example"},
    {"foreign_option_1", "dhcp-option DOMAIN foo.example"},
    {"foreign_option_2", "dhcp-option DNS 10.8.0.53"},
    {"foreign_option_3", "dhcp-option DNS6 fd00::53"},
    {"foreign_option_4", "dhcp-option DOMAIN-SEARCH example.com"},
    {"foreign_option_5", "dhcp-option DOMAIN-SEARCH example.net"},
    {"ifconfig_ipv6_local", "fd00::2"},
    {"ifconfig_ipv6_netbits", "64"},
    {"ifconfig_ipv6_remote", "fd00::1"},
    {"ifconfig_local", "10.8.0.2"},
    {"ifconfig_netmask", "255.255.255.0"},
    {"local_port_1", "11942"},
    {"proto_1", "udp"},
    {"remote_1", "127.0.0.1"},
    {"remote_port_1", "11941"},
    {"route_gateway_1", "10.8.0.1"},
    {"route_gateway_2", "10.8.0.9"},
    {"route_ipv6_gateway_1", "fd00::1"},
    {"route_ipv6_gateway_2", "fd00::7"},
    {"route_ipv6_metric_2", "5"},
    {"route_ipv6_network_1", "fd01::/64"},
    {"route_ipv6_network_2", "fd02::/64"},
    {"route_metric_2", "77"},
    {"route_net_gateway", "0.0.0.0"},
    {"route_netmask_1", "255.255.255.0"},
    {"route_netmask_2", "255.255.255.0"},
    {"route_network_1", "192.168.7.0"},
    {"route_network_2", "192.168.8.0"},
    {"route_vpn_gateway", "10.8.0.1"},
    {"script_context", "init"},
    {"script_type", "up"},
    {"tun_mtu", "1500"},
    {"verb", "3"},
};

TEST(ScriptEnv, SubnetClientUpMatchesStockOpenVpn) {
  const config::ClientOptions o = subnet_client_options();
  const ScriptEnvInput in = subnet_client_input(o);
  EXPECT_EQ(build_script_env(ScriptType::kUp, in), kStockUp);
  EXPECT_EQ(script_positional_args(ScriptType::kUp, in),
            (std::vector<std::string>{"tun0", "1500", "0", "10.8.0.2", "255.255.255.0", "init"}));
}

TEST(ScriptEnv, RouteUpAddsRedirectGatewayAndNoArguments) {
  const config::ClientOptions o = subnet_client_options();
  ScriptEnvInput in = subnet_client_input(o);
  in.routes.installed = true;
  in.routes.redirected_ipv4 = true;
  ScriptEnv expected = kStockUp;
  expected["script_type"] = "route-up";
  expected["redirect_gateway"] = "1";
  EXPECT_EQ(build_script_env(ScriptType::kRouteUp, in), expected);
  EXPECT_TRUE(script_positional_args(ScriptType::kRouteUp, in).empty());
  EXPECT_TRUE(script_positional_args(ScriptType::kRoutePreDown, in).empty());
}

TEST(ScriptEnv, IpchangeAsStockOpenVpn) {
  const config::ClientOptions o = subnet_client_options();
  ScriptEnvInput in = subnet_client_input(o);
  in.trusted = ScriptPeer{"127.0.0.1", 11941, false};
  const ScriptEnv env = build_script_env(ScriptType::kIpChange, in);
  EXPECT_EQ(env.at("trusted_ip"), "127.0.0.1");
  EXPECT_EQ(env.count("trusted_port"), 0u);
  EXPECT_EQ(env.at("script_type"), "ipchange");
  EXPECT_EQ(script_positional_args(ScriptType::kIpChange, in),
            (std::vector<std::string>{"[AF_INET]127.0.0.1 11941"}));
  in.trusted = ScriptPeer{"2001:db8::1", 1194, true};
  EXPECT_EQ(build_script_env(ScriptType::kIpChange, in).at("trusted_ip6"), "2001:db8::1");
  EXPECT_EQ(script_positional_args(ScriptType::kIpChange, in),
            (std::vector<std::string>{"[AF_INET6]2001:db8::1 1194"}));
}

TEST(ScriptEnv, Net30ClientWithPushedOptionsAndDown) {
  config::ClientOptions o;
  config::ConnectionEntry e;
  e.remote_host = "vpn.example.com";
  e.proto = config::TransportProto::kTcpClient;
  e.family = config::AddressFamily::kIpv4;
  o.connection.entries.push_back(e);
  config::ConnectionEntry e2;
  e2.remote_host = "backup.example.com";
  e2.remote_port = 443;
  e2.local_host = "192.0.2.5";
  e2.family = config::AddressFamily::kIpv6;
  o.connection.entries.push_back(e2);
  o.logging.daemon = true;
  o.logging.log_file = "/var/log/ovpn.log";
  o.scripts.setenv.emplace_back("MYVAR", "hello");
  o.scripts.setenv_safe.emplace_back("SAFE", "x");
  config::PushedOptions pushed;
  pushed.dhcp_options.push_back({"DNS", "10.8.0.1"});
  pushed.dhcp_options.push_back({"DNS", "10.8.0.2"});
  pushed.dhcp_options.push_back({"DISABLE-NBT", ""});
  pushed.setenv_safe.emplace_back("PUSHED", "yes");

  ScriptEnvInput in;
  in.options = &o;
  in.pushed = &pushed;
  in.tun = TunFacts{"tun1", "tun", 1400};
  in.addresses = TunAddresses{"10.8.0.6", "10.8.0.5", false, "", 0, ""};
  in.restart = true;
  in.signal = "sigusr1";
  const ScriptEnv env = build_script_env(ScriptType::kDown, in);
  EXPECT_EQ(env.at("ifconfig_remote"), "10.8.0.5");
  EXPECT_EQ(env.count("ifconfig_netmask"), 0u);
  EXPECT_EQ(env.count("ifconfig_broadcast"), 0u);
  EXPECT_EQ(env.count("ifconfig_ipv6_local"), 0u);
  EXPECT_EQ(env.at("foreign_option_1"), "dhcp-option DNS 10.8.0.1");
  EXPECT_EQ(env.at("foreign_option_2"), "dhcp-option DNS 10.8.0.2");
  EXPECT_EQ(env.at("foreign_option_3"), "dhcp-option DISABLE-NBT");
  EXPECT_EQ(env.count("foreign_option_4"), 0u);
  EXPECT_EQ(env.at("MYVAR"), "hello");
  EXPECT_EQ(env.at("OPENVPN_SAFE"), "x");
  EXPECT_EQ(env.at("OPENVPN_PUSHED"), "yes");
  EXPECT_EQ(env.at("proto_1"), "tcp4-client");
  EXPECT_EQ(env.at("remote_port_1"), "1194");
  EXPECT_EQ(env.at("local_port_1"), "1194");
  EXPECT_EQ(env.count("local_1"), 0u);
  EXPECT_EQ(env.at("proto_2"), "udp6");
  EXPECT_EQ(env.at("local_2"), "192.0.2.5");
  EXPECT_EQ(env.at("remote_2"), "backup.example.com");
  EXPECT_EQ(env.at("remote_port_2"), "443");
  EXPECT_EQ(env.at("daemon"), "1");
  EXPECT_EQ(env.at("daemon_log_redirect"), "1");
  EXPECT_EQ(env.at("signal"), "sigusr1");
  EXPECT_EQ(env.at("script_context"), "restart");
  EXPECT_EQ(env.at("script_type"), "down");
  EXPECT_EQ(env.count("config"), 0u);
  EXPECT_EQ(env.count("link_mtu"), 0u);  // removed in 2.6
  EXPECT_EQ(script_positional_args(ScriptType::kDown, in),
            (std::vector<std::string>{"tun1", "1400", "0", "10.8.0.6", "10.8.0.5", "restart"}));
}

TEST(ScriptEnv, Ipv6OnlyPassesEmptyIpv4Arguments) {
  config::ClientOptions o;
  ScriptEnvInput in;
  in.options = &o;
  in.tun = TunFacts{"tun0", "tun", 1500};
  in.addresses = TunAddresses{"", "", false, "2001:db8::2", 64, "2001:db8::1"};
  EXPECT_EQ(script_positional_args(ScriptType::kUp, in),
            (std::vector<std::string>{"tun0", "1500", "0", "", "", "init"}));
  const ScriptEnv env = build_script_env(ScriptType::kUp, in);
  EXPECT_EQ(env.count("ifconfig_local"), 0u);
  EXPECT_EQ(env.at("ifconfig_ipv6_netbits"), "64");
}

TEST(ScriptEnv, DnsServersSortedByPriorityAndPushedOverrides) {
  config::ClientOptions o;
  o.tun.dns.push_back({"server", "5", "address", "192.0.2.53:853"});
  o.tun.dns.push_back({"server", "5", "transport", "DoT"});
  o.tun.dns.push_back({"server", "5", "sni", "dns.example"});
  config::PushedOptions pushed;
  pushed.dns.push_back({"server", "-2", "address", "10.8.0.1", "2001:db8::53"});
  pushed.dns.push_back({"server", "-2", "dnssec", "yes"});
  pushed.dhcp_options.push_back({"DOMAIN-SEARCH", "kept.example"});
  ScriptEnvInput in;
  in.options = &o;
  in.pushed = &pushed;
  const ScriptEnv env = build_script_env(ScriptType::kUp, in);
  EXPECT_EQ(env.at("dns_server_5_address_1"), "192.0.2.53");
  EXPECT_EQ(env.at("dns_server_5_port_1"), "853");
  EXPECT_EQ(env.at("dns_server_5_transport"), "DoT");
  EXPECT_EQ(env.at("dns_server_5_sni"), "dns.example");
  EXPECT_EQ(env.at("dns_server_-2_address_2"), "2001:db8::53");
  EXPECT_EQ(env.at("dns_server_-2_dnssec"), "yes");
  // The preferred server (lowest priority number) becomes the foreign options; without
  // search-domains a pushed DOMAIN-SEARCH stays.
  EXPECT_EQ(env.at("foreign_option_1"), "dhcp-option DOMAIN-SEARCH kept.example");
  EXPECT_EQ(env.at("foreign_option_2"), "dhcp-option DNS 10.8.0.1");
  EXPECT_EQ(env.at("foreign_option_3"), "dhcp-option DNS6 2001:db8::53");
  EXPECT_EQ(env.count("foreign_option_4"), 0u);
}

TEST(ScriptEnv, PeerCertificateAndTlsVerifyArguments) {
  config::ClientOptions o;
  PeerCertInfo cert;
  cert.common_name = "server";
  PeerCertLevel leaf;
  leaf.depth = 0;
  leaf.subject = "C=KG, O=OpenVPN-TEST, CN=server";
  leaf.fields = {{"C", "KG"}, {"O", "OpenVPN-TEST"}, {"CN", "server"}};
  leaf.serial_decimal = "1";
  leaf.serial_hex = "01";
  leaf.sha1 = "AA:BB";
  leaf.sha256 = "CC:DD";
  PeerCertLevel ca;
  ca.depth = 1;
  ca.subject = "C=KG, O=OpenVPN-TEST, CN=Test CA";
  ca.fields = {{"CN", "Test CA\nx"}};
  ca.serial_decimal = "933971680";
  ca.serial_hex = "37:AB:CD:E0";
  cert.levels = {leaf, ca};
  ScriptEnvInput in;
  in.options = &o;
  in.peer_cert = &cert;
  in.untrusted = ScriptPeer{"198.51.100.7", 1194, false};
  in.peer_id = 7;
  const ScriptEnv env = build_script_env(ScriptType::kTlsVerify, in);
  EXPECT_EQ(env.at("common_name"), "server");
  EXPECT_EQ(env.at("X509_0_CN"), "server");
  EXPECT_EQ(env.at("X509_0_O"), "OpenVPN-TEST");
  EXPECT_EQ(env.at("X509_1_CN"), "Test CA_x");  // control characters become '_'
  EXPECT_EQ(env.at("tls_id_0"), "C=KG, O=OpenVPN-TEST, CN=server");
  EXPECT_EQ(env.at("tls_serial_1"), "933971680");
  EXPECT_EQ(env.at("tls_serial_hex_1"), "37:AB:CD:E0");
  EXPECT_EQ(env.at("tls_digest_0"), "AA:BB");
  EXPECT_EQ(env.at("tls_digest_sha256_0"), "CC:DD");
  EXPECT_EQ(env.count("tls_digest_1"), 0u);
  EXPECT_EQ(env.at("untrusted_ip"), "198.51.100.7");
  EXPECT_EQ(env.at("untrusted_port"), "1194");
  EXPECT_EQ(env.at("peer_id"), "7");
  EXPECT_EQ(env.at("script_type"), "tls-verify");
  EXPECT_EQ(env.count("dev"), 0u);
  EXPECT_EQ(script_positional_args(ScriptType::kTlsVerify, in, 1),
            (std::vector<std::string>{"1", "C=KG, O=OpenVPN-TEST, CN=Test CA"}));
}

TEST(ScriptEnv, PasswordOnlyWithScriptSecurity3) {
  config::ClientOptions o;
  o.scripts.script_security = 2;
  ScriptEnvInput in;
  in.options = &o;
  in.username = "alice";
  in.password = "secret";
  EXPECT_EQ(build_script_env(ScriptType::kUp, in).at("username"), "alice");
  EXPECT_EQ(build_script_env(ScriptType::kUp, in).count("password"), 0u);
  o.scripts.script_security = 3;
  EXPECT_EQ(build_script_env(ScriptType::kUp, in).at("password"), "secret");
}

TEST(ScriptEnv, TimeAndNameSanitising) {
  config::ClientOptions o;
  o.scripts.setenv.emplace_back("bad name!", "v\x01");
  ScriptEnvInput in;
  in.options = &o;
  in.time_unix = 1795962072;  // 2026-11-29 14:21:12 UTC
  in.utc_offset_s = 3600;
  const ScriptEnv env = build_script_env(ScriptType::kUp, in);
  EXPECT_EQ(env.at("time_unix"), "1795962072");
  EXPECT_EQ(env.at("time_ascii"), "2026-11-29 15:21:12");
  EXPECT_EQ(env.at("bad_name_"), "v_");
  EXPECT_EQ(env_strings({{"a", "1"}, {"b", "x=y"}}), (std::vector<std::string>{"a=1", "b=x=y"}));
}

TEST(ScriptEnv, NoOptionsGivesNothing) {
  EXPECT_TRUE(build_script_env(ScriptType::kUp, ScriptEnvInput{}).empty());
}

}  // namespace
}  // namespace ovpn::app
