// The client options model: defaults, each option's happy path, and error messages.

#include "config/client_options.h"

#include <gtest/gtest.h>

#include "config_test_util.h"

namespace ovpn::config {
namespace {

using test::build_error;
using test::build_text;
using test::kMinimalClient;

ClientOptions build_ok(const std::string& extra) {
  auto built = build_text(std::string(kMinimalClient) + extra);
  EXPECT_TRUE(built.has_value()) << (built ? "" : built.error().message);
  return built ? built->options : ClientOptions{};
}

TEST(ClientOptions, DefaultsOfOpenVpn26) {
  const ClientOptions o = build_ok("");
  EXPECT_TRUE(o.pull);
  EXPECT_TRUE(o.tls_client);
  ASSERT_EQ(o.connection.entries.size(), 1u);
  const ConnectionEntry& e = o.connection.entries[0];
  EXPECT_EQ(e.remote_host, "192.0.2.1");
  EXPECT_EQ(e.remote_port, 1194);
  EXPECT_EQ(e.proto, TransportProto::kUdp);
  EXPECT_EQ(e.tun_mtu, 1500u);
  EXPECT_EQ(e.mssfix, 1492u);
  EXPECT_EQ(e.connect_retry_s, 1u);
  EXPECT_EQ(e.connect_retry_max_s, 300u);
  EXPECT_EQ(e.server_poll_timeout_s, 120u);
  EXPECT_EQ(o.data.data_ciphers,
            (std::vector<std::string>{"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"}));
  EXPECT_EQ(o.tls.auth_digest, "SHA1");
  EXPECT_EQ(o.tls.reneg_sec, 3600u);
  EXPECT_EQ(o.tls.hand_window_s, 60u);
  EXPECT_EQ(o.tls.replay_window, 64u);
  EXPECT_EQ(o.tun.dev, "tun");
  EXPECT_EQ(o.logging.verb, 1u);
  EXPECT_EQ(o.scripts.script_security, 1u);
  EXPECT_FALSE(o.timers.ping_restart_s.has_value());
  EXPECT_EQ(o.tls.ca.text, test::kCaPem);
  EXPECT_EQ(o.tls.ca.origin, "ca.crt");
}

TEST(ClientOptions, RemotesTakeTheFinalGlobalOptions) {
  const ClientOptions o = build_ok(
      "remote b.example.com\nremote c.example.com 443 tcp\nport 1195\nproto udp6\n"
      "remote-random\nresolv-retry 30\nconnect-retry 5 60\nconnect-retry-max 3\n");
  ASSERT_EQ(o.connection.entries.size(), 3u);
  EXPECT_EQ(o.connection.entries[0].remote_port, 1194);  // given on its remote line
  EXPECT_EQ(o.connection.entries[1].remote_port, 1195);  // from port, which comes later
  EXPECT_EQ(o.connection.entries[1].family, AddressFamily::kIpv6);
  EXPECT_EQ(o.connection.entries[2].proto, TransportProto::kTcpClient);
  EXPECT_FALSE(o.connection.entries[2].bind_local);  // TCP clients do not bind by default
  EXPECT_EQ(o.connection.entries[2].connect_retry_s, 5u);
  EXPECT_EQ(o.connection.entries[2].where.to_string(), "client.conf:7");
  EXPECT_TRUE(o.connection.remote_random);
  EXPECT_EQ(o.connection.resolv_retry_s, 30u);
  EXPECT_EQ(o.connection.connect_retry_max, 3u);
}

TEST(ClientOptions, ConnectionBlocks) {
  auto built = build_text(
      "client\nca ca.crt\ncert client.crt\nkey client.key\nproto tcp\nremote ignored 1\n"
      "<connection>\nremote a 1194 udp\nexplicit-exit-notify 2\n</connection>\n"
      "<connection>\nremote b 443\nserver-poll-timeout 10\n</connection>\n");
  ASSERT_TRUE(built) << built.error().message;
  const auto& entries = built->options.connection.entries;
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].proto, TransportProto::kUdp);
  EXPECT_EQ(entries[0].explicit_exit_notify, 2u);
  EXPECT_EQ(entries[1].proto, TransportProto::kTcpClient);  // the global proto before the block
  EXPECT_EQ(entries[1].server_poll_timeout_s, 10u);
  ASSERT_EQ(built->warnings.size(), 1u);
  EXPECT_EQ(built->warnings[0], "client.conf:6: remote: ignored: <connection> blocks are in use");
  EXPECT_EQ(build_error("client\n<connection>\nproto udp\n</connection>\n"),
            "client.conf:2: connection: a <connection> block needs a remote");
  EXPECT_EQ(build_error("client\n<connection>\nremote a\nverb 3\n</connection>\n"),
            "client.conf:4: verb: not allowed in a <connection> block");
}

