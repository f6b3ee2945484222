// Fuzz target: control-packet envelopes in every wrapping mode (plain, tls-auth with 20/32/64
// byte HMACs, tls-crypt, tls-crypt-v2) and the reliability-layer body inside them.
//
// Invariants:
//   * a parsed envelope's fields lie inside the wire bytes and add up to all of them, in the
//     mode's layout; op and session id are the wire's;
//   * a body that parses is written back by write_control_body() byte for byte, with
//     control_body_size() equal to its length, and not at all into one byte less;
//   * PlainWrap rebuilds a plain packet exactly from what it unwrapped.

#include <array>
#include <cstring>
#include <vector>

#include "common/byteorder.h"
#include "common/drop.h"
#include "crypto/control_wrap.h"
#include "fuzz_target.h"
#include "proto/control_packet.h"
#include "proto/opcode.h"

namespace {

using ovpn::Drop;
using ovpn::fuzz::same_bytes;
using ovpn::fuzz::within;
namespace proto = ovpn::proto;
using proto::ControlWrapMode;

void check_body(proto::Opcode op, std::span<const uint8_t> p) {
  proto::ControlBody body;
  if (proto::parse_control_body(op, p, body) != Drop::kNone) return;
  FUZZ_REACHED("control_packet/body");
  FUZZ_CHECK(body.ack_count <= proto::kMaxAcks);
  FUZZ_CHECK(body.has_message_id == proto::has_message_id(op));
  FUZZ_CHECK(within(body.payload, p));
  FUZZ_CHECK(proto::control_body_size(body) == p.size());
  std::vector<uint8_t> out(p.size() + 1, 0xee);
  const size_t n = proto::write_control_body(body, out);
  FUZZ_CHECK(n == p.size());
  FUZZ_CHECK(same_bytes(std::span<const uint8_t>(out).first(n), p));
  FUZZ_CHECK(out[n] == 0xee);  // nothing written past the body
  FUZZ_CHECK(proto::write_control_body(body, std::span<uint8_t>(out).first(p.size() - 1)) == 0);
}

void check_envelope(ControlWrapMode mode, size_t hmac_size, std::span<const uint8_t> wire) {
  proto::ControlEnvelope env;
  const Drop drop = proto::parse_control_envelope(mode, hmac_size, wire, env);
  if (drop != Drop::kNone) {
    FUZZ_CHECK(drop == Drop::kMalformed);
    return;
  }
  FUZZ_CHECK(wire.size() >= proto::kOpSidSize);
  const auto op = proto::decode_op_byte(wire[0]);
  FUZZ_CHECK(op.has_value() && proto::is_control(op->opcode));
  FUZZ_CHECK(env.op.opcode == op->opcode && env.op.key_id == op->key_id);
  FUZZ_CHECK(std::memcmp(env.session_id.data(), &wire[1], proto::kSessionIdSize) == 0);
  FUZZ_CHECK(within(env.header, wire) && within(env.auth, wire) && within(env.body, wire) &&
             within(env.wkc, wire));
  // Header first; the body runs up to the WKc, or to the end.
  FUZZ_CHECK(env.header.data() == wire.data());
  const size_t wkc = env.wkc.size();
  FUZZ_CHECK(env.body.data() + env.body.size() + wkc == wire.data() + wire.size());
  const size_t overhead = proto::control_envelope_overhead(mode, hmac_size);
  FUZZ_CHECK(overhead + env.body.size() + wkc == wire.size());

  switch (mode) {
    case ControlWrapMode::kPlain:
      FUZZ_CHECK(env.header.size() == proto::kOpSidSize && env.auth.empty() && wkc == 0);
      FUZZ_CHECK(env.replay.id == 0 && env.replay.time == 0);
      break;
    case ControlWrapMode::kTlsAuth: {
      FUZZ_CHECK(env.header.size() == proto::kOpSidSize && env.auth.size() == hmac_size);
      FUZZ_CHECK(env.auth.data() == wire.data() + proto::kOpSidSize && wkc == 0);
      const uint8_t* replay = wire.data() + proto::kOpSidSize + hmac_size;
      FUZZ_CHECK(env.replay.id == ovpn::load_be32(replay));
      FUZZ_CHECK(env.replay.time == ovpn::load_be32(replay + 4));
      break;
    }
    case ControlWrapMode::kTlsCrypt:
    case ControlWrapMode::kTlsCryptV2:
      FUZZ_CHECK(env.header.size() == proto::kTlsCryptHeaderSize);
      FUZZ_CHECK(env.auth.size() == proto::kTlsCryptTagSize);
      FUZZ_CHECK(env.auth.data() == wire.data() + proto::kTlsCryptHeaderSize);
      FUZZ_CHECK(env.replay.id == ovpn::load_be32(&wire[proto::kOpSidSize]));
      FUZZ_CHECK(env.replay.time == ovpn::load_be32(&wire[proto::kOpSidSize + 4]));
      if (mode == ControlWrapMode::kTlsCryptV2 && proto::carries_wkc(env.op.opcode)) {
        FUZZ_REACHED("control_packet/wkc");
        FUZZ_CHECK(wkc >= proto::kWkcMinSize && wkc <= proto::kWkcMaxSize);
        FUZZ_CHECK(ovpn::load_be16(&wire[wire.size() - 2]) == wkc);
      } else {
        FUZZ_CHECK(wkc == 0);
      }
      break;
  }
  // Plain and tls-auth carry P in the clear; tls-crypt's C is parsed as a body all the same.
  check_body(env.op.opcode, env.body);
}

void check_plain_wrap(std::span<const uint8_t> wire) {
  ovpn::crypto::PlainWrap plain;
  ovpn::crypto::UnwrappedControl u;
  if (plain.unwrap(wire, {}, u) != Drop::kNone) return;
  FUZZ_REACHED("control_packet/plain_unwrapped");
  std::vector<uint8_t> out(wire.size());
  const ovpn::crypto::WrapHeader header{u.op, u.session_id, u.replay};
  auto n = plain.wrap(header, u.body, out);
  FUZZ_CHECK(n.has_value() && *n == wire.size());
  FUZZ_CHECK(same_bytes(out, wire));
  FUZZ_CHECK(!plain.wrap(header, u.body, std::span<uint8_t>(out).first(wire.size() - 1)));
}

}  // namespace

OVPN_FUZZ_TARGET(control_packet) {
  const std::span<const uint8_t> wire(data, size);
  check_envelope(ControlWrapMode::kPlain, 0, wire);
  for (size_t hmac_size : {size_t{20}, size_t{32}, size_t{64}}) {
    check_envelope(ControlWrapMode::kTlsAuth, hmac_size, wire);
  }
  check_envelope(ControlWrapMode::kTlsCrypt, 0, wire);
  check_envelope(ControlWrapMode::kTlsCryptV2, 0, wire);
  // Without an HMAC size there is no tls-auth layout.
  proto::ControlEnvelope env;
  FUZZ_CHECK(proto::parse_control_envelope(ControlWrapMode::kTlsAuth, 0, wire, env) ==
             Drop::kMalformed);
  check_plain_wrap(wire);
  // The body parser on its own, for the opcode of the first byte (when it is a control one).
  if (size > 0) {
    if (const auto op = proto::decode_op_byte(data[0]); op && proto::is_control(op->opcode)) {
      check_body(op->opcode, wire.subspan(1));
    }
  }
  return 0;
}
