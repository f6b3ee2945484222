// ProviderAead, the data path's direct calls into OpenSSL's provider, against EVP_CIPHER_CTX
// as the reference: the same ciphertext and tag for every cipher and a spread of lengths (0 to
// 9000 bytes, AAD of 0, 8 and 12), in place and out of place; EVP opens what it sealed and it
// opens what EVP sealed; a wrong tag, nonce or AAD fails; a non-AEAD cipher is refused.

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/cipher_alg.h"
#include "crypto/evp.h"
#include "crypto/provider_aead.h"

namespace ovpn::crypto {
namespace {

constexpr size_t kLengths[] = {0, 1, 15, 16, 17, 64, 95, 96, 287, 288, 1400, 1401, 9000};
constexpr size_t kAadLengths[] = {0, 8, 12};

std::vector<uint8_t> bytes(size_t n, uint8_t seed) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(seed + i * 13 + (i >> 8));
  return out;
}

ProviderAead make(CipherAlg alg, const std::vector<uint8_t>& key) {
  auto aead = ProviderAead::create(evp_cipher(alg), key.data(), key.size());
  EXPECT_TRUE(aead) << (aead ? "" : aead.error().message);
  return std::move(*aead);
}

// The reference: one EVP call sequence per message, in a fresh context.
bool evp_crypt(CipherAlg alg, bool encrypt, const std::vector<uint8_t>& key,
               const std::vector<uint8_t>& nonce, const std::vector<uint8_t>& aad,
               const std::vector<uint8_t>& in, std::vector<uint8_t>& out, uint8_t* tag) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  out.assign(in.size() + 16, 0);
  if (!ctx || EVP_CipherInit_ex(ctx.get(), evp_cipher(alg), nullptr, key.data(), nonce.data(),
                                encrypt ? 1 : 0) != 1) {
    return false;
  }
  if (!aad.empty() &&
      EVP_CipherUpdate(ctx.get(), nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  if (EVP_CipherUpdate(ctx.get(), out.data(), &n, in.data(), static_cast<int>(in.size())) != 1) {
    return false;
  }
  if (!encrypt && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1) return false;
  int tail = 0;
  if (EVP_CipherFinal_ex(ctx.get(), out.data() + n, &tail) != 1) return false;
  out.resize(static_cast<size_t>(n + tail));
  return !encrypt || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1;
}

class ProviderAeadTest : public ::testing::TestWithParam<CipherAlg> {};

TEST_P(ProviderAeadTest, SealsAndOpensAsEvpDoes) {
  const CipherAlg alg = GetParam();
  const auto key = bytes(cipher_key_size(alg), 0x11);
  ProviderAead sealer = make(alg, key);
  ProviderAead opener = make(alg, key);
  uint32_t counter = 0;
  for (size_t aad_len : kAadLengths) {
    for (size_t len : kLengths) {
      SCOPED_TRACE(testing::Message() << "aad " << aad_len << ", length " << len);
      auto nonce = bytes(ProviderAead::kNonceSize, static_cast<uint8_t>(++counter));
      const auto aad = bytes(aad_len, 0x77);
      const auto plain = bytes(len, static_cast<uint8_t>(len));

      std::vector<uint8_t> expected;
      uint8_t expected_tag[16];
      ASSERT_TRUE(evp_crypt(alg, true, key, nonce, aad, plain, expected, expected_tag));

      // Out of place, then in place: the same bytes and tag as EVP.
      std::vector<uint8_t> out(len + 1, 0xee);
      uint8_t tag[16];
      ASSERT_TRUE(
          sealer.seal(nonce.data(), aad.data(), aad.size(), plain.data(), out.data(), len, tag));
      EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + static_cast<long>(len)), expected);
      EXPECT_EQ(out[len], 0xee) << "wrote past the end";
      EXPECT_EQ(std::vector<uint8_t>(tag, tag + 16),
                std::vector<uint8_t>(expected_tag, expected_tag + 16));
      auto in_place = plain;
      uint8_t tag2[16];
      ASSERT_TRUE(sealer.seal(nonce.data(), aad.data(), aad.size(), in_place.data(),
                              in_place.data(), len, tag2));
      EXPECT_EQ(in_place, expected);

      // It opens EVP's message, out of place and in place; EVP opens its own.
      std::vector<uint8_t> opened(len);
      ASSERT_TRUE(opener.open(nonce.data(), aad.data(), aad.size(), expected.data(), opened.data(),
                              len, expected_tag));
      EXPECT_EQ(opened, plain);
      ASSERT_TRUE(opener.open(nonce.data(), aad.data(), aad.size(), in_place.data(),
                              in_place.data(), len, tag2));
      EXPECT_EQ(in_place, plain);
      std::vector<uint8_t> evp_opened;
      EXPECT_TRUE(evp_crypt(alg, false, key, nonce, aad, expected, evp_opened, tag));
      EXPECT_EQ(evp_opened, plain);

      // A changed tag, nonce or AAD does not open; the context keeps working after a failure.
      uint8_t bad_tag[16];
      std::copy(tag, tag + 16, bad_tag);
      bad_tag[15] ^= 1;
      EXPECT_FALSE(opener.open(nonce.data(), aad.data(), aad.size(), expected.data(), opened.data(),
                               len, bad_tag));
      nonce[0] ^= 0x80;
      EXPECT_FALSE(opener.open(nonce.data(), aad.data(), aad.size(), expected.data(), opened.data(),
                               len, tag));
      nonce[0] ^= 0x80;
      if (aad_len != 0) {
        auto bad_aad = aad;
        bad_aad.back() ^= 1;
        EXPECT_FALSE(opener.open(nonce.data(), bad_aad.data(), bad_aad.size(), expected.data(),
                                 opened.data(), len, tag));
      }
      ASSERT_TRUE(opener.open(nonce.data(), aad.data(), aad.size(), expected.data(), opened.data(),
                              len, tag));
      EXPECT_EQ(opened, plain);
    }
  }
}

