// client_setup: options built by the real parser from the configurations of the captured
// sessions (PKI and key files of the golden vectors) become the options string stock 2.6.14
// clients sent, our peer-info, the session config (timers, keepalive, transport overhead), a
// TLS context that completes a handshake with the vectors' server certificate, and tls-wrap
// contexts that interoperate with a server-side wrap made from the same key.

#include "app/client_setup.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <string>
#include <vector>

#include "config/config_reader.h"
#include "config/file_system.h"
#include "control/control_channel.h"
#include "control/early_negotiation.h"
#include "control/peer_info.h"
#include "control/tls_session.h"
#include "crypto/tls_auth.h"
#include "crypto/tls_crypt.h"
#include "crypto/tls_crypt_v2.h"
#include "support/vectors.h"

namespace ovpn::app {
namespace {

std::string pki_file(const char* name) {
  return test::read_file(test::vector_path(std::string("pki/") + name));
}

// What the stock clients of the captured sessions were configured with, before their
// session's own lines (configs/NAME-client.conf of the vectors).
constexpr const char* kStockClient =
    "client\n"
    "dev tun\n"
    "proto udp\n"
    "remote 10.210.0.1 1194\n"
    "nobind\n"
    "ca ca.crt\n"
    "cert client.crt\n"
    "key client.key\n"
    "remote-cert-tls server\n"
    "explicit-exit-notify 1\n"
    "disable-dco\n"
    "verb 7\n";

class ClientSetupTest : public ::testing::Test {
 protected:
  ClientSetupTest() {
    for (const char* name : {"ca.crt", "client.crt", "client.key", "ta.key", "tc.key", "v2c.key"}) {
      fs_.add(name, pki_file(name));
    }
  }

  // The stock client configuration plus `extra` lines, through the real parser.
  config::ClientOptions build(const std::string& extra) {
    auto list = config::read_config_text(std::string(kStockClient) + extra, "client.conf", fs_);
    EXPECT_TRUE(list) << list.error().message;
    if (!list) return {};
    auto built = config::build_client_options(*list, fs_);
    EXPECT_TRUE(built) << built.error().message;
    return built ? built->options : config::ClientOptions{};
  }

  control::ClientSessionConfig session(const config::ClientOptions& o,
                                       const char* remote = "10.210.0.1:1194") {
    auto c = make_session_config(o, o.connection.entries.at(0), *Endpoint::parse(remote),
                                 Credentials{"alice", "secret"});
    EXPECT_TRUE(c) << c.error().message;
    return c ? *c : control::ClientSessionConfig{};
  }

