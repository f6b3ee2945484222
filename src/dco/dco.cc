#include "dco/dco.h"

namespace ovpn::dco {

const char* mode_name(Mode m) noexcept {
  return m == Mode::kPointToPoint ? "point-to-point" : "multi-peer";
}

const char* key_slot_name(KeySlot s) noexcept {
  return s == KeySlot::kPrimary ? "primary" : "secondary";
}

const char* delete_reason_name(DeleteReason r) noexcept {
  switch (r) {
    case DeleteReason::kTeardown:
      return "teardown";
    case DeleteReason::kUserspace:
      return "userspace";
    case DeleteReason::kExpired:
      return "expired";
    case DeleteReason::kTransportError:
      return "transport-error";
    case DeleteReason::kTransportDisconnect:
      return "transport-disconnect";
  }
  return "?";
}

}  // namespace ovpn::dco
