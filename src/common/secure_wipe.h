#pragma once
// Wipes memory that held key material in a way the compiler may not optimise away.

#include <cstddef>
#include <cstring>

namespace ovpn {

inline void secure_wipe(void* p, size_t n) noexcept {
  if (p != nullptr && n > 0) ::explicit_bzero(p, n);
}

}  // namespace ovpn

#include <memory>
#include <vector>

namespace ovpn {

// An allocator that wipes memory before giving it back, for containers of key material.
template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT: rebinding
  T* allocate(size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, size_t n) noexcept {
    secure_wipe(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
};

// Bytes of key material: a vector that is wiped when it frees or grows its storage.
using SecretBytes = std::vector<uint8_t, WipingAllocator<uint8_t>>;

}  // namespace ovpn