  config::MemoryFileSystem fs_;
};

// --- options string ---------------------------------------------------------------------------

// The session's own lines in the stock client configuration.
std::string session_lines(const std::string& session) {
  if (session == "plain") return "";
  if (session == "tlscrypt-aes256gcm" || session == "reneg" || session == "prf-pyserver") {
    return "tls-crypt tc.key\n";
  }
  if (session == "tlsauth-sha256-aes128gcm") return "tls-auth ta.key 1\nauth SHA256\n";
  if (session == "tlsauth-sha1-chacha20") return "tls-auth ta.key 1\n";
  if (session == "tlsauth-sha1-nodir") return "tls-auth ta.key\n";
  if (session == "tlscryptv2") return "tls-crypt-v2 v2c.key\n";
  return "?";  // no stock client
}

TEST_F(ClientSetupTest, OptionsStringIsWhatStockClientsSent) {
  const auto doc = test::load_vectors("push-and-km2.json");
  int compared = 0;
  for (const auto& s : doc["sessions"]) {
    const std::string name = s["session"].get<std::string>();
    const std::string lines = session_lines(name);
    if (lines == "?") continue;
    std::string expected;
    for (const auto& m : s["messages"]) {
      if (!m.contains("fields") || !m["fields"].contains("options")) continue;
      const std::string options = m["fields"]["options"].get<std::string>();
      if (options.ends_with(",tls-client")) {
        expected = options;
        break;
      }
    }
    ASSERT_FALSE(expected.empty()) << name;
    const auto o = build(lines);
    EXPECT_EQ(client_options_string(o, o.connection.entries.at(0), false), expected) << name;
    EXPECT_EQ(session(o).options, expected) << name;
    ++compared;
  }
  EXPECT_EQ(compared, 8);
}

TEST_F(ClientSetupTest, OptionsStringsOfTheTlsAuthSessions) {
  auto o = build("tls-auth ta.key 1\n");
  EXPECT_EQ(client_options_string(o, o.connection.entries[0], false),
            "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,keydir 1,auth SHA1,"
            "keysize 128,tls-auth,key-method 2,tls-client");
  o = build("tls-auth ta.key 1\nauth SHA256\n");
  EXPECT_EQ(client_options_string(o, o.connection.entries[0], false),
            "V4,dev-type tun,link-mtu 1553,tun-mtu 1500,proto UDPv4,keydir 1,auth SHA256,"
            "keysize 128,tls-auth,key-method 2,tls-client");
  // key-direction as its own option is the same as tls-auth's argument.
  o = build("tls-auth ta.key\nkey-direction 1\nauth SHA512\n");
  EXPECT_EQ(client_options_string(o, o.connection.entries[0], false),
            "V4,dev-type tun,link-mtu 1585,tun-mtu 1500,proto UDPv4,keydir 1,auth SHA512,"
            "keysize 128,tls-auth,key-method 2,tls-client");
}

TEST_F(ClientSetupTest, OptionsStringFollowsTunMtu) {
  const auto o = build("tun-mtu 1400\n");
  EXPECT_EQ(client_options_string(o, o.connection.entries[0], false),
            "V4,dev-type tun,link-mtu 1441,tun-mtu 1400,proto UDPv4,auth SHA1,keysize 128,"
            "key-method 2,tls-client");
}

TEST_F(ClientSetupTest, OptionsStringOverTcpCountsTheFrameLength) {
  // 2.6 adds the 2-byte TCP length to link-mtu (frame_calculate_protocol_header_size) and
  // names the protocol TCPv4_CLIENT.
  const auto o = build("proto tcp-client\n");
  EXPECT_EQ(client_options_string(o, o.connection.entries[0], false),
            "V4,dev-type tun,link-mtu 1543,tun-mtu 1500,proto TCPv4_CLIENT,auth SHA1,keysize 128,"
            "key-method 2,tls-client");
}

TEST_F(ClientSetupTest, OptionsStringSaysV4OverIpv6AsOpenVpnAlwaysHas) {
  // proto_remote() in 2.6: "OpenVPN has always sent UDPv4, TCPv4 over the wire".
  auto o = build("");
  EXPECT_EQ(client_options_string(o, o.connection.entries[0], true),
            client_options_string(o, o.connection.entries[0], false));
  EXPECT_EQ(session(o, "[2001:db8::1]:1194").options, session(o).options);
  o = build("proto tcp-client\n");
  const std::string tcp6 = client_options_string(o, o.connection.entries[0], true);
  EXPECT_NE(tcp6.find(",proto TCPv4_CLIENT,"), std::string::npos) << tcp6;
}

// --- peer-info ---------------------------------------------------------------------------------

TEST_F(ClientSetupTest, PeerInfoDefault) {
  const auto info = client_peer_info(build(""));
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(*info, std::string("IV_VER=") + kOvpndVersion +
                       "\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n"
                       "IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=910\n");
}

TEST_F(ClientSetupTest, PeerInfoAnnouncesOnlyWhatWeHandle) {
  const auto info = client_peer_info(build(""));
  ASSERT_TRUE(info);
  const auto parsed = control::PeerInfo::parse(*info);
  namespace iv = control::iv_proto;
  for (uint32_t bit : {iv::kDataV2, iv::kRequestPush, iv::kTlsKeyExport, iv::kCcExitNotify,
                       iv::kAuthFailTemp, iv::kDynTlsCrypt}) {
    EXPECT_TRUE(parsed.has_proto(bit)) << bit;
  }
  for (uint32_t bit : {1u, iv::kAuthPendingKw, iv::kNcpP2p, iv::kDnsOption, iv::kDataEpoch,
                       iv::kDnsOptionV2, iv::kPushUpdate}) {
    EXPECT_FALSE(parsed.has_proto(bit)) << bit;
  }
}

TEST_F(ClientSetupTest, PeerInfoMatchesStockClientsWhereItDescribesTheSameThings) {
  const auto doc = test::load_vectors("push-and-km2.json");
  const std::string stock =
      doc["sessions"][0]["messages"][0]["fields"]["peer_info"].get<std::string>();
  const auto theirs = control::PeerInfo::parse(stock);
  const auto ours_text = client_peer_info(build(""));
  ASSERT_TRUE(ours_text);
  const auto ours = control::PeerInfo::parse(*ours_text);
  for (const char* name : {"IV_PLAT", "IV_TCPNL", "IV_MTU", "IV_NCP", "IV_CIPHERS"}) {
    ASSERT_TRUE(theirs.get(name)) << name;
    EXPECT_EQ(ours.get(name), theirs.get(name)) << name;
  }
}

TEST_F(ClientSetupTest, PeerInfoCiphersFollowDataCiphers) {
  const auto info = client_peer_info(build("data-ciphers AES-128-GCM:CHACHA20-POLY1305\n"));
  ASSERT_TRUE(info) << info.error().message;
  const auto parsed = control::PeerInfo::parse(*info);
  EXPECT_EQ(parsed.get("IV_CIPHERS"), "AES-128-GCM:CHACHA20-POLY1305");
  EXPECT_FALSE(parsed.get("IV_NCP"));  // not both AES-GCMs
}

TEST_F(ClientSetupTest, PeerInfoUserValuesOnlyWithPushPeerInfo) {
  const std::string env = "setenv UV_ROLE admin\nsetenv OTHER value\n";
  auto info = client_peer_info(build(env));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->find("UV_"), std::string::npos);
  info = client_peer_info(build(env + "push-peer-info\n"));
  ASSERT_TRUE(info) << info.error().message;
  const auto parsed = control::PeerInfo::parse(*info);
  EXPECT_EQ(parsed.get("UV_ROLE"), "admin");
  EXPECT_FALSE(parsed.get("OTHER"));
  EXPECT_TRUE(info->ends_with("UV_ROLE=admin\n"));
}

// --- session config ----------------------------------------------------------------------------

TEST_F(ClientSetupTest, SessionConfigDefaultsOverUdp) {
  const auto o = build("");
  const auto c = session(o);
  EXPECT_EQ(c.options, client_options_string(o, o.connection.entries[0], false));
  EXPECT_EQ(c.peer_info, *client_peer_info(o));
  EXPECT_EQ(c.username, "alice");
  EXPECT_EQ(c.password, "secret");
  EXPECT_EQ(c.transport, dco::Transport::kUdp);
  EXPECT_EQ(c.remote, *Endpoint::parse("10.210.0.1:1194"));
  EXPECT_EQ(c.tcp_fd, -1);
  EXPECT_EQ(c.transport_overhead, control::kUdp4Overhead);
  EXPECT_EQ(c.tls_timeout_ms, 2000u);
  EXPECT_EQ(c.hand_window_ms, 60000u);
  EXPECT_EQ(c.tran_window_ms, 3600000u);
  EXPECT_EQ(c.reneg_ms, 3600000u);
  EXPECT_EQ(c.data_ciphers,
            (std::vector<std::string>{"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"}));
  EXPECT_FALSE(c.data_ciphers_fallback);
  // 2.6's ping-restart 120 until the server pushes its own (UDP, pull).
  EXPECT_EQ(c.keepalive, (dco::Keepalive{0, config::TimerOptions::kPrePullPingRestartS}));
}

TEST_F(ClientSetupTest, SessionConfigTimersFromTheOptions) {
  const auto c =
      session(build("tls-timeout 5\nhand-window 30\ntran-window 600\nreneg-sec 0\n"
                    "data-ciphers AES-128-GCM\n"));
  EXPECT_EQ(c.tls_timeout_ms, 5000u);
  EXPECT_EQ(c.hand_window_ms, 30000u);
  EXPECT_EQ(c.tran_window_ms, 600000u);
  EXPECT_EQ(c.reneg_ms, 0u);
  EXPECT_EQ(c.data_ciphers, std::vector<std::string>{"AES-128-GCM"});
}

TEST_F(ClientSetupTest, SessionConfigOverIpv6AndTcp) {
  EXPECT_EQ(session(build(""), "[2001:db8::1]:1194").transport_overhead, control::kUdp6Overhead);
  const auto tcp = build("proto tcp-client\n");
  auto c = session(tcp);
  EXPECT_EQ(c.transport, dco::Transport::kTcp);
  EXPECT_EQ(c.transport_overhead, control::kUdp4Overhead + 14);  // TCP header, frame length
  EXPECT_EQ(c.tcp_fd, -1);                                       // the daemon sets it
  c = session(tcp, "[2001:db8::1]:443");
  EXPECT_EQ(c.transport_overhead, control::kUdp6Overhead + 14);
  EXPECT_EQ(c.remote, *Endpoint::parse("[2001:db8::1]:443"));
}

std::vector<uint8_t> key_bytes(const proto::Key2& key) {
  return {key.bytes().begin(), key.bytes().end()};
}

TEST_F(ClientSetupTest, SessionConfigDynamicTlsCryptAndTheWrapKey) {
  auto c = session(build(""));
  EXPECT_TRUE(c.dynamic_tls_crypt);
  EXPECT_FALSE(c.wrap_key);  // no wrap: the exporter key alone
  // Announced in peer-info exactly when it is on.
  EXPECT_TRUE(control::PeerInfo::parse(c.peer_info).has_proto(control::iv_proto::kDynTlsCrypt));

  c = session(build("tls-crypt tc.key\n"));
  ASSERT_TRUE(c.wrap_key);
  EXPECT_EQ(key_bytes(*c.wrap_key), key_bytes(*proto::parse_static_key_file(pki_file("tc.key"))));
  c = session(build("tls-auth ta.key 1\n"));
  ASSERT_TRUE(c.wrap_key);
  EXPECT_EQ(key_bytes(*c.wrap_key), key_bytes(*proto::parse_static_key_file(pki_file("ta.key"))));
  c = session(build("tls-crypt-v2 v2c.key\n"));
  ASSERT_TRUE(c.wrap_key);
  EXPECT_EQ(key_bytes(*c.wrap_key),
            key_bytes(crypto::parse_tls_crypt_v2_client_key(pki_file("v2c.key"))->kc));
}

TEST_F(ClientSetupTest, SessionConfigFailsOnABadWrapKey) {
  auto o = build("tls-crypt tc.key\n");
  o.tls.wrap_key.text = "no key here";
  auto c = make_session_config(o, o.connection.entries[0], *Endpoint::parse("10.210.0.1:1194"), {});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("tls-crypt"), std::string::npos) << c.error().message;
}

