#pragma once
// Why a packet was dropped. Per-packet code returns one of these instead of an error object,
// and the engine counts every drop by reason (DESIGN.md section 3).

#include <cstddef>
#include <cstdint>

namespace ovpn {

enum class Drop : uint8_t {
  kNone = 0,           // not dropped
  kMalformed,          // too short, bad length fields, unknown opcode
  kDataV1,             // legacy P_DATA_V1: not offloaded, as in the kernel modules
  kUnknownPeer,        // no peer with this peer id / transport address
  kNoKey,              // no key with this key id, or no primary key to send with
  kBadTag,             // AEAD tag or HMAC did not verify
  kReplay,             // replay window: seen, too old, expired, or id 0
  kPacketIdExhausted,  // the send packet id would wrap: the key must be swapped
  kReversePath,        // inner source address does not route back to the sending peer
  kQueueFull,          // a ring or socket buffer was full
  kSendFailed,         // the kernel refused to send it (no route, too big for the path)
  kClientToClient,     // from one peer to another, and the engine runs without client-to-client
  kCount,              // number of reasons, not a reason
};

inline constexpr size_t kDropReasonCount = static_cast<size_t>(Drop::kCount);

// Stable, lower-case names used in counters, logs and `dcoctl show`.
const char* drop_name(Drop reason) noexcept;

}  // namespace ovpn
