#include "common/packet_buf.h"

#include <gtest/gtest.h>

#include <array>

namespace ovpn {
namespace {

class PacketBufTest : public ::testing::Test {
 protected:
  std::array<uint8_t, 64> storage_{};
  PacketBuf buf_{storage_.data(), storage_.size(), 16};
};

TEST_F(PacketBufTest, StartsEmptyAtHeadroom) {
  EXPECT_TRUE(buf_.empty());
  EXPECT_EQ(buf_.size(), 0u);
  EXPECT_EQ(buf_.headroom(), 16u);
  EXPECT_EQ(buf_.tailroom(), 48u);
  EXPECT_EQ(buf_.capacity(), 64u);
  EXPECT_EQ(buf_.data(), storage_.data() + 16);
}

TEST_F(PacketBufTest, PutGrowsAtTheEnd) {
  uint8_t* tail = buf_.put(10);
  ASSERT_EQ(tail, storage_.data() + 16);
  EXPECT_EQ(buf_.size(), 10u);
  EXPECT_EQ(buf_.put(38), storage_.data() + 26);
  EXPECT_EQ(buf_.tailroom(), 0u);
  EXPECT_EQ(buf_.put(1), nullptr);
  EXPECT_EQ(buf_.size(), 48u);  // a failed put changes nothing
  EXPECT_NE(buf_.put(0), nullptr);
}

TEST_F(PacketBufTest, PushGrowsAtTheFront) {
  ASSERT_NE(buf_.put(4), nullptr);
  EXPECT_EQ(buf_.push(8), storage_.data() + 8);
  EXPECT_EQ(buf_.size(), 12u);
  EXPECT_EQ(buf_.push(8), storage_.data());
  EXPECT_EQ(buf_.headroom(), 0u);
  EXPECT_EQ(buf_.push(1), nullptr);
  EXPECT_EQ(buf_.size(), 20u);
  EXPECT_EQ(buf_.data(), storage_.data());
}

TEST_F(PacketBufTest, PullShrinksAtTheFront) {
  ASSERT_NE(buf_.put(10), nullptr);
  EXPECT_EQ(buf_.pull(4), storage_.data() + 20);
  EXPECT_EQ(buf_.size(), 6u);
  EXPECT_EQ(buf_.headroom(), 20u);
  EXPECT_EQ(buf_.pull(7), nullptr);
  EXPECT_EQ(buf_.size(), 6u);
  EXPECT_NE(buf_.pull(6), nullptr);
  EXPECT_TRUE(buf_.empty());
}

TEST_F(PacketBufTest, TrimOnlyShortens) {
  ASSERT_NE(buf_.put(10), nullptr);
  buf_.trim(20);
  EXPECT_EQ(buf_.size(), 10u);
  buf_.trim(3);
  EXPECT_EQ(buf_.size(), 3u);
  EXPECT_EQ(buf_.tailroom(), 45u);
  buf_.trim(0);
  EXPECT_TRUE(buf_.empty());
}

TEST_F(PacketBufTest, ResetAndSpan) {
  uint8_t* p = buf_.put(3);
  ASSERT_NE(p, nullptr);
  p[0] = 1;
  p[1] = 2;
  p[2] = 3;
  auto s = buf_.span();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[2], 3);
  buf_.reset(32);
  EXPECT_TRUE(buf_.empty());
  EXPECT_EQ(buf_.headroom(), 32u);
  buf_.reset(1000);  // clamped to the capacity
  EXPECT_EQ(buf_.headroom(), 64u);
  EXPECT_EQ(buf_.tailroom(), 0u);
  EXPECT_EQ(buf_.put(1), nullptr);
}

TEST(PacketBuf, HeadroomLargerThanCapacityIsClamped) {
  std::array<uint8_t, 8> storage{};
  PacketBuf buf(storage.data(), storage.size(), 100);
  EXPECT_EQ(buf.headroom(), 8u);
  EXPECT_EQ(buf.tailroom(), 0u);
  EXPECT_EQ(buf.put(1), nullptr);
  EXPECT_NE(buf.push(8), nullptr);
  EXPECT_EQ(buf.push(1), nullptr);
}

}  // namespace
}  // namespace ovpn