TEST_F(ClientSetupTest, KeepaliveBeforeThePush) {
  // No pre-pull ping-restart over TCP: the connection's end is seen anyway.
  EXPECT_EQ(session(build("proto tcp-client\n")).keepalive, (dco::Keepalive{0, 0}));
  // keepalive N M: ping N, ping-restart M, on either transport.
  EXPECT_EQ(session(build("keepalive 10 60\n")).keepalive, (dco::Keepalive{10, 60}));
  EXPECT_EQ(session(build("proto tcp-client\nkeepalive 10 60\n")).keepalive,
            (dco::Keepalive{10, 60}));
  EXPECT_EQ(session(build("ping 15\nping-restart 90\n")).keepalive, (dco::Keepalive{15, 90}));
  EXPECT_EQ(session(build("ping 15\n")).keepalive, (dco::Keepalive{15, 120}));
  // An explicit ping-restart 0 turns the pre-pull default off.
  EXPECT_EQ(session(build("ping-restart 0\n")).keepalive, (dco::Keepalive{0, 0}));
}

TEST_F(ClientSetupTest, PingExitSetsTheTimeoutTheDaemonExitsOn) {
  // OpenVPN: ping-exit replaces the pre-pull ping-restart (its action is no longer undefined);
  // the daemon turns the peer's expiry into an exit.
  EXPECT_EQ(session(build("ping 10\nping-exit 60\n")).keepalive, (dco::Keepalive{10, 60}));
  EXPECT_EQ(session(build("proto tcp-client\nping-exit 300\n")).keepalive,
            (dco::Keepalive{0, 300}));
}

