// A data packet that was changed in any way does not open: every single flipped bit, in the
// header (the AAD), the tag or the ciphertext, and every truncation, in both packet formats.

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "crypto/data_aead.h"
#include "proto/data_packet.h"

namespace ovpn::crypto {
namespace {

struct Case {
  CipherAlg alg;
  DataFormat format;
};

DataAead make(const Case& c) {
  std::vector<uint8_t> key(cipher_key_size(c.alg));
  std::iota(key.begin(), key.end(), uint8_t{1});
  auto aead = c.format == DataFormat::kV2
                  ? DataAead::create_v2(c.alg, key, std::vector<uint8_t>(8, 0x5a))
                  : DataAead::create_epoch(c.alg, key, std::vector<uint8_t>(12, 0xa5));
  EXPECT_TRUE(aead);
  return std::move(*aead);
}

std::vector<uint8_t> sealed_packet(DataAead& aead, size_t payload_size) {
  std::vector<uint8_t> packet(aead.overhead() + payload_size);
  if (aead.format() == DataFormat::kV2) {
    proto::write_data_v2_header(packet.data(), KeyId{}, *PeerId::make(7), 42);
  } else {
    proto::write_data_v2_epoch_header(packet.data(), KeyId{}, *PeerId::make(7), 3, 42);
  }
  for (size_t i = 0; i < payload_size; ++i) {
    packet[aead.payload_offset() + i] = static_cast<uint8_t>(i * 7 + 1);
  }
  EXPECT_TRUE(aead.seal(packet));
  return packet;
}

class AeadNegative : public ::testing::TestWithParam<Case> {};

TEST_P(AeadNegative, EveryFlippedBitIsRejected) {
  DataAead aead = make(GetParam());
  const auto packet = sealed_packet(aead, 40);
  auto copy = packet;
  ASSERT_TRUE(aead.open(copy));
  for (size_t bit = 0; bit < packet.size() * 8; ++bit) {
    copy = packet;
    copy[bit / 8] = static_cast<uint8_t>(copy[bit / 8] ^ (1u << (bit % 8)));
    EXPECT_FALSE(aead.open(copy)) << "bit " << bit;
  }
}

TEST_P(AeadNegative, EveryTruncationIsRejected) {
  DataAead aead = make(GetParam());
  const auto packet = sealed_packet(aead, 40);
  for (size_t len = 0; len < packet.size(); ++len) {
    std::vector<uint8_t> copy(packet.begin(), packet.begin() + static_cast<long>(len));
    EXPECT_FALSE(aead.open(copy)) << "length " << len;
  }
}

TEST_P(AeadNegative, AnotherKeyIsRejected) {
  DataAead aead = make(GetParam());
  auto packet = sealed_packet(aead, 100);
  std::vector<uint8_t> key(cipher_key_size(GetParam().alg), 0x33);
  auto other = GetParam().format == DataFormat::kV2
                   ? DataAead::create_v2(GetParam().alg, key, std::vector<uint8_t>(8, 0x5a))
                   : DataAead::create_epoch(GetParam().alg, key, std::vector<uint8_t>(12, 0xa5));
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->open(packet));
}

// An empty payload is a valid packet (header and tag only) and still authenticated.
TEST_P(AeadNegative, EmptyPayloadRoundTrips) {
  DataAead aead = make(GetParam());
  auto packet = sealed_packet(aead, 0);
  EXPECT_EQ(packet.size(), aead.overhead());
  auto copy = packet;
  EXPECT_TRUE(aead.open(copy));
  packet.back() ^= 0x80;
  EXPECT_FALSE(aead.open(packet));
}

TEST(AeadSetup, WrongKeyAndIvSizesAreErrors) {
  EXPECT_FALSE(DataAead::create_v2(CipherAlg::kAes256Gcm, std::vector<uint8_t>(16),
                                   std::vector<uint8_t>(8)));
  EXPECT_FALSE(DataAead::create_v2(CipherAlg::kAes128Gcm, std::vector<uint8_t>(16),
                                   std::vector<uint8_t>(12)));
  EXPECT_FALSE(DataAead::create_epoch(CipherAlg::kChaCha20Poly1305, std::vector<uint8_t>(32),
                                      std::vector<uint8_t>(8)));
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = cipher_name(info.param.alg);
  for (char& ch : name) {
    if (ch == '-') ch = '_';
  }
  return name + (info.param.format == DataFormat::kV2 ? "_v2" : "_epoch");
}

INSTANTIATE_TEST_SUITE_P(AllCiphersBothFormats, AeadNegative,
                         ::testing::Values(Case{CipherAlg::kAes128Gcm, DataFormat::kV2},
                                           Case{CipherAlg::kAes192Gcm, DataFormat::kV2},
                                           Case{CipherAlg::kAes256Gcm, DataFormat::kV2},
                                           Case{CipherAlg::kChaCha20Poly1305, DataFormat::kV2},
                                           Case{CipherAlg::kAes256Gcm, DataFormat::kEpoch},
                                           Case{CipherAlg::kChaCha20Poly1305, DataFormat::kEpoch}),
                         case_name);

}  // namespace
}  // namespace ovpn::crypto
