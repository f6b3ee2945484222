// Fuzz target: TlsAuth::unwrap with the fixed pki/ta.key of the tls-auth seeds.
//
// The primary instance is the one the brief of the capture describes: --auth SHA256, the server
// with key-direction 0 (kNormal), which receives the client's packets. The SHA1 sessions of the
// same key (key-direction 0 and no direction) and the client side of each (receiving the
// server's packets) are tried as well, so that every seed authenticates somewhere.
//
// Invariants:
//   * unwrap() returns kNone, kMalformed or kBadTag, and kNone only for a wire that parses as a
//     tls-auth envelope of the digest's size;
//   * an authenticated packet's fields are the wire's, and the peer's wrap() of them (same
//     replay id and time) reproduces the wire bytes exactly;
//   * flipping any one bit of an authenticated packet makes it fail.

#include <memory>
#include <vector>

#include "common/drop.h"
#include "crypto/tls_auth.h"
#include "fuzz_keys.h"
#include "fuzz_target.h"
#include "proto/control_packet.h"
#include "proto/static_key.h"

namespace {

using ovpn::Drop;
using ovpn::crypto::Digest;
using ovpn::crypto::TlsAuth;
using ovpn::fuzz::same_bytes;
namespace proto = ovpn::proto;

struct Pair {
  const char* event;
  Digest digest;
  std::unique_ptr<TlsAuth> receiver;
  std::unique_ptr<TlsAuth> sender;  // the other side, which made the packets `receiver` gets
};

std::unique_ptr<TlsAuth> make(Digest digest, proto::KeyDirection direction) {
  const proto::Key2 key(ovpn::fuzz::keys::kTlsAuthKey);
  auto auth = TlsAuth::create(digest, key, direction);
  FUZZ_CHECK(auth.has_value());
  return std::move(*auth);
}

std::vector<Pair> make_pairs() {
  using proto::KeyDirection;
  std::vector<Pair> pairs;
  // Server (key-direction 0) receiving from the client (key-direction 1), and the reverse.
  for (Digest digest : {Digest::kSha256, Digest::kSha1}) {
    const bool sha256 = digest == Digest::kSha256;
    pairs.push_back(Pair{sha256 ? "tls_auth_verify/server_sha256" : "tls_auth_verify/server_sha1",
                         digest, make(digest, KeyDirection::kNormal),
                         make(digest, KeyDirection::kInverse)});
    pairs.push_back(Pair{sha256 ? "tls_auth_verify/client_sha256" : "tls_auth_verify/client_sha1",
                         digest, make(digest, KeyDirection::kInverse),
                         make(digest, KeyDirection::kNormal)});
  }
  // No key direction: both sides use keys[0].
  pairs.push_back(Pair{"tls_auth_verify/nodir_sha1", Digest::kSha1,
                       make(Digest::kSha1, KeyDirection::kBidirectional),
                       make(Digest::kSha1, KeyDirection::kBidirectional)});
  return pairs;
}

std::vector<Pair>& pairs() {
  static std::vector<Pair> p = make_pairs();
  return p;
}

void check(Pair& pair, std::span<const uint8_t> wire) {
  const size_t hmac_size = ovpn::crypto::digest_size(pair.digest);
  ovpn::crypto::UnwrappedControl u;
  const Drop drop = pair.receiver->unwrap(wire, {}, u);
  proto::ControlEnvelope env;
  const Drop parsed =
      proto::parse_control_envelope(proto::ControlWrapMode::kTlsAuth, hmac_size, wire, env);
  if (drop != Drop::kNone) {
    FUZZ_CHECK(drop == Drop::kMalformed || drop == Drop::kBadTag);
    FUZZ_CHECK((drop == Drop::kMalformed) == (parsed != Drop::kNone));
    return;
  }
  FUZZ_REACHED(pair.event);
  FUZZ_CHECK(parsed == Drop::kNone);
  FUZZ_CHECK(u.op.opcode == env.op.opcode && u.op.key_id == env.op.key_id);
  FUZZ_CHECK(u.session_id == env.session_id);
  FUZZ_CHECK(u.replay.id == env.replay.id && u.replay.time == env.replay.time);
  FUZZ_CHECK(u.body.data() == env.body.data() && u.body.size() == env.body.size());
  FUZZ_CHECK(u.wkc.empty());
  FUZZ_CHECK(pair.receiver->overhead(u.op.opcode) + u.body.size() == wire.size());

  // The sender wraps the same fields into the same bytes.
  std::vector<uint8_t> out(wire.size());
  auto n = pair.sender->wrap({u.op, u.session_id, u.replay}, u.body, out);
  FUZZ_CHECK(n.has_value() && *n == wire.size());
  FUZZ_CHECK(same_bytes(out, wire));

  // One flipped bit (any field: op, session id, HMAC, replay id, body) and it no longer passes.
  const size_t bit = (wire.size() * 131 + u.replay.id) % (wire.size() * 8);
  out[bit / 8] = static_cast<uint8_t>(out[bit / 8] ^ (1u << (bit % 8)));
  ovpn::crypto::UnwrappedControl tampered;
  FUZZ_CHECK(pair.receiver->unwrap(out, {}, tampered) != Drop::kNone);
}

}  // namespace

OVPN_FUZZ_TARGET(tls_auth_verify) {
  const std::span<const uint8_t> wire(data, size);
  for (Pair& pair : pairs()) check(pair, wire);
  return 0;
}
