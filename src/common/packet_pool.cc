#include "common/packet_pool.h"

#include <cstdlib>
#include <new>

namespace ovpn {
namespace {
constexpr size_t kAlign = 64;
size_t round_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
}  // namespace

PacketPool::PacketPool(size_t count, size_t buffer_size, size_t headroom)
    : count_(count), buffer_size_(round_up(buffer_size)), headroom_(headroom) {
  slab_ = static_cast<uint8_t*>(std::aligned_alloc(kAlign, count_ * buffer_size_ + kAlign));
  if (slab_ == nullptr) throw std::bad_alloc();  // allocation failure is fatal (DESIGN 5)
  free_.reserve(count_);
  for (size_t i = count_; i > 0; --i) free_.push_back(static_cast<uint32_t>(i - 1));
}

PacketPool::~PacketPool() { std::free(slab_); }

bool PacketPool::get(PacketBuf& out) noexcept {
  if (free_.empty()) return false;
  const uint32_t index = free_.back();
  free_.pop_back();
  out = PacketBuf(slab_ + size_t{index} * buffer_size_, buffer_size_, headroom_);
  return true;
}

size_t PacketPool::index_of(const PacketBuf& buf) const noexcept {
  const uint8_t* start = buf.data() - buf.headroom();
  if (start < slab_ || start >= slab_ + count_ * buffer_size_) return count_;
  const auto offset = static_cast<size_t>(start - slab_);
  if (offset % buffer_size_ != 0) return count_;
  return offset / buffer_size_;
}

void PacketPool::put(const PacketBuf& buf) noexcept {
  const size_t index = index_of(buf);
  if (index >= count_ || free_.size() >= count_) return;
  free_.push_back(static_cast<uint32_t>(index));  // capacity reserved: never allocates
}

}  // namespace ovpn