// --- TLS context -------------------------------------------------------------------------------

std::shared_ptr<const control::TlsContext> server_tls() {
  control::TlsConfig s;
  s.role = proto::Role::kServer;
  s.ca_pem = pki_file("ca.crt");
  s.cert_pem = pki_file("server.crt");
  s.key_pem = pki_file("server.key");
  auto ctx = control::TlsContext::create(s);
  EXPECT_TRUE(ctx) << ctx.error().message;
  return ctx ? std::shared_ptr<const control::TlsContext>(*ctx) : nullptr;
}

struct Handshake {
  std::unique_ptr<control::TlsSession> client;
  std::unique_ptr<control::TlsSession> server;
};

Handshake handshake(std::shared_ptr<const control::TlsContext> client_ctx) {
  Handshake h;
  auto c = control::TlsSession::create(std::move(client_ctx));
  auto s = control::TlsSession::create(server_tls());
  EXPECT_TRUE(c && s);
  if (!c || !s) return h;
  h.client = std::move(*c);
  h.server = std::move(*s);
  for (int round = 0; round < 20; ++round) {
    bool moved = false;
    if (h.client->has_ciphertext()) {
      static_cast<void>(h.server->feed_ciphertext(h.client->take_ciphertext()));
      moved = true;
    }
    if (h.server->has_ciphertext()) {
      static_cast<void>(h.client->feed_ciphertext(h.server->take_ciphertext()));
      moved = true;
    }
    if (!moved) break;
  }
  return h;
}

