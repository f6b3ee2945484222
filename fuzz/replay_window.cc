// Fuzz target: the data channel's replay window (DataReplayWindow, 2048 ids) and the 64-id window
// of the control channel, against a naive model of OpenVPN's rules.
//
// Input: one config byte (bit 0: window 64 instead of 2048; bits 1..7: backtrack seconds), then
// operations of 3 bytes: [time code (6 bits) | id mode (2 bits)] [value (16 bits, big endian)].
//   time code:  < 32: the clock stays; 32..62: it moves on by code - 31 s; 63: by 1000 s.
//   id mode 0:  highest + 1 + (value & 0xff)          (in order, small gaps)
//           1:  highest - value                       (behind; 0 when that would underflow)
//           2:  highest + (value << 4)                (jumps, across bitmap blocks)
//           3:  value, or 2^32 - (value & 0x7fff) when bit 15 is set  (absolute)
//
// The model keeps every accepted id and applies the rules literally: id 0 is never valid; above
// the highest is fresh; kWindow or more below it is too old; a seen id is a replay; an id at or
// below an id that was accepted more than `backtrack` seconds ago is expired (a backtrack of 0
// turns that time rule off, as OpenVPN's `--replay-window n 0`).
//
// Invariants:
//   * check() predicts accept() exactly;
//   * with backtrack <= 16 s (one-second buckets) the window's verdicts are the model's exactly;
//     with longer backtracks the window may accept an id the model calls expired (it is lenient
//     by up to one time bucket), and nothing else differs;
//   * highest() is the highest accepted id; an id, once accepted, is never accepted again.

#include <cstdint>
#include <deque>
#include <set>
#include <utility>

#include "common/byteorder.h"
#include "fuzz_target.h"
#include "proto/replay_window.h"

namespace {

namespace proto = ovpn::proto;
using proto::ReplayVerdict;

class Model {
 public:
  Model(uint64_t window, uint64_t backtrack) : window_(window), backtrack_(backtrack) {}

  ReplayVerdict verdict(uint64_t id, uint64_t now) {
    while (!arrivals_.empty() && arrivals_.front().first + backtrack_ < now) {
      if (arrivals_.front().second > floor_) floor_ = arrivals_.front().second;
      arrivals_.pop_front();
    }
    if (id == 0) return ReplayVerdict::kZero;
    if (id > highest_) return ReplayVerdict::kOk;
    if (highest_ - id >= window_) return ReplayVerdict::kTooOld;
    if (seen_.count(id) != 0) return ReplayVerdict::kReplay;
    if (backtrack_ != 0 && id <= floor_) return ReplayVerdict::kExpired;
    return ReplayVerdict::kOk;
  }

  void accept(uint64_t id, uint64_t now) {
    seen_.insert(id);
    if (id > highest_) highest_ = id;
    arrivals_.emplace_back(now, id);
    // Ids this far below the highest are too old whether seen or not.
    if (highest_ >= window_) seen_.erase(seen_.begin(), seen_.lower_bound(highest_ - window_));
  }

  uint64_t highest() const { return highest_; }

 private:
  uint64_t window_;
  uint64_t backtrack_;
  uint64_t highest_ = 0;
  uint64_t floor_ = 0;
  std::set<uint64_t> seen_;
  std::deque<std::pair<uint64_t, uint64_t>> arrivals_;  // (time, id), in time order
};

template <class Window>
void run(const uint8_t* data, size_t size, uint32_t backtrack) {
  Window window(backtrack);
  Model model(Window::kWindowSize, backtrack);
  const bool exact = backtrack <= 16;
  uint64_t now = 1000;
  for (size_t i = 0; i + 3 <= size; i += 3) {
    const uint8_t code = static_cast<uint8_t>(data[i] >> 2);
    const uint16_t value = ovpn::load_be16(&data[i + 1]);
    if (code == 63) {
      now += 1000;
    } else if (code >= 32) {
      now += code - 31u;
    }
    const uint64_t highest = window.highest();
    uint64_t id = 0;
    switch (data[i] & 3) {
      case 0:
        id = highest + 1 + (value & 0xff);
        break;
      case 1:
        id = highest >= value ? highest - value : 0;
        break;
      case 2:
        id = highest + (uint64_t{value} << 4);
        break;
      default:
        id = (value & 0x8000) != 0 ? (uint64_t{1} << 32) - (value & 0x7fff) : value;
        break;
    }

    const ReplayVerdict predicted = window.check(id, now);
    const ReplayVerdict got = window.accept(id, now);
    const ReplayVerdict expected = model.verdict(id, now);
    FUZZ_CHECK(predicted == got);
    if (exact) {
      FUZZ_CHECK(got == expected);
    } else {
      FUZZ_CHECK(got == expected ||
                 (got == ReplayVerdict::kOk && expected == ReplayVerdict::kExpired));
    }
    if (got == ReplayVerdict::kOk) {
      FUZZ_CHECK(id != 0);
      model.accept(id, now);
      FUZZ_CHECK(window.check(id, now) == ReplayVerdict::kReplay);
      FUZZ_REACHED("replay_window/accepted");
    } else if (got == ReplayVerdict::kExpired) {
      FUZZ_REACHED("replay_window/expired");
    }
    FUZZ_CHECK(window.highest() == model.highest());
  }
}

}  // namespace

OVPN_FUZZ_TARGET(replay_window) {
  if (size == 0) return 0;
  const uint32_t backtrack = data[0] >> 1;
  if ((data[0] & 1) != 0) {
    run<proto::ReplayWindow<64>>(data + 1, size - 1, backtrack);
  } else {
    run<proto::DataReplayWindow>(data + 1, size - 1, backtrack);
  }
  return 0;
}
