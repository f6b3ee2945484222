// The 2.6 UDP server's stateless HMAC-cookie handshake.

#include "control/stateless_handshake.h"

#include <algorithm>
#include <utility>

#include "control/early_negotiation.h"

namespace ovpn::control {

namespace {

using proto::Opcode;

// EARLY_NEG_FLAGS (type 1, length 2) = RESEND_WKC.
constexpr std::array<uint8_t, 6> kResendWkcTlv = {static_cast<uint8_t>(kTlvEarlyNegFlags >> 8),
                                                  static_cast<uint8_t>(kTlvEarlyNegFlags),
                                                  0x00,
                                                  0x02,
                                                  static_cast<uint8_t>(kEarlyNegFlagResendWkc >> 8),
                                                  static_cast<uint8_t>(kEarlyNegFlagResendWkc)};
constexpr uint32_t kEarlyNegMask = 0xff000000;

// The reply's body: one ACK (0) with the client's sid, message id 0, the TLV; and its largest
// envelope (tls-auth SHA512: HMAC and replay fields).
constexpr size_t kReplyBodyMax = 1 + 4 + proto::kSessionIdSize + 4 + kResendWkcTlv.size();
static_assert(proto::kOpSidSize + crypto::kMaxDigestSize + proto::kReplayFieldSize +
                  kReplyBodyMax <=
              kMaxStatelessReplySize);
static_assert(proto::kTlsCryptHeaderSize + proto::kTlsCryptTagSize + kReplyBodyMax <=
              kMaxStatelessReplySize);

HandshakeVerdict drop(HandshakeDrop reason) noexcept {
  HandshakeVerdict v;
  v.drop = reason;
  return v;
}

HandshakeDrop from_wrap(WrapVerdict v) noexcept {
  switch (v) {
    case WrapVerdict::kOk:
      return HandshakeDrop::kNone;
    case WrapVerdict::kMalformed:
      return HandshakeDrop::kMalformed;
    case WrapVerdict::kNoKey:
      return HandshakeDrop::kNoKey;
    case WrapVerdict::kBadWkc:
      return HandshakeDrop::kBadWkc;
    case WrapVerdict::kBadAuth:
      return HandshakeDrop::kBadAuth;
  }
  return HandshakeDrop::kMalformed;
}

constexpr bool is_client_reset(Opcode op) noexcept {
  return op == Opcode::kControlHardResetClientV2 || op == Opcode::kControlHardResetClientV3;
}

}  // namespace

const char* handshake_drop_name(HandshakeDrop reason) noexcept {
  switch (reason) {
    case HandshakeDrop::kNone:
      return "none";
    case HandshakeDrop::kMalformed:
      return "malformed";
    case HandshakeDrop::kUnexpectedOpcode:
      return "unexpected_opcode";
    case HandshakeDrop::kWrongKeyId:
      return "wrong_key_id";
    case HandshakeDrop::kNoKey:
      return "no_key";
    case HandshakeDrop::kBadWkc:
      return "bad_wkc";
    case HandshakeDrop::kBadAuth:
      return "bad_auth";
    case HandshakeDrop::kBadResetId:
      return "bad_reset_id";
    case HandshakeDrop::kBadResetPayload:
      return "bad_reset_payload";
    case HandshakeDrop::kNoEarlyNegotiation:
      return "no_early_negotiation";
    case HandshakeDrop::kNoCookie:
      return "no_cookie";
    case HandshakeDrop::kBadCookie:
      return "bad_cookie";
    case HandshakeDrop::kBadMessageId:
      return "bad_message_id";
    case HandshakeDrop::kReplyFailed:
      return "reply_failed";
    case HandshakeDrop::kCount:
      break;
  }
  return "unknown";
}

// A packet that authenticated, with its body parsed.
struct StatelessHandshake::Authenticated {
  ClientPacket packet;
  proto::ControlBody body;
};

StatelessHandshake::StatelessHandshake(ServerWrap wrap, SessionCookie cookie,
                                       StatelessOptions options)
    : wrap_(std::move(wrap)),
      cookie_(std::move(cookie)),
      options_(options),
      scratch_(kMaxControlWireSize) {}

HandshakeDrop StatelessHandshake::authenticate(std::span<const uint8_t> wire, Authenticated& out) {
  // The cheap checks first: no crypto for what could never be accepted.
  if (wire.size() < proto::kOpSidSize || wire.size() > kMaxControlWireSize) {
    return HandshakeDrop::kMalformed;
  }
  const auto op = proto::decode_op_byte(wire[0]);
  if (!op) return HandshakeDrop::kMalformed;
  switch (op->opcode) {
    case Opcode::kControlHardResetClientV2:
    case Opcode::kControlHardResetClientV3:
    case Opcode::kControlV1:
    case Opcode::kAckV1:
    case Opcode::kControlWkcV1:
      break;
    default:
      return HandshakeDrop::kUnexpectedOpcode;
  }
  if (op->key_id != KeyId{}) return HandshakeDrop::kWrongKeyId;
  if (std::all_of(wire.begin() + 1, wire.begin() + proto::kOpSidSize,
                  [](uint8_t b) { return b == 0; })) {
    return HandshakeDrop::kMalformed;
  }

  const HandshakeDrop d = from_wrap(wrap_.unwrap(wire, scratch_, out.packet));
  if (d != HandshakeDrop::kNone) return d;
  if (proto::parse_control_body(op->opcode, out.packet.unwrapped.body, out.body) != Drop::kNone) {
    return HandshakeDrop::kMalformed;
  }
  return HandshakeDrop::kNone;
}

HandshakeVerdict StatelessHandshake::count(HandshakeVerdict v) noexcept {
  switch (v.action) {
    case HandshakeAction::kDrop:
      ++stats_.drops[static_cast<size_t>(v.drop)];
      break;
    case HandshakeAction::kReply:
      ++stats_.replies;
      if (v.early_negotiation) ++stats_.early_negotiation_replies;
      break;
    case HandshakeAction::kCreate:
      ++(v.session->after_cookie ? stats_.created_after_cookie : stats_.created_stateful);
      break;
  }
  return v;
}

HandshakeVerdict StatelessHandshake::on_packet(const Endpoint& from, std::span<const uint8_t> wire,
                                               uint64_t now_s, std::span<uint8_t> reply) {
  Authenticated a;
  if (const HandshakeDrop d = authenticate(wire, a); d != HandshakeDrop::kNone) {
    return count(drop(d));
  }
  if (is_client_reset(a.packet.unwrapped.op.opcode)) {
    return count(on_reset(from, a, now_s, reply));
  }
  return count(on_cookie(from, a, now_s));
}

HandshakeVerdict StatelessHandshake::accept_reset(std::span<const uint8_t> wire) {
  Authenticated a;
  if (const HandshakeDrop d = authenticate(wire, a); d != HandshakeDrop::kNone) {
    return count(drop(d));
  }
  if (!is_client_reset(a.packet.unwrapped.op.opcode)) {
    return count(drop(HandshakeDrop::kUnexpectedOpcode));
  }
  if (a.body.message_id != 0) return count(drop(HandshakeDrop::kBadResetId));
  if (!parse_early_negotiation(a.body.payload)) {
    return count(drop(HandshakeDrop::kBadResetPayload));
  }
  HandshakeVerdict v;
  v.action = HandshakeAction::kCreate;
  v.session = NewSession{
      false, a.packet.unwrapped.session_id, {}, a.packet.mode, std::move(a.packet.client_key)};
  return count(std::move(v));
}

HandshakeVerdict StatelessHandshake::on_reset(const Endpoint& from, Authenticated& a,
                                              uint64_t now_s, std::span<uint8_t> reply) {
  const crypto::UnwrappedControl& u = a.packet.unwrapped;
  if (a.body.message_id != 0) return drop(HandshakeDrop::kBadResetId);
  // Both sides parse a hard reset's payload as TLVs; a malformed one aborts the handshake.
  if (!parse_early_negotiation(a.body.payload)) return drop(HandshakeDrop::kBadResetPayload);

  const bool v2 = a.packet.mode == proto::ControlWrapMode::kTlsCryptV2;
  const bool early_negotiation = v2 && (u.replay.id & kEarlyNegMask) == kEarlyNegStart;
  if (v2 && !early_negotiation) {
    // It could not send its WKc again: state now, or nothing (force-cookie).
    if (options_.force_cookie) return drop(HandshakeDrop::kNoEarlyNegotiation);
    HandshakeVerdict v;
    v.action = HandshakeAction::kCreate;
    v.session = NewSession{false, u.session_id, {}, a.packet.mode, std::move(a.packet.client_key)};
    return v;
  }

  proto::ControlBody body;
  body.ack_count = 1;
  body.acks[0] = 0;
  body.remote_session_id = u.session_id;
  body.has_message_id = true;
  body.message_id = 0;
  if (early_negotiation) body.payload = kResendWkcTlv;
  std::array<uint8_t, kReplyBodyMax> p{};
  const size_t body_size = proto::write_control_body(body, p);

  const crypto::WrapHeader header{
      proto::OpByte{Opcode::kControlHardResetServerV2, KeyId{}},
      cookie_.make(from, u.session_id, now_s),
      proto::ReplayId{kStatelessReplyReplayId, static_cast<uint32_t>(now_s)}};
  auto size =
      wrap_.wrap_reply(a.packet, header, std::span<const uint8_t>(p).first(body_size), reply);
  if (body_size == 0 || !size) return drop(HandshakeDrop::kReplyFailed);
  HandshakeVerdict v;
  v.action = HandshakeAction::kReply;
  v.reply_size = *size;
  v.early_negotiation = early_negotiation;
  return v;
}

HandshakeVerdict StatelessHandshake::on_cookie(const Endpoint& from, Authenticated& a,
                                               uint64_t now_s) {
  const crypto::UnwrappedControl& u = a.packet.unwrapped;
  if (a.body.ack_count == 0) return drop(HandshakeDrop::kNoCookie);
  if (!cookie_.verify(from, u.session_id, a.body.remote_session_id, now_s)) {
    return drop(HandshakeDrop::kBadCookie);
  }
  // State only for a packet the new key state takes: its receive window is 1..kReceiveWindow
  // (0 was the reset's; beyond, or "before" 0 in wrapping order, it would not be delivered).
  if (a.body.has_message_id && (a.body.message_id == 0 || a.body.message_id > kReceiveWindow)) {
    return drop(HandshakeDrop::kBadMessageId);
  }
  HandshakeVerdict v;
  v.action = HandshakeAction::kCreate;
  v.session = NewSession{true, u.session_id, a.body.remote_session_id, a.packet.mode,
                         std::move(a.packet.client_key)};
  return v;
}

Expected<TlsWrapContext> StatelessHandshake::make_context(const NewSession& session,
                                                          uint32_t unix_time) const {
  const proto::Key2* kc = session.client_key ? &session.client_key->kc : nullptr;
  return wrap_.make_context(session.mode, kc, session.after_cookie ? kStatelessReplyReplayId : 0,
                            unix_time);
}

ChannelConfig new_session_channel_config(const NewSession& session,
                                         const proto::SessionId& random_sid, ChannelConfig base) {
  base.role = proto::Role::kServer;
  base.reset = ResetKind::kHard;
  base.key_id = KeyId{};
  base.reset_exchanged = session.after_cookie;
  if (session.after_cookie) {
    base.own_session_id = session.server_session_id;
    base.peer_session_id = session.client_session_id;
  } else {
    base.own_session_id = random_sid;
    base.peer_session_id.reset();
  }
  return base;
}

}  // namespace ovpn::control