TEST_F(ClientSetupTest, TlsContextCompletesAHandshakeWithTheVectorsServer) {
  auto tls = make_client_tls(build("").tls);
  ASSERT_TRUE(tls) << tls.error().message;
  EXPECT_EQ((*tls)->role(), proto::Role::kClient);
  const auto h = handshake(*tls);
  ASSERT_TRUE(h.client && h.server);
  ASSERT_TRUE(h.client->established()) << h.client->error();
  ASSERT_TRUE(h.server->established()) << h.server->error();
  ASSERT_TRUE(h.client->peer_certificate());
  EXPECT_EQ(h.client->peer_certificate()->common_name, "vec-test-server");
  ASSERT_TRUE(h.server->peer_certificate());
  EXPECT_EQ(h.server->peer_certificate()->common_name, "vec-test-client");
}

TEST_F(ClientSetupTest, TlsContextChecksVerifyX509Name) {
  auto good = make_client_tls(build("verify-x509-name vec-test-server name\n").tls);
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_TRUE(handshake(*good).client->established());
  auto prefix = make_client_tls(build("verify-x509-name vec-test- name-prefix\n").tls);
  ASSERT_TRUE(prefix) << prefix.error().message;
  EXPECT_TRUE(handshake(*prefix).client->established());
  auto bad = make_client_tls(build("verify-x509-name other-server name\n").tls);
  ASSERT_TRUE(bad) << bad.error().message;
  const auto h = handshake(*bad);
  EXPECT_FALSE(h.client->established());
  EXPECT_FALSE(h.client->verify_failure().empty());
}

TEST_F(ClientSetupTest, TlsContextChecksRemoteCertTls) {
  // The server's certificate has serverAuth, not clientAuth.
  auto tls = make_client_tls(build("remote-cert-tls client\n").tls);
  ASSERT_TRUE(tls) << tls.error().message;
  EXPECT_FALSE(handshake(*tls).client->established());
}

TEST_F(ClientSetupTest, TlsContextPinsPeerFingerprints) {
  const char* server_sha256 =
      "4D:5A:7A:C0:DF:BB:A2:8B:B3:D7:98:D8:34:53:18:5B:E3:EA:A7:35:C8:14:56:BD:EA:E9:A4:66:3C:"
      "B1:2D:72";
  auto good = make_client_tls(build(std::string("peer-fingerprint ") + server_sha256 + "\n").tls);
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_TRUE(handshake(*good).client->established());
  const char* client_sha256 =  // someone else's
      "E7:C0:0C:6F:B2:2A:3D:67:E1:DD:97:B0:49:89:11:D9:4D:20:48:D9:7A:2B:3E:F7:B3:71:40:6C:"
      "09:D2:AB:34";
  auto bad = make_client_tls(build(std::string("peer-fingerprint ") + client_sha256 + "\n").tls);
  ASSERT_TRUE(bad) << bad.error().message;
  EXPECT_FALSE(handshake(*bad).client->established());
}

TEST_F(ClientSetupTest, TlsContextVersions) {
  auto tls = make_client_tls(build("tls-version-min 1.3\n").tls);
  ASSERT_TRUE(tls) << tls.error().message;
  EXPECT_EQ(SSL_CTX_get_min_proto_version((*tls)->native_handle_for_test()), TLS1_3_VERSION);
  EXPECT_TRUE(handshake(*tls).client->established());
  tls = make_client_tls(build("tls-version-max 1.2\n").tls);
  ASSERT_TRUE(tls) << tls.error().message;
  EXPECT_EQ(SSL_CTX_get_max_proto_version((*tls)->native_handle_for_test()), TLS1_2_VERSION);
  const auto h = handshake(*tls);
  ASSERT_TRUE(h.client->established()) << h.client->error();
  EXPECT_EQ(h.client->version(), "TLSv1.2");
  // Below 1.2 is raised to 1.2.
  tls = make_client_tls(build("tls-version-min 1.0\n").tls);
  ASSERT_TRUE(tls) << tls.error().message;
  EXPECT_EQ(SSL_CTX_get_min_proto_version((*tls)->native_handle_for_test()), TLS1_2_VERSION);
}

