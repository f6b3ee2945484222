// The AEAD primitive against the cipher specifications' own vectors: McGrew & Viega's GCM test
// cases (as in NIST SP 800-38D) and RFC 8439 section 2.8.2; then the epoch packet format, whose
// 12-byte AAD lets the RFC 8439 vector run through seal()/open() unchanged.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "crypto/data_aead.h"
#include "support/vectors.h"

namespace ovpn::crypto {
namespace {

using test::hex;

struct Kat {
  const char* name;
  CipherAlg alg;
  const char* key;
  const char* nonce;
  const char* aad;
  const char* plaintext;
  const char* ciphertext;
  const char* tag;
};

constexpr const char* kGcmPlain =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
constexpr const char* kGcmAad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
// "Ladies and Gentlemen of the class of '99: ..." (RFC 8439 section 2.8.2)
constexpr const char* kRfc8439Plain =
    "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a20496620"
    "4920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f7220746865206675747572"
    "652c2073756e73637265656e20776f756c642062652069742e";

const Kat kKats[] = {
    {"GCM test case 4 (AES-128)", CipherAlg::kAes128Gcm, "feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", kGcmAad, kGcmPlain,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {"GCM test case 10 (AES-192)", CipherAlg::kAes192Gcm,
     "feffe9928665731c6d6a8f9467308308feffe9928665731c", "cafebabefacedbaddecaf888", kGcmAad,
     kGcmPlain,
     "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c"
     "7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710",
     "2519498e80f1478f37ba55bd6d27618c"},
    {"GCM test case 16 (AES-256)", CipherAlg::kAes256Gcm,
     "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     kGcmAad, kGcmPlain,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    {"GCM test case 14 (AES-256, one zero block, no AAD)", CipherAlg::kAes256Gcm,
     "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "", "00000000000000000000000000000000", "cea7403d4d606b6e074ec5d3baf39d18",
     "d0d1c8a799996bf0265b98b5d48ab919"},
    {"RFC 8439 2.8.2", CipherAlg::kChaCha20Poly1305,
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "070000004041424344454647",
     "50515253c0c1c2c3c4c5c6c7", kRfc8439Plain,
     "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da"
     "92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585"
     "808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
     "1ae10b594f09e26a7e902ecbd0600691"},
};

TEST(AeadKnownAnswer, SealAndOpenMatchTheSpecifications) {
  for (const Kat& kat : kKats) {
    SCOPED_TRACE(kat.name);
    // The implicit IV is irrelevant to the detached primitive; any 8 bytes do.
    auto aead = DataAead::create_v2(kat.alg, hex(kat.key), std::vector<uint8_t>(8));
    ASSERT_TRUE(aead);
    const auto nonce = hex(kat.nonce);
    const auto aad = hex(kat.aad);
    auto data = hex(kat.plaintext);
    uint8_t tag[16];
    ASSERT_TRUE(
        aead->seal_detached(std::span<const uint8_t, 12>(nonce.data(), 12), aad, data, tag));
    EXPECT_EQ(data, hex(kat.ciphertext));
    EXPECT_EQ(std::vector<uint8_t>(tag, tag + 16), hex(kat.tag));

    ASSERT_TRUE(
        aead->open_detached(std::span<const uint8_t, 12>(nonce.data(), 12), aad, data, tag));
    EXPECT_EQ(data, hex(kat.plaintext));
    tag[0] ^= 1;
    EXPECT_FALSE(
        aead->open_detached(std::span<const uint8_t, 12>(nonce.data(), 12), aad, data, tag));
  }
}

// The epoch format's AAD is its 12-byte header and its tag trails the ciphertext, exactly the
// shape of RFC 8439's vector. Choose the IV so that (header[4..12) || 0^4) XOR IV is the
// vector's nonce.
TEST(AeadKnownAnswer, EpochFormatReproducesRfc8439) {
  const Kat& kat = kKats[4];
  const auto header = hex(kat.aad);
  const auto nonce = hex(kat.nonce);
  std::vector<uint8_t> iv(12);
  for (size_t i = 0; i < 8; ++i) iv[i] = static_cast<uint8_t>(header[4 + i] ^ nonce[i]);
  for (size_t i = 8; i < 12; ++i) iv[i] = nonce[i];

  auto aead = DataAead::create_epoch(CipherAlg::kChaCha20Poly1305, hex(kat.key), iv);
  ASSERT_TRUE(aead);
  auto packet = header;
  const auto plain = hex(kat.plaintext);
  packet.insert(packet.end(), plain.begin(), plain.end());
  packet.resize(packet.size() + 16);
  ASSERT_TRUE(aead->seal(packet));

  auto expected = header;
  const auto ct = hex(kat.ciphertext);
  const auto tag = hex(kat.tag);
  expected.insert(expected.end(), ct.begin(), ct.end());
  expected.insert(expected.end(), tag.begin(), tag.end());
  EXPECT_EQ(packet, expected);

  ASSERT_TRUE(aead->open(packet));
  EXPECT_TRUE(std::equal(plain.begin(), plain.end(), packet.begin() + 12));
}

}  // namespace
}  // namespace ovpn::crypto
