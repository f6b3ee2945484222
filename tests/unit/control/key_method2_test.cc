// Key-method-2 messages against the captures of stock 2.6.14 (push-and-km2.json: every
// session, both directions): parse, check the fields, rebuild byte for byte from the same
// randoms; the options string and peer-info builders; the legacy-PRF glue against prf.json;
// and malformed messages of every kind.

#include "control/key_method2.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/hex.h"
#include "control/key_method2_keys.h"
#include "control/options_string.h"
#include "control/peer_info.h"
#include "support/vectors.h"

namespace ovpn::control {
namespace {

using ovpn::test::hex;

struct Captured {
  std::string where;
  bool stock;  // sent by stock OpenVPN (not the Python peer of the PRF sessions)
  proto::Role sender;
  std::vector<uint8_t> plaintext;
  nlohmann::json fields;
};

std::vector<Captured> captured_key_method2() {
  std::vector<Captured> out;
  const auto doc = ovpn::test::load_vectors("push-and-km2.json");
  for (const auto& session : doc["sessions"]) {
    for (const auto& m : session["messages"]) {
      if (m["kind"] != "key-method-2") continue;
      const bool c2s = m["direction"] == "client->server";
      const bool stock = m["sender"].get<std::string>().rfind("stock OpenVPN", 0) == 0;
      out.push_back({session["session"].get<std::string>() + " " +
                         m["direction"].get<std::string>() + " key " +
                         std::to_string(m["key_id"].get<int>()),
                     stock, c2s ? proto::Role::kClient : proto::Role::kServer, hex(m["plaintext"]),
                     m["fields"]});
    }
  }
  return out;
}

template <size_t N>
std::vector<uint8_t> vec(const std::array<uint8_t, N>& a) {
  return {a.begin(), a.end()};
}

std::vector<uint8_t> vec(const SecretBytes& b) { return {b.begin(), b.end()}; }

// A random source that hands out the given bytes in order (then fails).
RandomSource replay_random(std::vector<uint8_t> bytes) {
  auto state = std::make_shared<std::pair<std::vector<uint8_t>, size_t>>(std::move(bytes), 0);
  return [state](std::span<uint8_t> out) -> Status {
    auto& [data, at] = *state;
    if (data.size() - at < out.size()) return make_error(Errc::kExhausted, "test randoms");
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(at), out.size(), out.begin());
    at += out.size();
    return {};
  };
}

TEST(KeyMethod2, ParsesEveryCapturedMessage) {
  const auto all = captured_key_method2();
  ASSERT_GE(all.size(), 18u);
  size_t clients = 0;
  for (const auto& c : all) {
    SCOPED_TRACE(c.where);
    auto msg = parse_key_method2(c.plaintext, c.sender);
    ASSERT_TRUE(msg) << msg.error().message;
    EXPECT_EQ(msg->flags, 0);
    if (c.sender == proto::Role::kClient) {
      ++clients;
      EXPECT_EQ(vec(msg->pre_master), hex(c.fields["pre_master"]));
    }
    EXPECT_EQ(vec(msg->random1), hex(c.fields["random1"]));
    EXPECT_EQ(vec(msg->random2), hex(c.fields["random2"]));
    EXPECT_EQ(msg->options, c.fields["options"].get<std::string>());
    EXPECT_EQ(msg->options.size() + 1, c.fields["options_length"].get<size_t>());
    EXPECT_EQ(msg->username, "");
    EXPECT_EQ(msg->password, "");
    EXPECT_EQ(msg->peer_info, c.fields["peer_info"].get<std::string>());

    // Rebuilt byte for byte, directly and from the same randoms.
    auto built = build_key_method2(*msg);
    ASSERT_TRUE(built) << built.error().message;
    EXPECT_EQ(vec(*built), c.plaintext);
    std::vector<uint8_t> randoms;
    if (c.sender == proto::Role::kClient) {
      randoms = hex(c.fields["pre_master"]);
    }
    for (const char* r : {"random1", "random2"}) {
      const auto b = hex(c.fields[r]);
      randoms.insert(randoms.end(), b.begin(), b.end());
    }
    auto made =
        make_key_method2(c.sender, replay_random(randoms), msg->options, "", "", msg->peer_info);
    ASSERT_TRUE(made);
    auto rebuilt = build_key_method2(*made);
    ASSERT_TRUE(rebuilt);
    EXPECT_EQ(vec(*rebuilt), c.plaintext);

    // The wrong role does not parse.
    const auto other =
        c.sender == proto::Role::kClient ? proto::Role::kServer : proto::Role::kClient;
    EXPECT_FALSE(parse_key_method2(c.plaintext, other));
  }
  EXPECT_GE(clients, 9u);
}

TEST(KeyMethod2, ServerMessageIs178BytesWithThreeEmptyStrings) {
  for (const auto& c : captured_key_method2()) {
    if (c.sender != proto::Role::kServer || c.fields["options_length"] != 101) continue;
    ASSERT_EQ(c.plaintext.size(), 178u);
    EXPECT_EQ(std::vector<uint8_t>(c.plaintext.end() - 6, c.plaintext.end()),
              std::vector<uint8_t>(6, 0));
  }
}

TEST(KeyMethod2, TruncationAtEveryLengthIsAnError) {
  for (const auto& c : captured_key_method2()) {
    SCOPED_TRACE(c.where);
    for (size_t n = 0; n < c.plaintext.size(); ++n) {
      auto r = parse_key_method2(std::span(c.plaintext).first(n), c.sender);
      ASSERT_FALSE(r) << "accepted " << n << " of " << c.plaintext.size() << " bytes";
      EXPECT_EQ(r.error().code, Errc::kMalformed);
    }
  }
}

std::vector<uint8_t> client_sample() {
  for (auto& c : captured_key_method2()) {
    if (c.sender == proto::Role::kClient) return c.plaintext;
  }
  return {};
}

TEST(KeyMethod2, RejectsMalformedMessages) {
  const auto good = client_sample();
  ASSERT_FALSE(good.empty());
  constexpr size_t kOptionsAt = kKm2ClientFixedSize;

  auto bad = good;
  bad[2] = 1;  // the literal zero
  EXPECT_FALSE(parse_key_method2(bad, proto::Role::kClient));

  for (uint8_t method : {0, 1, 3, 15}) {
    bad = good;
    bad[4] = method;
    auto r = parse_key_method2(bad, proto::Role::kClient);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kUnsupported);
  }
  bad = good;
  bad[4] = 0x22;  // flags in the high bits are kept
  auto flagged = parse_key_method2(bad, proto::Role::kClient);
  ASSERT_TRUE(flagged);
  EXPECT_EQ(flagged->flags, 0x20);

