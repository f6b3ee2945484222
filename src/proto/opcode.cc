#include "proto/opcode.h"

namespace ovpn::proto {

const char* opcode_name(Opcode op) noexcept {
  switch (op) {
    case Opcode::kControlHardResetClientV1:
      return "P_CONTROL_HARD_RESET_CLIENT_V1";
    case Opcode::kControlHardResetServerV1:
      return "P_CONTROL_HARD_RESET_SERVER_V1";
    case Opcode::kControlSoftResetV1:
      return "P_CONTROL_SOFT_RESET_V1";
    case Opcode::kControlV1:
      return "P_CONTROL_V1";
    case Opcode::kAckV1:
      return "P_ACK_V1";
    case Opcode::kDataV1:
      return "P_DATA_V1";
    case Opcode::kControlHardResetClientV2:
      return "P_CONTROL_HARD_RESET_CLIENT_V2";
    case Opcode::kControlHardResetServerV2:
      return "P_CONTROL_HARD_RESET_SERVER_V2";
    case Opcode::kDataV2:
      return "P_DATA_V2";
    case Opcode::kControlHardResetClientV3:
      return "P_CONTROL_HARD_RESET_CLIENT_V3";
    case Opcode::kControlWkcV1:
      return "P_CONTROL_WKC_V1";
  }
  return "P_UNKNOWN";
}

}  // namespace ovpn::proto
