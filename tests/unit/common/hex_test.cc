#include "common/hex.h"

#include <gtest/gtest.h>

#include <random>

namespace ovpn {
namespace {

TEST(Hex, EncodesLowerCase) {
  const std::vector<uint8_t> bytes = {0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(to_hex(bytes), "000fa5ff");
  EXPECT_EQ(to_hex({}), "");
}

TEST(Hex, DecodesBothCases) {
  auto lower = from_hex("deadbeef");
  ASSERT_TRUE(lower);
  EXPECT_EQ(*lower, (std::vector<uint8_t>{0xde, 0xad, 0xbe, 0xef}));
  auto upper = from_hex("DEADBEEF");
  ASSERT_TRUE(upper);
  EXPECT_EQ(*upper, *lower);
  auto empty = from_hex("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(Hex, RandomRoundTrip) {
  std::mt19937 rng(7);
  for (size_t len = 0; len < 64; ++len) {
    std::vector<uint8_t> bytes(len);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    auto back = from_hex(to_hex(bytes));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, bytes);
  }
}

TEST(Hex, RejectsBadInput) {
  for (const char* bad : {"0", "abc", "0g", "g0", "zz", "12 4", "-1", "0x12"}) {
    auto r = from_hex(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kMalformed) << bad;
  }
}

}  // namespace
}  // namespace ovpn