  bad = good;
  bad.push_back(0);  // a byte after peer-info
  EXPECT_FALSE(parse_key_method2(bad, proto::Role::kClient));

  // Options length over 512, or 0 (options are required).
  for (uint16_t len : {513, 0xffff, 0}) {
    bad = good;
    bad[kOptionsAt] = static_cast<uint8_t>(len >> 8);
    bad[kOptionsAt + 1] = static_cast<uint8_t>(len);
    EXPECT_FALSE(parse_key_method2(bad, proto::Role::kClient)) << len;
  }
  // The options' last byte is not its NUL; a NUL inside the text.
  const size_t options_len = (size_t{good[kOptionsAt]} << 8) | good[kOptionsAt + 1];
  bad = good;
  bad[kOptionsAt + 2 + options_len - 1] = 'x';
  EXPECT_FALSE(parse_key_method2(bad, proto::Role::kClient));
  bad = good;
  bad[kOptionsAt + 2 + 3] = 0;
  EXPECT_FALSE(parse_key_method2(bad, proto::Role::kClient));

  // More than one plaintext read.
  bad = good;
  bad.resize(kMaxKeyMethod2Size + 2);
  EXPECT_FALSE(parse_key_method2(bad, proto::Role::kClient));
}

TEST(KeyMethod2, AnEmptyStringMayAlsoBeJustItsNul) {
  auto msg = parse_key_method2(client_sample(), proto::Role::kClient);
  ASSERT_TRUE(msg);
  auto bytes = build_key_method2(*msg);
  ASSERT_TRUE(bytes);
  // Username 00 00 -> 00 01 00, as the RFC describes an unused string.
  std::vector<uint8_t> odd = vec(*bytes);
  const size_t user_at = kKm2ClientFixedSize + 2 + msg->options.size() + 1;
  ASSERT_EQ(odd[user_at], 0);
  ASSERT_EQ(odd[user_at + 1], 0);
  odd.insert(odd.begin() + static_cast<std::ptrdiff_t>(user_at) + 2, 0);
  odd[user_at + 1] = 1;
  auto again = parse_key_method2(odd, proto::Role::kClient);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->username, "");
  EXPECT_EQ(again->peer_info, msg->peer_info);
}

TEST(KeyMethod2, CredentialsRoundTrip) {
  auto msg = make_key_method2(proto::Role::kClient, openssl_random, "V4,tls-client", "alice",
                              "secret", "IV_VER=x\n");
  ASSERT_TRUE(msg);
  auto bytes = build_key_method2(*msg);
  ASSERT_TRUE(bytes);
  auto back = parse_key_method2(vec(*bytes), proto::Role::kClient);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->username, "alice");
  EXPECT_EQ(back->password, "secret");
  EXPECT_EQ(back->peer_info, "IV_VER=x\n");
  EXPECT_EQ(back->pre_master, msg->pre_master);
}

