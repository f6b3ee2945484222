// The server options model: the stock server.conf of the protocol reference and of the golden
// vectors, a typical real server.conf, the server / server-ipv6 / keepalive expansions per
// topology, each option group, and what is rejected with which message.

#include "config/server_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/pushed_options.h"
#include "config_test_util.h"

namespace ovpn::config {
namespace {

using test::build_server_text;
using test::kMinimalServer;
using test::server_error;

using Strings = std::vector<std::string>;

IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

ServerOptions build_ok(const std::string& text, Warnings* warnings = nullptr) {
  auto built = build_server_text(text);
  EXPECT_TRUE(built.has_value()) << (built ? "" : built.error().message);
  if (!built) return ServerOptions{};
  if (warnings != nullptr) *warnings = built->warnings;
  return built->options;
}

ServerOptions with(const std::string& lines, Warnings* warnings = nullptr) {
  return build_ok(std::string(kMinimalServer) + lines, warnings);
}

std::string error_with(const std::string& lines) {
  return server_error(std::string(kMinimalServer) + lines);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string sample(const std::string& name) {
  return ovpn::test::read_file(std::string(OVPN_TEST_DATA_DIR) + "/../unit/config/data/server/" +
                               name);
}

// The protocol reference's section 11.3, as stock OpenVPN 2.6.14 runs it.
constexpr std::string_view kReferenceServer =
    "dev tun\nproto udp\nport 1194\ntopology subnet\nserver 10.8.0.0 255.255.255.0\n"
    "ca ca.crt\ncert server.crt\nkey server.key\ndh none\ntls-crypt tc.key\n"
    "data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nkeepalive 10 60\n"
    "explicit-exit-notify 1\nverb 4\n";

TEST(ServerOptions, ReferenceServerConf) {
  Warnings warnings;
  const ServerOptions o = build_ok(std::string(kReferenceServer), &warnings);
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  EXPECT_EQ(o.transport.proto, ServerProto::kUdp);
  EXPECT_EQ(o.transport.port, 1194);
  EXPECT_EQ(o.transport.local_host, "");
  EXPECT_EQ(o.transport.explicit_exit_notify, 1u);
  EXPECT_EQ(o.transport.tun_mtu, 1500u);
  EXPECT_EQ(o.tun.dev, "tun");
  const ServerNetwork& n = o.network;
  EXPECT_EQ(n.topology, Topology::kSubnet);
  EXPECT_EQ(n.server, IpPrefix::parse("10.8.0.0/24"));
  EXPECT_EQ(n.ifconfig, (Ipv4Ifconfig{ip("10.8.0.1"), ip("255.255.255.0")}));
  EXPECT_EQ(n.pool, (Ipv4Pool{ip("10.8.0.2"), ip("10.8.0.254"), ip("255.255.255.0")}));
  EXPECT_EQ(n.push_constraint, IpPrefix::parse("10.8.0.0/24"));
  EXPECT_FALSE(n.ifconfig_ipv6 || n.pool_ipv6);
  EXPECT_EQ(pool_capacity(n), 253u);
  EXPECT_EQ(o.push,
            (Strings{"route-gateway 10.8.0.1", "topology subnet", "ping 10", "ping-restart 60"}));
  EXPECT_EQ(o.tun.route_gateway, "10.8.0.2");  // OpenVPN's server-side default for subnet
  EXPECT_EQ(o.timers.ping_s, 10u);
  EXPECT_EQ(o.timers.ping_restart_s, 120u);  // twice keepalive's, on the server
  EXPECT_EQ(o.tls.wrap, TlsWrapMode::kTlsCrypt);
  EXPECT_EQ(o.tls.reneg_sec, 3600u);
  EXPECT_EQ(o.tls.reneg_sec_min, 3241u);  // up to 10% off, as OpenVPN's server
  EXPECT_EQ(o.data.data_ciphers, (Strings{"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"}));
  EXPECT_EQ(o.logging.verb, 4u);
  EXPECT_EQ(o.clients.max_clients, 1024u);
  EXPECT_EQ(o.clients.verify_client_cert, VerifyClientCert::kRequire);
  EXPECT_EQ(o.clients.connect_freq_initial, (std::pair<uint32_t, uint32_t>{100, 10}));
  EXPECT_FALSE(o.clients.connect_freq);
  EXPECT_EQ(o.status_version, 1u);
}

// The server's push list, sent as one PUSH_REPLY with the per-client options the reference
// shows, is what stock OpenVPN 2.6.14 sends, and ovpnd's client applies all of it.
TEST(ServerOptions, PushListIsWhatTheClientParses) {
  const ServerOptions o = build_ok(std::string(kReferenceServer));
  std::string reply = "PUSH_REPLY";
  for (const std::string& option : o.push) reply += "," + option;
  reply += ",ifconfig 10.8.0.2 255.255.255.0,peer-id 0,cipher AES-256-GCM";
  EXPECT_EQ(reply,
            "PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 60,"
            "ifconfig 10.8.0.2 255.255.255.0,peer-id 0,cipher AES-256-GCM");
  PushedOptions pushed;
  ASSERT_TRUE(apply_push_reply(*push_reply_options(reply), {}, pushed));
  EXPECT_TRUE(pushed.warnings.empty()) << pushed.warnings.front();
  EXPECT_EQ(pushed.route_gateway, "10.8.0.1");
  EXPECT_EQ(pushed.topology, "subnet");
  EXPECT_EQ(pushed.ping_s, 10u);
  EXPECT_EQ(pushed.ping_restart_s, 60u);
}

class VectorServerConfig : public ::testing::TestWithParam<const char*> {};

TEST_P(VectorServerConfig, Builds) {
  const std::string name = GetParam();
  MemoryFileSystem fs = test::server_files();
  auto built = build_server_text(sample(name), fs, name);
  ASSERT_TRUE(built) << built.error().message;
  const ServerOptions& o = built->options;
  EXPECT_EQ(o.network.topology, Topology::kSubnet);
  EXPECT_EQ(o.network.pool, (Ipv4Pool{ip("10.8.0.2"), ip("10.8.0.254"), ip("255.255.255.0")}));
  EXPECT_EQ(o.push,
            (Strings{"route-gateway 10.8.0.1", "topology subnet", "ping 2", "ping-restart 20"}));
  EXPECT_EQ(o.timers.ping_restart_s, 40u);
  EXPECT_EQ(o.transport.explicit_exit_notify, 1u);
  EXPECT_EQ(o.logging.verb, 7u);
  ASSERT_EQ(built->warnings.size(), 1u);  // disable-dco
  EXPECT_EQ(built->warnings[0].rfind(name + ":", 0), 0u) << built->warnings[0];
  EXPECT_TRUE(contains(built->warnings[0], "disable-dco"));
}

INSTANTIATE_TEST_SUITE_P(GoldenVectors, VectorServerConfig,
                         ::testing::Values("plain-server.conf", "prf-pyclient-server.conf",
                                           "reneg-server.conf", "tlsauth-sha1-chacha20-server.conf",
                                           "tlsauth-sha1-nodir-server.conf",
                                           "tlsauth-sha256-aes128gcm-server.conf",
                                           "tlscrypt-aes256gcm-server.conf",
                                           "tlscryptv2-server.conf"));

TEST(ServerOptions, VectorConfigsDetails) {
  MemoryFileSystem fs = test::server_files();
  auto plain = build_server_text(sample("plain-server.conf"), fs);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->options.clients.client_connect, "../configs/delay-connect.sh");
  EXPECT_EQ(plain->options.scripts.script_security, 2u);
  EXPECT_EQ(plain->options.tls.wrap, TlsWrapMode::kNone);
  auto v2 = build_server_text(sample("tlscryptv2-server.conf"), fs);
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->options.tls.wrap, TlsWrapMode::kTlsCryptV2);
  EXPECT_TRUE(contains(v2->options.tls.wrap_key.text, "BEGIN OpenVPN tls-crypt-v2 server key"));
  EXPECT_TRUE(v2->options.server_tls.tls_crypt_v2_force_cookie);
  auto sha256 = build_server_text(sample("tlsauth-sha256-aes128gcm-server.conf"), fs);
  ASSERT_TRUE(sha256);
  EXPECT_EQ(sha256->options.tls.key_direction, 0);
  EXPECT_EQ(sha256->options.tls.auth_digest, "SHA256");
  EXPECT_EQ(sha256->options.data.data_ciphers, Strings{"AES-128-GCM"});
  auto reneg = build_server_text(sample("reneg-server.conf"), fs);
  ASSERT_TRUE(reneg);
  EXPECT_EQ(reneg->options.tls.reneg_sec, 10u);
  EXPECT_EQ(reneg->options.tls.reneg_sec_min, 10u);  // 10% of 10 s rounds to no jitter
}

// A typical production server.conf (OpenVPN's sample, filled in), with a client-config-dir,
// IPv6, pushes, scripts, status and management.
constexpr std::string_view kTypicalServer = R"(# OpenVPN server
local 0.0.0.0
port 1194
proto udp
dev tun
ca ca.crt
cert server.crt
key server.key  # keep secret
dh none
ecdh-curve prime256v1
crl-verify crl.pem
topology subnet
server 10.8.0.0 255.255.255.0
server-ipv6 fd00:8::/64
ifconfig-pool-persist ipp.txt
push "redirect-gateway def1 bypass-dhcp"
push "redirect-gateway ipv6"
push "dhcp-option DNS 10.8.0.1"
push "block-outside-dns"
push "route 192.168.10.0 255.255.255.0"
route 192.168.40.0 255.255.255.0
client-config-dir ccd
client-to-client
keepalive 10 120
tls-crypt tc.key
data-ciphers AES-256-GCM:AES-128-GCM
data-ciphers-fallback AES-256-GCM
max-clients 100
user nobody
group nogroup
persist-key
persist-tun
status /run/openvpn/status.log 30
status-version 3
log-append /var/log/openvpn.log
verb 3
mute 20
explicit-exit-notify 1
script-security 2
auth-user-pass-verify /etc/openvpn/check.sh via-file
client-connect /etc/openvpn/connect.sh
client-disconnect /etc/openvpn/disconnect.sh
username-as-common-name
verify-client-cert optional
reneg-sec 0
hand-window 30
inactive 3600 100000
connect-freq 20 10
connect-freq-initial 50 5
management /run/openvpn/mgmt.sock unix
writepid /run/openvpn/server.pid
setenv SITE east
)";

