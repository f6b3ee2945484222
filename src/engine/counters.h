#pragma once
// Per-shard, per-peer counters. Each shard writes only its own block (one cache line apart from
// the others, so there is no false sharing); the control thread sums the blocks when asked.
// A single writer needs no atomic read-modify-write: relaxed load + store is enough, and
// readers see a value at most one update old.

#include <array>
#include <atomic>
#include <cstdint>

#include "common/drop.h"

namespace ovpn::engine {

class Counter {
 public:
  // Thread: the owning shard.
  void add(uint64_t n) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // Thread: any.
  uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

struct alignas(64) ShardCounters {
  Counter vpn_rx_bytes, vpn_rx_packets, vpn_tx_bytes, vpn_tx_packets;
  Counter link_rx_bytes, link_rx_packets, link_tx_bytes, link_tx_packets;
  std::array<Counter, kDropReasonCount> drops;

  void drop(Drop reason) noexcept { drops[static_cast<size_t>(reason)].add(1); }
};

}  // namespace ovpn::engine
