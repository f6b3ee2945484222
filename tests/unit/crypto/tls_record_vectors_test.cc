// The control channel's TLS 1.3 records of the captured sessions (push-and-km2.json): the record
// keys follow from the logged traffic secrets through our Expand-Label, and every record opens
// with our AEAD to the captured key-method-2 or control message. (The messages themselves are
// parsed by the control plane's tests.)

#include <gtest/gtest.h>

#include "crypto/data_aead.h"
#include "crypto/kdf.h"
#include "support/vectors.h"

namespace ovpn::crypto {
namespace {

using test::hex;

constexpr uint8_t kApplicationData = 0x17;

TEST(TlsRecordVectors, EveryControlChannelRecordOpens) {
  const auto doc = test::load_vectors("push-and-km2.json");
  size_t count = 0;
  for (const auto& session : doc["sessions"]) {
    for (const auto& m : session["messages"]) {
      SCOPED_TRACE(session["session"].get<std::string>() + ": " +
                   m["description"].get<std::string>());
      const auto secret = hex(m["tls_traffic_secret"]);
      ASSERT_EQ(secret.size(), 48u);  // TLS_AES_256_GCM_SHA384
      std::vector<uint8_t> key(32), iv(12);
      ASSERT_TRUE(expand_label("SHA384", "tls13 ", secret, "key", {}, key));
      ASSERT_TRUE(expand_label("SHA384", "tls13 ", secret, "iv", {}, iv));
      EXPECT_EQ(key, hex(m["tls_record_key"]));
      EXPECT_EQ(iv, hex(m["tls_record_iv"]));

      auto nonce = iv;
      const uint64_t seq = m["tls_record_seq"].get<uint64_t>();
      for (size_t i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<uint8_t>(seq >> (8 * i));
      EXPECT_EQ(nonce, hex(m["tls_record_nonce"]));

      auto record = hex(m["tls_record"]);
      ASSERT_GT(record.size(), 5u + 16u);
      auto aead = DataAead::create_v2(CipherAlg::kAes256Gcm, key, std::vector<uint8_t>(8));
      ASSERT_TRUE(aead);
      const std::span<uint8_t> body(record.data() + 5, record.size() - 5 - 16);
      const std::span<const uint8_t, 16> tag(record.data() + record.size() - 16, 16);
      ASSERT_TRUE(aead->open_detached(std::span<const uint8_t, 12>(nonce.data(), 12),
                                      std::span<const uint8_t>(record.data(), 5), body, tag));
      auto expected = hex(m["plaintext"]);
      expected.push_back(kApplicationData);  // TLSInnerPlaintext's content type
      EXPECT_EQ(std::vector<uint8_t>(body.begin(), body.end()), expected);
      ++count;
    }
  }
  EXPECT_EQ(count, 44u);
}

}  // namespace
}  // namespace ovpn::crypto