TEST(ServerOptions, TxQueueLen) {
  EXPECT_EQ(with("txqueuelen 2500\n").tun.txqueuelen, 2500u);
  EXPECT_EQ(with("").tun.txqueuelen, std::nullopt);
  EXPECT_TRUE(contains(error_with("txqueuelen lots\n"), "txqueuelen: \"lots\" is not a number"));
}

TEST(ServerOptions, TypicalServerConf) {
  Warnings warnings;
  const ServerOptions o = build_ok(std::string(kTypicalServer), &warnings);
  EXPECT_EQ(o.transport.local_host, "0.0.0.0");
  EXPECT_EQ(o.server_tls.ecdh_curve, "prime256v1");
  EXPECT_EQ(o.server_tls.crl_path, "crl.pem");
  EXPECT_TRUE(contains(o.server_tls.crl.text, "BEGIN X509 CRL"));
  EXPECT_EQ(o.network.pool_persist_file, "ipp.txt");
  EXPECT_EQ(o.network.pool_persist_interval_s, 600u);
  EXPECT_EQ(o.network.ifconfig_ipv6, (Ipv6Ifconfig{ip("fd00:8::1"), 64, ip("fd00:8::2")}));
  EXPECT_EQ(o.network.pool_ipv6, (Ipv6Pool{ip("fd00:8::1000"), 64}));
  EXPECT_EQ(o.push,
            (Strings{"redirect-gateway def1 bypass-dhcp", "redirect-gateway ipv6",
                     "dhcp-option DNS 10.8.0.1", "block-outside-dns",
                     "route 192.168.10.0 255.255.255.0", "tun-ipv6", "route-gateway 10.8.0.1",
                     "topology subnet", "ping 10", "ping-restart 120"}));
  ASSERT_EQ(o.tun.routes.size(), 1u);
  EXPECT_EQ(o.tun.routes[0].network, "192.168.40.0");
  EXPECT_EQ(o.clients.client_config_dir, "ccd");
  EXPECT_TRUE(o.clients.client_to_client);
  EXPECT_EQ(o.clients.max_clients, 100u);
  EXPECT_EQ(o.clients.auth_user_pass_verify, "/etc/openvpn/check.sh");
  EXPECT_EQ(o.clients.auth_verify_method, AuthVerifyMethod::kViaFile);
  EXPECT_EQ(o.clients.client_connect, "/etc/openvpn/connect.sh");
  EXPECT_EQ(o.clients.client_disconnect, "/etc/openvpn/disconnect.sh");
  EXPECT_TRUE(o.clients.username_as_common_name);
  EXPECT_EQ(o.clients.verify_client_cert, VerifyClientCert::kOptional);
  EXPECT_EQ(o.clients.inactive_s, 3600u);
  EXPECT_EQ(o.clients.inactive_bytes, 100000u);
  EXPECT_EQ(o.clients.connect_freq, (std::pair<uint32_t, uint32_t>{20, 10}));
  EXPECT_EQ(o.clients.connect_freq_initial, (std::pair<uint32_t, uint32_t>{50, 5}));
  EXPECT_EQ(o.tls.reneg_sec, 0u);
  EXPECT_EQ(o.tls.reneg_sec_min, 0u);
  EXPECT_EQ(o.tls.hand_window_s, 30u);
  EXPECT_EQ(o.data.data_ciphers_fallback, "AES-256-GCM");
  EXPECT_EQ(o.scripts.user, "nobody");
  EXPECT_EQ(o.scripts.setenv, (std::vector<std::pair<std::string, std::string>>{{"SITE", "east"}}));
  EXPECT_TRUE(o.tun.persist_key && o.tun.persist_tun);
  EXPECT_EQ(o.logging.status_file, "/run/openvpn/status.log");
  EXPECT_EQ(o.logging.status_interval_s, 30u);
  EXPECT_EQ(o.status_version, 3u);
  EXPECT_EQ(o.logging.log_file, "/var/log/openvpn.log");
  EXPECT_TRUE(o.logging.log_append);
  EXPECT_EQ(o.logging.mute, 20u);
  EXPECT_EQ(o.logging.writepid, "/run/openvpn/server.pid");
  ASSERT_TRUE(o.management);
  EXPECT_EQ(*o.management, (ManagementOptions{true, "/run/openvpn/mgmt.sock", 0, ""}));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "server.conf:44: verify-client-cert: potentially dangerous: a client without a "
            "certificate is accepted when auth-user-pass-verify accepts its user name and "
            "password");
}

