#include "common/byteorder.h"

#include <gtest/gtest.h>

#include <array>
#include <random>

namespace ovpn {
namespace {

TEST(ByteOrder, LoadsBigEndian) {
  static constexpr uint8_t b[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  EXPECT_EQ(load_be16(b), 0x0123u);
  EXPECT_EQ(load_be24(b), 0x012345u);
  EXPECT_EQ(load_be32(b), 0x01234567u);
  EXPECT_EQ(load_be64(b), 0x0123456789abcdefULL);
  static_assert(load_be16(b + 6) == 0xcdef);
}

TEST(ByteOrder, StoresBigEndian) {
  std::array<uint8_t, 8> b{};
  store_be16(b.data(), 0xBEEF);
  EXPECT_EQ(b[0], 0xBE);
  EXPECT_EQ(b[1], 0xEF);
  store_be24(b.data(), 0xFF123456);  // only the low 24 bits are written
  EXPECT_EQ(b[0], 0x12);
  EXPECT_EQ(b[1], 0x34);
  EXPECT_EQ(b[2], 0x56);
  EXPECT_EQ(b[3], 0x00);
  store_be64(b.data(), 0x0102030405060708ULL);
  EXPECT_EQ(b, (std::array<uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(ByteOrder, RandomRoundTrips) {
  std::mt19937_64 rng(1);
  uint8_t b[8];
  for (int i = 0; i < 1000; ++i) {
    const uint64_t v = rng();
    store_be16(b, static_cast<uint16_t>(v));
    EXPECT_EQ(load_be16(b), static_cast<uint16_t>(v));
    store_be24(b, static_cast<uint32_t>(v));
    EXPECT_EQ(load_be24(b), static_cast<uint32_t>(v) & 0xFFFFFF);
    store_be32(b, static_cast<uint32_t>(v));
    EXPECT_EQ(load_be32(b), static_cast<uint32_t>(v));
    store_be64(b, v);
    EXPECT_EQ(load_be64(b), v);
  }
}

}  // namespace
}  // namespace ovpn
