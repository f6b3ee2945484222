// Fuzz target: TlsCrypt::unwrap with the fixed pki/tc.key of the tls-crypt seeds, as the server
// (Role::kServer, receiving the client's packets) and as the client (receiving the server's).
//
// Invariants:
//   * unwrap() returns kNone, kMalformed or kBadTag, kMalformed exactly when the wire does not
//     parse as a tls-crypt envelope; it never writes past the scratch it needs (wire.size());
//   * an unwrapped packet's fields are the wire's, and the peer's wrap() of its header and body
//     reproduces the wire bytes exactly;
//   * flipping any one bit of an unwrapped packet makes it fail.

#include <memory>
#include <vector>

#include "common/drop.h"
#include "crypto/tls_crypt.h"
#include "fuzz_keys.h"
#include "fuzz_target.h"
#include "proto/control_packet.h"
#include "proto/static_key.h"

namespace {

using ovpn::Drop;
using ovpn::crypto::TlsCrypt;
using ovpn::fuzz::same_bytes;
namespace proto = ovpn::proto;

std::unique_ptr<TlsCrypt> make(proto::Role role) {
  const proto::Key2 key(ovpn::fuzz::keys::kTlsCryptKey);
  auto tc = TlsCrypt::create(key, role);
  FUZZ_CHECK(tc.has_value());
  return std::move(*tc);
}

struct Fixture {
  std::unique_ptr<TlsCrypt> server = make(proto::Role::kServer);
  std::unique_ptr<TlsCrypt> client = make(proto::Role::kClient);
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void check(TlsCrypt& receiver, TlsCrypt& sender, std::span<const uint8_t> wire, const char* event) {
  // One guard byte behind the scratch the contract asks for.
  std::vector<uint8_t> scratch(wire.size() + 1, 0xee);
  ovpn::crypto::UnwrappedControl u;
  const Drop drop = receiver.unwrap(wire, std::span<uint8_t>(scratch).first(wire.size()), u);
  FUZZ_CHECK(scratch.back() == 0xee);
  proto::ControlEnvelope env;
  const Drop parsed =
      proto::parse_control_envelope(proto::ControlWrapMode::kTlsCrypt, 0, wire, env);
  if (drop != Drop::kNone) {
    FUZZ_CHECK(drop == Drop::kMalformed || drop == Drop::kBadTag);
    FUZZ_CHECK((drop == Drop::kMalformed) == (parsed != Drop::kNone));
    return;
  }
  FUZZ_REACHED(event);
  FUZZ_CHECK(parsed == Drop::kNone);
  FUZZ_CHECK(u.op.opcode == env.op.opcode && u.op.key_id == env.op.key_id);
  FUZZ_CHECK(u.session_id == env.session_id);
  FUZZ_CHECK(u.replay.id == env.replay.id && u.replay.time == env.replay.time);
  FUZZ_CHECK(u.body.size() == env.body.size() && u.body.data() == scratch.data());
  FUZZ_CHECK(u.wkc.empty());

  std::vector<uint8_t> out(wire.size());
  auto n = sender.wrap({u.op, u.session_id, u.replay}, u.body, out);
  FUZZ_CHECK(n.has_value() && *n == wire.size());
  FUZZ_CHECK(same_bytes(out, wire));

  const size_t bit = (wire.size() * 131 + u.replay.id) % (wire.size() * 8);
  out[bit / 8] = static_cast<uint8_t>(out[bit / 8] ^ (1u << (bit % 8)));
  ovpn::crypto::UnwrappedControl tampered;
  std::vector<uint8_t> scratch2(out.size());
  FUZZ_CHECK(receiver.unwrap(out, scratch2, tampered) != Drop::kNone);
  // Too little scratch for the body: refused, not overrun.
  if (!u.body.empty()) {
    FUZZ_CHECK(receiver.unwrap(wire, std::span<uint8_t>(scratch2).first(u.body.size() - 1),
                               tampered) == Drop::kMalformed);
  }
}

}  // namespace

OVPN_FUZZ_TARGET(tls_crypt_unwrap) {
  const std::span<const uint8_t> wire(data, size);
  Fixture& f = fixture();
  check(*f.server, *f.client, wire, "tls_crypt_unwrap/server");
  check(*f.client, *f.server, wire, "tls_crypt_unwrap/client");
  return 0;
}
