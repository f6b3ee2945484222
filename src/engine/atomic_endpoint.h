#pragma once
// An Endpoint that one thread may replace while others read it, without a lock: a seqlock
// over atomic words (every access is atomic, so it is also race-free for TSan). Writes (a peer
// floating) are rare; readers retry while one is in progress.
//
// The ordering uses release stores and acquire loads of the words instead of fences (which
// TSan does not model): a reader that sees any word of a new write also sees the odd sequence
// number before it, so its second look at the sequence tells it to retry. On x86 every one of
// these is a plain move.

#include <atomic>
#include <cstdint>
#include <cstring>

#include "common/ip_address.h"

namespace ovpn::engine {

class AtomicEndpoint {
 public:
  explicit AtomicEndpoint(const Endpoint& e = {}) noexcept { store(e); }

  // Thread: any; writers must not race each other (the caller serialises them).
  void store(const Endpoint& e) noexcept {
    const uint64_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    uint64_t w[2];
    std::memcpy(w, e.address().bytes(), 16);
    // Release: the odd sequence number is visible before any of the new words.
    words_[0].store(w[0], std::memory_order_release);
    words_[1].store(w[1], std::memory_order_release);
    meta_.store(static_cast<uint64_t>(e.port()) | (e.is_v4() ? uint64_t{1} << 32 : 0),
                std::memory_order_release);
    seq_.store(s + 2, std::memory_order_release);
  }

  // Thread: any.
  Endpoint load() const noexcept {
    for (;;) {
      const uint64_t s1 = seq_.load(std::memory_order_acquire);
      // Acquire: the second sequence load below cannot move above these.
      const uint64_t w0 = words_[0].load(std::memory_order_acquire);
      const uint64_t w1 = words_[1].load(std::memory_order_acquire);
      const uint64_t meta = meta_.load(std::memory_order_acquire);
      if ((s1 & 1) != 0 || seq_.load(std::memory_order_relaxed) != s1) continue;
      uint8_t bytes[16];
      std::memcpy(bytes, &w0, 8);
      std::memcpy(bytes + 8, &w1, 8);
      const auto port = static_cast<uint16_t>(meta & 0xffff);
      if ((meta >> 32) != 0) {
        in_addr a{};
        std::memcpy(&a.s_addr, bytes, 4);
        return Endpoint(IpAddress::v4(a), port);
      }
      in6_addr a{};
      std::memcpy(a.s6_addr, bytes, 16);
      return Endpoint(IpAddress::v6(a), port);
    }
  }

 private:
  std::atomic<uint64_t> seq_{0};
  std::atomic<uint64_t> words_[2] = {};
  std::atomic<uint64_t> meta_{0};
};

}  // namespace ovpn::engine