TEST_P(ProviderAeadTest, MovedFromContextIsEmptyAndTheTargetWorks) {
  const CipherAlg alg = GetParam();
  const auto key = bytes(cipher_key_size(alg), 0x22);
  ProviderAead a = make(alg, key);
  ProviderAead b = make(alg, bytes(cipher_key_size(alg), 0x33));
  b = std::move(a);  // b's own context is freed, a's taken over
  const auto nonce = bytes(12, 1);
  const auto plain = bytes(100, 2);
  std::vector<uint8_t> out(plain.size());
  uint8_t tag[16];
  ASSERT_TRUE(b.seal(nonce.data(), nullptr, 0, plain.data(), out.data(), plain.size(), tag));
  std::vector<uint8_t> expected;
  uint8_t expected_tag[16];
  ASSERT_TRUE(evp_crypt(alg, true, key, nonce, {}, plain, expected, expected_tag));
  EXPECT_EQ(out, expected);
}

INSTANTIATE_TEST_SUITE_P(Ciphers, ProviderAeadTest, ::testing::ValuesIn(kAllCipherAlgs),
                         [](const auto& param_info) {
                           std::string name = cipher_name(param_info.param);
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(ProviderAead, RefusesACipherThatIsNotAnAeadWithA12ByteNonce) {
  const std::vector<uint8_t> key(32, 1);
  const EVP_CIPHER* cbc = fetch_cipher("AES-256-CBC");
  ASSERT_NE(cbc, nullptr);
  auto aead = ProviderAead::create(cbc, key.data(), key.size());
  ASSERT_FALSE(aead);
  EXPECT_EQ(aead.error().code, Errc::kUnsupported);
  EXPECT_NE(aead.error().message.find("AES-256-CBC"), std::string::npos) << aead.error().message;
}

TEST(ProviderAead, TheFunctionsAreLookedUpOncePerCipher) {
  const EVP_CIPHER* gcm = evp_cipher(CipherAlg::kAes256Gcm);
  auto first = provider_aead_functions(gcm);
  auto second = provider_aead_functions(gcm);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, *second);
  EXPECT_NE((*first)->provider_ctx, nullptr);
  auto chacha = provider_aead_functions(evp_cipher(CipherAlg::kChaCha20Poly1305));
  ASSERT_TRUE(chacha);
  EXPECT_NE((*chacha)->encrypt_init, (*first)->encrypt_init);
}

}  // namespace
}  // namespace ovpn::crypto
