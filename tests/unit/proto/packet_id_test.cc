#include "proto/packet_id.h"

#include <gtest/gtest.h>

namespace ovpn::proto {
namespace {

TEST(PacketIdSender, StartsAtOneAndCounts) {
  PacketIdSender ids;
  EXPECT_EQ(ids.next(), 1u);
  EXPECT_EQ(ids.next(), 2u);
  EXPECT_EQ(ids.next_n(4), 3u);  // reserves 3..6
  EXPECT_EQ(ids.next(), 7u);
  EXPECT_FALSE(ids.exhausted());
  EXPECT_FALSE(ids.past_soft_limit());
  EXPECT_EQ(ids.last(), kPacketIdLast32);
}

TEST(PacketIdSender, ExhaustionIsPermanent) {
  PacketIdSender ids;
  ids.set_next_for_test(kPacketIdLast32 - 1);
  EXPECT_EQ(ids.next(), 0xFFFFFFFEu);
  EXPECT_FALSE(ids.exhausted());
  EXPECT_EQ(ids.next(), 0xFFFFFFFFu);
  EXPECT_TRUE(ids.exhausted());
  for (int i = 0; i < 100; ++i) ASSERT_EQ(ids.next(), 0u);
  EXPECT_EQ(ids.next_n(1), 0u);
  EXPECT_TRUE(ids.exhausted());
}

TEST(PacketIdSender, BatchNeverStraddlesTheLastId) {
  PacketIdSender ids;
  ids.set_next_for_test(kPacketIdLast32 - 1);
  EXPECT_EQ(ids.next_n(3), 0u);  // only two ids left: none of them may be used

  PacketIdSender exact;
  exact.set_next_for_test(kPacketIdLast32 - 1);
  EXPECT_EQ(exact.next_n(2), 0xFFFFFFFEu);
  EXPECT_TRUE(exact.exhausted());
  EXPECT_EQ(exact.next(), 0u);
}

TEST(PacketIdSender, RangeIsWhatConsecutiveNextCallsReturn) {
  PacketIdSender ids;
  EXPECT_EQ(ids.next(), 1u);
  const auto range = ids.next_range(5);
  EXPECT_EQ(range.first, 2u);
  EXPECT_EQ(range.count, 5u);
  EXPECT_EQ(ids.next(), 7u);

  // Near the end only the ids that exist are handed out, and never again afterwards.
  PacketIdSender end(/*last=*/10, /*soft_limit=*/8);
  end.set_next_for_test(8);
  const auto tail = end.next_range(5);
  EXPECT_EQ(tail.first, 8u);
  EXPECT_EQ(tail.count, 3u);  // 8, 9, 10
  EXPECT_TRUE(end.exhausted());
  EXPECT_TRUE(end.past_soft_limit());
  EXPECT_EQ(end.next_range(1).count, 0u);
  EXPECT_EQ(end.next(), 0u);
}

TEST(PacketIdSender, SoftLimit) {
  PacketIdSender ids;
  ids.set_next_for_test(kPacketIdSoftLimit32 - 1);
  EXPECT_EQ(ids.next(), kPacketIdSoftLimit32 - 1);
  EXPECT_FALSE(ids.past_soft_limit());
  EXPECT_EQ(ids.next(), kPacketIdSoftLimit32);
  EXPECT_TRUE(ids.past_soft_limit());
  EXPECT_FALSE(ids.exhausted());
}

TEST(PacketIdSender, CustomLimits) {
  PacketIdSender ids(/*last=*/5, /*soft_limit=*/3);
  EXPECT_EQ(ids.next(), 1u);
  EXPECT_EQ(ids.next(), 2u);
  EXPECT_FALSE(ids.past_soft_limit());
  EXPECT_EQ(ids.next(), 3u);
  EXPECT_TRUE(ids.past_soft_limit());
  EXPECT_EQ(ids.next_n(2), 4u);
  EXPECT_TRUE(ids.exhausted());
  EXPECT_EQ(ids.next(), 0u);
}

}  // namespace
}  // namespace ovpn::proto