// --- helper expansions ----------------------------------------------------------------------

ServerOptions server_with(const std::string& topology, const std::string& server,
                          const std::string& extra = "", Warnings* warnings = nullptr) {
  return build_ok((topology.empty() ? "" : "topology " + topology + "\n") + "server " + server +
                      "\nca ca.crt\ncert server.crt\nkey server.key\n" + extra,
                  warnings);
}

TEST(ServerExpansion, Subnet) {
  const ServerOptions o = server_with("subnet", "10.20.0.0 255.255.0.0");
  EXPECT_EQ(o.network.ifconfig, (Ipv4Ifconfig{ip("10.20.0.1"), ip("255.255.0.0")}));
  EXPECT_EQ(o.network.pool, (Ipv4Pool{ip("10.20.0.2"), ip("10.20.255.254"), ip("255.255.0.0")}));
  EXPECT_EQ(o.push, (Strings{"route-gateway 10.20.0.1", "topology subnet"}));
  EXPECT_EQ(o.tun.route_gateway, "10.20.0.2");
  EXPECT_TRUE(o.tun.routes.empty());
  EXPECT_EQ(pool_capacity(o.network), 65533u);
  // A route-gateway of the configuration stays.
  EXPECT_EQ(
      server_with("subnet", "10.8.0.0 255.255.255.0", "route-gateway 10.8.0.9\n").tun.route_gateway,
      "10.8.0.9");
}

TEST(ServerExpansion, Net30IsOpenVpn26sDefault) {
  Warnings warnings;
  const ServerOptions o = server_with("", "10.8.0.0 255.255.255.0", "", &warnings);
  EXPECT_EQ(o.network.topology, Topology::kNet30);
  EXPECT_EQ(o.network.ifconfig, (Ipv4Ifconfig{ip("10.8.0.1"), ip("10.8.0.2")}));
  EXPECT_EQ(o.network.pool, (Ipv4Pool{ip("10.8.0.4"), ip("10.8.0.251"), std::nullopt}));
  EXPECT_EQ(o.push, (Strings{"route 10.8.0.1", "topology net30"}));
  ASSERT_EQ(o.tun.routes.size(), 1u);
  EXPECT_EQ(o.tun.routes[0], (Route4{"10.8.0.0", "255.255.255.0", std::nullopt, std::nullopt}));
  EXPECT_EQ(o.tun.route_gateway, "");
  EXPECT_FALSE(o.network.push_constraint);
  EXPECT_EQ(pool_capacity(o.network), 62u);  // one /30 per client
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(contains(warnings[0], "server.conf:1: server: topology net30")) << warnings[0];
}

TEST(ServerExpansion, Net30WithClientToClientAndSmallNetworks) {
  const ServerOptions c2c = server_with("net30", "10.8.0.0 255.255.255.0", "client-to-client\n");
  EXPECT_EQ(c2c.push, (Strings{"route 10.8.0.0 255.255.255.0", "topology net30"}));
  // A /29 keeps no reserve at the end of the pool: one /30 for one client.
  const ServerOptions small = server_with("net30", "10.8.0.8 255.255.255.248");
  EXPECT_EQ(small.network.pool, (Ipv4Pool{ip("10.8.0.12"), ip("10.8.0.15"), std::nullopt}));
  EXPECT_EQ(pool_capacity(small.network), 1u);
}

