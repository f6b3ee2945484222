// Fuzz target: the 2.6 UDP server's stateless handshake (StatelessHandshake: the reset reply
// and the cookie step, and accept_reset() for the stateful path), with the fixed keys of the
// captured sessions (plain, tls-auth SHA256 pki/ta.key, tls-crypt pki/tc.key, tls-crypt-v2
// pki/v2s.key with or without tls-crypt), on a clock the input advances.
//
// Input: byte 0 configures: bits 0-1 the wrapping (0 plain, 1 tls-auth, 2 tls-crypt, 3
// tls-crypt-v2), bit 2 force-cookie, bit 3 tls-crypt besides tls-crypt-v2, bit 4 a client
// counter without the early-negotiation prefix (template packets). Then frames of
// step (1) || length (2, big-endian) || bytes (length), where step
//   & 0x1f  advances the clock by that many seconds (a cookie slot is 30 s);
//   & 0x20  the packet comes from another port than the first source;
//   & 0x40  accept_reset() (the stateful path) instead of on_packet();
//   & 0x80  the bytes are a template, op (1) || sid (8) || body, that the harness wraps with
//           the client's key, first writing into the ACK array (if any) the valid cookie for
//           the first source: so that the cookie step is reached in every wrapping.
//
// Invariants (checked against independent oracles: fresh server wraps and a cookie with the
// same key):
//   * never a reply to a packet that does not authenticate, or that is not a client reset at
//     message id 0 with well-formed TLVs; a reply opens with the client's key and is the reset
//     2.6 sends: opcode 8, key id 0, our cookie as sid, replay id 1, ACK [0] + the client's
//     sid, message id 0, payload empty or RESEND_WKC exactly for an early-negotiating v2 client;
//   * never state without a valid cookie for the source, port and sid (or, without a cookie,
//     for a v2 reset without early negotiation and no force-cookie, or accept_reset() of an
//     authentic reset); the new session's channel (reset_exchanged after a cookie) then takes
//     the very packet that created it (kNone: a message id in its receive window);
//   * every call is counted once: drops by reason, replies, sessions created.

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "common/ip_address.h"
#include "control/control_channel.h"
#include "control/early_negotiation.h"
#include "control/stateless_handshake.h"
#include "crypto/tls_auth.h"
#include "crypto/tls_crypt.h"
#include "crypto/tls_crypt_v2.h"
#include "fuzz_keys.h"
#include "fuzz_target.h"

