// A client KeyState against the packets a stock OpenVPN 2.6.14 server sent in the captured
// tls-crypt session, as far as they go without the stock side's TLS secrets: our reset is the
// stock client's byte for byte; the server's reset moves us to kStart and our first
// P_CONTROL_V1 (our own ClientHello) ACKs it with the server's session id; the server's TLS
// flight, answering another ClientHello, authenticates on the wire and then fails the TLS
// handshake, which fails the key state with the TLS reason.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "control/key_state.h"
#include "support/vectors.h"
#include "test_pki.h"
#include "unit/crypto/control_wrap_fixtures.h"

namespace ovpn::control {
namespace {

using ovpn::test::hex;
using Packet = std::vector<uint8_t>;

proto::SessionId sid_of(const nlohmann::json& v) {
  const auto b = hex(v["session_id"]);
  proto::SessionId sid{};
  EXPECT_EQ(b.size(), sid.size());
  std::copy_n(b.begin(), std::min(b.size(), sid.size()), sid.begin());
  return sid;
}

std::shared_ptr<const TlsContext> client_tls() {
  static const test::Identity ca = test::make_ca("Other CA");
  static const test::Identity id =
      test::issue(ca, {.common_name = "client", .eku = test::Eku::kClientAuth});
  TlsConfig c;
  c.ca_pem = ca.cert_pem;
  c.cert_pem = id.cert_pem;
  c.key_pem = id.key_pem;
  auto ctx = TlsContext::create(c);
  EXPECT_TRUE(ctx) << ctx.error().message;
  return ctx ? *ctx : nullptr;
}

std::vector<Packet> drain(KeyState& ks, uint64_t now_ms) {
  std::vector<Packet> out;
  for (int i = 0; i < 64; ++i) {
    Packet buf(kMaxControlPacketSize);
    auto n = ks.poll_transmit(now_ms, buf);
    EXPECT_TRUE(n) << n.error().message;
    if (!n || *n == 0) break;
    buf.resize(*n);
    out.push_back(std::move(buf));
  }
  return out;
}

TEST(KeyStateVectors, TlsCryptSessionAsFarAsItGoes) {
  const auto doc = ovpn::test::load_vectors("tls-crypt.json");
  const auto& v = doc["vectors"];
  ASSERT_GE(v.size(), 8u);
  auto pair =
      crypto::test_fixtures::tls_crypt_pair(crypto::test_fixtures::static_key(doc["key_file"]));
  TlsWrapContext wrap = TlsWrapContext::make(std::move(pair.client), proto::Role::kClient,
                                             v[0]["replay_timestamp"].get<uint32_t>());
  KeyStateConfig cfg;
  cfg.channel.own_session_id = sid_of(v[0]);
  cfg.options = "V4,dev-type tun,tls-client";
  auto created = KeyState::create(std::move(cfg), wrap, client_tls(), 0);
  ASSERT_TRUE(created) << created.error().message;
  KeyState& ks = *created;

  auto reset = drain(ks, 0);
  ASSERT_EQ(reset.size(), 1u);
  EXPECT_EQ(reset[0], hex(v[0]["wire"]));
  EXPECT_EQ(ks.stage(), KeyStateStage::kPreStart);

  ASSERT_EQ(v[1]["opcode_name"], "P_CONTROL_HARD_RESET_SERVER_V2");
  EXPECT_EQ(ks.on_packet(hex(v[1]["wire"]), 1000), ControlDrop::kNone);
  EXPECT_EQ(ks.stage(), KeyStateStage::kSentKey);  // kStart, and the client wrote its message

  const auto hello = drain(ks, 1000);
  ASSERT_FALSE(hello.empty());
  std::vector<uint8_t> scratch(hello[0].size());
  crypto::UnwrappedControl u;
  ASSERT_EQ(pair.server->unwrap(hello[0], scratch, u), Drop::kNone);
  EXPECT_EQ(u.op.opcode, proto::Opcode::kControlV1);
  proto::ControlBody body;
  ASSERT_EQ(proto::parse_control_body(u.op.opcode, u.body, body), Drop::kNone);
  ASSERT_EQ(body.ack_count, 1);
  EXPECT_EQ(body.acks[0], 0u);
  EXPECT_EQ(body.remote_session_id, sid_of(v[1]));
  EXPECT_EQ(body.message_id, 1u);
  ASSERT_GE(body.payload.size(), 6u);
  EXPECT_EQ(body.payload[0], 0x16);  // a TLS handshake record
  EXPECT_EQ(body.payload[5], 0x01);  // ClientHello

  // The stock server's flight: every packet authenticates, TLS refuses what it says.
  uint64_t now = 2000;
  for (size_t i = 2; i < v.size() && !ks.failed(); ++i) {
    if (v[i]["direction"] == "client->server") continue;
    SCOPED_TRACE(v[i]["id"].get<std::string>());
    EXPECT_EQ(ks.on_packet(hex(v[i]["wire"]), now), ControlDrop::kNone);
    static_cast<void>(drain(ks, now));
    now += 10;
  }
  ASSERT_TRUE(ks.failed());
  ASSERT_TRUE(ks.error());
  EXPECT_EQ(ks.error()->message.rfind("TLS error: ", 0), 0u) << ks.error()->message;
  EXPECT_FALSE(ks.derive_key2(true));
  EXPECT_EQ(ks.on_packet(hex(v[3]["wire"]), now), ControlDrop::kFailed);
}

}  // namespace
}  // namespace ovpn::control
