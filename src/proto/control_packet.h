#pragma once
// Control-channel packets: the outer envelope of each wrapping mode and the inner body (the
// reliability layer's ACK array, message id and payload). Parsing and building only; the HMAC,
// encryption and replay checks of tls-auth / tls-crypt live in crypto/.
//
// Body ("P"), identical in every mode:
//
//  +-------+--------------+----------------+----------------+---------
//  | n (1) | acks (4 * n) | remote sid (8) | message id (4) | payload
//  +-------+--------------+----------------+----------------+---------
//                          only if n > 0    not in P_ACK_V1
//
// Envelopes (H = HMAC size of --auth: 20, 32 or 64):
//
//  plain       | op (1) | sid (8) | P
//  tls-auth    | op (1) | sid (8) | HMAC (H) | replay id (4) | time (4) | P
//  tls-crypt   | op (1) | sid (8) | replay id (4) | time (4) | tag (32) | C = encrypted P
//  tls-crypt-v2: tls-crypt with the client key, and for opcodes 10 and 11 the wrapped client
//              key appended: ... | C | WKc = T (32) || encrypted Kc+metadata || len (2)

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/drop.h"
#include "proto/opcode.h"

namespace ovpn::proto {

using SessionId = std::array<uint8_t, 8>;

inline constexpr size_t kSessionIdSize = 8;
inline constexpr size_t kMaxAcks = 8;          // RELIABLE_ACK_SIZE: the most a packet may carry
inline constexpr size_t kReplayFieldSize = 8;  // replay id + time
inline constexpr size_t kOpSidSize = 1 + kSessionIdSize;
inline constexpr size_t kTlsCryptTagSize = 32;
inline constexpr size_t kTlsCryptHeaderSize = kOpSidSize + kReplayFieldSize;  // HMAC'd header
inline constexpr size_t kWkcMinSize = 32 + 256 + 2;  // tag, Kc, length; no metadata
inline constexpr size_t kWkcMaxSize = 1024;
static_assert(kTlsCryptHeaderSize == 17);

enum class ControlWrapMode : uint8_t { kPlain, kTlsAuth, kTlsCrypt, kTlsCryptV2 };

struct ReplayId {
  uint32_t id = 0;
  uint32_t time = 0;
};

// The reliability-layer fields and payload of a control packet. `payload` points into the
// buffer the body was parsed from.
struct ControlBody {
  uint8_t ack_count = 0;
  std::array<uint32_t, kMaxAcks> acks{};
  SessionId remote_session_id{};  // meaningful only when ack_count > 0
  bool has_message_id = false;
  uint32_t message_id = 0;
  std::span<const uint8_t> payload;
};

// Parses P for opcode `op`. kMalformed when the fields do not fit or n > kMaxAcks.
Drop parse_control_body(Opcode op, std::span<const uint8_t> p, ControlBody& out) noexcept;
// Size of P as write_control_body() would write it.
size_t control_body_size(const ControlBody& body) noexcept;
// Writes P into `out`; returns the bytes written, 0 if it does not fit or is invalid.
size_t write_control_body(const ControlBody& body, std::span<uint8_t> out) noexcept;

// The outer layout of a control packet, before any authentication.
struct ControlEnvelope {
  OpByte op{Opcode::kControlV1, KeyId{}};
  SessionId session_id{};
  std::span<const uint8_t> header;  // bytes the HMAC/tag covers as header (op, sid, replay)
  std::span<const uint8_t> auth;    // tls-auth HMAC or tls-crypt tag; empty in plain mode
  ReplayId replay;                  // tls-auth / tls-crypt only
  std::span<const uint8_t> body;    // P (plain, tls-auth) or C (tls-crypt)
  std::span<const uint8_t> wkc;     // tls-crypt-v2, opcodes 10 and 11 only
};

// Splits `wire` into its fields for `mode`. `hmac_size` is used by tls-auth only. Data
// opcodes and opcodes OpenVPN never defined are kMalformed.
Drop parse_control_envelope(ControlWrapMode mode, size_t hmac_size, std::span<const uint8_t> wire,
                            ControlEnvelope& out) noexcept;

// Bytes a wrapping adds in front of P (tls-crypt's ciphertext is as long as P); tls-crypt-v2's
// WKc is not included.
size_t control_envelope_overhead(ControlWrapMode mode, size_t hmac_size) noexcept;

}  // namespace ovpn::proto