namespace {

namespace control = ovpn::control;
namespace crypto = ovpn::crypto;
namespace proto = ovpn::proto;
namespace keys = ovpn::fuzz::keys;
using control::HandshakeAction;
using control::HandshakeDrop;
using ovpn::Drop;
using ovpn::Endpoint;
using ovpn::IpAddress;
using proto::Opcode;
using Packet = std::vector<uint8_t>;

constexpr uint64_t kStartS = 1795510020;  // the captured sessions' time, a slot boundary
constexpr std::array<uint8_t, control::kCookieKeySize> kCookieKey = {
    0x6f, 0x76, 0x70, 0x6e, 0x64, 0x20, 0x63, 0x6f, 0x6f, 0x6b, 0x69, 0x65, 0x20, 0x6b, 0x65, 0x79,
    0x20, 0x66, 0x6f, 0x72, 0x20, 0x74, 0x68, 0x65, 0x20, 0x66, 0x75, 0x7a, 0x7a, 0x65, 0x72, 0x21};
constexpr proto::SessionId kRandomSid{0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28};
const Endpoint kSource(IpAddress::v4(0x0ad20002), 40000);  // 10.210.0.2
const Endpoint kOtherPort(IpAddress::v4(0x0ad20002), 40001);

enum Mode : uint8_t { kPlain = 0, kTlsAuth = 1, kTlsCrypt = 2, kTlsCryptV2 = 3 };

template <class T>
T must(ovpn::Expected<T> e) {
  FUZZ_CHECK(e.has_value());
  return std::move(*e);
}

crypto::ControlWrapPtr static_wrap(Mode mode, proto::Role role) {
  const bool server = role == proto::Role::kServer;
  switch (mode) {
    case kPlain:
      return std::make_unique<crypto::PlainWrap>();
    case kTlsAuth:
      return must(crypto::TlsAuth::create(
          crypto::Digest::kSha256, proto::Key2(keys::kTlsAuthKey),
          server ? proto::KeyDirection::kNormal : proto::KeyDirection::kInverse));
    case kTlsCrypt:
    case kTlsCryptV2:
      return must(crypto::TlsCrypt::create(proto::Key2(keys::kTlsCryptKey), role));
  }
  return nullptr;
}

control::StaticWrapKey static_key(Mode mode) {
  control::StaticWrapKey k;
  if (mode == kTlsAuth) {
    k.mode = proto::ControlWrapMode::kTlsAuth;
    k.key = proto::Key2(keys::kTlsAuthKey);
    k.digest = crypto::Digest::kSha256;
    k.direction = proto::KeyDirection::kNormal;
  } else if (mode == kTlsCrypt || mode == kTlsCryptV2) {
    k.mode = proto::ControlWrapMode::kTlsCrypt;
    k.key = proto::Key2(keys::kTlsCryptKey);
  }
  return k;
}

// A packet as the oracle authenticated it.
struct Oracle {
  proto::OpByte op{Opcode::kControlV1, ovpn::KeyId{}};
  proto::SessionId sid{};
  proto::ReplayId replay;
  proto::ControlBody body;
  std::optional<proto::Key2> kc;
};

class Harness {
 public:
  explicit Harness(uint8_t config)
      : mode_(static_cast<Mode>(config & 3)),
        force_cookie_((config & 4) != 0),
        has_static_(mode_ != kTlsCryptV2 || (config & 8) != 0),
        oracle_cookie_(must(control::SessionCookie::create(kCookieKey))),
        scratch_(control::kMaxControlWireSize),
        counter_((config & 16) != 0 || mode_ != kTlsCryptV2 ? 0 : control::kEarlyNegStart,
                 static_cast<uint32_t>(kStartS)) {
    std::optional<control::StaticWrapKey> key;
    std::optional<crypto::TlsCryptV2Server> v2;
    if (has_static_) {
      key = static_key(mode_);
      oracle_static_ = static_wrap(mode_, proto::Role::kServer);
      client_static_ = static_wrap(mode_, proto::Role::kClient);
    }
    if (mode_ == kTlsCryptV2) {
      v2 = must(crypto::TlsCryptV2Server::create(keys::kTlsCryptV2ServerKey));
      oracle_v2_ = must(crypto::TlsCryptV2Server::create(keys::kTlsCryptV2ServerKey));
      client_v2_ = must(crypto::TlsCrypt::create_v2(proto::Key2(keys::kTlsCryptV2Kc),
                                                    proto::Role::kClient, keys::kTlsCryptV2Wkc));
    }
    hs_.emplace(must(control::ServerWrap::create(std::move(key), std::move(v2))),
                must(control::SessionCookie::create(kCookieKey)),
                control::StatelessOptions{force_cookie_});
  }