TEST_F(ClientSetupTest, TlsContextErrors) {
  auto o = build("").tls;
  o.tls_verify_cmd = "/bin/true";
  auto tls = make_client_tls(o);
  ASSERT_FALSE(tls);
  EXPECT_EQ(tls.error().code, Errc::kUnsupported);
  EXPECT_NE(tls.error().message.find("tls-verify"), std::string::npos);
  o = build("").tls;
  o.key.text = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  EXPECT_FALSE(make_client_tls(o));
  o = build("").tls;
  o.key.text = pki_file("server.key");  // not the certificate's key
  EXPECT_FALSE(make_client_tls(o));
}

// --- tls-wrap ----------------------------------------------------------------------------------

constexpr uint32_t kNow = 1764400000;

struct Packet {
  std::vector<uint8_t> wire;
  crypto::WrapHeader header;
  std::vector<uint8_t> body;
};

// A packet of `op` with a recognisable body, wrapped by `ctx` as the control channel would.
Packet wrap_packet(control::TlsWrapContext& ctx, proto::Opcode op) {
  Packet p;
  p.header.op = proto::OpByte{op, KeyId{}};
  p.header.session_id = {1, 2, 3, 4, 5, 6, 7, 8};
  auto replay = ctx.send.next();
  EXPECT_TRUE(replay);
  if (replay) p.header.replay = *replay;
  for (int i = 0; i < 40; ++i) p.body.push_back(static_cast<uint8_t>(0xa0 + i));
  p.wire.resize(p.body.size() + ctx.wrap->overhead(op) + 64);
  auto n = ctx.wrap->wrap(p.header, p.body, p.wire);
  EXPECT_TRUE(n) << n.error().message;
  p.wire.resize(n ? *n : 0);
  return p;
}

// Unwraps with `wrap` and checks the packet arrived whole.
void expect_unwraps(crypto::ControlWrap& wrap, const Packet& p) {
  std::vector<uint8_t> scratch(p.wire.size());
  crypto::UnwrappedControl out;
  ASSERT_EQ(wrap.unwrap(p.wire, scratch, out), Drop::kNone);
  EXPECT_EQ(out.op.opcode, p.header.op.opcode);
  EXPECT_EQ(out.session_id, p.header.session_id);
  if (wrap.mode() != proto::ControlWrapMode::kPlain) {  // plain packets carry no replay id
    EXPECT_EQ(out.replay.id, p.header.replay.id);
    EXPECT_EQ(out.replay.time, p.header.replay.time);
  }
  EXPECT_EQ(std::vector<uint8_t>(out.body.begin(), out.body.end()), p.body);
}

Drop unwrap_drop(crypto::ControlWrap& wrap, const Packet& p) {
  std::vector<uint8_t> scratch(p.wire.size());
  crypto::UnwrappedControl out;
  return wrap.unwrap(p.wire, scratch, out);
}

proto::Key2 static_key(const char* file) {
  auto key = proto::parse_static_key_file(pki_file(file));
  EXPECT_TRUE(key) << key.error().message;
  return key ? *key : proto::Key2{};
}

std::unique_ptr<crypto::TlsAuth> server_tls_auth(crypto::Digest digest,
                                                 proto::KeyDirection direction) {
  auto w = crypto::TlsAuth::create(digest, static_key("ta.key"), direction);
  EXPECT_TRUE(w) << w.error().message;
  return w ? std::move(*w) : nullptr;
}

control::TlsWrapContext client_wrap(const config::ClientOptions& o, config::TlsWrapMode mode) {
  auto keys = ClientWrapKeys::create(o.tls);
  EXPECT_TRUE(keys) << keys.error().message;
  EXPECT_EQ(keys->mode(), mode);
  auto ctx = keys->make(kNow);
  EXPECT_TRUE(ctx) << ctx.error().message;
  return std::move(*ctx);
}

