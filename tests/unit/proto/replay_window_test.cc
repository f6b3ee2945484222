#include "proto/replay_window.h"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <random>
#include <set>
#include <string>

namespace ovpn::proto {
namespace {

// The rules at the top of replay_window.h, written as plainly as possible: every accepted id
// and the time it arrived. Entries a full window behind the highest id are pruned; they can
// no longer decide a verdict (anything below them is too old).
class NaiveWindow {
 public:
  NaiveWindow(uint64_t window, uint64_t backtrack) : window_(window), backtrack_(backtrack) {}

  ReplayVerdict check(uint64_t id, uint64_t now) const { return check_with(id, now, backtrack_); }

  // The verdict under a different backtrack, to bound the leniency of coarse buckets.
  ReplayVerdict check_with(uint64_t id, uint64_t now, uint64_t backtrack) const {
    if (id == 0) return ReplayVerdict::kZero;
    if (id > highest_) return ReplayVerdict::kOk;
    if (highest_ - id >= window_) return ReplayVerdict::kTooOld;
    if (arrived_.count(id) != 0) return ReplayVerdict::kReplay;
    // "No packet with a higher id arrived more than backtrack seconds ago" (0: no time rule).
    if (backtrack == 0) return ReplayVerdict::kOk;
    for (auto it = arrived_.upper_bound(id); it != arrived_.end(); ++it) {
      if (it->second + backtrack < now) return ReplayVerdict::kExpired;
    }
    return ReplayVerdict::kOk;
  }

  void record(uint64_t id, uint64_t now) {
    arrived_[id] = now;
    if (id > highest_) highest_ = id;
    if (highest_ >= window_)
      arrived_.erase(arrived_.begin(), arrived_.upper_bound(highest_ - window_));
  }

  uint64_t highest() const { return highest_; }

 private:
  uint64_t window_;
  uint64_t backtrack_;
  uint64_t highest_ = 0;
  std::map<uint64_t, uint64_t> arrived_;  // accepted id -> arrival time
};

struct FuzzParams {
  size_t window;        // 64 or 2048
  uint32_t backtrack;   // seconds
  double advance_prob;  // chance that the clock moves (by 0..max_step s) before an operation
  uint64_t max_step;
  uint64_t start;  // first id, to also cover ids near the 32-bit limit
  int ops;
};

std::string param_name(const ::testing::TestParamInfo<FuzzParams>& info) {
  const FuzzParams& p = info.param;
  return "w" + std::to_string(p.window) + "_bt" + std::to_string(p.backtrack) + "_adv" +
         std::to_string(static_cast<int>(p.advance_prob * 100)) + "_step" +
         std::to_string(p.max_step) + "_start" + std::to_string(p.start);
}

// A packet id near the model's highest: in order with gaps, reordered, duplicated, at the window
// edge, far ahead, or 0.
class IdSource {
 public:
  IdSource(uint64_t window, uint32_t seed) : window_(window), rng_(seed) {}

  uint64_t next(uint64_t highest) {
    const uint64_t kind = pick(0, 999);
    const uint64_t w = window_;
    auto behind = [&](uint64_t d) { return d > highest ? uint64_t{1} : highest - d; };
    if (kind < 450) return highest + pick(1, 4);
    if (kind < 650) return behind(pick(0, w + w / 8));
    if (kind < 750) return behind(pick(0, 16));
    if (kind < 850) return recent_[pick(0, recent_.size() - 1)];
    if (kind < 890) return behind(w - 2 + pick(0, 3));  // highest - w + 2 .. highest - w - 1
    if (kind < 910) return 0;
    if (kind < 911) return highest + pick(w - 2, 3 * w);
    return highest + pick(5, w / 8);
  }