  void step(uint8_t step, std::span<const uint8_t> bytes) {
    now_s_ += step & 0x1f;
    const Endpoint& from = (step & 0x20) != 0 ? kOtherPort : kSource;
    const Packet wire =
        (step & 0x80) != 0 ? from_template(bytes) : Packet(bytes.begin(), bytes.end());
    ++calls_;
    if ((step & 0x40) != 0) {
      check_stateful(hs_->accept_reset(wire), wire, false);
    } else {
      Packet reply(control::kMaxStatelessReplySize);
      control::HandshakeVerdict v = hs_->on_packet(from, wire, now_s_, reply);
      switch (v.action) {
        case HandshakeAction::kDrop:
          check_drop(v);
          break;
        case HandshakeAction::kReply:
          check_reply(v, from, wire, std::span<const uint8_t>(reply).first(v.reply_size));
          break;
        case HandshakeAction::kCreate:
          if (v.session.has_value() && !v.session->after_cookie) {
            check_stateful(std::move(v), wire, true);
          } else {
            check_cookie(v, from, wire);
          }
          break;
      }
    }
    const control::StatelessStats& s = hs_->stats();
    uint64_t total = s.replies + s.created_after_cookie + s.created_stateful;
    for (uint64_t d : s.drops) total += d;
    FUZZ_CHECK(total == calls_);
    FUZZ_CHECK(s.drops[0] == 0);
  }

 private:
  // op || sid || body, wrapped by the client with a valid cookie in its ACK array.
  Packet from_template(std::span<const uint8_t> t) {
    if (t.size() < proto::kOpSidSize) return Packet(t.begin(), t.end());
    const auto op = proto::decode_op_byte(t[0]);
    if (!op) return Packet(t.begin(), t.end());
    proto::SessionId sid{};
    std::copy_n(t.begin() + 1, sid.size(), sid.begin());
    Packet body(t.begin() + proto::kOpSidSize, t.end());
    if (!body.empty() && body[0] > 0 && body[0] <= proto::kMaxAcks &&
        body.size() >= 1 + 4 * size_t{body[0]} + proto::kSessionIdSize) {
      const proto::SessionId cookie = oracle_cookie_.make(kSource, sid, now_s_);
      std::copy(cookie.begin(), cookie.end(), body.begin() + 1 + 4 * body[0]);
    }
    crypto::ControlWrap* wrap = proto::carries_wkc(op->opcode) && client_v2_ ? client_v2_.get()
                                : client_static_                             ? client_static_.get()
                                                                             : client_v2_.get();
    crypto::WrapHeader header{*op, sid, {}};
    if (wrap->mode() != proto::ControlWrapMode::kPlain) {
      auto replay = counter_.next();
      if (!replay) return Packet(t.begin(), t.end());
      header.replay = *replay;
    }
    Packet out(control::kMaxControlPacketSize + body.size());
    auto n = wrap->wrap(header, body, out);
    FUZZ_CHECK(n.has_value());
    out.resize(*n);
    return out;
  }

  // Authenticates `wire` independently of the code under test.
  bool authenticate(std::span<const uint8_t> wire, Oracle& o) {
    if (wire.size() < proto::kOpSidSize || wire.size() > control::kMaxControlWireSize) {
      return false;
    }
    const auto op = proto::decode_op_byte(wire[0]);
    if (!op) return false;
    crypto::UnwrappedControl u;
    if (proto::carries_wkc(op->opcode)) {
      if (!oracle_v2_) return false;
      proto::ControlEnvelope env;
      if (proto::parse_control_envelope(proto::ControlWrapMode::kTlsCryptV2, 0, wire, env) !=
          Drop::kNone) {
        return false;
      }
      crypto::UnwrappedClientKey key;
      if (oracle_v2_->unwrap(env.wkc, key) != Drop::kNone) return false;
      auto server = must(crypto::TlsCrypt::create_v2(key.kc, proto::Role::kServer, {}));
      if (server->unwrap(wire, scratch_, u) != Drop::kNone) return false;
      o.kc = key.kc;
    } else {
      if (!oracle_static_ || oracle_static_->unwrap(wire, scratch_, u) != Drop::kNone) {
        return false;
      }
    }
    o.op = u.op;
    o.sid = u.session_id;
    o.replay = u.replay;
    return proto::parse_control_body(u.op.opcode, u.body, o.body) == Drop::kNone;
  }

  static bool is_reset(Opcode op) {
    return op == Opcode::kControlHardResetClientV2 || op == Opcode::kControlHardResetClientV3;
  }

