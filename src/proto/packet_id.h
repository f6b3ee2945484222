#pragma once
// The send side of a data-channel packet id: one counter per key, shared by every shard that
// seals with that key, on its own cache line so that it does not false-share with the key.
//
// Ids start at 1 (0 is never valid). The counter never wraps: once the last id has been handed
// out, next() returns 0 forever and the key is dead (fail closed: a nonce is never reused).
// Past the soft limit the caller asks the control plane for a new key (OpenVPN renegotiates at
// 0xFF000000 and stops at 0xFFFFFFFF; the epoch format has a 48-bit counter).

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace ovpn::proto {

inline constexpr uint64_t kPacketIdLast32 = 0xFFFFFFFFULL;
inline constexpr uint64_t kPacketIdSoftLimit32 = 0xFF000000ULL;

class alignas(64) PacketIdSender {
 public:
  explicit PacketIdSender(uint64_t last = kPacketIdLast32,
                          uint64_t soft_limit = kPacketIdSoftLimit32) noexcept
      : last_(last), soft_limit_(soft_limit) {}

  // Thread: any. The next id, or 0 when the id space is exhausted.
  uint64_t next() noexcept {
    const uint64_t id = counter_.fetch_add(1, std::memory_order_relaxed) + 1;
    return id <= last_ ? id : 0;
  }
  // Thread: any. Reserves n consecutive ids for a batch; returns the first, or 0 when fewer than
  // n are left (then none of them may be used).
  uint64_t next_n(uint64_t n) noexcept {
    const uint64_t first = counter_.fetch_add(n, std::memory_order_relaxed) + 1;
    return first + n - 1 <= last_ ? first : 0;
  }
  // Ids taken together: the usable ones are [first, first + count).
  struct Range {
    uint64_t first = 0;
    uint64_t count = 0;
  };
  // Thread: any. Takes n consecutive ids with one atomic step: the ids n calls of next() in a
  // row would have returned, of which the nonzero ones are [first, first + count) (count < n
  // only where the id space runs out; 0 once it has).
  Range next_range(uint64_t n) noexcept {
    const uint64_t first = counter_.fetch_add(n, std::memory_order_relaxed) + 1;
    if (first > last_) return Range{};
    return Range{first, std::min(n, last_ - first + 1)};
  }
  // True once ids at or past the soft limit are being handed out.
  bool past_soft_limit() const noexcept {
    return counter_.load(std::memory_order_relaxed) >= soft_limit_;
  }
  bool exhausted() const noexcept { return counter_.load(std::memory_order_relaxed) >= last_; }
  uint64_t last() const noexcept { return last_; }

  // Test hook: moves the counter so that the next id is `next_id`.
  void set_next_for_test(uint64_t next_id) noexcept {
    counter_.store(next_id - 1, std::memory_order_relaxed);
  }

 private:
  std::atomic<uint64_t> counter_{0};  // the last id handed out; 64-bit so that it cannot wrap
  const uint64_t last_;
  const uint64_t soft_limit_;
};

static_assert(sizeof(PacketIdSender) == 64);

}  // namespace ovpn::proto
