#pragma once
// One key's receive replay window, shared by the shards that open its packets. A peer's
// packets normally arrive on one shard (SO_REUSEPORT hashes the 4-tuple), but after a float or
// with several sockets in play two shards may open packets of the same key, so the window
// stays behind a lock. The lock is a SpinLock placed right in front of the window's hot bytes:
// an in-order packet takes the lock, checks and records its id on one cache line.

#include <cstdint>
#include <mutex>

#include "engine/spin_lock.h"
#include "proto/replay_window.h"

namespace ovpn::engine {

class alignas(64) SharedReplayWindow {
 public:
  // Thread: any. Call only after the packet has been authenticated.
  proto::ReplayVerdict accept(uint64_t packet_id, uint64_t now_s) noexcept {
    std::lock_guard<SpinLock> lock(lock_);
    return window_.accept(packet_id, now_s);
  }

 private:
  SpinLock lock_;
  proto::DataReplayWindow window_;  // guarded by lock_
};

// The lock (4 bytes, padded to the window's 8-byte alignment) and the hot part of the window
// fill the first cache line.
static_assert(alignof(proto::DataReplayWindow) == 8 && sizeof(SpinLock) <= 8);
static_assert(8 + proto::DataReplayWindow::kHotBytes <= 64);

}  // namespace ovpn::engine
