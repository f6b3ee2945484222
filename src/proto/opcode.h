#pragma once
// The first byte of every OpenVPN packet: a 5-bit opcode and a 3-bit key id.
//
//    7   6   5   4   3   2   1   0
//  +---+---+---+---+---+---+---+---+
//  |      opcode       |  key id   |
//  +---+---+---+---+---+---+---+---+

#include <cstdint>
#include <optional>

#include "common/strong_id.h"

namespace ovpn::proto {

enum class Opcode : uint8_t {
  kControlHardResetClientV1 = 1,  // key-method 1: rejected by 2.6, recognised only to drop
  kControlHardResetServerV1 = 2,
  kControlSoftResetV1 = 3,
  kControlV1 = 4,
  kAckV1 = 5,
  kDataV1 = 6,
  kControlHardResetClientV2 = 7,
  kControlHardResetServerV2 = 8,
  kDataV2 = 9,
  kControlHardResetClientV3 = 10,  // tls-crypt-v2: WKc appended
  kControlWkcV1 = 11,              // P_CONTROL_V1 with WKc appended
};

inline constexpr uint8_t kMinOpcode = 1;
inline constexpr uint8_t kMaxOpcode = 11;

struct OpByte {
  Opcode opcode;
  KeyId key_id;
};

constexpr uint8_t encode_op_byte(Opcode op, KeyId key_id) noexcept {
  return static_cast<uint8_t>((static_cast<uint8_t>(op) << 3) | key_id.value());
}

// nullopt for opcodes that OpenVPN never defined (0 and 12..31).
constexpr std::optional<OpByte> decode_op_byte(uint8_t byte) noexcept {
  const auto op = static_cast<uint8_t>(byte >> 3);
  if (op < kMinOpcode || op > kMaxOpcode) return std::nullopt;
  return OpByte{static_cast<Opcode>(op), KeyId::from_wire(byte)};
}

constexpr bool is_data(Opcode op) noexcept {
  return op == Opcode::kDataV1 || op == Opcode::kDataV2;
}
constexpr bool is_control(Opcode op) noexcept { return !is_data(op); }
// Every control opcode but P_ACK_V1 carries a reliability-layer message id.
constexpr bool has_message_id(Opcode op) noexcept { return op != Opcode::kAckV1; }
// Opcodes whose packets end with a tls-crypt-v2 wrapped client key.
constexpr bool carries_wkc(Opcode op) noexcept {
  return op == Opcode::kControlHardResetClientV3 || op == Opcode::kControlWkcV1;
}

const char* opcode_name(Opcode op) noexcept;

}  // namespace ovpn::proto
