#pragma once
// PacketPool: a fixed set of equal-sized, cache-aligned packet buffers owned by one shard.
// Allocation happens once, at construction; get() and put() are O(1) and never allocate.
//
// Thread: owning shard. A pool is not shared; a packet handed to another shard is returned to
// its own pool by the shard that owns the pool.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/packet_buf.h"

namespace ovpn {

class PacketPool {
 public:
  // `count` buffers of `buffer_size` bytes; packets start `headroom` bytes in.
  PacketPool(size_t count, size_t buffer_size, size_t headroom);
  PacketPool(const PacketPool&) = delete;
  PacketPool& operator=(const PacketPool&) = delete;
  ~PacketPool();

  // A free buffer, reset to the pool's headroom; false when none is left (count the drop).
  bool get(PacketBuf& out) noexcept;
  // Returns a buffer taken from this pool. Buffers from elsewhere are a bug and are ignored.
  void put(const PacketBuf& buf) noexcept;

  size_t available() const noexcept { return free_.size(); }
  size_t count() const noexcept { return count_; }
  size_t buffer_size() const noexcept { return buffer_size_; }

 private:
  size_t index_of(const PacketBuf& buf) const noexcept;

  size_t count_;
  size_t buffer_size_;
  size_t headroom_;
  uint8_t* slab_;
  std::vector<uint32_t> free_;  // stack of free buffer indices
};

}  // namespace ovpn