  void check_drop(const control::HandshakeVerdict& v) {
    FUZZ_CHECK(v.drop != HandshakeDrop::kNone && v.drop < HandshakeDrop::kCount);
    FUZZ_CHECK(!v.session.has_value() && v.reply_size == 0);
    if (v.drop == HandshakeDrop::kBadCookie) FUZZ_REACHED("stateless_reset/bad_cookie");
  }

  void check_reply(const control::HandshakeVerdict& v, const Endpoint& from,
                   std::span<const uint8_t> wire, std::span<const uint8_t> reply) {
    FUZZ_CHECK(v.drop == HandshakeDrop::kNone && !v.session.has_value());
    FUZZ_CHECK(!reply.empty() && reply.size() <= control::kMaxStatelessReplySize);
    Oracle o;
    FUZZ_CHECK(authenticate(wire, o));
    FUZZ_CHECK(is_reset(o.op.opcode) && o.op.key_id == ovpn::KeyId{});
    FUZZ_CHECK(o.body.has_message_id && o.body.message_id == 0);
    FUZZ_CHECK(control::parse_early_negotiation(o.body.payload).has_value());
    const bool early = o.kc.has_value() && (o.replay.id & 0xff000000u) == control::kEarlyNegStart;
    FUZZ_CHECK(v.early_negotiation == early);
    FUZZ_CHECK(!o.kc || early);  // a v2 reset without early negotiation gets state or nothing

    // The client opens it.
    std::unique_ptr<crypto::ControlWrap> kc_client;
    crypto::ControlWrap* client = client_static_.get();
    if (o.kc) {
      // (A client wrap needs a WKc to send; opening needs none, any will do.)
      kc_client =
          must(crypto::TlsCrypt::create_v2(*o.kc, proto::Role::kClient, keys::kTlsCryptV2Wkc));
      client = kc_client.get();
    }
    Packet scratch(reply.size());
    crypto::UnwrappedControl u;
    FUZZ_CHECK(client->unwrap(reply, scratch, u) == Drop::kNone);
    FUZZ_CHECK(u.op.opcode == Opcode::kControlHardResetServerV2 && u.op.key_id == ovpn::KeyId{});
    FUZZ_CHECK(u.session_id == oracle_cookie_.make(from, o.sid, now_s_));
    if (client->mode() != proto::ControlWrapMode::kPlain) {
      FUZZ_CHECK(u.replay.id == control::kStatelessReplyReplayId);
      FUZZ_CHECK(u.replay.time == static_cast<uint32_t>(now_s_));
    }
    proto::ControlBody body;
    FUZZ_CHECK(proto::parse_control_body(u.op.opcode, u.body, body) == Drop::kNone);
    FUZZ_CHECK(body.ack_count == 1 && body.acks[0] == 0 && body.remote_session_id == o.sid);
    FUZZ_CHECK(body.has_message_id && body.message_id == 0);
    auto tlvs = control::parse_early_negotiation(body.payload);
    FUZZ_CHECK(tlvs.has_value() && tlvs->resend_wkc() == early);
    FUZZ_CHECK(body.payload.size() == (early ? 6u : 0u));
    FUZZ_REACHED(early               ? "stateless_reset/reply_early_negotiation"
                 : mode_ == kPlain   ? "stateless_reset/reply_plain"
                 : mode_ == kTlsAuth ? "stateless_reset/reply_tls_auth"
                                     : "stateless_reset/reply_tls_crypt");
  }

  // The new session's channel takes the packet that created it.
  control::ControlDrop feed_new_channel(const control::NewSession& session,
                                        std::span<const uint8_t> wire) {
    auto ctx = hs_->make_context(session, static_cast<uint32_t>(now_s_));
    FUZZ_CHECK(ctx.has_value());
    auto channel = control::ControlChannel::create(
        control::new_session_channel_config(session, kRandomSid), *ctx, 0);
    FUZZ_CHECK(channel.has_value());
    return channel->on_packet(wire, 0);
  }

