#include "proto/data_packet.h"

#include <cstring>

#include "common/byteorder.h"
#include "proto/opcode.h"

namespace ovpn::proto {
namespace {
constexpr uint8_t kDataV2Op = static_cast<uint8_t>(Opcode::kDataV2);
constexpr uint8_t kDataV1Op = static_cast<uint8_t>(Opcode::kDataV1);
}  // namespace

PacketKind classify_packet(std::span<const uint8_t> wire) noexcept {
  if (wire.empty()) return PacketKind::kInvalid;
  const auto op = decode_op_byte(wire[0]);
  if (!op) return PacketKind::kInvalid;
  if (op->opcode == Opcode::kDataV2) return PacketKind::kDataV2;
  if (op->opcode == Opcode::kDataV1) return PacketKind::kDataV1;
  return PacketKind::kControl;
}

Drop parse_data_v2(std::span<const uint8_t> wire, DataV2Header& out) noexcept {
  if (wire.empty()) [[unlikely]]
    return Drop::kMalformed;
  const auto op = static_cast<uint8_t>(wire[0] >> 3);
  if (op != kDataV2Op) [[unlikely]]
    return op == kDataV1Op ? Drop::kDataV1 : Drop::kMalformed;
  if (wire.size() < kDataV2Overhead) [[unlikely]]
    return Drop::kMalformed;
  out.key_id = KeyId::from_wire(wire[0]);
  out.peer_id = PeerId::from_wire(load_be24(&wire[1]));
  out.packet_id = load_be32(&wire[4]);
  return Drop::kNone;
}

Drop parse_data_v2_epoch(std::span<const uint8_t> wire, DataV2Header& out) noexcept {
  if (wire.empty()) [[unlikely]]
    return Drop::kMalformed;
  const auto op = static_cast<uint8_t>(wire[0] >> 3);
  if (op != kDataV2Op) [[unlikely]]
    return op == kDataV1Op ? Drop::kDataV1 : Drop::kMalformed;
  if (wire.size() < kDataV2EpochOverhead) [[unlikely]]
    return Drop::kMalformed;
  out.key_id = KeyId::from_wire(wire[0]);
  out.peer_id = PeerId::from_wire(load_be24(&wire[1]));
  out.packet_id = load_be64(&wire[4]);
  return Drop::kNone;
}

void write_data_v2_header(uint8_t* out, KeyId key_id, PeerId peer_id, uint32_t packet_id) noexcept {
  out[0] = encode_op_byte(Opcode::kDataV2, key_id);
  store_be24(out + 1, peer_id.value());
  store_be32(out + 4, packet_id);
}

void write_data_v2_epoch_header(uint8_t* out, KeyId key_id, PeerId peer_id, uint16_t epoch,
                                uint64_t counter) noexcept {
  out[0] = encode_op_byte(Opcode::kDataV2, key_id);
  store_be24(out + 1, peer_id.value());
  store_be64(out + 4, (uint64_t{epoch} << 48) | (counter & kEpochCounterMax));
}

bool is_ping(std::span<const uint8_t> plaintext) noexcept {
  return plaintext.size() == sizeof kPingPayload &&
         std::memcmp(plaintext.data(), kPingPayload, sizeof kPingPayload) == 0;
}

}  // namespace ovpn::proto
