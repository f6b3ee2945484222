#include "proto/control_packet.h"

#include <algorithm>
#include <cstring>

#include "common/byteorder.h"

namespace ovpn::proto {

Drop parse_control_body(Opcode op, std::span<const uint8_t> p, ControlBody& out) noexcept {
  if (p.empty()) return Drop::kMalformed;
  size_t pos = 0;
  out.ack_count = p[pos++];
  if (out.ack_count > kMaxAcks) return Drop::kMalformed;
  const size_t ack_bytes = size_t{out.ack_count} * 4;
  if (p.size() - pos < ack_bytes) return Drop::kMalformed;
  for (size_t i = 0; i < out.ack_count; ++i, pos += 4) out.acks[i] = load_be32(&p[pos]);
  if (out.ack_count > 0) {
    if (p.size() - pos < kSessionIdSize) return Drop::kMalformed;
    std::memcpy(out.remote_session_id.data(), &p[pos], kSessionIdSize);
    pos += kSessionIdSize;
  }
  out.has_message_id = has_message_id(op);
  if (out.has_message_id) {
    if (p.size() - pos < 4) return Drop::kMalformed;
    out.message_id = load_be32(&p[pos]);
    pos += 4;
  }
  out.payload = p.subspan(pos);  // P_ACK_V1: empty; OpenVPN ignores anything there, so do we
  return Drop::kNone;
}

size_t control_body_size(const ControlBody& body) noexcept {
  return 1 + size_t{body.ack_count} * 4 + (body.ack_count > 0 ? kSessionIdSize : 0) +
         (body.has_message_id ? 4 : 0) + body.payload.size();
}

size_t write_control_body(const ControlBody& body, std::span<uint8_t> out) noexcept {
  const size_t size = control_body_size(body);
  if (body.ack_count > kMaxAcks || size > out.size()) return 0;
  size_t pos = 0;
  out[pos++] = body.ack_count;
  for (size_t i = 0; i < body.ack_count; ++i, pos += 4) store_be32(&out[pos], body.acks[i]);
  if (body.ack_count > 0) {
    std::memcpy(&out[pos], body.remote_session_id.data(), kSessionIdSize);
    pos += kSessionIdSize;
  }
  if (body.has_message_id) {
    store_be32(&out[pos], body.message_id);
    pos += 4;
  }
  if (!body.payload.empty()) std::memcpy(&out[pos], body.payload.data(), body.payload.size());
  return size;
}

size_t control_envelope_overhead(ControlWrapMode mode, size_t hmac_size) noexcept {
  switch (mode) {
    case ControlWrapMode::kPlain:
      return kOpSidSize;
    case ControlWrapMode::kTlsAuth:
      return kOpSidSize + hmac_size + kReplayFieldSize;
    case ControlWrapMode::kTlsCrypt:
    case ControlWrapMode::kTlsCryptV2:
      return kTlsCryptHeaderSize + kTlsCryptTagSize;
  }
  return 0;
}

Drop parse_control_envelope(ControlWrapMode mode, size_t hmac_size, std::span<const uint8_t> wire,
                            ControlEnvelope& out) noexcept {
  if (wire.size() < kOpSidSize) return Drop::kMalformed;
  const auto op = decode_op_byte(wire[0]);
  if (!op || !is_control(op->opcode)) return Drop::kMalformed;
  out.op = *op;
  std::memcpy(out.session_id.data(), &wire[1], kSessionIdSize);
  out.wkc = {};

  if (mode == ControlWrapMode::kTlsCryptV2 && carries_wkc(op->opcode)) {
    // The WKc length sits in the last two bytes and counts the whole WKc.
    if (wire.size() < kTlsCryptHeaderSize + kTlsCryptTagSize + kWkcMinSize) return Drop::kMalformed;
    const size_t wkc_len = load_be16(&wire[wire.size() - 2]);
    if (wkc_len < kWkcMinSize || wkc_len > kWkcMaxSize ||
        wkc_len > wire.size() - kTlsCryptHeaderSize - kTlsCryptTagSize) {
      return Drop::kMalformed;
    }
    out.wkc = wire.subspan(wire.size() - wkc_len);
    wire = wire.first(wire.size() - wkc_len);
  }

  switch (mode) {
    case ControlWrapMode::kPlain:
      out.header = wire.first(kOpSidSize);
      out.auth = {};
      out.replay = {};
      out.body = wire.subspan(kOpSidSize);
      return Drop::kNone;
    case ControlWrapMode::kTlsAuth: {
      if (hmac_size == 0 || wire.size() < kOpSidSize + hmac_size + kReplayFieldSize) {
        return Drop::kMalformed;
      }
      out.header = wire.first(kOpSidSize);
      out.auth = wire.subspan(kOpSidSize, hmac_size);
      const size_t replay_at = kOpSidSize + hmac_size;
      out.replay = {load_be32(&wire[replay_at]), load_be32(&wire[replay_at + 4])};
      out.body = wire.subspan(replay_at + kReplayFieldSize);
      return Drop::kNone;
    }
    case ControlWrapMode::kTlsCrypt:
    case ControlWrapMode::kTlsCryptV2:
      if (wire.size() < kTlsCryptHeaderSize + kTlsCryptTagSize) return Drop::kMalformed;
      out.header = wire.first(kTlsCryptHeaderSize);
      out.replay = {load_be32(&wire[kOpSidSize]), load_be32(&wire[kOpSidSize + 4])};
      out.auth = wire.subspan(kTlsCryptHeaderSize, kTlsCryptTagSize);
      out.body = wire.subspan(kTlsCryptHeaderSize + kTlsCryptTagSize);
      return Drop::kNone;
  }
  return Drop::kMalformed;
}

}  // namespace ovpn::proto
