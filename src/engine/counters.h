#pragma once
// Per-shard, per-peer counters. Each shard writes only its own block (one cache line apart from
// the others, so there is no false sharing); the control thread sums the blocks when asked.
// A single writer needs no atomic read-modify-write: relaxed load + store is enough, and
// readers see a value at most one update old.

#include <array>
#include <atomic>
#include <cstdint>

#include "common/drop.h"
#include "dco/dco.h"

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

// What the TUN offloads did (dco::TunOffloadCounters, as the API reports them): super-packets
// read and cut (TSO for TCP, USO for UDP), and super-packets written with the packets merged
// into them (writes saved: packets - writes); merges the kernel refused (EINVAL: their packets
// were written one by one).
using OffloadStats = dco::TunOffloadCounters;

struct alignas(64) OffloadCounters {
  Counter tso_reads, tso_segments, uso_reads, uso_segments;
  Counter tcp_gso_writes, tcp_gso_packets, udp_gso_writes, udp_gso_packets;
  Counter gso_refused;

  // Thread: any.
  void add_to(OffloadStats& s) const noexcept {
    s.tso_reads += tso_reads.get();
    s.tso_segments += tso_segments.get();
    s.uso_reads += uso_reads.get();
    s.uso_segments += uso_segments.get();
    s.tcp_gso_writes += tcp_gso_writes.get();
    s.tcp_gso_packets += tcp_gso_packets.get();
    s.udp_gso_writes += udp_gso_writes.get();
    s.udp_gso_packets += udp_gso_packets.get();
    s.gso_refused += gso_refused.get();
  }
};

}  // namespace ovpn::engine