TEST_F(ClientSetupTest, NoWrapIsPlain) {
  auto ctx = client_wrap(build(""), config::TlsWrapMode::kNone);
  EXPECT_EQ(ctx.wrap->mode(), proto::ControlWrapMode::kPlain);
  crypto::PlainWrap server;
  expect_unwraps(server, wrap_packet(ctx, proto::Opcode::kControlHardResetClientV2));
}

TEST_F(ClientSetupTest, TlsAuthWithKeyDirectionInteroperates) {
  auto ctx = client_wrap(build("tls-auth ta.key 1\nauth SHA256\n"), config::TlsWrapMode::kTlsAuth);
  EXPECT_EQ(ctx.wrap->mode(), proto::ControlWrapMode::kTlsAuth);
  const auto p = wrap_packet(ctx, proto::Opcode::kControlHardResetClientV2);
  EXPECT_EQ(p.header.replay.id, 1u);
  EXPECT_EQ(p.header.replay.time, kNow);
  auto server = server_tls_auth(crypto::Digest::kSha256, proto::KeyDirection::kNormal);
  expect_unwraps(*server, p);
  // And back: what the server sends, the client reads.
  auto back = control::TlsWrapContext::make(std::move(server), proto::Role::kServer, kNow);
  expect_unwraps(*ctx.wrap, wrap_packet(back, proto::Opcode::kControlHardResetServerV2));
  // The direction matters: a server with the client's own direction, or none, rejects it.
  EXPECT_EQ(
      unwrap_drop(*server_tls_auth(crypto::Digest::kSha256, proto::KeyDirection::kInverse), p),
      Drop::kBadTag);
  EXPECT_EQ(unwrap_drop(
                *server_tls_auth(crypto::Digest::kSha256, proto::KeyDirection::kBidirectional), p),
            Drop::kBadTag);
  // And the digest.
  EXPECT_NE(unwrap_drop(*server_tls_auth(crypto::Digest::kSha1, proto::KeyDirection::kNormal), p),
            Drop::kNone);
}

TEST_F(ClientSetupTest, TlsAuthWithKeyDirectionOptionInteroperates) {
  auto ctx =
      client_wrap(build("tls-auth ta.key\nkey-direction 1\n"), config::TlsWrapMode::kTlsAuth);
  const auto p = wrap_packet(ctx, proto::Opcode::kControlV1);
  expect_unwraps(*server_tls_auth(crypto::Digest::kSha1, proto::KeyDirection::kNormal), p);
}

TEST_F(ClientSetupTest, TlsAuthWithoutKeyDirectionInteroperates) {
  auto ctx = client_wrap(build("tls-auth ta.key\n"), config::TlsWrapMode::kTlsAuth);
  const auto p = wrap_packet(ctx, proto::Opcode::kControlHardResetClientV2);
  expect_unwraps(*server_tls_auth(crypto::Digest::kSha1, proto::KeyDirection::kBidirectional), p);
  EXPECT_EQ(unwrap_drop(*server_tls_auth(crypto::Digest::kSha1, proto::KeyDirection::kNormal), p),
            Drop::kBadTag);
}

TEST_F(ClientSetupTest, TlsCryptInteroperates) {
  auto ctx = client_wrap(build("tls-crypt tc.key\n"), config::TlsWrapMode::kTlsCrypt);
  EXPECT_EQ(ctx.wrap->mode(), proto::ControlWrapMode::kTlsCrypt);
  const auto p = wrap_packet(ctx, proto::Opcode::kControlHardResetClientV2);
  EXPECT_EQ(p.header.replay.id, 1u);
  auto server = crypto::TlsCrypt::create(static_key("tc.key"), proto::Role::kServer);
  ASSERT_TRUE(server) << server.error().message;
  expect_unwraps(**server, p);
  auto back = control::TlsWrapContext::make(std::move(*server), proto::Role::kServer, kNow);
  expect_unwraps(*ctx.wrap, wrap_packet(back, proto::Opcode::kControlHardResetServerV2));
  // A second client-role wrap cannot read the client's packets: the roles pick the keys.
  auto other_client = crypto::TlsCrypt::create(static_key("tc.key"), proto::Role::kClient);
  ASSERT_TRUE(other_client);
  EXPECT_EQ(unwrap_drop(**other_client, p), Drop::kBadTag);
}

