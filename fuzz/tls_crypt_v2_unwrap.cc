// Fuzz target: the tls-crypt-v2 server path. The wrapped client key WKc that
// parse_control_envelope(kTlsCryptV2) finds behind opcodes 10 and 11 is unwrapped with the fixed
// server key (pki/v2s.key); the client key Kc it yields then unwraps the packet
// (TlsCrypt::create_v2(kc, Role::kServer, {})). Packets without a WKc are unwrapped with the
// seeds' Kc (pki/v2c.key), by the server, and by the client for the server's packets.
//
// Invariants:
//   * a WKc whose envelope parsed fails only with kBadTag; one that unwraps is reproduced
//     byte for byte by TlsCryptV2Server::wrap(kc, metadata);
//   * unwrap() returns kNone, kMalformed or kBadTag, kMalformed exactly when the envelope does
//     not parse; an unwrapped packet's fields (and WKc) are the wire's, and the peer's wrap()
//     reproduces the wire bytes exactly;
//   * flipping any one bit of an unwrapped packet makes it fail.

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "common/drop.h"
#include "crypto/tls_crypt.h"
#include "crypto/tls_crypt_v2.h"
#include "fuzz_keys.h"
#include "fuzz_target.h"
#include "proto/control_packet.h"
#include "proto/static_key.h"

namespace {

using ovpn::Drop;
using ovpn::crypto::TlsCrypt;
using ovpn::crypto::TlsCryptV2Server;
using ovpn::fuzz::same_bytes;
namespace keys = ovpn::fuzz::keys;
namespace proto = ovpn::proto;

std::unique_ptr<TlsCrypt> make(const proto::Key2& kc, proto::Role role,
                               std::span<const uint8_t> wkc) {
  auto tc = TlsCrypt::create_v2(kc, role, wkc);
  FUZZ_CHECK(tc.has_value());
  return std::move(*tc);
}

TlsCryptV2Server make_server() {
  auto server = TlsCryptV2Server::create(keys::kTlsCryptV2ServerKey);
  FUZZ_CHECK(server.has_value());
  return std::move(*server);
}

struct Fixture {
  TlsCryptV2Server server = make_server();
  proto::Key2 kc{keys::kTlsCryptV2Kc};
  std::unique_ptr<TlsCrypt> kc_server = make(kc, proto::Role::kServer, {});
  std::unique_ptr<TlsCrypt> kc_client = make(kc, proto::Role::kClient, keys::kTlsCryptV2Wkc);
  // The last Kc unwrapped from a WKc and its server side (a WKc only unwraps when it is
  // authentic, so in practice this is always the seeds' Kc).
  std::optional<proto::Key2> last_kc;
  std::unique_ptr<TlsCrypt> last_server;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

TlsCrypt& server_for(Fixture& f, const proto::Key2& kc) {
  if (!f.last_kc || !same_bytes(f.last_kc->bytes(), kc.bytes())) {
    f.last_server = make(kc, proto::Role::kServer, {});
    f.last_kc = kc;
  }
  return *f.last_server;
}

void check(TlsCrypt& receiver, TlsCrypt& sender, std::span<const uint8_t> wire, const char* event) {
  std::vector<uint8_t> scratch(wire.size() + 1, 0xee);
  ovpn::crypto::UnwrappedControl u;
  const Drop drop = receiver.unwrap(wire, std::span<uint8_t>(scratch).first(wire.size()), u);
  FUZZ_CHECK(scratch.back() == 0xee);
  proto::ControlEnvelope env;
  const Drop parsed =
      proto::parse_control_envelope(proto::ControlWrapMode::kTlsCryptV2, 0, wire, env);
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
  FUZZ_CHECK(u.wkc.data() == env.wkc.data() && u.wkc.size() == env.wkc.size());

  // The peer wraps the same header and body into the same bytes; it appends a WKc only if it
  // has one (a client), so a server's output stops where the WKc starts.
  std::vector<uint8_t> out(wire.size());
  auto n = sender.wrap({u.op, u.session_id, u.replay}, u.body, out);
  FUZZ_CHECK(n.has_value() && *n == sender.overhead(u.op.opcode) + u.body.size());
  FUZZ_CHECK(*n == wire.size() || *n + u.wkc.size() == wire.size());
  FUZZ_CHECK(same_bytes(std::span<const uint8_t>(out).first(*n), wire.first(*n)));

  // One flipped bit in what the tag covers (not the WKc: the server unwraps that on its own).
  std::memcpy(out.data() + *n, wire.data() + *n, wire.size() - *n);
  const size_t covered = wire.size() - u.wkc.size();
  const size_t bit = (wire.size() * 131 + u.replay.id) % (covered * 8);
  out[bit / 8] = static_cast<uint8_t>(out[bit / 8] ^ (1u << (bit % 8)));
  ovpn::crypto::UnwrappedControl tampered;
  std::vector<uint8_t> scratch2(out.size());
  FUZZ_CHECK(receiver.unwrap(out, scratch2, tampered) != Drop::kNone);
}

}  // namespace

OVPN_FUZZ_TARGET(tls_crypt_v2_unwrap) {
  const std::span<const uint8_t> wire(data, size);
  Fixture& f = fixture();
  proto::ControlEnvelope env;
  if (proto::parse_control_envelope(proto::ControlWrapMode::kTlsCryptV2, 0, wire, env) ==
          Drop::kNone &&
      !env.wkc.empty()) {
    ovpn::crypto::UnwrappedClientKey key;
    const Drop drop = f.server.unwrap(env.wkc, key);
    // The envelope parser checked the WKc's size and length field: only the tag can be wrong.
    FUZZ_CHECK(drop == Drop::kNone || drop == Drop::kBadTag);
    if (drop == Drop::kNone) {
      FUZZ_REACHED("tls_crypt_v2_unwrap/wkc_unwrapped");
      FUZZ_CHECK(key.metadata.size() + ovpn::crypto::kWkcTagSize + proto::kKey2Size + 2 ==
                 env.wkc.size());
      auto rewrapped = f.server.wrap(key.kc, key.metadata);
      FUZZ_CHECK(rewrapped.has_value() && same_bytes(*rewrapped, env.wkc));
      // The client that sent it: its Kc, and the WKc it appends.
      const auto client = make(key.kc, proto::Role::kClient, env.wkc);
      check(server_for(f, key.kc), *client, wire, "tls_crypt_v2_unwrap/wkc_server");
    }
  } else {
    check(*f.kc_server, *f.kc_client, wire, "tls_crypt_v2_unwrap/kc_server");
  }
  check(*f.kc_client, *f.kc_server, wire, "tls_crypt_v2_unwrap/kc_client");
  return 0;
}