TEST(ClientOptions, TlsOptions) {
  const ClientOptions o = build_ok(
      "tls-auth ta.key 1\nauth sha256\nremote-cert-tls server\nverify-x509-name server name\n"
      "tls-version-min 1.2 or-highest\ntls-version-max 1.3\ntls-cipher X\ntls-ciphersuites Y\n"
      "tls-groups Z\nremote-cert-eku \"TLS Web Server Authentication\"\nremote-cert-ku a0 88\n"
      "reneg-sec 600 500\nreneg-bytes 5000000000\nreneg-pkts 100\nhand-window 30\n"
      "tran-window 100\ntls-timeout 4\nreplay-window 128 30\nmute-replay-warnings\ntls-exit\n"
      "single-session\ntls-verify \"/bin/check arg\"\n");
  EXPECT_EQ(o.tls.wrap, TlsWrapMode::kTlsAuth);
  EXPECT_EQ(o.tls.key_direction, 1);
  EXPECT_NE(o.tls.wrap_key.text.find("BEGIN OpenVPN Static key V1"), std::string::npos);
  EXPECT_EQ(o.tls.auth_digest, "SHA256");
  EXPECT_EQ(o.tls.remote_cert_tls, RemoteCertTls::kServer);
  ASSERT_TRUE(o.tls.verify_x509_name);
  EXPECT_EQ(o.tls.verify_x509_name->second, X509NameType::kName);
  EXPECT_EQ(o.tls.tls_version_min, "1.2");
  EXPECT_TRUE(o.tls.tls_version_min_or_highest);
  EXPECT_EQ(o.tls.remote_cert_eku, "TLS Web Server Authentication");
  EXPECT_EQ(o.tls.remote_cert_ku, (std::vector<uint16_t>{0xa0, 0x88}));
  EXPECT_EQ(o.tls.reneg_sec_min, 500u);
  EXPECT_EQ(o.tls.reneg_bytes, 5000000000u);
  EXPECT_EQ(o.tls.replay_window_time_s, 30u);
  EXPECT_TRUE(o.tls.tls_exit && o.tls.single_session && o.tls.mute_replay_warnings);
  EXPECT_EQ(o.tls.tls_verify_cmd, "/bin/check arg");
}

TEST(ClientOptions, InlineKeysAndKeyDirection) {
  MemoryFileSystem fs = test::pki_files();
  const std::string ta = *fs.read_file("ta.key", 1 << 20);
  auto built =
      build_text("client\nremote a\n<ca>\n" + std::string(test::kCaPem) + "</ca>\n<cert>\n" +
                     std::string(test::kCaPem) + "</cert>\n<key>\n" + std::string(test::kKeyPem) +
                     "</key>\nkey-direction 1\n<tls-auth>\n" + ta + "</tls-auth>\n",
                 fs);
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(built->options.tls.ca.origin, "[inline]");
  EXPECT_EQ(built->options.tls.wrap_key.text, ta);
  EXPECT_EQ(built->options.tls.key_direction, 1);
}

TEST(ClientOptions, WrappingModesAndPeerFingerprint) {
  EXPECT_EQ(build_ok("tls-crypt tc.key\n").tls.wrap, TlsWrapMode::kTlsCrypt);
  EXPECT_EQ(build_ok("tls-crypt-v2 v2c.key\n").tls.wrap, TlsWrapMode::kTlsCryptV2);
  EXPECT_EQ(build_error(std::string(kMinimalClient) + "tls-crypt-v2 tc.key\n"),
            "client.conf:6: tls-crypt-v2: tc.key has no \"-----BEGIN OpenVPN tls-crypt-v2 client "
            "key-----\" block");
  const std::string fp =
      "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:"
      "ee:ff";
  auto built =
      build_text("client\nremote a\ncert client.crt\nkey client.key\n<peer-fingerprint>\n# x\n" +
                 fp + "\n" + fp + "\n</peer-fingerprint>\n");
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(built->options.tls.peer_fingerprints.size(), 2u);
  EXPECT_EQ(built->options.tls.peer_fingerprints[0][10], 0xaa);
}

TEST(ClientOptions, DataChannelCiphers) {
  const ClientOptions o = build_ok(
      "data-ciphers aes-128-gcm:CHACHA20-POLY1305:AES-128-GCM\ndata-ciphers-fallback AES-256-GCM\n"
      "cipher AES-128-GCM\nauth none\n");
  EXPECT_EQ(o.data.data_ciphers, (std::vector<std::string>{"AES-128-GCM", "CHACHA20-POLY1305"}));
  EXPECT_EQ(o.data.data_ciphers_fallback, "AES-256-GCM");
  EXPECT_EQ(o.data.cipher, "AES-128-GCM");
  EXPECT_EQ(o.tls.auth_digest, "none");
  auto built =
      build_text(std::string(kMinimalClient) + "data-ciphers AES-256-GCM\ncipher AES-128-GCM\n");
  ASSERT_TRUE(built);
  ASSERT_EQ(built->warnings.size(), 1u);
  EXPECT_NE(built->warnings[0].find("ignores cipher for negotiation"), std::string::npos);
  auto ncp = build_text(std::string(kMinimalClient) + "ncp-ciphers AES-192-GCM\n");
  ASSERT_TRUE(ncp);
  EXPECT_EQ(ncp->options.data.data_ciphers, std::vector<std::string>{"AES-192-GCM"});
  EXPECT_EQ(ncp->warnings.size(), 1u);
}