TEST(KeyMethod2, BuilderRefusesWhatCannotBeSent) {
  KeyMethod2Message msg;
  EXPECT_FALSE(build_key_method2(msg));  // no options
  msg.options = std::string(kMaxOptionsSize, 'o');
  EXPECT_FALSE(build_key_method2(msg));  // 512 + NUL
  msg.options.resize(kMaxOptionsSize - 1);
  EXPECT_TRUE(build_key_method2(msg));
  msg.username = std::string("a\0b", 3);
  EXPECT_FALSE(build_key_method2(msg));
  msg.username = "alice";
  msg.password = std::string(1500, 'p');  // fits its field, not one record
  EXPECT_FALSE(build_key_method2(msg));
  msg.password = "pw";
  msg.flags = 0x01;
  EXPECT_FALSE(build_key_method2(msg));
  // A failing random source fails the message.
  EXPECT_FALSE(make_key_method2(proto::Role::kClient, replay_random({}), "V4"));
}

// --- options string and peer-info ----------------------------------------------------------------

TEST(OptionsString, ReproducesTheCapturedStrings) {
  OccOptions o;
  EXPECT_EQ(build_options_string(o),
            "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128,"
            "key-method 2,tls-client");
  o.role = proto::Role::kServer;
  o.link_mtu = 1553;
  o.keydir = 0;
  o.auth = "SHA256";
  o.tls_auth = true;
  EXPECT_EQ(build_options_string(o),
            "V4,dev-type tun,link-mtu 1553,tun-mtu 1500,proto UDPv4,keydir 0,auth SHA256,"
            "keysize 128,tls-auth,key-method 2,tls-server");
  OccOptions tcp;
  tcp.proto = OccProto::kTcp6;
  tcp.cipher = "AES-256-GCM";
  tcp.comp_lzo = true;
  EXPECT_EQ(build_options_string(tcp),
            "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto TCPv6_CLIENT,comp-lzo,"
            "cipher AES-256-GCM,auth SHA1,keysize 128,key-method 2,tls-client");
  EXPECT_EQ(options_string_value(build_options_string(tcp), "cipher"), "AES-256-GCM");
  EXPECT_EQ(options_string_value(build_options_string(tcp), "proto"), "TCPv6_CLIENT");
  EXPECT_FALSE(options_string_value(build_options_string(o), "cipher"));
  for (const auto& c : captured_key_method2()) {
    EXPECT_EQ(options_string_value(c.fields["options"].get<std::string>(), "key-method"), "2");
  }
}

TEST(PeerInfo, BuildsTheStockLinesWithOnlyOurBits) {
  PeerInfoParams p;
  p.version = "2.6.14";
  auto text = build_peer_info(p);
  ASSERT_TRUE(text) << text.error().message;
  // The stock client's lines without compression stubs, and IV_PROTO without the bits we do
  // not implement (DNS_OPTION 64, and the three parameters).
  EXPECT_EQ(*text,
            "IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n"
            "IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=142\n");
  p.auth_pending_kw = p.auth_fail_temp = p.dyn_tls_crypt = true;
  EXPECT_EQ(peer_info_proto_bits(p), 990u - iv_proto::kDnsOption);
  EXPECT_EQ(peer_info_proto_bits(p) & 1u, 0u);
  p.gui_version = "ovpn-gui 1";
  p.sso = "openurl";
  p.user_values = {{"UV_A", "1"}, {"B", "two"}};
  text = build_peer_info(p);
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("IV_PROTO=926\nIV_GUI_VER=ovpn-gui 1\nIV_SSO=openurl\nUV_A=1\nUV_B=two\n"),
            std::string::npos);
}

TEST(PeerInfo, P2pModeSendsCiphersAndProtoOnly) {
  PeerInfoParams p;
  p.pull = false;
  p.data_ciphers = {"AES-256-GCM"};
  auto text = build_peer_info(p);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "IV_CIPHERS=AES-256-GCM\nIV_PROTO=170\n");  // 2+8+32+128
}

TEST(PeerInfo, BuilderRefusesBadNamesAndValues) {
  PeerInfoParams p;
  EXPECT_FALSE(build_peer_info(p));  // no version
  p.version = "1\n";
  EXPECT_FALSE(build_peer_info(p));
  p.version = "1";
  p.user_values = {{"A=B", "x"}};
  EXPECT_FALSE(build_peer_info(p));
  p.user_values = {{"A", "x\ty"}};
  EXPECT_FALSE(build_peer_info(p));
}

