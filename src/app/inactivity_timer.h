#pragma once
// OpenVPN's `inactive N [BYTES]` for one client: the client is inactive when N seconds pass
// without traffic (without BYTES), or with less than BYTES bytes of it (in and out together)
// since the last time the count reached BYTES. Traffic is the tunnel's (inner packets, so
// keepalive pings do not keep a client alive), sampled by the caller from the engine's
// counters.
//
// Single-threaded: owned by the daemon's per-client state (Thread: main).

#include <cstdint>

namespace ovpn::app {

class InactivityTimer {
 public:
  InactivityTimer(uint32_t seconds, uint64_t bytes, uint64_t now_ms) noexcept
      : window_ms_(uint64_t{seconds} * 1000), bytes_(bytes), since_ms_(now_ms) {}

  // `total`: the client's tunnel bytes so far (in + out). True once the client is inactive.
  bool expired(uint64_t total, uint64_t now_ms) noexcept {
    if (window_ms_ == 0) return false;
    const uint64_t moved = total - base_;
    if (bytes_ == 0 ? moved > 0 : moved >= bytes_) {
      base_ = total;
      since_ms_ = now_ms;
      return false;
    }
    return now_ms - since_ms_ >= window_ms_;
  }

 private:
  uint64_t window_ms_;
  uint64_t bytes_;
  uint64_t since_ms_;
  uint64_t base_ = 0;
};

}  // namespace ovpn::app