TEST(ClientOptions, TunAndRouting) {
  const ClientOptions o = build_ok(
      "dev tun3\npersist-tun\npersist-key\nroute 10.0.0.0 255.0.0.0 vpn_gateway 5\n"
      "route intranet.example.com\nroute 172.16.0.0 255.240.0.0 default 7\n"
      "route-ipv6 2001:db8::/32 fd00::1 3\nroute-gateway 10.8.0.1\nroute-metric 50\n"
      "route-delay 2 10\nroute-nopull\nredirect-gateway def1 bypass-dhcp !ipv4 ipv6\n"
      "pull-filter ignore \"route \"\npull-filter accept route-gateway\n"
      "dhcp-option DNS 10.8.0.1\ndhcp-option domain example.com\n"
      "dns server 0 address 10.8.0.1 [2001:db8::1]:53\ndns search-domains example.com\n"
      "block-ipv6\nallow-pull-fqdn\nifconfig-nowarn\ntun-mtu 1400\ntun-mtu-max 1500\n"
      "mssfix 1300 mtu\ntxqueuelen 1000\n");
  EXPECT_EQ(o.tun.dev, "tun3");
  EXPECT_EQ(o.tun.txqueuelen, 1000u);
  EXPECT_EQ(build_ok("dev tun\n").tun.txqueuelen, std::nullopt);  // ovpnd's default
  EXPECT_EQ(build_error(std::string(kMinimalClient) + "txqueuelen 0\n"),
            "client.conf:6: txqueuelen: \"0\" is not a number from 1 to 1048576");
  EXPECT_TRUE(o.tun.persist_tun && o.tun.persist_key && o.tun.route_nopull);
  ASSERT_EQ(o.tun.routes.size(), 3u);
  EXPECT_EQ(o.tun.routes[0], (Route4{"10.0.0.0", "255.0.0.0", "vpn_gateway", 5}));
  EXPECT_EQ(o.tun.routes[1].netmask, "255.255.255.255");
  EXPECT_EQ(o.tun.routes[2].gateway, std::nullopt);
  EXPECT_EQ(o.tun.routes[2].metric, 7u);
  EXPECT_EQ(o.tun.routes6.at(0), (Route6{"2001:db8::/32", "fd00::1", 3}));
  EXPECT_EQ(o.tun.route_delay, std::make_pair(2u, 10u));
  ASSERT_TRUE(o.tun.redirect);
  EXPECT_TRUE(o.tun.redirect->def1 && o.tun.redirect->bypass_dhcp && o.tun.redirect->ipv6);
  EXPECT_FALSE(o.tun.redirect->ipv4);
  ASSERT_EQ(o.tun.pull_filters.size(), 2u);
  EXPECT_EQ(o.tun.pull_filters[0].prefix, "route ");
  EXPECT_EQ(o.tun.dhcp_options[1], (DhcpOption{"DOMAIN", "example.com"}));
  EXPECT_EQ(o.tun.dns.size(), 2u);
  EXPECT_EQ(o.connection.entries[0].tun_mtu, 1400u);
  EXPECT_EQ(o.connection.entries[0].mssfix_mode, MssfixMode::kMtu);
  EXPECT_EQ(build_ok("dev vpn0\ndev-type tun\n").tun.dev, "vpn0");
  EXPECT_EQ(build_error(std::string(kMinimalClient) + "dev vpn0\n"),
            "client.conf:6: dev: cannot tell whether \"vpn0\" is tun or tap; add dev-type tun");
}

