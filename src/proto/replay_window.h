#pragma once
// Receive-side replay protection with OpenVPN's semantics (packet_id.c) and the kernel
// module's window size.
//
// A packet id is accepted when
//   * it is not 0, and
//   * it is higher than every id seen so far, or
//   * it is less than kWindow below the highest, has not been seen, and no packet with a
//     higher id arrived more than `backtrack_seconds` ago (OpenVPN's time rule: a reordered
//     packet may be late by some positions, but not by much time). A backtrack of 0 turns the
//     time rule off, as `--replay-window n 0` does in OpenVPN.
//
// The caller runs check()/accept() only AFTER the packet has been authenticated: an
// unauthenticated packet must never move the window.
//
// The bitmap follows RFC 6479 (one extra 64-bit block so that exactly kWindow ids behind the
// highest are tracked). The time rule needs the highest id as it was `backtrack_seconds` ago:
// it is kept as a short history of (time bucket, highest id) checkpoints, one per bucket in
// which the highest id moved. With a bucket of one second (backtrack <= 16 s, OpenVPN's default
// is 15 s) this is exact for whole-second clocks; longer backtracks use coarser buckets and are
// lenient by at most one bucket.
//
// Thread: owning shard (not safe for concurrent use).

#include <array>
#include <cstddef>
#include <cstdint>

namespace ovpn::proto {

enum class ReplayVerdict : uint8_t {
  kOk,       // fresh: accept
  kZero,     // id 0 is never valid
  kReplay,   // already seen
  kTooOld,   // further behind the highest id than the window reaches
  kExpired,  // inside the window, but a higher id arrived more than backtrack seconds ago
};

const char* replay_verdict_name(ReplayVerdict v) noexcept;

template <size_t kWindow>
class ReplayWindow {
  static_assert(kWindow >= 64 && kWindow % 64 == 0 && (kWindow & (kWindow - 1)) == 0,
                "the window is a power of two, at least 64");

 public:
  static constexpr size_t kWindowSize = kWindow;
  static constexpr uint32_t kDefaultBacktrackSeconds = 15;

  explicit ReplayWindow(uint32_t backtrack_seconds = kDefaultBacktrackSeconds) noexcept
      : backtrack_(backtrack_seconds),
        bucket_seconds_(backtrack_seconds <= kHistory / 2 ? 1 : (backtrack_seconds + 15) / 16) {}

  // Would `id` be accepted at time `now` (seconds, monotonic)? Changes nothing.
  ReplayVerdict check(uint64_t id, uint64_t now) const noexcept {
    if (id == 0) return ReplayVerdict::kZero;
    if (id > highest_) return ReplayVerdict::kOk;
    if (highest_ - id >= kWindow) return ReplayVerdict::kTooOld;
    if (bit_is_set(id)) return ReplayVerdict::kReplay;
    if (backtrack_ != 0 && id <= expired_floor_at(now)) return ReplayVerdict::kExpired;
    return ReplayVerdict::kOk;
  }

  // check(), and on kOk records the id. Call only for authenticated packets.
  ReplayVerdict accept(uint64_t id, uint64_t now) noexcept {
    expire(now);
    const ReplayVerdict verdict = check(id, now);
    if (verdict != ReplayVerdict::kOk) return verdict;
    if (id > highest_) {
      advance_to(id);
      if (backtrack_ != 0) note_highest(now);
    }
    set_bit(id);
    return ReplayVerdict::kOk;
  }

  uint64_t highest() const noexcept { return highest_; }

 private:
  static constexpr size_t kBlocks = kWindow / 64 + 1;
  static constexpr size_t kHistory = 32;

  struct Checkpoint {
    uint64_t bucket;
    uint64_t highest;
  };

  bool bit_is_set(uint64_t id) const noexcept {
    return (bitmap_[(id >> 6) % kBlocks] >> (id & 63)) & 1;
  }
  void set_bit(uint64_t id) noexcept { bitmap_[(id >> 6) % kBlocks] |= uint64_t{1} << (id & 63); }

  void advance_to(uint64_t id) noexcept {
    const uint64_t old_block = highest_ >> 6;
    const uint64_t new_block = id >> 6;
    const uint64_t steps = new_block - old_block;
    if (steps >= kBlocks) {
      bitmap_.fill(0);
    } else {
      for (uint64_t b = old_block + 1; b <= new_block; ++b) bitmap_[b % kBlocks] = 0;
    }
    highest_ = id;
  }

  // A checkpoint may be retired once every arrival it covers is older than the backtrack.
  bool retired(const Checkpoint& cp, uint64_t now) const noexcept {
    return (cp.bucket + 1) * bucket_seconds_ - 1 + backtrack_ < now;
  }

  uint64_t expired_floor_at(uint64_t now) const noexcept {
    uint64_t floor = expired_floor_;
    for (size_t i = 0; i < history_size_; ++i) {
      const Checkpoint& cp = history_[(history_head_ + i) % kHistory];
      if (!retired(cp, now)) break;
      floor = cp.highest;
    }
    return floor;
  }

  void expire(uint64_t now) noexcept {
    while (history_size_ > 0 && retired(history_[history_head_], now)) {
      expired_floor_ = history_[history_head_].highest;
      history_head_ = (history_head_ + 1) % kHistory;
      --history_size_;
    }
  }

  void note_highest(uint64_t now) noexcept {
    const uint64_t bucket = now / bucket_seconds_;
    if (history_size_ > 0) {
      Checkpoint& last = history_[(history_head_ + history_size_ - 1) % kHistory];
      if (last.bucket == bucket) {
        last.highest = highest_;
        return;
      }
    }
    if (history_size_ == kHistory) {  // cannot happen with the bucket sizes above; stay strict
      expired_floor_ = history_[history_head_].highest;
      history_head_ = (history_head_ + 1) % kHistory;
      --history_size_;
    }
    history_[(history_head_ + history_size_) % kHistory] = Checkpoint{bucket, highest_};
    ++history_size_;
  }

  uint64_t highest_ = 0;
  uint64_t expired_floor_ = 0;  // ids at or below this are expired by the time rule
  std::array<uint64_t, kBlocks> bitmap_{};
  uint64_t backtrack_;
  uint64_t bucket_seconds_;
  std::array<Checkpoint, kHistory> history_{};
  size_t history_head_ = 0;
  size_t history_size_ = 0;
};

// The data channel's window: 2048 packets, as in the Linux ovpn module.
using DataReplayWindow = ReplayWindow<2048>;

// The control channel's tls-auth / tls-crypt replay protection: (time, id) pairs, where time is
// the sender's start time and the major key (a newer time restarts the window, an older one is
// rejected), and OpenVPN's default window of 64 packets.
class WrapReplayWindow {
 public:
  explicit WrapReplayWindow(uint32_t backtrack_seconds = 15) noexcept
      : backtrack_(backtrack_seconds), window_(backtrack_seconds) {}

  ReplayVerdict accept(uint32_t id, uint32_t time, uint64_t now) noexcept {
    if (id == 0) return ReplayVerdict::kZero;
    if (have_time_ && time < time_) return ReplayVerdict::kTooOld;
    if (!have_time_ || time > time_) {
      window_ = ReplayWindow<64>(backtrack_);
      time_ = time;
      have_time_ = true;
    }
    return window_.accept(id, now);
  }

 private:
  uint32_t backtrack_;
  ReplayWindow<64> window_;
  uint32_t time_ = 0;
  bool have_time_ = false;
};

}  // namespace ovpn::proto
