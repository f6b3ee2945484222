// A control packet that was changed in any way is rejected by every authenticating wrapper:
// each flipped bit and each truncation of a captured packet. For tls-crypt-v2 resets the whole
// server path runs: WKc unwrapped with the server key, then the packet with the recovered Kc.

#include <gtest/gtest.h>

#include "control_wrap_fixtures.h"

namespace ovpn::crypto {
namespace {

using test::hex;

bool accepted(ControlWrap& receiver, const std::vector<uint8_t>& wire) {
  std::vector<uint8_t> scratch(wire.size());
  UnwrappedControl got;
  return receiver.unwrap(wire, scratch, got) == Drop::kNone;
}

void expect_every_change_rejected(ControlWrap& receiver, const std::vector<uint8_t>& wire) {
  ASSERT_TRUE(accepted(receiver, wire));
  for (size_t bit = 0; bit < wire.size() * 8; ++bit) {
    auto copy = wire;
    copy[bit / 8] = static_cast<uint8_t>(copy[bit / 8] ^ (1u << (bit % 8)));
    EXPECT_FALSE(accepted(receiver, copy)) << "bit " << bit;
  }
  for (size_t len = 0; len < wire.size(); ++len) {
    EXPECT_FALSE(accepted(receiver, std::vector<uint8_t>(wire.begin(), wire.begin() + len)))
        << "length " << len;
  }
}

// The longest packet of a vector list (most bytes to flip), sent by the client.
const nlohmann::json& longest_from_client(const nlohmann::json& vectors) {
  const nlohmann::json* best = nullptr;
  for (const auto& v : vectors) {
    if (v["direction"] != "client->server") continue;
    if (best == nullptr ||
        v["wire"].get<std::string>().size() > (*best)["wire"].get<std::string>().size()) {
      best = &v;
    }
  }
  return *best;
}

TEST(ControlWrapNegative, TlsAuth) {
  const auto doc = test::load_vectors("tls-auth.json");
  for (const auto& session : doc["sessions"]) {
    SCOPED_TRACE(session["session"].get<std::string>());
    const auto pair = test_fixtures::tls_auth_pair(session);
    expect_every_change_rejected(*pair.server, hex(session["vectors"][0]["wire"]));
  }
}

TEST(ControlWrapNegative, TlsCrypt) {
  const auto doc = test::load_vectors("tls-crypt.json");
  const auto pair = test_fixtures::tls_crypt_pair(test_fixtures::static_key(doc["key_file"]));
  expect_every_change_rejected(*pair.server, hex(doc["vectors"][0]["wire"]));
  expect_every_change_rejected(*pair.server, hex(longest_from_client(doc["vectors"])["wire"]));
}

// The server side of tls-crypt-v2 as a ControlWrap: unwraps the WKc, then the packet.
class TlsCryptV2ServerPath final : public ControlWrap {
 public:
  explicit TlsCryptV2ServerPath(TlsCryptV2Server server) : server_(std::move(server)) {}
  proto::ControlWrapMode mode() const noexcept override {
    return proto::ControlWrapMode::kTlsCryptV2;
  }
  size_t overhead(proto::Opcode) const noexcept override { return 0; }
  Expected<size_t> wrap(const WrapHeader&, std::span<const uint8_t>,
                        std::span<uint8_t>) noexcept override {
    return make_error(Errc::kUnsupported, "receive only");
  }
  Drop unwrap(std::span<const uint8_t> wire, std::span<uint8_t> scratch,
              UnwrappedControl& out) noexcept override {
    proto::ControlEnvelope env;
    if (auto d = proto::parse_control_envelope(mode(), 0, wire, env); d != Drop::kNone) return d;
    if (env.wkc.empty()) return Drop::kMalformed;
    UnwrappedClientKey client;
    if (auto d = server_.unwrap(env.wkc, client); d != Drop::kNone) return d;
    auto wrap = TlsCrypt::create_v2(client.kc, proto::Role::kServer, {});
    if (!wrap) return Drop::kMalformed;
    return (*wrap)->unwrap(wire, scratch, out);
  }

 private:
  TlsCryptV2Server server_;
};

TEST(ControlWrapNegative, TlsCryptV2ResetWithWkc) {
  const auto doc = test::load_vectors("tls-crypt-v2.json");
  auto server = TlsCryptV2Server::from_pem(doc["server_key"]["text"].get<std::string>());
  ASSERT_TRUE(server) << server.error().message;
  TlsCryptV2ServerPath path(std::move(*server));
  const auto& reset = doc["vectors"][0];
  ASSERT_EQ(reset["opcode"], 10);
  expect_every_change_rejected(path, hex(reset["wire"]));
}

}  // namespace
}  // namespace ovpn::crypto
