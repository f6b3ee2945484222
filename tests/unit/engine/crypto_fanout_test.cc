// The fan-out primitive on its own (crypto_fanout.h), with real threads: every item is done
// exactly once and the owner sees every result when run() returns; the owner finishes alone
// when no helper ever comes; helpers that join late take part; many jobs in a row, and two
// participants that are each other's owner and helper. Run under TSan too.

#include "engine/crypto_fanout.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "io/fd.h"

namespace ovpn::engine {
namespace {

// A helper thread: takes chunks of open jobs until told to stop.
class Helper {
 public:
  Helper(CryptoFanout& fanout, size_t who)
      : thread_([this, &fanout, who] {
          while (!stop_.load()) {
            if (fanout.pending()) {
              helped_ += fanout.help(who);
            } else {
              std::this_thread::yield();
            }
          }
        }) {}
  ~Helper() { stop(); }
  size_t stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    return helped_;
  }

 private:
  std::atomic<bool> stop_{false};
  size_t helped_ = 0;
  std::thread thread_;
};

// Items whose work records who did them and how often; plain result writes, so that TSan sees
// whether run() publishes them to the owner.
struct Job {
  explicit Job(size_t n) : hits(n), results(n), by(n) {}
  std::vector<std::atomic<int>> hits;
  std::vector<uint64_t> results;
  std::vector<size_t> by;
  uint64_t salt = 0;
  std::chrono::microseconds per_item{0};

  void operator()(size_t who, size_t begin, size_t end) noexcept {
    for (size_t i = begin; i < end; ++i) {
      if (per_item.count() != 0) {
        const auto until = std::chrono::steady_clock::now() + per_item;
        while (std::chrono::steady_clock::now() < until) {
        }
      }
      hits[i].fetch_add(1);
      results[i] = i * 1000003 + salt;
      by[i] = who;
    }
  }
  void check(size_t participants) const {
    for (size_t i = 0; i < results.size(); ++i) {
      ASSERT_EQ(hits[i].load(), 1) << "item " << i;
      ASSERT_EQ(results[i], i * 1000003 + salt) << "item " << i;
      ASSERT_LT(by[i], participants);
    }
  }
};

TEST(CryptoFanout, OwnerCompletesAloneWhenNoHelperEverJoins) {
  CryptoFanout fanout(2);
  Job job(100);
  fanout.run(0, job.results.size(), 8, job);
  job.check(2);
  for (size_t who : job.by) EXPECT_EQ(who, 0u);
  const FanoutStats s = fanout.stats();
  EXPECT_EQ(s.jobs, 1u);
  EXPECT_EQ(s.items, 100u);
  EXPECT_EQ(s.helped_items, 0u);
  EXPECT_FALSE(fanout.pending());
}

TEST(CryptoFanout, EveryItemExactlyOnceWithHelpers) {
  CryptoFanout fanout(4);
  Helper h1(fanout, 1), h2(fanout, 2), h3(fanout, 3);
  for (size_t n : {1u, 3u, 4u, 5u, 64u, 255u, 1000u, 4096u}) {
    Job job(n);
    job.salt = n;
    fanout.run(0, n, 4, job);
    job.check(4);
  }
  h1.stop();
  h2.stop();
  h3.stop();
  const FanoutStats s = fanout.stats();
  EXPECT_EQ(s.jobs, 8u);
  EXPECT_EQ(s.items, 1u + 3 + 4 + 5 + 64 + 255 + 1000 + 4096);
}

// Slow items (a few microseconds each, as a 1400-byte seal is): a helper that starts while the
// job runs takes part; the owner still waits for its chunks before returning.
TEST(CryptoFanout, HelpersJoiningLateTakePart) {
  CryptoFanout fanout(2);
  size_t helped = 0;
  for (int attempt = 0; attempt < 20 && helped == 0; ++attempt) {
    Job job(2000);
    job.per_item = std::chrono::microseconds(5);
    std::unique_ptr<Helper> late;
    std::thread starter([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      late = std::make_unique<Helper>(fanout, 1);
    });
    fanout.run(0, job.results.size(), 4, job);
    job.check(2);
    starter.join();
    helped = late->stop();
    size_t by_helper = 0;
    for (size_t who : job.by) by_helper += who == 1;
    EXPECT_EQ(by_helper, helped);
  }
  EXPECT_GT(helped, 0u) << "the late helper never took a chunk in 20 jobs";
  EXPECT_EQ(fanout.stats().helped_items, helped);
}

TEST(CryptoFanout, ManyJobsInARow) {
  CryptoFanout fanout(3);
  Helper h1(fanout, 1), h2(fanout, 2);
  constexpr size_t kJobs = 5000;
  for (size_t j = 0; j < kJobs; ++j) {
    Job job(1 + j % 70);
    job.salt = j;
    fanout.run(0, job.results.size(), 1 + j % 8, job);
    job.check(3);
    if (::testing::Test::HasFatalFailure()) return;
  }
  const size_t helped = h1.stop() + h2.stop();
  const FanoutStats s = fanout.stats();
  EXPECT_EQ(s.jobs, kJobs);
  EXPECT_EQ(s.helped_items, helped);
}

// Two participants, each publishing its own jobs and helping with the other's in between, as
// two busy shards do.
TEST(CryptoFanout, TwoOwnersHelpEachOther) {
  CryptoFanout fanout(2);
  std::atomic<bool> failed{false};
  auto owner = [&](size_t who) {
    for (size_t j = 0; j < 2000; ++j) {
      Job job(16 + j % 50);
      job.salt = j * 2 + who;
      fanout.run(who, job.results.size(), 4, job);
      for (size_t i = 0; i < job.results.size(); ++i) {
        if (job.hits[i].load() != 1 || job.results[i] != i * 1000003 + job.salt) failed = true;
      }
      if (fanout.pending()) fanout.help(who);
    }
  };
  std::thread a(owner, 0), b(owner, 1);
  a.join();
  b.join();
  EXPECT_FALSE(failed.load());
  EXPECT_EQ(fanout.stats().jobs, 4000u);
}

// An idle participant is woken through its eventfd, once; a busy one is not.
TEST(CryptoFanout, WakesOnlyIdleParticipants) {
  CryptoFanout fanout(2);
  io::Fd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  ASSERT_TRUE(wake.valid());
  fanout.set_wake_fd(1, wake.get());
  Job busy(40);
  fanout.run(0, 40, 4, busy);  // participant 1 never said it was idle
  uint64_t count = 0;
  EXPECT_LT(::read(wake.get(), &count, sizeof count), 0);

  ASSERT_TRUE(fanout.going_idle(1));
  Job first(40), second(40);
  fanout.run(0, 40, 4, first);
  fanout.run(0, 40, 4, second);  // not idle any more until it says so again
  ASSERT_EQ(::read(wake.get(), &count, sizeof count), 8);
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(fanout.stats().wakes, 1u);
  fanout.awake(1);
}

}  // namespace
}  // namespace ovpn::engine
