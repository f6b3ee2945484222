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
// Layout for the per-packet path: an in-order packet (the common case) reads and writes only
// the first 56 bytes (Hot), so that a lock placed in front of the window shares its cache line:
//   * the bitmap block of the highest id lives there (head_word), the other blocks in a ring
//     that an in-order packet touches once per 64 ids, when the head block moves on;
//   * the newest checkpoint is "open": its highest id is highest_ itself, so a packet in the
//     same bucket writes no history; it is closed into the history when a new bucket begins;
//   * the time at which the oldest checkpoint retires is cached, so expiry costs one
//     comparison until something actually retires.
//
// Thread: owning shard (not safe for concurrent use).

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

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
  // What an in-order packet touches: the members up to and including bucket_seconds_.
  static constexpr size_t kHotBytes = 56;

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
    if (now > retire_after_) [[unlikely]]
      expire(now);
    const ReplayVerdict verdict = check(id, now);
    if (verdict != ReplayVerdict::kOk) return verdict;
    if (id > highest_) {
      if (backtrack_ != 0 && (now < open_start_ || now >= open_end_)) open_checkpoint(now);
      advance_to(id);
    }
    set_bit(id);
    return ReplayVerdict::kOk;
  }

  uint64_t highest() const noexcept { return highest_; }

 private:
  static constexpr size_t kBlocks = kWindow / 64 + 1;
  static constexpr size_t kHistory = 32;  // checkpoints, the open one included
  static constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

  // A closed checkpoint: the highest id when its bucket ended, and the last `now` at which an
  // arrival in that bucket is not yet older than the backtrack.
  struct Checkpoint {
    uint64_t retire_after;
    uint64_t highest;
  };

  bool bit_is_set(uint64_t id) const noexcept {
    const uint64_t block = id >> 6;
    const uint64_t word = block == highest_ >> 6 ? head_word_ : ring_[block % kBlocks];
    return (word >> (id & 63)) & 1;
  }
  void set_bit(uint64_t id) noexcept {
    const uint64_t block = id >> 6;
    const uint64_t bit = uint64_t{1} << (id & 63);
    if (block == highest_ >> 6) {
      head_word_ |= bit;
    } else {
      ring_[block % kBlocks] |= bit;
    }
  }

  void advance_to(uint64_t id) noexcept {
    const uint64_t old_block = highest_ >> 6;
    const uint64_t new_block = id >> 6;
    if (new_block != old_block) {
      if (new_block - old_block >= kBlocks) {
        ring_.fill(0);
      } else {
        ring_[old_block % kBlocks] = head_word_;
        for (uint64_t b = old_block + 1; b < new_block; ++b) ring_[b % kBlocks] = 0;
      }
      head_word_ = 0;  // new_block's ring slot is stale until the head moves on from it
    }
    highest_ = id;
  }

  // The open checkpoint retires once every arrival in its bucket is older than the backtrack.
  uint64_t open_retire_after() const noexcept { return open_end_ - 1 + backtrack_; }
  const Checkpoint& oldest() const noexcept { return history_[history_head_]; }
  void update_retire_after() noexcept {
    retire_after_ = history_size_ > 0 ? oldest().retire_after
                    : open_end_ != 0  ? open_retire_after()
                                      : kNever;
  }

  uint64_t expired_floor_at(uint64_t now) const noexcept {
    uint64_t floor = expired_floor_;
    if (now <= retire_after_) return floor;  // nothing has retired since expire()
    for (size_t i = 0; i < history_size_; ++i) {
      const Checkpoint& cp = history_[(history_head_ + i) % kHistory];
      if (now <= cp.retire_after) return floor;
      floor = cp.highest;
    }
    if (open_end_ != 0 && now > open_retire_after()) floor = highest_;
    return floor;
  }

  void expire(uint64_t now) noexcept {
    while (history_size_ > 0 && now > oldest().retire_after) pop_oldest();
    if (history_size_ == 0 && open_end_ != 0 && now > open_retire_after()) {
      expired_floor_ = highest_;
      open_start_ = open_end_ = 0;
    }
    update_retire_after();
  }

  void pop_oldest() noexcept {
    expired_floor_ = oldest().highest;
    history_head_ = (history_head_ + 1) % kHistory;
    --history_size_;
  }

  // The highest id is about to move in a bucket other than the open checkpoint's: close that
  // one (its highest is the current one) and open a checkpoint for `now`'s bucket.
  void open_checkpoint(uint64_t now) noexcept {
    if (open_end_ != 0) {
      if (history_size_ == kHistory - 1) pop_oldest();  // cannot happen (see above); stay strict
      history_[(history_head_ + history_size_) % kHistory] =
          Checkpoint{open_retire_after(), highest_};
      ++history_size_;
    }
    open_start_ = now / bucket_seconds_ * bucket_seconds_;
    open_end_ = open_start_ + bucket_seconds_;
    update_retire_after();
  }

  // Hot (kHotBytes).
  uint64_t highest_ = 0;
  uint64_t head_word_ = 0;          // the bitmap block of highest_
  uint64_t retire_after_ = kNever;  // a `now` past this retires the oldest checkpoint
  uint64_t open_start_ = 0;         // the open checkpoint's bucket, [start, end) in seconds;
  uint64_t open_end_ = 0;           // end 0: none (every checkpoint has retired, or none yet)
  uint64_t expired_floor_ = 0;      // ids at or below this are expired by the time rule
  uint32_t backtrack_;
  uint32_t bucket_seconds_;
  // Cold.
  std::array<uint64_t, kBlocks> ring_{};        // the other blocks, block b at b % kBlocks
  std::array<Checkpoint, kHistory> history_{};  // closed checkpoints, oldest first
  size_t history_head_ = 0;
  size_t history_size_ = 0;  // at most kHistory - 1: the open checkpoint is the last
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
