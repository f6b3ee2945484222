#pragma once
// Clocks. Protocol code takes `now` as an argument (sans-I/O); these are for the loops that
// drive it. Monotonic time never jumps; wall time is only for fields that carry unix time.

#include <cstdint>
#include <ctime>

namespace ovpn {

inline uint64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}
inline uint64_t monotonic_ms() noexcept { return monotonic_ns() / 1000000ULL; }
inline uint64_t monotonic_s() noexcept { return monotonic_ns() / 1000000000ULL; }
inline uint64_t unix_time_s() noexcept { return static_cast<uint64_t>(::time(nullptr)); }

}  // namespace ovpn