TEST_F(ClientSetupTest, TlsCryptV2ClientKeyInteroperatesWithTheServerKey) {
  auto ctx = client_wrap(build("tls-crypt-v2 v2c.key\n"), config::TlsWrapMode::kTlsCryptV2);
  EXPECT_EQ(ctx.wrap->mode(), proto::ControlWrapMode::kTlsCryptV2);
  const auto p = wrap_packet(ctx, proto::Opcode::kControlHardResetClientV3);
  // The client asks for early negotiation with its first replay id.
  EXPECT_EQ(p.header.replay.id, control::kEarlyNegStart + 1);

  // The WKc travels at the end, its length in its last two bytes; it is the key file's.
  auto client_key = crypto::parse_tls_crypt_v2_client_key(pki_file("v2c.key"));
  ASSERT_TRUE(client_key) << client_key.error().message;
  ASSERT_GT(p.wire.size(), 2u);
  const size_t wkc_len = size_t{p.wire[p.wire.size() - 2]} << 8 | p.wire.back();
  ASSERT_LT(wkc_len, p.wire.size());
  const std::vector<uint8_t> wkc(p.wire.end() - static_cast<std::ptrdiff_t>(wkc_len), p.wire.end());
  EXPECT_EQ(wkc, client_key->wkc);

  // The server unwraps the WKc with its server key, and reads the packet with the Kc inside.
  auto server_key = crypto::TlsCryptV2Server::from_pem(pki_file("v2s.key"));
  ASSERT_TRUE(server_key) << server_key.error().message;
  crypto::UnwrappedClientKey unwrapped;
  ASSERT_EQ(server_key->unwrap(wkc, unwrapped), Drop::kNone);
  auto server = crypto::TlsCrypt::create_v2(unwrapped.kc, proto::Role::kServer, {});
  ASSERT_TRUE(server) << server.error().message;
  expect_unwraps(**server, p);
  std::vector<uint8_t> scratch(p.wire.size());
  crypto::UnwrappedControl out;
  ASSERT_EQ((*server)->unwrap(p.wire, scratch, out), Drop::kNone);
  EXPECT_EQ(std::vector<uint8_t>(out.wkc.begin(), out.wkc.end()), wkc);

  // The server's reply reaches the client.
  auto back = control::TlsWrapContext::make(std::move(*server), proto::Role::kServer, kNow);
  expect_unwraps(*ctx.wrap, wrap_packet(back, proto::Opcode::kControlHardResetServerV2));
}

TEST_F(ClientSetupTest, EachMakeIsANewWrapWithItsOwnCounter) {
  auto keys = ClientWrapKeys::create(build("tls-crypt tc.key\n").tls);
  ASSERT_TRUE(keys);
  auto first = keys->make(kNow);
  ASSERT_TRUE(first);
  static_cast<void>(first->send.next());
  static_cast<void>(first->send.next());
  auto second = keys->make(kNow + 5);
  ASSERT_TRUE(second);
  const auto id = second->send.next();
  ASSERT_TRUE(id);
  EXPECT_EQ(id->id, 1u);
  EXPECT_EQ(id->time, kNow + 5);
}

TEST_F(ClientSetupTest, WrapKeyErrorsNameTheOption) {
  auto o = build("tls-auth ta.key 1\n").tls;
  o.auth_digest = "SHA384";  // a digest tls-auth does not do here
  auto keys = ClientWrapKeys::create(o);
  ASSERT_FALSE(keys);
  EXPECT_EQ(keys.error().code, Errc::kUnsupported);
  EXPECT_NE(keys.error().message.find("auth SHA384"), std::string::npos) << keys.error().message;

  o = build("tls-auth ta.key 1\n").tls;
  o.key_direction = 2;
  keys = ClientWrapKeys::create(o);
  ASSERT_FALSE(keys);
  EXPECT_NE(keys.error().message.find("key-direction"), std::string::npos);

  o = build("tls-crypt tc.key\n").tls;
  o.wrap_key.text = "no key here";
  keys = ClientWrapKeys::create(o);
  ASSERT_FALSE(keys);
  EXPECT_NE(keys.error().message.find("tls-crypt " + o.wrap_key.origin), std::string::npos)
      << keys.error().message;

  o = build("tls-crypt-v2 v2c.key\n").tls;
  o.wrap_key.text = pki_file("tc.key");  // a tls-crypt key is not a v2 client key
  keys = ClientWrapKeys::create(o);
  ASSERT_FALSE(keys);
  EXPECT_NE(keys.error().message.find("tls-crypt-v2"), std::string::npos) << keys.error().message;
}

}  // namespace
}  // namespace ovpn::app