  void accepted(uint64_t id) { recent_[recent_pos_++ % recent_.size()] = id; }
  uint64_t pick(uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

 private:
  uint64_t window_;
  std::mt19937_64 rng_;
  std::array<uint64_t, 64> recent_{};
  size_t recent_pos_ = 0;
};

template <size_t kWindow>
void run_differential(const FuzzParams& p) {
  ReplayWindow<kWindow> window(p.backtrack);
  NaiveWindow model(kWindow, p.backtrack);
  IdSource ids(kWindow, p.backtrack * 7919 + static_cast<uint32_t>(p.advance_prob * 1000));
  // Buckets are one second up to 16 s of backtrack; beyond, they may be lenient by one bucket.
  const bool exact = p.backtrack <= 16;
  const uint64_t bucket = exact ? 1 : (p.backtrack + 15) / 16;

  uint64_t now = 1000;
  size_t counts[5] = {};
  size_t lenient = 0;
  ASSERT_EQ(window.accept(p.start, now), ReplayVerdict::kOk);
  model.record(p.start, now);
  for (int op = 0; op < p.ops; ++op) {
    if (ids.chance(p.advance_prob)) now += ids.pick(0, p.max_step);
    const uint64_t id = ids.next(model.highest());
    const ReplayVerdict want = model.check(id, now);
    const ReplayVerdict got_check = window.check(id, now);
    const bool check_only = ids.chance(0.05);
    const ReplayVerdict got = check_only ? got_check : window.accept(id, now);
    ASSERT_EQ(got_check, got);
    if (exact || got != ReplayVerdict::kOk || want != ReplayVerdict::kExpired) {
      ASSERT_EQ(replay_verdict_name(got), std::string(replay_verdict_name(want)))
          << "op " << op << " id " << id << " highest " << model.highest() << " ("
          << static_cast<int64_t>(model.highest() - id) << " behind) now " << now;
    } else {
      // Leniency: accepted late, but not later than one bucket past the backtrack.
      ASSERT_EQ(model.check_with(id, now, p.backtrack + bucket), ReplayVerdict::kOk)
          << "op " << op << " id " << id << " now " << now;
      ++lenient;
    }
    ++counts[static_cast<int>(want)];
    if (!check_only && got == ReplayVerdict::kOk) {
      model.record(id, now);
      ids.accepted(id);
    }
    ASSERT_EQ(window.highest(), model.highest());
  }
  // The random operations must reach every verdict (and, for coarse buckets, the leniency).
  for (size_t v = 0; v < 4; ++v) {
    EXPECT_GT(counts[v], 0u) << replay_verdict_name(static_cast<ReplayVerdict>(v));
  }
  if (p.backtrack == 0) {  // no time rule at all
    EXPECT_EQ(counts[static_cast<int>(ReplayVerdict::kExpired)], 0u);
  } else if (p.advance_prob >= 0.3) {
    EXPECT_GT(counts[static_cast<int>(ReplayVerdict::kExpired)], 0u);
  }
  if (!exact) {
    EXPECT_GT(lenient, 0u);
  }
}

class ReplayWindowDifferential : public ::testing::TestWithParam<FuzzParams> {};

TEST_P(ReplayWindowDifferential, MatchesTheDocumentedRules) {
  const FuzzParams& p = GetParam();
  if (p.window == 64) {
    run_differential<64>(p);
  } else {
    run_differential<2048>(p);
  }
}

std::vector<FuzzParams> fuzz_params() {
  std::vector<FuzzParams> out;
  for (size_t window : {size_t{64}, size_t{2048}}) {
    for (uint32_t backtrack : {0u, 1u, 2u, 5u, 15u, 16u}) {
      for (double advance : {0.0, 0.02, 0.3, 1.0}) {
        out.push_back({window, backtrack, advance, 3, 1, 10000});
      }
    }
    out.push_back({window, 15, 0.3, 3, 0xFFFF0000ULL, 20000});
    // Coarse buckets: checked for bounded leniency only.
    out.push_back({window, 60, 1.0, 20, 1, 20000});
    out.push_back({window, 600, 1.0, 200, 1, 20000});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Random, ReplayWindowDifferential, ::testing::ValuesIn(fuzz_params()),
                         param_name);

TEST(ReplayWindow, IdZeroIsNeverValid) {
  DataReplayWindow w;
  EXPECT_EQ(w.check(0, 0), ReplayVerdict::kZero);
  EXPECT_EQ(w.accept(0, 0), ReplayVerdict::kZero);
  EXPECT_EQ(w.accept(1, 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.accept(0, 0), ReplayVerdict::kZero);
  EXPECT_EQ(w.highest(), 1u);
}

TEST(ReplayWindow, Replays) {
  DataReplayWindow w;
  EXPECT_EQ(w.accept(10, 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.accept(10, 0), ReplayVerdict::kReplay);
  EXPECT_EQ(w.accept(9, 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.check(9, 0), ReplayVerdict::kReplay);
  EXPECT_EQ(w.accept(9, 0), ReplayVerdict::kReplay);
  EXPECT_EQ(w.check(8, 0), ReplayVerdict::kOk);  // check() records nothing
  EXPECT_EQ(w.check(8, 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.highest(), 10u);
}

template <size_t kWindow>
void expect_window_edge() {
  ReplayWindow<kWindow> w;
  const uint64_t top = 100000;
  ASSERT_EQ(w.accept(top, 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.accept(top - kWindow, 0), ReplayVerdict::kTooOld);
  EXPECT_EQ(w.accept(top - kWindow - 1, 0), ReplayVerdict::kTooOld);
  EXPECT_EQ(w.accept(top - (kWindow - 1), 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.accept(top - (kWindow - 1), 0), ReplayVerdict::kReplay);
  // One step forward pushes that id out of the window.
  ASSERT_EQ(w.accept(top + 1, 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.check(top - (kWindow - 1), 0), ReplayVerdict::kTooOld);
  EXPECT_EQ(w.check(top - (kWindow - 2), 0), ReplayVerdict::kOk);
}

TEST(ReplayWindow, WindowEdge) {
  expect_window_edge<64>();
  expect_window_edge<2048>();
}

TEST(ReplayWindow, JumpClearsOldBits) {
  DataReplayWindow w;
  for (uint64_t id = 1; id <= 3000; ++id) ASSERT_EQ(w.accept(id, 0), ReplayVerdict::kOk);
  const uint64_t far = 3000 + 5000;
  ASSERT_EQ(w.accept(far, 0), ReplayVerdict::kOk);
  // Every id still in the window is fresh, even where old bits lived in the same blocks.
  for (uint64_t id = far - 2047; id < far; ++id) ASSERT_EQ(w.check(id, 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.check(3000, 0), ReplayVerdict::kTooOld);
  // A jump of less than a window keeps the overlap.
  ASSERT_EQ(w.accept(far + 1000, 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.check(far, 0), ReplayVerdict::kReplay);
  EXPECT_EQ(w.check(far - 1, 0), ReplayVerdict::kOk);
}

TEST(ReplayWindow, BacktrackTimeRule) {
  DataReplayWindow w(15);
  ASSERT_EQ(w.accept(100, 1000), ReplayVerdict::kOk);
  // 100 arrived 15 s ago: not more than the backtrack.
  EXPECT_EQ(w.check(99, 1015), ReplayVerdict::kOk);
  EXPECT_EQ(w.check(99, 1016), ReplayVerdict::kExpired);
  // Ids above every expired arrival are still fine.
  ASSERT_EQ(w.accept(110, 1010), ReplayVerdict::kOk);
  EXPECT_EQ(w.accept(105, 1016), ReplayVerdict::kOk);
  EXPECT_EQ(w.accept(99, 1016), ReplayVerdict::kExpired);
  EXPECT_EQ(w.check(106, 1025), ReplayVerdict::kOk);
  EXPECT_EQ(w.check(106, 1026), ReplayVerdict::kExpired);
  // New highest ids are never late.
  EXPECT_EQ(w.accept(111, 5000), ReplayVerdict::kOk);
  EXPECT_EQ(w.accept(109, 5000), ReplayVerdict::kExpired);
}

TEST(WrapReplayWindow, TimeIsTheMajorKey) {
  WrapReplayWindow w;
  const uint32_t t = 1795510036;
  EXPECT_EQ(w.accept(0, t, 0), ReplayVerdict::kZero);
  EXPECT_EQ(w.accept(1, t, 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.accept(1, t, 0), ReplayVerdict::kReplay);
  EXPECT_EQ(w.accept(3, t, 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.accept(2, t, 0), ReplayVerdict::kOk);
  // An older time is rejected whatever the id.
  EXPECT_EQ(w.accept(4, t - 1, 0), ReplayVerdict::kTooOld);
  EXPECT_EQ(w.accept(1000, t - 1, 0), ReplayVerdict::kTooOld);
  // A newer time restarts the window: id 1 is fresh again, the old time is now too old.
  EXPECT_EQ(w.accept(1, t + 1, 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.accept(1, t + 1, 0), ReplayVerdict::kReplay);
  EXPECT_EQ(w.accept(4, t, 0), ReplayVerdict::kTooOld);
  EXPECT_EQ(w.accept(0, t + 1, 0), ReplayVerdict::kZero);
}

TEST(WrapReplayWindow, SixtyFourPacketWindowAndBacktrack) {
  WrapReplayWindow w(15);
  const uint32_t t = 7;
  ASSERT_EQ(w.accept(100, t, 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.accept(36, t, 0), ReplayVerdict::kTooOld);
  EXPECT_EQ(w.accept(37, t, 0), ReplayVerdict::kOk);
  EXPECT_EQ(w.accept(50, t, 16), ReplayVerdict::kExpired);
  EXPECT_EQ(w.accept(101, t, 16), ReplayVerdict::kOk);
}

TEST(ReplayVerdict, NamesAreDistinct) {
  std::set<std::string> names;
  for (int v = 0; v < 5; ++v) {
    EXPECT_TRUE(names.insert(replay_verdict_name(static_cast<ReplayVerdict>(v))).second);
  }
  EXPECT_EQ(names.count("unknown"), 0u);
}

}  // namespace
}  // namespace ovpn::proto

namespace ovpn::proto {
namespace {

// `--replay-window n 0` in OpenVPN: no time rule, only the window.
TEST(ReplayWindow, ZeroBacktrackDisablesTheTimeRule) {
  DataReplayWindow window(0);
  EXPECT_EQ(window.accept(10, 0), ReplayVerdict::kOk);
  EXPECT_EQ(window.accept(5, 3600), ReplayVerdict::kOk);
  EXPECT_EQ(window.accept(5, 3600), ReplayVerdict::kReplay);
}

}  // namespace
}  // namespace ovpn::proto
