#pragma once
// PacketBuf: a view of one packet inside a fixed storage block, with headroom in front so that
// headers are written and payloads sealed in place, never copied.
//
//   storage_                                                    storage_ + capacity_
//   |<------- headroom ------->|<------ size ------>|<------- tailroom ------->|
//                              data()
//
// PacketBuf does not own its storage (a PacketPool or a stack array does). Every call that
// grows the packet checks the room it needs and returns nullptr when it is not there.

#include <cstddef>
#include <cstdint>
#include <span>

namespace ovpn {

class PacketBuf {
 public:
  PacketBuf() = default;
  PacketBuf(uint8_t* storage, size_t capacity, size_t headroom) noexcept
      : storage_(storage), capacity_(capacity), head_(headroom > capacity ? capacity : headroom) {}

  uint8_t* data() noexcept { return storage_ + head_; }
  const uint8_t* data() const noexcept { return storage_ + head_; }
  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  size_t headroom() const noexcept { return head_; }
  size_t tailroom() const noexcept { return capacity_ - head_ - size_; }
  size_t capacity() const noexcept { return capacity_; }
  std::span<uint8_t> span() noexcept { return {data(), size_}; }
  std::span<const uint8_t> span() const noexcept { return {data(), size_}; }

  // Grows the packet by n bytes at the front (for a header). Returns the new start.
  uint8_t* push(size_t n) noexcept {
    if (n > head_) return nullptr;
    head_ -= n;
    size_ += n;
    return data();
  }
  // Removes n bytes from the front. Returns the new start.
  uint8_t* pull(size_t n) noexcept {
    if (n > size_) return nullptr;
    head_ += n;
    size_ -= n;
    return data();
  }
  // Grows the packet by n bytes at the end. Returns the first new byte.
  uint8_t* put(size_t n) noexcept {
    if (n > tailroom()) return nullptr;
    uint8_t* tail = data() + size_;
    size_ += n;
    return tail;
  }
  // Cuts the packet to len bytes (no-op when it is already shorter).
  void trim(size_t len) noexcept {
    if (len < size_) size_ = len;
  }
  // Empties the packet and puts the start back at `headroom` bytes into the storage.
  void reset(size_t headroom) noexcept {
    head_ = headroom > capacity_ ? capacity_ : headroom;
    size_ = 0;
  }

 private:
  uint8_t* storage_ = nullptr;
  size_t capacity_ = 0;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace ovpn
