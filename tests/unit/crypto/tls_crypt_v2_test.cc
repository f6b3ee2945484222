// tls-crypt-v2 client keys: the client key file splits into Kc and WKc; the server key
// unwraps the WKc to the same Kc and the captured metadata, and wrapping them again gives the
// captured WKc byte for byte.

#include <gtest/gtest.h>

#include "crypto/tls_crypt_v2.h"
#include "support/vectors.h"

namespace ovpn::crypto {
namespace {

using test::hex;

class TlsCryptV2Keys : public ::testing::Test {
 protected:
  void SetUp() override { doc_ = test::load_vectors("tls-crypt-v2.json"); }
  TlsCryptV2Server server() {
    auto s = TlsCryptV2Server::from_pem(doc_["server_key"]["text"].get<std::string>());
    EXPECT_TRUE(s) << s.error().message;
    return std::move(*s);
  }
  nlohmann::json doc_;
};

TEST_F(TlsCryptV2Keys, ClientKeyFileSplitsIntoKcAndWkc) {
  auto key = parse_tls_crypt_v2_client_key(doc_["client_key"]["text"].get<std::string>());
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(std::vector<uint8_t>(key->kc.bytes().begin(), key->kc.bytes().end()),
            hex(doc_["client_key"]["Kc"]));
  EXPECT_EQ(key->wkc, hex(doc_["client_key"]["WKc"]));
  EXPECT_EQ(key->wkc.size(), doc_["wkc_unwrapped"]["length"].get<size_t>());
}

TEST_F(TlsCryptV2Keys, ServerUnwrapsWkcToKcAndMetadata) {
  auto s = server();
  UnwrappedClientKey out;
  ASSERT_EQ(s.unwrap(hex(doc_["client_key"]["WKc"]), out), Drop::kNone);
  EXPECT_EQ(std::vector<uint8_t>(out.kc.bytes().begin(), out.kc.bytes().end()),
            hex(doc_["wkc_unwrapped"]["Kc"]));
  EXPECT_EQ(out.metadata, hex(doc_["wkc_unwrapped"]["metadata"]));
  EXPECT_EQ(out.metadata.at(0), kWkcMetadataTimestamp);
}

TEST_F(TlsCryptV2Keys, WrappingAgainReproducesTheCapturedWkc) {
  auto s = server();
  UnwrappedClientKey out;
  ASSERT_EQ(s.unwrap(hex(doc_["client_key"]["WKc"]), out), Drop::kNone);
  auto wkc = s.wrap(out.kc, out.metadata);
  ASSERT_TRUE(wkc) << wkc.error().message;
  EXPECT_EQ(*wkc, hex(doc_["client_key"]["WKc"]));
}

TEST_F(TlsCryptV2Keys, TamperedWkcIsRejected) {
  auto s = server();
  const auto wkc = hex(doc_["client_key"]["WKc"]);
  UnwrappedClientKey out;
  for (size_t bit = 0; bit < wkc.size() * 8; ++bit) {
    auto copy = wkc;
    copy[bit / 8] = static_cast<uint8_t>(copy[bit / 8] ^ (1u << (bit % 8)));
    EXPECT_NE(s.unwrap(copy, out), Drop::kNone) << "bit " << bit;
  }
  for (size_t len = 0; len < wkc.size(); ++len) {
    EXPECT_NE(s.unwrap(std::span<const uint8_t>(wkc.data(), len), out), Drop::kNone);
  }
}

TEST_F(TlsCryptV2Keys, MalformedKeyFilesAreErrors) {
  EXPECT_FALSE(parse_tls_crypt_v2_client_key("no key here"));
  EXPECT_FALSE(TlsCryptV2Server::from_pem(doc_["client_key"]["text"].get<std::string>()));
  EXPECT_FALSE(TlsCryptV2Server::create(std::vector<uint8_t>(64)));
  auto s = server();
  EXPECT_FALSE(s.wrap(proto::Key2{}, std::vector<uint8_t>(kWkcMaxMetadataSize + 1)));
  EXPECT_TRUE(s.wrap(proto::Key2{}, std::vector<uint8_t>(kWkcMaxMetadataSize)));
}

}  // namespace
}  // namespace ovpn::crypto
