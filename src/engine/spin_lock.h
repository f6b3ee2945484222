#pragma once
// A lock for critical sections of a few tens of nanoseconds that are almost never contended:
// taking it is one atomic exchange, releasing it one plain (release) store, with no call into
// the C library and no futex. A waiter spins briefly, then yields its core, so a holder that was
// preempted costs the waiter time slices, not a stalled core.
//
// Use it only where the holder never blocks; otherwise use std::mutex. It satisfies
// BasicLockable, so std::lock_guard works. TSan sees the acquire/release pair as a lock.

#include <atomic>
#include <cstdint>
#include <thread>

namespace ovpn::engine {

class SpinLock {
 public:
  // Thread: any.
  void lock() noexcept {
    while (locked_.exchange(1, std::memory_order_acquire) != 0) {
      for (int spins = 0; locked_.load(std::memory_order_relaxed) != 0; ++spins) {
        if (spins < kSpinsBeforeYield) {
          pause();
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  // Thread: the holder.
  void unlock() noexcept { locked_.store(0, std::memory_order_release); }

 private:
  static constexpr int kSpinsBeforeYield = 64;

  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  std::atomic<uint32_t> locked_{0};
};

}  // namespace ovpn::engine
