#include "proto/replay_window.h"

namespace ovpn::proto {

const char* replay_verdict_name(ReplayVerdict v) noexcept {
  switch (v) {
    case ReplayVerdict::kOk:
      return "ok";
    case ReplayVerdict::kZero:
      return "packet id 0";
    case ReplayVerdict::kReplay:
      return "replay";
    case ReplayVerdict::kTooOld:
      return "too old";
    case ReplayVerdict::kExpired:
      return "expired (time backtrack)";
  }
  return "unknown";
}

}  // namespace ovpn::proto
