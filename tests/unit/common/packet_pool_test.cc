#include "common/packet_pool.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <set>
#include <vector>

namespace ovpn {
namespace {

const uint8_t* storage_of(const PacketBuf& b) { return b.data() - b.headroom(); }

TEST(PacketPool, BuffersAreAlignedAndStartAtHeadroom) {
  PacketPool pool(4, 100, 32);
  EXPECT_EQ(pool.count(), 4u);
  EXPECT_EQ(pool.buffer_size() % 64, 0u);
  EXPECT_GE(pool.buffer_size(), 100u);
  PacketBuf b;
  ASSERT_TRUE(pool.get(b));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(storage_of(b)) % 64, 0u);
  EXPECT_EQ(b.headroom(), 32u);
  EXPECT_EQ(b.capacity(), pool.buffer_size());
  EXPECT_TRUE(b.empty());
  pool.put(b);
}

TEST(PacketPool, ExhaustionAndReuse) {
  PacketPool pool(3, 128, 16);
  std::vector<PacketBuf> held(3);
  std::set<const uint8_t*> starts;
  for (auto& b : held) {
    ASSERT_TRUE(pool.get(b));
    starts.insert(storage_of(b));
  }
  EXPECT_EQ(starts.size(), 3u);
  EXPECT_EQ(pool.available(), 0u);
  PacketBuf extra;
  EXPECT_FALSE(pool.get(extra));

  // A returned buffer comes back reset, even after its start moved.
  ASSERT_NE(held[1].put(50), nullptr);
  ASSERT_NE(held[1].pull(10), nullptr);
  pool.put(held[1]);
  EXPECT_EQ(pool.available(), 1u);
  PacketBuf again;
  ASSERT_TRUE(pool.get(again));
  EXPECT_EQ(storage_of(again), storage_of(held[1]));
  EXPECT_EQ(again.headroom(), 16u);
  EXPECT_TRUE(again.empty());
  EXPECT_FALSE(pool.get(extra));

  pool.put(again);
  pool.put(held[0]);
  pool.put(held[2]);
  EXPECT_EQ(pool.available(), 3u);
}

TEST(PacketPool, BuffersDoNotOverlap) {
  PacketPool pool(8, 64, 0);
  std::vector<PacketBuf> held(8);
  for (size_t i = 0; i < held.size(); ++i) {
    ASSERT_TRUE(pool.get(held[i]));
    uint8_t* p = held[i].put(held[i].tailroom());
    ASSERT_NE(p, nullptr);
    std::memset(p, static_cast<int>(i), held[i].size());
  }
  for (size_t i = 0; i < held.size(); ++i) {
    for (uint8_t byte : held[i].span()) ASSERT_EQ(byte, i);
    pool.put(held[i]);
  }
}

TEST(PacketPool, ForeignBuffersAreIgnored) {
  PacketPool pool(2, 64, 0);
  std::array<uint8_t, 64> stack{};
  pool.put(PacketBuf(stack.data(), stack.size(), 0));
  EXPECT_EQ(pool.available(), 2u);

  PacketBuf b;
  ASSERT_TRUE(pool.get(b));
  // Not at a buffer boundary: not from this pool.
  pool.put(PacketBuf(b.data() + 1, 32, 0));
  EXPECT_EQ(pool.available(), 1u);
  pool.put(b);
  EXPECT_EQ(pool.available(), 2u);
  pool.put(b);  // the pool never holds more than it owns
  EXPECT_EQ(pool.available(), 2u);
}

}  // namespace
}  // namespace ovpn
