#pragma once
// Data-channel packet headers: P_DATA_V2 in the 2.6 AEAD format and in the 2.7 epoch format.
// The header bytes are the AEAD's associated data; the engine writes them in the packet's
// headroom and seals the payload in place behind them.
//
// 2.6 AEAD format (AAD = bytes 0..7, nonce = packet id || 8-byte implicit IV):
//
//   0        1                          4                 8                  24
//  +--------+--------------------------+-----------------+------------------+------------
//  | 9|kid  | peer id (24)             | packet id (32)  | tag (16)         | ciphertext
//  +--------+--------------------------+-----------------+------------------+------------
//
// 2.7 epoch format (AAD = bytes 0..11, nonce = (epoch || counter || 0000) XOR 12-byte IV):
//
//   0        1            4            6                 12                      end-16
//  +--------+------------+------------+-----------------+------------------------+----------+
//  | 9|kid  | peer id    | epoch (16) | counter (48)    | ciphertext             | tag (16) |
//  +--------+------------+------------+-----------------+------------------------+----------+
//
// P_DATA_V1 (`6|kid`, then the packet id) is recognised only so that it can be dropped with
// its own reason: like the kernel modules, the engine offloads DATA_V2 only.

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/drop.h"
#include "common/strong_id.h"

namespace ovpn::proto {

inline constexpr size_t kAeadTagSize = 16;
inline constexpr size_t kDataV2HeaderSize = 8;        // op, peer id, packet id
inline constexpr size_t kDataV2EpochHeaderSize = 12;  // op, peer id, epoch, counter
inline constexpr size_t kDataV2Overhead = kDataV2HeaderSize + kAeadTagSize;
inline constexpr size_t kDataV2EpochOverhead = kDataV2EpochHeaderSize + kAeadTagSize;
static_assert(kDataV2Overhead == 24);
static_assert(kDataV2EpochOverhead == 28);

inline constexpr uint64_t kEpochCounterMax = (uint64_t{1} << 48) - 1;

// What kind of packet a datagram holds, from its first byte alone.
enum class PacketKind : uint8_t { kDataV2, kDataV1, kControl, kInvalid };
PacketKind classify_packet(std::span<const uint8_t> wire) noexcept;

struct DataV2Header {
  KeyId key_id;
  PeerId peer_id = PeerId::undefined();
  uint64_t packet_id = 0;  // 32-bit id, or epoch << 48 | counter in the epoch format
};

// Parses the header of a P_DATA_V2 packet in the 2.6 format. Returns kNone and fills `out`,
// kDataV1 for a legacy data packet, or kMalformed (wrong opcode, shorter than header + tag).
Drop parse_data_v2(std::span<const uint8_t> wire, DataV2Header& out) noexcept;
// The same for the 2.7 epoch format.
Drop parse_data_v2_epoch(std::span<const uint8_t> wire, DataV2Header& out) noexcept;

// Write the header into out[0..8) / out[0..12). The caller guarantees the room.
void write_data_v2_header(uint8_t* out, KeyId key_id, PeerId peer_id, uint32_t packet_id) noexcept;
void write_data_v2_epoch_header(uint8_t* out, KeyId key_id, PeerId peer_id, uint16_t epoch,
                                uint64_t counter) noexcept;

// The 16-byte keepalive ping payload, sent when the link is idle and consumed on receipt.
inline constexpr uint8_t kPingPayload[16] = {0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb,
                                             0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48};
bool is_ping(std::span<const uint8_t> plaintext) noexcept;

}  // namespace ovpn::proto