TEST(ServerExpansion, P2p) {
  const ServerOptions o = server_with("p2p", "10.8.0.0 255.255.255.0");
  EXPECT_EQ(o.network.ifconfig, (Ipv4Ifconfig{ip("10.8.0.1"), ip("10.8.0.2")}));
  EXPECT_EQ(o.network.pool, (Ipv4Pool{ip("10.8.0.4"), ip("10.8.0.251"), std::nullopt}));
  EXPECT_EQ(o.push, Strings{"topology p2p"});  // no route without client-to-client
  EXPECT_EQ(o.tun.routes.size(), 1u);
  EXPECT_EQ(pool_capacity(o.network), 248u);  // one address per client
  EXPECT_EQ(server_with("p2p", "10.8.0.0 255.255.255.0", "client-to-client\n").push,
            (Strings{"route 10.8.0.0 255.255.255.0", "topology p2p"}));
}

TEST(ServerExpansion, Nopool) {
  const ServerOptions o = server_with("subnet", "10.8.0.0 255.255.255.0 nopool",
                                      "ifconfig-pool 10.8.0.100 10.8.0.150\n");
  EXPECT_TRUE(o.network.server_nopool);
  EXPECT_EQ(o.network.pool, (Ipv4Pool{ip("10.8.0.100"), ip("10.8.0.150"), ip("255.255.255.0")}));
  EXPECT_FALSE(server_with("subnet", "10.8.0.0 255.255.255.0 nopool").network.pool);
}

TEST(ServerExpansion, ServerIpv6) {
  const ServerOptions o =
      server_with("subnet", "10.8.0.0 255.255.255.0", "server-ipv6 2001:db8:0:123::/64\n");
  EXPECT_EQ(o.network.server_ipv6, IpPrefix::parse("2001:db8:0:123::/64"));
  EXPECT_EQ(o.network.ifconfig_ipv6,
            (Ipv6Ifconfig{ip("2001:db8:0:123::1"), 64, ip("2001:db8:0:123::2")}));
  EXPECT_EQ(o.network.pool_ipv6, (Ipv6Pool{ip("2001:db8:0:123::1000"), 64}));
  EXPECT_EQ(o.push, (Strings{"tun-ipv6", "route-gateway 10.8.0.1", "topology subnet"}));
  EXPECT_EQ(pool_capacity(o.network), 253u);
  // From /112 on, the pool starts at network + 2.
  const ServerOptions small =
      server_with("subnet", "10.8.0.0 255.255.255.0", "server-ipv6 fd00::ab:0/112\n");
  EXPECT_EQ(small.network.pool_ipv6, (Ipv6Pool{ip("fd00::ab:2"), 112}));
}

TEST(ServerExpansion, Ipv6OnlyServer) {
  const ServerOptions o = build_ok(
      "server-ipv6 fd00::/64\nca ca.crt\ncert server.crt\nkey server.key\nkeepalive 10 60\n");
  EXPECT_FALSE(o.network.ifconfig);
  EXPECT_FALSE(o.network.pool);
  EXPECT_EQ(o.network.ifconfig_ipv6, (Ipv6Ifconfig{ip("fd00::1"), 64, ip("fd00::2")}));
  EXPECT_EQ(o.push, (Strings{"tun-ipv6", "ping 10", "ping-restart 60"}));
  EXPECT_EQ(pool_capacity(o.network), 65536u);
}

