#pragma once
// What the engine keeps of a peer across snapshots (peer_table.h): the parts shards change —
// counters, the last-activity times keepalive reads, and the remote endpoint, which a float
// moves. Immutable configuration lives in the snapshot entry.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "common/ip_address.h"
#include "common/strong_id.h"
#include "engine/atomic_endpoint.h"
#include "engine/counters.h"

namespace ovpn::engine {

class PeerState {
 public:
  // Thread: control. `shards` + 1 counter blocks (the last for the housekeeping thread).
  PeerState(PeerId id, size_t shards, uint64_t created_ms = 0)
      : id_(id), created_ms_(created_ms), counters_(shards + 1) {}

  PeerId id() const noexcept { return id_; }
  uint64_t created_ms() const noexcept { return created_ms_; }
  // Thread: the owner of block `i`.
  ShardCounters& counters(size_t i) noexcept { return counters_[i]; }
  const std::vector<ShardCounters>& all_counters() const noexcept { return counters_; }

  // Thread: any. Monotonic milliseconds of the last authenticated receive / the last send.
  // Written only when the value changes: the packets of a fanned-out batch (crypto_fanout.h),
  // opened on several cores within one millisecond, then do not move the line between them.
  void touch_rx(uint64_t now_ms) noexcept { touch(last_rx_ms_, now_ms); }
  void touch_tx(uint64_t now_ms) noexcept { touch(last_tx_ms_, now_ms); }
  uint64_t last_rx_ms() const noexcept { return last_rx_ms_.load(std::memory_order_relaxed); }
  uint64_t last_tx_ms() const noexcept { return last_tx_ms_.load(std::memory_order_relaxed); }

  // Thread: any. The UDP remote, read per packet without a lock; a float replaces it.
  Endpoint remote() const noexcept { return remote_.load(); }
  // Thread: any; serialised by the caller (float_mu()).
  void set_remote(const Endpoint& remote) noexcept { remote_.store(remote); }
  std::mutex& float_mu() noexcept { return float_mu_; }

  // Thread: any. Set once when the peer is removed; shards stop using it.
  void mark_dead() noexcept { dead_.store(true, std::memory_order_release); }
  bool dead() const noexcept { return dead_.load(std::memory_order_acquire); }

 private:
  static void touch(std::atomic<uint64_t>& at, uint64_t now_ms) noexcept {
    if (at.load(std::memory_order_relaxed) != now_ms) at.store(now_ms, std::memory_order_relaxed);
  }

  const PeerId id_;
  const uint64_t created_ms_;
  std::vector<ShardCounters> counters_;
  std::atomic<uint64_t> last_rx_ms_{0};
  std::atomic<uint64_t> last_tx_ms_{0};
  AtomicEndpoint remote_;
  std::mutex float_mu_;  // serialises writers of remote_ (floats from different shards)
  std::atomic<bool> dead_{false};
};

}  // namespace ovpn::engine