TEST(ClientOptions, TimersAuthScriptsLogging) {
  MemoryFileSystem fs = test::pki_files();
  fs.add("/etc/ovpn/creds", "alice\r\ns3cret\r\n");
  fs.add("/etc/ovpn/user-only", "bob\n");
  auto built = build_text(
      std::string(kMinimalClient) +
          "keepalive 10 60\nping-timer-rem\ncd /etc/ovpn\nauth-user-pass creds\nauth-nocache\n"
          "auth-retry nointeract\nscript-security 2\nup \"/bin/up.sh x\"\ndown d\nup-restart\n"
          "route-up r\nroute-pre-down p\nipchange i\nsetenv FOO bar\nsetenv-safe X y\nuser nobody\n"
          "group nogroup\nverb 4\nmute 20\nlog-append /var/log/o.log\nstatus /run/s 5\n"
          "writepid /run/p\ndaemon ovpn\nmachine-readable-output\nsuppress-timestamps\nnice -5\n"
          "push-peer-info\n",
      fs);
  ASSERT_TRUE(built) << built.error().message;
  const ClientOptions& o = built->options;
  EXPECT_EQ(o.timers.ping_s, 10u);
  EXPECT_EQ(o.timers.ping_restart_s, 60u);
  EXPECT_EQ(o.auth.username, "alice");
  EXPECT_EQ(o.auth.password, "s3cret");
  EXPECT_FALSE(o.auth.needs_prompt());
  EXPECT_EQ(o.auth.auth_retry, AuthRetry::kNoInteract);
  EXPECT_EQ(o.cd_dir, "/etc/ovpn");
  EXPECT_EQ(o.scripts.up, "/bin/up.sh x");
  EXPECT_EQ(o.scripts.setenv.at(0), std::make_pair(std::string("FOO"), std::string("bar")));
  EXPECT_EQ(o.logging.log_file, "/var/log/o.log");
  EXPECT_TRUE(o.logging.log_append && o.logging.daemon);
  EXPECT_EQ(o.logging.status_interval_s, 5u);
  EXPECT_EQ(o.logging.nice, -5);
  EXPECT_TRUE(o.push_peer_info);

  auto user_only =
      build_text(std::string(kMinimalClient) + "auth-user-pass /etc/ovpn/user-only\n", fs);
  ASSERT_TRUE(user_only);
  EXPECT_TRUE(user_only->options.auth.needs_prompt());
  auto prompt = build_text("client\nremote a\nca ca.crt\nauth-user-pass\n", fs);
  ASSERT_TRUE(prompt) << prompt.error().message;  // auth-user-pass instead of a client cert
  EXPECT_TRUE(prompt->options.auth.needs_prompt());
  auto inline_creds =
      build_text("client\nremote a\nca ca.crt\n<auth-user-pass>\nu\np\n</auth-user-pass>\n", fs);
  ASSERT_TRUE(inline_creds);
  EXPECT_EQ(inline_creds->options.auth.password, "p");
}

TEST(ClientOptions, ExactErrorShapes) {
  const std::string base(kMinimalClient);
  EXPECT_EQ(build_error(base + "proto udp7\n"),
            "client.conf:6: proto: \"udp7\" is not one of udp, udp4, udp6, tcp-client, "
            "tcp4-client, tcp6-client, tcp, tcp4, tcp6");
  EXPECT_EQ(build_error(base + "proto tcp-server\n"),
            "client.conf:6: proto: \"tcp-server\" is the server side; ovpnd's client uses udp or "
            "tcp-client (the server is a separate mode)");
  EXPECT_EQ(build_error(base + "remote a 99999\n"),
            "client.conf:6: remote: \"99999\" is not a port number (1-65535)");
  EXPECT_EQ(build_error(base + "verb\n"), "client.conf:6: verb: expects 1 argument, got 0");
  EXPECT_EQ(build_error(base + "route 10.0.0.0 255.0.0.0 1.2.3.4 5 6\n"),
            "client.conf:6: route: expects 1 to 4 arguments, got 5");
  EXPECT_EQ(build_error(base + "keepalive 10 15\n"),
            "client.conf:6: keepalive: the restart timeout (15) must be at least twice the ping "
            "interval (10)");
  EXPECT_EQ(build_error(base + "keepalive 10 60\nping 5\n"),
            "keepalive conflicts with ping, ping-restart and ping-exit: use one or the other");
  EXPECT_EQ(build_error(base + "ca missing.crt\n"),
            "client.conf:6: ca: cannot open missing.crt: No such file or directory");
  EXPECT_EQ(build_error(base + "<verb>\n3\n</verb>\n"),
            "client.conf:6: verb: cannot be given as an inline <verb> block");
  EXPECT_EQ(build_error("remote a\nca ca.crt\ncert client.crt\nkey client.key\n"),
            "not a client configuration: give client (or tls-client); static-key mode is not "
            "supported");
  EXPECT_EQ(build_error("client\nca ca.crt\ncert client.crt\nkey client.key\n"),
            "no remote: a client needs at least one remote or <connection> block");
  EXPECT_EQ(build_error("client\nremote a\ncert client.crt\nkey client.key\n"),
            "no CA: give ca (or peer-fingerprint) to verify the server");
  EXPECT_EQ(build_error("client\nremote a\nca ca.crt\n"),
            "no client authentication: give cert and key, or auth-user-pass");
  EXPECT_EQ(build_error("client\nremote a\nca ca.crt\ncert client.crt\n"),
            "cert given without key");
}

}  // namespace
}  // namespace ovpn::config
