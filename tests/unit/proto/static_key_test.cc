#include "proto/static_key.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/hex.h"
#include "support/vectors.h"

namespace ovpn::proto {
namespace {

using ovpn::test::hex;
using ovpn::test::load_vectors;
using ovpn::test::read_file;
using ovpn::test::vector_path;
using Bytes = std::vector<uint8_t>;

Bytes prefix(std::span<const uint8_t> s, size_t n) { return Bytes(s.begin(), s.begin() + n); }
Bytes bytes(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

Key2 load_key(const char* name) {
  auto key = parse_static_key_file(read_file(vector_path(name)));
  EXPECT_TRUE(key) << name << ": " << (key ? "" : key.error().message);
  return key ? *key : Key2{};
}

// A static key file with `hex_body` between the markers, 32 hex digits a line.
std::string key_file(const std::string& hex_body) {
  std::string text = "#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n";
  for (size_t i = 0; i < hex_body.size(); i += 32) text += hex_body.substr(i, 32) + "\n";
  return text + "-----END OpenVPN Static key V1-----\n";
}

std::string counting_hex(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i);
  return to_hex(b);
}

TEST(StaticKey, ParsesTheCapturedKeyFiles) {
  const auto tls_auth = load_vectors("tls-auth.json");
  EXPECT_EQ(bytes(load_key("pki/ta.key").bytes()), hex(tls_auth["sessions"][0]["key_file"]["key"]));
  EXPECT_EQ(bytes(load_key("pki/tc.key").bytes()),
            hex(load_vectors("tls-crypt.json")["key_file"]["key"]));
}

TEST(StaticKey, TlsAuthDirectionsGiveTheCapturedHmacKeys) {
  const Key2 key = load_key("pki/ta.key");
  const nlohmann::json file = load_vectors("tls-auth.json");
  for (const auto& s : file["sessions"]) {
    SCOPED_TRACE(s["session"].get<std::string>());
    const Bytes c2s = hex(s["hmac_keys"]["client->server"]["key"]);
    const Bytes s2c = hex(s["hmac_keys"]["server->client"]["key"]);
    KeyDirection client = KeyDirection::kBidirectional;
    KeyDirection server = KeyDirection::kBidirectional;
    if (!s["key_direction"].is_null()) {
      client = *key_direction_from_number(s["key_direction"]["client"].get<int>());
      server = *key_direction_from_number(s["key_direction"]["server"].get<int>());
    }
    const Key2Slices c = slice_key2(key, client);
    const Key2Slices srv = slice_key2(key, server);
    EXPECT_EQ(prefix(c.send.hmac, c2s.size()), c2s);
    EXPECT_EQ(prefix(c.receive.hmac, s2c.size()), s2c);
    EXPECT_EQ(prefix(srv.send.hmac, s2c.size()), s2c);
    EXPECT_EQ(prefix(srv.receive.hmac, c2s.size()), c2s);
  }
}

TEST(StaticKey, SlotLayout) {
  const Key2 key = load_key("pki/ta.key");
  const auto all = key.bytes();
  const auto n = slice_key2(key, KeyDirection::kNormal);
  EXPECT_EQ(n.send.cipher.data(), all.data());
  EXPECT_EQ(n.send.hmac.data(), all.data() + 64);
  EXPECT_EQ(n.receive.cipher.data(), all.data() + 128);
  EXPECT_EQ(n.receive.hmac.data(), all.data() + 192);
  const auto i = slice_key2(key, KeyDirection::kInverse);
  EXPECT_EQ(i.send.cipher.data(), all.data() + 128);
  EXPECT_EQ(i.send.hmac.data(), all.data() + 192);
  EXPECT_EQ(i.receive.cipher.data(), all.data());
  EXPECT_EQ(i.receive.hmac.data(), all.data() + 64);
  const auto b = slice_key2(key, KeyDirection::kBidirectional);
  EXPECT_EQ(b.send.cipher.data(), all.data());
  EXPECT_EQ(b.send.hmac.data(), all.data() + 64);
  EXPECT_EQ(b.receive.cipher.data(), all.data());
  EXPECT_EQ(b.receive.hmac.data(), all.data() + 64);

  EXPECT_EQ(key_direction_from_number(0), KeyDirection::kNormal);
  EXPECT_EQ(key_direction_from_number(1), KeyDirection::kInverse);
  EXPECT_FALSE(key_direction_from_number(2));
  EXPECT_FALSE(key_direction_from_number(-1));
}

TEST(StaticKey, TlsCryptDirectionsGiveTheCapturedKeys) {
  const auto file = load_vectors("tls-crypt.json");
  const Key2 key = load_key("pki/tc.key");
  const auto& keys = file["direction_keys"];
  const auto client = slice_key2(key, tls_crypt_direction(Role::kClient));
  const auto server = slice_key2(key, tls_crypt_direction(Role::kServer));
  EXPECT_EQ(prefix(client.send.cipher, 32), hex(keys["client->server"]["Ke"]));
  EXPECT_EQ(prefix(client.send.hmac, 32), hex(keys["client->server"]["Ka"]));
  EXPECT_EQ(prefix(client.receive.cipher, 32), hex(keys["server->client"]["Ke"]));
  EXPECT_EQ(prefix(client.receive.hmac, 32), hex(keys["server->client"]["Ka"]));
  EXPECT_EQ(prefix(server.send.cipher, 32), hex(keys["server->client"]["Ke"]));
  EXPECT_EQ(prefix(server.send.hmac, 32), hex(keys["server->client"]["Ka"]));
}

TEST(StaticKey, DataChannelDirectionsGiveTheCapturedKeys) {
  const nlohmann::json file = load_vectors("data-aead.json");
  for (const auto& [name, session] : file["sessions"].items()) {
    for (const auto& [kid, k] : session["keys_by_key_id"].items()) {
      SCOPED_TRACE(name + " key " + kid);
      const Bytes block = hex(k["key2"]);
      ASSERT_EQ(block.size(), kKey2Size);
      const Key2 key(std::span<const uint8_t, kKey2Size>(block.data(), kKey2Size));
      const Bytes c2s_key = hex(k["client->server"]["cipher_key"]);
      const Bytes s2c_key = hex(k["server->client"]["cipher_key"]);
      const auto client = slice_key2(key, data_channel_direction(Role::kClient));
      const auto server = slice_key2(key, data_channel_direction(Role::kServer));
      EXPECT_EQ(prefix(client.send.cipher, c2s_key.size()), c2s_key);
      EXPECT_EQ(prefix(client.send.hmac, 8), hex(k["client->server"]["implicit_iv"]));
      EXPECT_EQ(prefix(server.send.cipher, s2c_key.size()), s2c_key);
      EXPECT_EQ(prefix(server.send.hmac, 8), hex(k["server->client"]["implicit_iv"]));
      EXPECT_EQ(bytes(server.receive.cipher), bytes(client.send.cipher));
    }
  }
}

TEST(StaticKey, AcceptsUpperCaseAndCrLf) {
  std::string upper = counting_hex(256);
  for (char& c : upper) c = (c >= 'a' && c <= 'f') ? static_cast<char>(c - 'a' + 'A') : c;
  const std::string text = key_file(upper);
  std::string crlf;
  for (char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  auto key = parse_static_key_file(crlf);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->bytes()[255], 255);
  EXPECT_EQ(key->bytes()[0x1F], 0x1F);
}

TEST(StaticKey, RejectsMalformedFiles) {
  const std::string good_hex = counting_hex(256);
  ASSERT_TRUE(parse_static_key_file(key_file(good_hex)));

  std::string bad_char = good_hex;
  bad_char[100] = 'g';
  std::string no_begin = key_file(good_hex);
  no_begin.erase(no_begin.find("-----BEGIN"), 5);
  std::string no_end = key_file(good_hex);
  no_end.erase(no_end.find("-----END"));

  const std::pair<const char*, std::string> cases[] = {
      {"empty", ""},
      {"missing begin marker", no_begin},
      {"missing end marker", no_end},
      {"short", key_file(counting_hex(255))},
      {"long", key_file(counting_hex(257))},
      {"odd digit count", key_file(good_hex + "a")},
      {"bad hex character", key_file(bad_char)},
      {"empty body", key_file("")},
  };
  for (const auto& [what, text] : cases) {
    auto key = parse_static_key_file(text);
    ASSERT_FALSE(key) << what;
    EXPECT_EQ(key.error().code, Errc::kMalformed) << what;
    EXPECT_FALSE(key.error().message.empty()) << what;
  }
}

TEST(Pem, TlsCryptV2ServerKey) {
  const auto file = load_vectors("tls-crypt-v2.json");
  auto key =
      parse_pem_block(read_file(vector_path("pki/v2s.key")), "OpenVPN tls-crypt-v2 server key");
  ASSERT_TRUE(key) << key.error().message;
  ASSERT_EQ(key->size(), 128u);
  EXPECT_EQ(bytes(*key), hex(file["server_key"]["key"]));
}

TEST(Pem, TlsCryptV2ClientKeyIsKcThenWkc) {
  const auto file = load_vectors("tls-crypt-v2.json");
  auto key =
      parse_pem_block(read_file(vector_path("pki/v2c.key")), "OpenVPN tls-crypt-v2 client key");
  ASSERT_TRUE(key) << key.error().message;
  Bytes expected = hex(file["client_key"]["Kc"]);
  const Bytes wkc = hex(file["client_key"]["WKc"]);
  expected.insert(expected.end(), wkc.begin(), wkc.end());
  EXPECT_EQ(bytes(*key), expected);
}

TEST(Pem, WrongLabelOrMissingEnd) {
  const std::string text = read_file(vector_path("pki/v2s.key"));
  EXPECT_FALSE(parse_pem_block(text, "OpenVPN tls-crypt-v2 client key"));
  EXPECT_FALSE(
      parse_pem_block(text.substr(0, text.find("-----END")), "OpenVPN tls-crypt-v2 server key"));
}

TEST(Base64, KnownAnswers) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},
      {"Zg==", "f"},
      {"Zm8=", "fo"},
      {"Zm9v", "foo"},
      {"Zm9vYg==", "foob"},
      {"Zm9vYmE=", "fooba"},
      {"Zm9vYmFy", "foobar"},
      {"Zm9v\nYmFy\r\n", "foobar"},
  };
  for (const auto& [in, out] : cases) {
    auto decoded = base64_decode(in);
    ASSERT_TRUE(decoded) << in;
    EXPECT_EQ(std::string(decoded->begin(), decoded->end()), out) << in;
  }
  auto all = base64_decode("+/+/");
  ASSERT_TRUE(all);
  EXPECT_EQ(bytes(*all), (Bytes{0xfb, 0xff, 0xbf}));
}

TEST(Base64, RejectsBadInput) {
  for (const char* bad : {"Zg=", "Zg", "Z", "Zm9vY", "Zg==Zg==", "Z===", "====", "Zm9v!mFy",
                          "Zm9v-mFy", "Zm9v_mFy", "Zm=v"}) {
    auto decoded = base64_decode(bad);
    ASSERT_FALSE(decoded) << bad;
    EXPECT_EQ(decoded.error().code, Errc::kMalformed) << bad;
  }
}

}  // namespace
}  // namespace ovpn::proto
