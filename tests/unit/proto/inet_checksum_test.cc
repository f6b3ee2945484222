// checksum_add against the plain RFC 1071 definition (16-bit big-endian words, an odd last byte
// padded with zero), over every length up to a jumbo frame, odd and even starting offsets and
// running sums, and the split-range rule the TSO / USO splitters rely on; checksum_copy against
// checksum_add and memcpy.
#include "proto/inet_checksum.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace ovpn::proto {
namespace {

uint16_t reference_checksum(std::span<const uint8_t> bytes, uint32_t start_sum) {
  uint64_t sum = start_sum;
  for (size_t i = 0; i < bytes.size(); i += 2) {
    const uint16_t high = bytes[i];
    const uint16_t low = i + 1 < bytes.size() ? bytes[i + 1] : 0;
    sum += static_cast<uint16_t>(high << 8 | low);
  }
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

std::vector<uint8_t> random_bytes(size_t n, std::mt19937& rng) {
  std::vector<uint8_t> out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

TEST(InetChecksum, MatchesTheDefinitionForEveryLengthAndAlignment) {
  std::mt19937 rng(1071);
  const std::vector<uint8_t> data = random_bytes(9100, rng);
  for (size_t length = 0; length <= 9000; length += length < 80 ? 1 : 37) {
    for (size_t offset : {0, 1, 3, 6}) {
      const auto bytes = std::span(data).subspan(offset, length);
      const uint32_t start = rng() & 0xfffff;
      EXPECT_EQ(checksum_finish(checksum_add(bytes, start)), reference_checksum(bytes, start))
          << "length " << length << " offset " << offset;
    }
  }
}

TEST(InetChecksum, CopyAndSumInOnePassEqualsCopyThenSum) {
  std::mt19937 rng(1624);
  const std::vector<uint8_t> data = random_bytes(9100, rng);
  for (size_t length = 0; length <= 9000; length += length < 80 ? 1 : 37) {
    for (size_t offset : {0, 1, 3, 6}) {
      const auto src = std::span(data).subspan(offset, length);
      std::vector<uint8_t> dst(length + 2, 0xcc);
      const uint32_t start = rng() & 0xfffff;
      const uint64_t sum = checksum_copy(dst.data() + 1, src, start);
      EXPECT_EQ(checksum_finish(sum), checksum_finish(checksum_add(src, start)))
          << "length " << length << " offset " << offset;
      EXPECT_TRUE(std::equal(src.begin(), src.end(), dst.begin() + 1)) << "length " << length;
      EXPECT_EQ(dst.front(), 0xcc);
      EXPECT_EQ(dst.back(), 0xcc) << "wrote past the end, length " << length;
    }
  }
}

TEST(InetChecksum, AllOnesAndCarries) {
  const std::vector<uint8_t> ones(65535, 0xff);
  EXPECT_EQ(checksum_finish(checksum_add(ones)), reference_checksum(ones, 0));
  std::vector<uint8_t> copy(ones.size());
  EXPECT_EQ(checksum_finish(checksum_copy(copy.data(), ones)), reference_checksum(ones, 0));
  EXPECT_EQ(copy, ones);
  const std::vector<uint8_t> pattern = {0x00, 0x01, 0xf2, 0x03,
                                        0xf4, 0xf5, 0xf6, 0xf7};  // RFC 1071
  EXPECT_EQ(checksum_finish(checksum_add(pattern)), static_cast<uint16_t>(~0xddf2));
}

TEST(InetChecksum, RangesCombineWhenAllButTheLastAreEven) {
  std::mt19937 rng(7);
  const std::vector<uint8_t> data = random_bytes(1501, rng);
  const auto all = std::span(data);
  for (size_t cut = 0; cut <= data.size(); cut += 2) {
    const uint64_t split = checksum_add(all.subspan(cut), checksum_add(all.first(cut)));
    EXPECT_EQ(checksum_finish(split), reference_checksum(all, 0)) << "cut " << cut;
  }
}

}  // namespace
}  // namespace ovpn::proto