TEST(ServerExpansion, SmallIpv6PoolLimitsTheClients) {
  Warnings warnings;
  const ServerOptions o =
      server_with("subnet", "10.8.0.0 255.255.255.0", "server-ipv6 fd00::/124\n", &warnings);
  EXPECT_EQ(pool_capacity(o.network), 16u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(
      contains(warnings[0], "the IPv6 pool has room for 16 clients, the IPv4 pool for 253"));
}

TEST(ServerExpansion, ManualModeServer) {
  const ServerOptions o = build_ok(
      "mode server\ntls-server\ntopology subnet\nifconfig 10.9.0.1 255.255.255.0\n"
      "ifconfig-pool 10.9.0.10 10.9.0.20\npush \"route-gateway 10.9.0.1\"\n"
      "push \"topology subnet\"\nifconfig-ipv6 fd00:9::1/64\nifconfig-ipv6-pool fd00:9::100/64\n"
      "ca ca.crt\ncert server.crt\nkey server.key\n");
  EXPECT_EQ(o.network.ifconfig, (Ipv4Ifconfig{ip("10.9.0.1"), ip("255.255.255.0")}));
  // The pushed netmask of a subnet pool defaults to the tun's.
  EXPECT_EQ(o.network.pool, (Ipv4Pool{ip("10.9.0.10"), ip("10.9.0.20"), ip("255.255.255.0")}));
  EXPECT_EQ(o.network.ifconfig_ipv6, (Ipv6Ifconfig{ip("fd00:9::1"), 64, std::nullopt}));
  EXPECT_EQ(o.network.pool_ipv6, (Ipv6Pool{ip("fd00:9::100"), 64}));
  EXPECT_FALSE(o.network.push_constraint);
  EXPECT_EQ(o.push, (Strings{"route-gateway 10.9.0.1", "topology subnet"}));
  EXPECT_EQ(pool_capacity(o.network), 11u);
}

TEST(ServerExpansion, Errors) {
  const std::string pki = "ca ca.crt\ncert server.crt\nkey server.key\n";
  EXPECT_EQ(server_error("server 10.8.0.0 255.255.255.252\n" + pki),
            "server.conf:1: server: netmask 255.255.255.252 leaves too few addresses: with dev "
            "tun the VPN subnet must be 255.255.255.248 (/29) or larger");
  EXPECT_EQ(server_error("server 10.0.0.0 255.254.0.0\n" + pki),
            "server.conf:1: server: netmask 255.254.0.0 allows too many addresses: the VPN "
            "subnet must be 255.255.0.0 (/16) or smaller");
  EXPECT_EQ(server_error("server 10.8.0.1 255.255.255.0\n" + pki),
            "server.conf:1: server: network \"10.8.0.1\" has host bits set for netmask "
            "255.255.255.0 (did you mean 10.8.0.0?)");
  EXPECT_EQ(server_error("server 10.8.0.0 255.0.255.0\n" + pki),
            "server.conf:1: server: netmask \"255.0.255.0\" is not a netmask (its one bits must "
            "be contiguous)");
  EXPECT_EQ(server_error("server 10.8.0.0 255.255.255.0 pool\n" + pki),
            "server.conf:1: server: \"pool\" is not a known flag (nopool)");
  EXPECT_EQ(server_error("server-ipv6 fd00::/48\n" + pki),
            "server.conf:1: server-ipv6: the prefix length of \"fd00::/48\" must be from /64 to "
            "/124");
  EXPECT_EQ(server_error("server-ipv6 fd00::1/64\n" + pki),
            "server.conf:1: server-ipv6: \"fd00::1/64\" has host bits set (did you mean "
            "fd00::/64?)");
  EXPECT_EQ(error_with("ifconfig-pool 10.8.0.10 10.8.0.20\n"),
            "server.conf:2: server: sets the ifconfig-pool itself; remove the ifconfig-pool line "
            "(or use server NETWORK NETMASK nopool)");
  EXPECT_EQ(error_with("ifconfig 10.8.0.1 255.255.255.0\n"),
            "server.conf:2: server: sets ifconfig itself; remove the ifconfig line");
  EXPECT_EQ(error_with("server-ipv6 fd00::/64\nifconfig-ipv6-pool fd00::100/64\n"),
            "server.conf:6: server-ipv6: sets the ifconfig-ipv6-pool itself; remove the "
            "ifconfig-ipv6-pool line");
}

TEST(ServerExpansion, Keepalive) {
  EXPECT_EQ(error_with("keepalive 10 60\nping 5\n"),
            "server.conf:6: keepalive: conflicts with ping, ping-restart and ping-exit: use one "
            "or the other");
  EXPECT_EQ(error_with("keepalive 10 15\n"),
            "server.conf:6: keepalive: the restart timeout (15) must be at least twice the ping "
            "interval (10)");
  const ServerOptions o = with("ping 10\nping-restart 60\n");
  EXPECT_EQ(o.timers.ping_s, 10u);
  EXPECT_EQ(o.timers.ping_restart_s, 60u);  // as written without keepalive, and nothing pushed
  EXPECT_EQ(o.push, (Strings{"route-gateway 10.8.0.1", "topology subnet"}));
}

// --- option groups ----------------------------------------------------------------------------

TEST(ServerOptions, Transport) {
  const ServerOptions tcp = with("proto tcp6-server\nport 443\nlocal 192.0.2.1\nbind ipv6only\n");
  EXPECT_EQ(tcp.transport.proto, ServerProto::kTcpServer);
  EXPECT_EQ(tcp.transport.family, AddressFamily::kIpv6);
  EXPECT_EQ(tcp.transport.port, 443);
  EXPECT_EQ(tcp.transport.local_host, "192.0.2.1");
  EXPECT_TRUE(tcp.transport.ipv6_only);
  EXPECT_EQ(with("proto tcp\n").transport.proto, ServerProto::kTcpServer);
  EXPECT_EQ(with("proto udp4\nlport 1195\n").transport.family, AddressFamily::kIpv4);
  EXPECT_EQ(with("lport 1195\n").transport.port, 1195);
  const ServerOptions mtu = with("tun-mtu 1400\nmssfix 1360 mtu\ntun-mtu-max 1500\n");
  EXPECT_EQ(mtu.transport.tun_mtu, 1400u);
  EXPECT_EQ(mtu.transport.mssfix, 1360u);
  EXPECT_EQ(mtu.transport.mssfix_mode, MssfixMode::kMtu);
  EXPECT_EQ(mtu.transport.tun_mtu_max, 1500u);
  EXPECT_EQ(error_with("proto tcp-client\n"),
            "server.conf:6: proto: \"tcp-client\" is the client side; a server listens with udp, "
            "udp4, udp6, tcp-server, tcp4-server or tcp6-server (tcp means tcp-server)");
  EXPECT_EQ(error_with("tun-mtu 20\n"),
            "server.conf:6: tun-mtu: \"20\" is not a number from 68 to 65535");
  EXPECT_EQ(error_with("tun-mtu\n"), "server.conf:6: tun-mtu: expects 1 argument, got 0");
  Warnings warnings;
  const ServerOptions exit_tcp = with("proto tcp-server\nexplicit-exit-notify 2\n", &warnings);
  EXPECT_EQ(exit_tcp.transport.explicit_exit_notify, 0u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "server.conf:7: explicit-exit-notify: ignored for proto tcp-server (as OpenVPN does)");
}

TEST(ServerOptions, ClientPolicy) {
  const ServerOptions o = with(
      "cd /etc/openvpn\nclient-config-dir ccd\nccd-exclusive\nduplicate-cn\nmax-clients 5\n"
      "tmp-dir /run/ovpn\nauth-user-pass-verify \"/bin/check --x\" via-env\n"
      "script-security 3\nverify-client-cert none\n");
  EXPECT_EQ(o.cd_dir, "/etc/openvpn");
  EXPECT_EQ(o.clients.client_config_dir, "/etc/openvpn/ccd");
  EXPECT_TRUE(o.clients.ccd_exclusive && o.clients.duplicate_cn);
  EXPECT_EQ(o.clients.max_clients, 5u);
  EXPECT_EQ(o.clients.tmp_dir, "/run/ovpn");
  EXPECT_EQ(o.clients.auth_user_pass_verify, "/bin/check --x");
  EXPECT_EQ(o.clients.auth_verify_method, AuthVerifyMethod::kViaEnv);
  EXPECT_EQ(o.clients.verify_client_cert, VerifyClientCert::kNone);
  EXPECT_EQ(error_with("ccd-exclusive\n"), "server.conf:6: ccd-exclusive: needs client-config-dir");
  EXPECT_EQ(error_with("verify-client-cert optional\n"),
            "server.conf:6: verify-client-cert: none and optional need auth-user-pass-verify "
            "(else nothing checks a client without a certificate)");
  EXPECT_EQ(error_with("username-as-common-name\n"),
            "server.conf:6: username-as-common-name: needs auth-user-pass-verify");
  EXPECT_EQ(error_with("auth-user-pass-verify /bin/check\n"),
            "server.conf:6: auth-user-pass-verify: needs its method after the command: via-env "
            "or via-file");
  EXPECT_EQ(error_with("auth-user-pass-verify /bin/check via-pipe\n"),
            "server.conf:6: auth-user-pass-verify: \"via-pipe\" is not one of via-env, via-file");
  EXPECT_EQ(error_with("max-clients 0\n"),
            "server.conf:6: max-clients: \"0\" is not a number from 1 to 16777214");
  EXPECT_EQ(error_with("proto tcp-server\nconnect-freq 10 60\n"),
            "server.conf:7: connect-freq: only works with proto udp (as in OpenVPN); bound TCP "
            "clients with max-clients");
  EXPECT_EQ(error_with("connect-freq-initial 0 10\n"),
            "server.conf:6: connect-freq-initial: \"0\" is not a number from 1 to 2147483647");
}

TEST(ServerOptions, ScriptSecurityWarnings) {
  Warnings warnings;
  with("client-connect /bin/connect\nscript-security 1\n", &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "server.conf:6: client-connect: will not run: scripts need script-security 2 or "
            "higher (it is 1)");
  with("script-security 2\nauth-user-pass-verify /bin/check via-env\n", &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(contains(warnings[0], "via-env passes the password only with script-security 3"));
}

TEST(ServerOptions, TlsCryptV2Verify) {
  Warnings warnings;
  const ServerOptions o =
      with("script-security 2\ntls-crypt-v2 v2s.key\ntls-crypt-v2-verify \"/bin/check v2\"\n",
           &warnings);
  EXPECT_EQ(o.clients.tls_crypt_v2_verify, "/bin/check v2");
  EXPECT_TRUE(warnings.empty()) << warnings[0];
  with("script-security 2\ntls-crypt-v2-verify /bin/check\n", &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(contains(warnings[0], "tls-crypt-v2-verify: has no effect without tls-crypt-v2"));
}

TEST(ServerOptions, ServerTls) {
  Warnings warnings;
  const ServerOptions o = with(
      "dh dh.pem\necdh-curve secp384r1\ncrl-verify /etc/crl dir\n"
      "tls-crypt-v2 v2s.key allow-noncookie\n",
      &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "server.conf:6: dh: ignored: ovpnd's server uses ECDHE key exchange only (as with dh "
            "none); the DH parameters are not read");
  EXPECT_EQ(o.server_tls.ecdh_curve, "secp384r1");
  EXPECT_EQ(o.server_tls.crl_path, "/etc/crl");
  EXPECT_TRUE(o.server_tls.crl_is_dir);
  EXPECT_EQ(o.tls.wrap, TlsWrapMode::kTlsCryptV2);
  EXPECT_FALSE(o.server_tls.tls_crypt_v2_force_cookie);
  EXPECT_EQ(error_with("crl-verify ca.crt\n"),
            "server.conf:6: crl-verify: ca.crt has no \"-----BEGIN X509 CRL-----\" block");
  EXPECT_EQ(error_with("crl-verify missing.pem\n"),
            "server.conf:6: crl-verify: cannot open missing.pem: No such file or directory");
  EXPECT_EQ(error_with("tls-crypt-v2 v2c.key\n"),
            "server.conf:6: tls-crypt-v2: v2c.key is a tls-crypt-v2 client key; a server needs "
            "the server key (openvpn --genkey tls-crypt-v2-server)");
  EXPECT_EQ(error_with("tls-crypt-v2 v2s.key cookie\n"),
            "server.conf:6: tls-crypt-v2: \"cookie\" is not one of force-cookie, allow-noncookie");
  EXPECT_TRUE(contains(error_with("tls-crypt-v2 v2s.key\ntls-auth ta.key 0\n"),
                       "server.conf:7: tls-auth: ovpnd's server takes one control-channel "
                       "wrapping"));
  EXPECT_TRUE(contains(error_with("tls-crypt tc.key\ntls-crypt-v2 v2s.key\n"),
                       "server.conf:7: tls-crypt-v2: ovpnd's server takes one"));
  EXPECT_EQ(server_error("server 10.8.0.0 255.255.255.0\ncert server.crt\nkey server.key\n"),
            "no CA: give ca (or peer-fingerprint) to verify the clients");
  EXPECT_EQ(server_error("server 10.8.0.0 255.255.255.0\nca ca.crt\n"),
            "no server certificate: give cert and key");
  EXPECT_EQ(server_error("server 10.8.0.0 255.255.255.0\nca ca.crt\ncert server.crt\n"),
            "cert given without key");
  EXPECT_EQ(with("reneg-sec 600 300\n").tls.reneg_sec_min, 300u);  // as given
}

TEST(ServerOptions, StatusAndManagement) {
  const ServerOptions o =
      with("status st.log\nstatus-version 2\nmanagement 127.0.0.1 7505 mgmt.pw\n");
  EXPECT_EQ(o.logging.status_file, "st.log");
  EXPECT_EQ(o.logging.status_interval_s, 60u);
  EXPECT_EQ(o.status_version, 2u);
  ASSERT_TRUE(o.management);
  EXPECT_EQ(*o.management, (ManagementOptions{false, "127.0.0.1", 7505, "s3cret"}));
  EXPECT_EQ(with("management ::1 7505 mgmt.pw\n").management->address, "::1");
  EXPECT_EQ(with("management /run/m.sock unix mgmt.pw\n").management->password, "s3cret");
  EXPECT_EQ(error_with("status-version 4\n"),
            "server.conf:6: status-version: \"4\" is not a number from 1 to 3");
  EXPECT_EQ(error_with("management 0.0.0.0 7505 mgmt.pw\n"),
            "server.conf:6: management: \"0.0.0.0\" is not a loopback address: the management "
            "interface is not encrypted, so ovpnd listens for it only on 127.0.0.1, ::1 or a "
            "unix socket");
  EXPECT_EQ(error_with("management 127.0.0.1 7505\n"),
            "server.conf:6: management: a TCP management socket needs a password file "
            "(management IP PORT PWFILE); or use a unix socket (management PATH unix)");
  EXPECT_EQ(error_with("management 127.0.0.1 7505 stdin\n"),
            "server.conf:6: management: a password from stdin cannot be asked for by a daemon; "
            "give a file");
  EXPECT_EQ(error_with("management 127.0.0.1 0 mgmt.pw\n"),
            "server.conf:6: management: \"0\" is not a port number (1-65535)");
  EXPECT_TRUE(contains(error_with("management-hold\n"), "management-hold: not supported yet"));
}

// --- addressing checks ------------------------------------------------------------------------

TEST(ServerOptions, AddressingChecks) {
  const std::string pki = "ca ca.crt\ncert server.crt\nkey server.key\n";
  EXPECT_EQ(server_error("mode server\ntls-server\n" + pki),
            "no tunnel address: give server NETWORK NETMASK, server-ipv6 NETWORK/BITS or "
            "ifconfig");
  EXPECT_EQ(server_error("mode server\n" + pki + "ifconfig 10.8.0.1 10.8.0.2\n"),
            "server.conf:1: mode: mode server needs tls-server");
  EXPECT_EQ(server_error("tls-server\n" + pki),
            "not a server configuration: give server NETWORK NETMASK (or server-ipv6, or mode "
            "server with tls-server)");
  const std::string manual = "mode server\ntls-server\n" + pki;
  EXPECT_EQ(server_error(manual + "topology subnet\nifconfig 10.8.0.1 10.8.0.2\n"),
            "server.conf:7: ifconfig: with topology subnet the second address must be a "
            "netmask, not 10.8.0.2");
  EXPECT_EQ(server_error(manual + "ifconfig 10.8.0.1 10.8.0.2\nifconfig-pool 10.8.0.4 10.8.0.9 "
                                  "255.255.255.0\n"),
            "server.conf:7: ifconfig-pool: the netmask (third argument) is only valid with "
            "topology subnet");
  EXPECT_EQ(server_error(manual + "ifconfig-pool 10.8.0.4 10.8.0.9\nifconfig-ipv6 fd00::1/64\n"),
            "server.conf:6: ifconfig-pool: needs ifconfig (the server's own IPv4 address)");
  EXPECT_EQ(server_error(manual + "ifconfig 10.8.0.1 10.8.0.2\nifconfig-ipv6-pool fd00::100/64\n"),
            "server.conf:7: ifconfig-ipv6-pool: needs ifconfig-ipv6 (the server's own IPv6 "
            "address)");
  EXPECT_EQ(server_error(manual + "ifconfig 10.8.0.1 10.8.0.2\nifconfig-pool-persist ipp.txt\n"),
            "server.conf:7: ifconfig-pool-persist: needs an address pool (server, server-ipv6, "
            "ifconfig-pool or ifconfig-ipv6-pool)");
  EXPECT_EQ(server_error(manual + "ifconfig-pool 10.8.0.9 10.8.0.4\n"),
            "server.conf:6: ifconfig-pool: the start 10.8.0.9 is after the end 10.8.0.4");
  EXPECT_EQ(server_error(manual + "ifconfig-pool 10.0.0.0 10.2.0.0\n"),
            "server.conf:6: ifconfig-pool: the range 10.0.0.0 - 10.2.0.0 is larger than 65536 "
            "addresses (OpenVPN's maximum)");
  EXPECT_EQ(server_error(manual + "ifconfig-ipv6-pool fd00::/56\n"),
            "server.conf:6: ifconfig-ipv6-pool: the prefix length of \"fd00::/56\" must be from "
            "/64 to /124");
  Warnings warnings;
  build_ok(manual + "ifconfig 10.8.0.1 255.255.255.0\n", &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(contains(warnings[0],
                       "server.conf:6: ifconfig: the second address 255.255.255.0 "
                       "looks like a netmask"));
  build_ok(manual + "ifconfig 10.8.0.1 255.255.255.0\nifconfig-nowarn\n", &warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(with("ifconfig-pool-persist ipp.txt 0\n").network.pool_persist_interval_s, 0u);
}

// --- push ---------------------------------------------------------------------------------------

TEST(ServerPush, AcceptedAsWritten) {
  const ServerOptions o = with(
      "push \"comp-lzo no\"\npush \"register-dns\"\npush \"route-ipv6 2000::/3\"\n"
      "push \"dns server 0 address 10.8.0.1\"\npush \"redirect-gateway def1 bypass-dhcp\"\n"
      "push \"explicit-exit-notify 3\"\npush \"inactive 600\"\n");
  EXPECT_EQ(o.push, (Strings{"comp-lzo no", "register-dns", "route-ipv6 2000::/3",
                             "dns server 0 address 10.8.0.1", "redirect-gateway def1 bypass-dhcp",
                             "explicit-exit-notify 3", "inactive 600", "route-gateway 10.8.0.1",
                             "topology subnet"}));
}

TEST(ServerPush, Refused) {
  EXPECT_EQ(error_with("push route 10.1.0.0 255.255.0.0\n"),
            "server.conf:6: push: expects one option in quotes (push \"route 10.1.0.0 "
            "255.255.0.0\"), got 3 arguments");
  EXPECT_EQ(error_with("push \"comp-lzo\"\n"),
            "server.conf:6: push: cannot push \"comp-lzo\": comp-lzo: the server pushes "
            "compression \"adaptive\", which the offload engine (like the kernel DCO) cannot do");
  EXPECT_TRUE(contains(error_with("push \"compress lz4-v2\"\n"), "cannot push"));
  EXPECT_EQ(error_with("push \"fragment 1300\"\n"),
            "server.conf:6: push: cannot push \"fragment 1300\": the data channel runs in the "
            "offload engine, which (like the kernel DCO) does not fragment");
  EXPECT_EQ(error_with("push \"ifconfig 10.8.0.5 255.255.255.0\"\n"),
            "server.conf:6: push: cannot push \"ifconfig 10.8.0.5 255.255.255.0\": a client's own "
            "address comes from the pool, or from ifconfig-push / ifconfig-ipv6-push in its "
            "client-config-dir file");
  EXPECT_EQ(error_with("push \"peer-id 3\"\n"),
            "server.conf:6: push: cannot push \"peer-id 3\": the server sends it itself, for "
            "each client");
  EXPECT_EQ(error_with("push \"route 10.1.0.0 255.255.0.0,route 10.2.0.0 255.255.0.0\"\n"),
            "server.conf:6: push: cannot push \"route 10.1.0.0 255.255.0.0,route 10.2.0.0 "
            "255.255.0.0\": a client splits the pushed options at ',' (give each its own push "
            "line)");
  EXPECT_EQ(error_with("push \"route 10.1.0.0 255.255.0.300\"\n"),
            "server.conf:6: push: cannot push \"route 10.1.0.0 255.255.0.300\": route: netmask "
            "\"255.255.0.300\" is not an IPv4 netmask");
  EXPECT_EQ(error_with("push \"   \"\n"), "server.conf:6: push: cannot push \"   \": no option");
  EXPECT_EQ(error_with("push \"ping x\"\n"),
            "server.conf:6: push: cannot push \"ping x\": ping: \"x\" is not a number from 0 to "
            "86400");
}

// --- rejected options ---------------------------------------------------------------------------

TEST(ServerRejected, ClientOptions) {
  const std::string client_side =
      "a client option; this is a server configuration (ovpnd runs the client from a separate "
      "configuration)";
  EXPECT_EQ(error_with("client\n"), "server.conf:6: client: " + client_side);
  EXPECT_EQ(error_with("remote 192.0.2.1\n"), "server.conf:6: remote: " + client_side);
  EXPECT_EQ(error_with("nobind\n"), "server.conf:6: nobind: " + client_side);
  EXPECT_EQ(error_with("auth-user-pass\n"),
            "server.conf:6: auth-user-pass: a client option; the server checks user names and "
            "passwords with auth-user-pass-verify");
  EXPECT_EQ(error_with("redirect-gateway def1\n"),
            "server.conf:6: redirect-gateway: cannot be used with mode server; push it to the "
            "clients (push \"redirect-gateway def1\")");
  EXPECT_TRUE(contains(error_with("dhcp-option DNS 1.1.1.1\n"), "push it to the clients"));
  EXPECT_EQ(error_with("route-delay 5\n"),
            "server.conf:6: route-delay: cannot be used with mode server");
  EXPECT_TRUE(contains(error_with("<connection>\nremote a\n</connection>\n"),
                       "server.conf:6: connection: a <connection> block is the client side"));
  EXPECT_EQ(error_with("ipchange /bin/x\n"),
            "server.conf:6: ipchange: cannot be used with mode server (use client-connect "
            "instead)");
  EXPECT_TRUE(contains(error_with("mode p2p\n"), "mode p2p) is not supported"));
}

TEST(ServerRejected, ClientConfigDirOnly) {
  for (const char* line : {"iroute 10.9.0.0 255.255.255.0", "iroute-ipv6 fd00:1::/64",
                           "ifconfig-push 10.8.0.5 255.255.255.0", "push-reset",
                           "push-remove route", "disable", "ifconfig-ipv6-push fd00::5/64"}) {
    EXPECT_TRUE(contains(error_with(std::string(line) + "\n"),
                         ": only valid in a client-config-dir file (the settings of one client)"))
        << line;
  }
}

TEST(ServerRejected, WhatTheOffloadEngineCannotDo) {
  EXPECT_EQ(error_with("fragment 1300\n"),
            "server.conf:6: fragment: not supported: the data channel runs in the offload "
            "engine, which (like the kernel DCO) does not do this");
  EXPECT_TRUE(contains(error_with("comp-lzo yes\n"), "only \"comp-lzo no\" is accepted"));
  EXPECT_TRUE(
      contains(error_with("compress lz4\n"), "server.conf:6: compress: \"lz4\" is not accepted"));
  EXPECT_TRUE(contains(error_with("compress migrate\n"), "compress migrate is not supported yet"));
  EXPECT_TRUE(contains(error_with("dev tap0\n"), "server.conf:6: dev: \"tap0\": tap devices"));
  EXPECT_TRUE(contains(error_with("server-bridge\n"), "tap bridging"));
  EXPECT_TRUE(contains(error_with("secret static.key\n"), "static-key mode is not supported"));
  EXPECT_TRUE(contains(error_with("cipher AES-256-CBC\n"), "does AEAD only"));
  EXPECT_TRUE(contains(error_with("data-ciphers AES-256-GCM:BF-CBC\n"), "does AEAD only"));
  EXPECT_EQ(error_with("dev vpn0\n"),
            "server.conf:6: dev: cannot tell whether \"vpn0\" is tun or tap; add dev-type tun");
  EXPECT_EQ(with("dev vpn0\ndev-type tun\n").tun.dev, "vpn0");
}

TEST(ServerRejected, NotYetUnknownAndIgnored) {
  EXPECT_EQ(error_with("learn-address /bin/learn\n"),
            "server.conf:6: learn-address: not supported yet on the server");
  EXPECT_EQ(error_with("client-cert-not-required\n"),
            "server.conf:6: client-cert-not-required: removed in OpenVPN 2.5; use "
            "verify-client-cert none");
  EXPECT_EQ(error_with("frobnicate 1\n"),
            "server.conf:6: frobnicate: unrecognized option or missing or extra parameter(s)");
  Warnings warnings;
  with(
      "ignore-unknown-option frobnicate\nfrobnicate 1\nsetenv opt zap 2\npull-filter ignore x\n"
      "fast-io\n",
      &warnings);
  EXPECT_EQ(warnings, (Strings{"server.conf:7: frobnicate: unrecognized option, ignored",
                               "server.conf:8: zap: unrecognized option, ignored",
                               "server.conf:9: pull-filter: ignored for mode server (as OpenVPN "
                               "does)",
                               "server.conf:10: fast-io: ignored: the offload engine does its "
                               "own batching"}));
  // setenv opt turns an error into a warning.
  with("setenv opt learn-address /bin/x\n", &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "server.conf:6: learn-address: not supported yet on the server (ignored: setenv opt)");
}

TEST(ServerOptions, LaterOptionsOverrideEarlierOnes) {
  const ServerOptions o = with("port 1195\nport 1196\nverb 3\nverb 5\n");
  EXPECT_EQ(o.transport.port, 1196);
  EXPECT_EQ(o.logging.verb, 5u);
}

}  // namespace
}  // namespace ovpn::config
