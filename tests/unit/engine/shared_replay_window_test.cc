// The replay window shared by shards: concurrent opens of one key's packets each accept an id
// at most once, and together accept every id once (run under TSan to check the lock).

#include "engine/shared_replay_window.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace ovpn::engine {
namespace {

TEST(SharedReplayWindow, ConcurrentAcceptsTakeEachIdOnce) {
  constexpr uint64_t kIds = 20000;
  constexpr int kThreads = 3;
  SharedReplayWindow window;
  std::vector<std::atomic<int>> accepted(kIds + 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      // Every thread offers every id, in order, as shards seeing the same packets would.
      for (uint64_t id = 1; id <= kIds; ++id) {
        if (window.accept(id, id / 1000) == proto::ReplayVerdict::kOk) {
          accepted[id].fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (uint64_t id = 1; id <= kIds; ++id) {
    // Too old by the time a thread offered it, or accepted once; never twice.
    ASSERT_LE(accepted[id].load(), 1) << id;
  }
  EXPECT_EQ(accepted[kIds].load(), 1);
  EXPECT_EQ(window.accept(kIds, kIds / 1000), proto::ReplayVerdict::kReplay);
}

}  // namespace
}  // namespace ovpn::engine
