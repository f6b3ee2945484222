#pragma once
// Wrapping of control-channel packets: plain, tls-auth, tls-crypt (also with a tls-crypt-v2
// client key, and the dynamic tls-crypt key). One interface so that the control plane's
// reliability layer does not care which mode a session uses.
//
// wrap() builds the whole wire packet from the header fields and the body P (see
// proto/control_packet.h). unwrap() authenticates (and decrypts) a wire packet and returns P.
// Neither checks the replay id: the caller runs its WrapReplayWindow on `replay` after a
// successful unwrap(), because only authenticated packets may move the window.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "common/drop.h"
#include "common/result.h"
#include "proto/control_packet.h"

namespace ovpn::crypto {

struct WrapHeader {
  proto::OpByte op;
  proto::SessionId session_id{};
  proto::ReplayId replay;  // ignored in plain mode
};

struct UnwrappedControl {
  proto::OpByte op{proto::Opcode::kControlV1, KeyId{}};
  proto::SessionId session_id{};
  proto::ReplayId replay;
  std::span<const uint8_t> body;  // P: in the wire buffer, or in the caller's scratch buffer
  std::span<const uint8_t> wkc;   // tls-crypt-v2 opcodes 10 and 11, still wrapped
};

class ControlWrap {
 public:
  virtual ~ControlWrap() = default;

  virtual proto::ControlWrapMode mode() const noexcept = 0;
  // Bytes the wrapping adds to P (for opcodes 10 and 11 of a tls-crypt-v2 client, plus the WKc).
  virtual size_t overhead(proto::Opcode op) const noexcept = 0;
  // Writes the packet into `out`; returns its size. kInvalidArgument if `out` is too small.
  virtual Expected<size_t> wrap(const WrapHeader& header, std::span<const uint8_t> body,
                                std::span<uint8_t> out) noexcept = 0;
  // `scratch` receives P when it must be decrypted; it needs wire.size() bytes. Returns kNone,
  // kMalformed, or kBadTag.
  virtual Drop unwrap(std::span<const uint8_t> wire, std::span<uint8_t> scratch,
                      UnwrappedControl& out) noexcept = 0;
};

using ControlWrapPtr = std::unique_ptr<ControlWrap>;

// No authentication at all: `--tls-auth`, `--tls-crypt` and `--tls-crypt-v2` all absent.
class PlainWrap final : public ControlWrap {
 public:
  proto::ControlWrapMode mode() const noexcept override { return proto::ControlWrapMode::kPlain; }
  size_t overhead(proto::Opcode) const noexcept override { return proto::kOpSidSize; }
  Expected<size_t> wrap(const WrapHeader& header, std::span<const uint8_t> body,
                        std::span<uint8_t> out) noexcept override;
  Drop unwrap(std::span<const uint8_t> wire, std::span<uint8_t> scratch,
              UnwrappedControl& out) noexcept override;
};

// Writes op || sid into out[0..9).
void write_op_sid(const WrapHeader& header, uint8_t* out) noexcept;

}  // namespace ovpn::crypto