TEST(PeerInfo, ParsesTheStockClientsPeerInfo) {
  for (const auto& c : captured_key_method2()) {
    if (c.sender != proto::Role::kClient || !c.stock) continue;
    SCOPED_TRACE(c.where);
    const auto info = PeerInfo::parse(c.fields["peer_info"].get<std::string>());
    EXPECT_EQ(info.proto_bits(), 990u);
    EXPECT_TRUE(info.has_proto(iv_proto::kTlsKeyExport | iv_proto::kDataV2));
    EXPECT_FALSE(info.has_proto(iv_proto::kNcpP2p));
    EXPECT_EQ(info.get("IV_PLAT"), "linux");
    EXPECT_EQ(info.get("IV_MTU"), "1600");
    EXPECT_FALSE(info.get("IV_GUI_VER"));
    const std::vector<std::string> ciphers = {"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"};
    EXPECT_EQ(info.ciphers(), ciphers);
  }
}

TEST(PeerInfo, ParserEdgeCases) {
  auto info = PeerInfo::parse("junk\nIV_NCP=2\r\nIV_PROTO=abc\n=x\nIV_NCP=3\nIV_VER=");
  EXPECT_EQ(info.get("IV_NCP"), "2");  // the first one wins, CR stripped
  EXPECT_EQ(info.proto_bits(), 0u);
  EXPECT_EQ(info.get("IV_VER"), "");
  EXPECT_EQ(info.ciphers(), (std::vector<std::string>{"AES-256-GCM", "AES-128-GCM"}));
  EXPECT_TRUE(PeerInfo::parse("IV_NCP=1\n").ciphers().empty());
  EXPECT_EQ(PeerInfo::parse("IV_CIPHERS=A::B:\n").ciphers(), (std::vector<std::string>{"A", "B"}));
  EXPECT_TRUE(PeerInfo::parse("").entries().empty());
}

// --- key derivation glue -------------------------------------------------------------------------

proto::SessionId sid(const nlohmann::json& field) {
  proto::SessionId out{};
  const auto b = hex(field);
  EXPECT_EQ(b.size(), out.size());
  std::copy_n(b.begin(), std::min(b.size(), out.size()), out.begin());
  return out;
}

TEST(KeyDerivationGlue, LegacyPrfFromTheCapturedMessagesReproducesKey2) {
  const auto doc = ovpn::test::load_vectors("prf.json");
  ASSERT_EQ(doc["vectors"].size(), 2u);
  for (const auto& v : doc["vectors"]) {
    SCOPED_TRACE(v["id"].get<std::string>());
    auto client = parse_key_method2(hex(v["client_key_method_2_message"]), proto::Role::kClient);
    auto server = parse_key_method2(hex(v["server_key_method_2_message"]), proto::Role::kServer);
    ASSERT_TRUE(client) << client.error().message;
    ASSERT_TRUE(server) << server.error().message;
    const KeyStateSecrets in{&*client, &*server, sid(v["inputs"]["client_session_id"]),
                             sid(v["inputs"]["server_session_id"])};
    auto key2 = key2_from_key_method2(in);
    ASSERT_TRUE(key2) << key2.error().message;
    EXPECT_EQ(to_hex(key2->bytes()), v["key2"].get<std::string>());
    // Session ids swapped: another key.
    const KeyStateSecrets swapped{&*client, &*server, in.server_session_id, in.client_session_id};
    EXPECT_NE(to_hex(key2_from_key_method2(swapped)->bytes()), v["key2"].get<std::string>());
  }
}

TEST(KeyDerivationGlue, RejectsMissingOrMisassignedMessages) {
  KeyMethod2Message c, s;
  c.sender = proto::Role::kClient;
  s.sender = proto::Role::kServer;
  EXPECT_FALSE(key2_from_key_method2({&c, nullptr, {}, {}}));
  EXPECT_FALSE(key2_from_key_method2({&s, &c, {}, {}}));
  EXPECT_TRUE(key2_from_key_method2({&c, &s, {}, {}}));
  EXPECT_FALSE(key2_from_ekm_bytes(std::vector<uint8_t>(255)));
  EXPECT_TRUE(key2_from_ekm_bytes(std::vector<uint8_t>(256)));
}

TEST(KeyDerivationGlue, P2pPeerIdIsBigEndian) {
  const std::vector<uint8_t> ekm = {0x01, 0x02, 0x03};
  EXPECT_EQ(p2p_peer_id_from_ekm_bytes(ekm)->value(), 0x010203u);
  EXPECT_FALSE(p2p_peer_id_from_ekm_bytes(std::vector<uint8_t>{0xff, 0xff, 0xff}));
  EXPECT_FALSE(p2p_peer_id_from_ekm_bytes(std::vector<uint8_t>{1, 2}));
}

}  // namespace
}  // namespace ovpn::control
