#pragma once
// Strong types for the two small integers that name things on the wire: the 24-bit peer id of
// P_DATA_V2 and the 3-bit key id of every opcode byte. They cannot be mixed up with each other
// or with a packet id, and their range is part of the type.

#include <compare>
#include <cstdint>
#include <optional>

namespace ovpn {

class PeerId {
 public:
  static constexpr uint32_t kMax = 0xFFFFFE;
  static constexpr uint32_t kUndefinedValue = 0xFFFFFF;  // "no peer id" on the wire

  // From a 24-bit wire field: always representable, may be the undefined value.
  static constexpr PeerId from_wire(uint32_t v) noexcept { return PeerId(v & 0xFFFFFF); }
  // From configuration or the API: only real ids.
  static constexpr std::optional<PeerId> make(uint32_t v) noexcept {
    if (v > kMax) return std::nullopt;
    return PeerId(v);
  }
  static constexpr PeerId undefined() noexcept { return PeerId(kUndefinedValue); }

  constexpr uint32_t value() const noexcept { return v_; }
  constexpr bool is_undefined() const noexcept { return v_ == kUndefinedValue; }
  constexpr auto operator<=>(const PeerId&) const = default;

 private:
  constexpr explicit PeerId(uint32_t v) noexcept : v_(v) {}
  uint32_t v_;
};

class KeyId {
 public:
  static constexpr uint8_t kMax = 7;

  static constexpr KeyId from_wire(uint8_t op_byte) noexcept { return KeyId(op_byte & 0x07); }
  static constexpr std::optional<KeyId> make(unsigned v) noexcept {
    if (v > kMax) return std::nullopt;
    return KeyId(static_cast<uint8_t>(v));
  }
  constexpr KeyId() noexcept = default;

  constexpr uint8_t value() const noexcept { return v_; }
  // The renegotiation sequence: 0 is used once per session, then 1..7, 1..7, ...
  constexpr KeyId next() const noexcept { return KeyId(v_ == kMax ? 1 : v_ + 1); }
  constexpr auto operator<=>(const KeyId&) const = default;

 private:
  constexpr explicit KeyId(uint8_t v) noexcept : v_(v) {}
  uint8_t v_ = 0;
};

}  // namespace ovpn