  void check_cookie(const control::HandshakeVerdict& v, const Endpoint& from,
                    std::span<const uint8_t> wire) {
    FUZZ_CHECK(v.drop == HandshakeDrop::kNone && v.session.has_value() && v.reply_size == 0);
    const control::NewSession& s = *v.session;
    Oracle o;
    FUZZ_CHECK(authenticate(wire, o));
    FUZZ_CHECK(o.op.opcode == Opcode::kControlV1 || o.op.opcode == Opcode::kAckV1 ||
               o.op.opcode == Opcode::kControlWkcV1);
    FUZZ_CHECK(o.op.key_id == ovpn::KeyId{});
    FUZZ_CHECK(o.body.ack_count > 0);
    FUZZ_CHECK(oracle_cookie_.verify(from, o.sid, o.body.remote_session_id, now_s_));
    FUZZ_CHECK(!o.body.has_message_id ||
               (o.body.message_id >= 1 && o.body.message_id <= control::kReceiveWindow));
    FUZZ_CHECK(s.after_cookie && s.client_session_id == o.sid &&
               s.server_session_id == o.body.remote_session_id);
    FUZZ_CHECK(s.client_key.has_value() == o.kc.has_value());
    if (o.kc) FUZZ_CHECK(ovpn::fuzz::same_bytes(s.client_key->kc.bytes(), o.kc->bytes()));
    FUZZ_CHECK(feed_new_channel(s, wire) == control::ControlDrop::kNone);
    FUZZ_REACHED(o.kc ? "stateless_reset/created_tls_crypt_v2" : "stateless_reset/created");
  }

  // `responder`: from on_packet(), where only a v2 reset without early negotiation may do this.
  void check_stateful(control::HandshakeVerdict v, std::span<const uint8_t> wire, bool responder) {
    FUZZ_CHECK(v.action != HandshakeAction::kReply && v.reply_size == 0);
    if (v.action == HandshakeAction::kDrop) return check_drop(v);
    FUZZ_CHECK(v.drop == HandshakeDrop::kNone && v.session.has_value());
    const control::NewSession& s = *v.session;
    Oracle o;
    FUZZ_CHECK(authenticate(wire, o));
    FUZZ_CHECK(is_reset(o.op.opcode) && o.op.key_id == ovpn::KeyId{});
    FUZZ_CHECK(o.body.message_id == 0);
    FUZZ_CHECK(!s.after_cookie && s.client_session_id == o.sid);
    FUZZ_CHECK(s.client_key.has_value() == o.kc.has_value());
    if (responder) {
      FUZZ_CHECK(o.kc.has_value() && !force_cookie_);
      FUZZ_CHECK((o.replay.id & 0xff000000u) != control::kEarlyNegStart);
    }
    FUZZ_CHECK(feed_new_channel(s, wire) == control::ControlDrop::kNone);
    FUZZ_REACHED("stateless_reset/stateful");
  }

  Mode mode_;
  bool force_cookie_;
  bool has_static_;
  control::SessionCookie oracle_cookie_;
  std::vector<uint8_t> scratch_;
  crypto::ControlWrapPtr oracle_static_;
  std::optional<crypto::TlsCryptV2Server> oracle_v2_;
  crypto::ControlWrapPtr client_static_;
  crypto::ControlWrapPtr client_v2_;
  control::WrapSendCounter counter_;
  std::optional<control::StatelessHandshake> hs_;
  uint64_t now_s_ = kStartS;
  uint64_t calls_ = 0;
};

}  // namespace

OVPN_FUZZ_TARGET(stateless_reset) {
  if (size < 1) return 0;
  Harness h(data[0]);
  ovpn::fuzz::StepFrames frames(data + 1, size - 1, 64);
  uint8_t step = 0;
  std::span<const uint8_t> wire;
  while (frames.next(step, wire)) h.step(step, wire);
  return 0;
}
