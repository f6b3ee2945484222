#pragma once
// Helpers for the control channel's tests: tls-wrap contexts, channels, packets built and
// taken apart by hand.

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "control/control_channel.h"
#include "crypto/tls_crypt.h"
#include "proto/control_packet.h"

namespace ovpn::control::test_fixtures {

inline constexpr proto::SessionId kClientSid{0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
inline constexpr proto::SessionId kServerSid{0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28};
inline constexpr uint32_t kUnixTime = 1795510000;

inline TlsWrapContext plain_context(proto::Role role) {
  return TlsWrapContext::make(std::make_unique<crypto::PlainWrap>(), role, kUnixTime);
}

// tls-crypt with a fixed key (bytes 0..255).
inline TlsWrapContext tls_crypt_context(proto::Role role) {
  std::array<uint8_t, proto::kKey2Size> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i);
  auto wrap = crypto::TlsCrypt::create(proto::Key2(bytes), role);
  EXPECT_TRUE(wrap);
  return TlsWrapContext::make(std::move(*wrap), role, kUnixTime);
}

inline ChannelConfig config(proto::Role role) {
  ChannelConfig c;
  c.role = role;
  c.own_session_id = role == proto::Role::kClient ? kClientSid : kServerSid;
  return c;
}

inline ControlChannel make_channel(const ChannelConfig& c, TlsWrapContext& wrap,
                                   uint64_t now_ms = 0) {
  auto ch = ControlChannel::create(c, wrap, now_ms);
  EXPECT_TRUE(ch) << ch.error().message;
  return std::move(*ch);
}

using Packet = std::vector<uint8_t>;

// Everything the channel has to send at `now_ms`.
inline std::vector<Packet> drain(ControlChannel& ch, uint64_t now_ms) {
  std::vector<Packet> out;
  for (int i = 0; i < 64; ++i) {
    Packet buf(kMaxControlPacketSize);
    auto n = ch.poll_transmit(now_ms, buf);
    EXPECT_TRUE(n) << n.error().message;
    if (!n || *n == 0) break;
    buf.resize(*n);
    out.push_back(std::move(buf));
  }
  return out;
}

// A plain-mode packet taken apart.
struct Parsed {
  proto::Opcode op = proto::Opcode::kControlV1;
  uint8_t key_id = 0;
  proto::SessionId sid{};
  std::vector<uint32_t> acks;
  proto::SessionId ack_sid{};
  std::optional<uint32_t> message_id;
  std::vector<uint8_t> payload;
};

inline Parsed parse_plain(const Packet& wire) {
  Parsed p;
  proto::ControlEnvelope env;
  EXPECT_EQ(proto::parse_control_envelope(proto::ControlWrapMode::kPlain, 0, wire, env),
            Drop::kNone);
  proto::ControlBody body;
  EXPECT_EQ(proto::parse_control_body(env.op.opcode, env.body, body), Drop::kNone);
  p.op = env.op.opcode;
  p.key_id = env.op.key_id.value();
  p.sid = env.session_id;
  p.acks.assign(body.acks.begin(), body.acks.begin() + body.ack_count);
  p.ack_sid = body.remote_session_id;
  if (body.has_message_id) p.message_id = body.message_id;
  p.payload.assign(body.payload.begin(), body.payload.end());
  return p;
}

// A plain-mode packet built by hand.
inline Packet plain_packet(proto::Opcode op, const proto::SessionId& sid,
                           std::initializer_list<uint32_t> acks, const proto::SessionId& ack_sid,
                           std::optional<uint32_t> message_id,
                           std::span<const uint8_t> payload = {}, uint8_t key_id = 0) {
  proto::ControlBody body;
  for (uint32_t a : acks) body.acks[body.ack_count++] = a;
  body.remote_session_id = ack_sid;
  body.has_message_id = message_id.has_value();
  body.message_id = message_id.value_or(0);
  body.payload = payload;
  Packet wire(proto::kOpSidSize + proto::control_body_size(body));
  wire[0] = proto::encode_op_byte(op, *KeyId::make(key_id));
  std::copy(sid.begin(), sid.end(), wire.begin() + 1);
  EXPECT_NE(proto::write_control_body(body, std::span<uint8_t>(wire).subspan(proto::kOpSidSize)),
            0u);
  return wire;
}

inline std::vector<uint8_t> read_all(ControlChannel& ch) {
  std::vector<uint8_t> out(ch.readable());
  EXPECT_EQ(ch.read(out), out.size());
  return out;
}

}  // namespace ovpn::control::test_fixtures
