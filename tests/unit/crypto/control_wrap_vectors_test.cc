// Every control packet of the captured sessions unwraps, with the receiver's keys, to the
// captured plaintext, and wraps again, with the sender's keys and the captured replay id and
// time, to the captured bytes: plain, tls-auth (SHA256, SHA1, no key direction), tls-crypt,
// dynamic tls-crypt and tls-crypt-v2 (with the WKc on opcodes 10 and 11).

#include <gtest/gtest.h>

#include "control_wrap_fixtures.h"

namespace ovpn::crypto {
namespace {

using test::hex;
using test_fixtures::WrapPair;

void check_packet(const WrapPair& pair, const nlohmann::json& v) {
  SCOPED_TRACE(v["id"].get<std::string>());
  const auto wire = hex(v["wire"]);
  std::vector<uint8_t> scratch(wire.size());
  UnwrappedControl got;
  ASSERT_EQ(pair.receiver(v).unwrap(wire, scratch, got), Drop::kNone);

  EXPECT_EQ(static_cast<int>(got.op.opcode), v["opcode"].get<int>());
  EXPECT_EQ(got.op.key_id.value(), v["key_id"].get<int>());
  EXPECT_EQ(std::vector<uint8_t>(got.session_id.begin(), got.session_id.end()),
            hex(v["session_id"]));
  const std::vector<uint8_t> body(got.body.begin(), got.body.end());
  if (v.contains("plaintext")) {
    EXPECT_EQ(body, hex(v["plaintext"]));
    EXPECT_EQ(got.replay.id, v["replay_packet_id"].get<uint32_t>());
    EXPECT_EQ(got.replay.time, v["replay_timestamp"].get<uint32_t>());
  } else {  // plain mode: P follows op and sid
    EXPECT_EQ(body, std::vector<uint8_t>(wire.begin() + 9, wire.end()));
  }
  if (v.contains("wkc")) {
    EXPECT_EQ(std::vector<uint8_t>(got.wkc.begin(), got.wkc.end()), hex(v["wkc"]));
  }

  std::vector<uint8_t> rewrapped(wire.size() + 64);
  auto size = pair.sender(v).wrap(WrapHeader{got.op, got.session_id, got.replay}, body, rewrapped);
  ASSERT_TRUE(size) << size.error().message;
  rewrapped.resize(*size);
  EXPECT_EQ(rewrapped, wire);
}

TEST(ControlWrapVectors, Plain) {
  const auto doc = test::load_vectors("control-plain.json");
  const auto pair = test_fixtures::plain_pair();
  for (const auto& v : doc["vectors"]) check_packet(pair, v);
  EXPECT_GT(doc["vectors"].size(), 10u);
}

TEST(ControlWrapVectors, TlsAuthEverySession) {
  const auto doc = test::load_vectors("tls-auth.json");
  ASSERT_EQ(doc["sessions"].size(), 3u);
  for (const auto& session : doc["sessions"]) {
    SCOPED_TRACE(session["session"].get<std::string>());
    const auto pair = test_fixtures::tls_auth_pair(session);
    for (const auto& v : session["vectors"]) check_packet(pair, v);
  }
}

TEST(ControlWrapVectors, TlsAuthHmacKeysAreTheCapturedOnes) {
  // The key direction picks keys[1].hmac for the client's packets and keys[0].hmac for the
  // server's: unwrapping with the opposite direction must fail.
  const auto doc = test::load_vectors("tls-auth.json");
  const auto& session = doc["sessions"][0];
  const auto pair = test_fixtures::tls_auth_pair(session);
  const auto& v = session["vectors"][0];
  ASSERT_EQ(v["direction"], "client->server");
  const auto wire = hex(v["wire"]);
  std::vector<uint8_t> scratch(wire.size());
  UnwrappedControl got;
  EXPECT_EQ(pair.client->unwrap(wire, scratch, got), Drop::kBadTag);
}

TEST(ControlWrapVectors, TlsCrypt) {
  const auto doc = test::load_vectors("tls-crypt.json");
  const auto pair = test_fixtures::tls_crypt_pair(test_fixtures::static_key(doc["key_file"]));
  for (const auto& v : doc["vectors"]) check_packet(pair, v);
  EXPECT_GT(doc["vectors"].size(), 10u);
}

TEST(ControlWrapVectors, DynamicTlsCrypt) {
  const auto doc = test::load_vectors("tls-crypt.json");
  const auto& dynamic = doc["dynamic_tls_crypt"];
  const auto key_bytes = hex(dynamic["dynamic_key"]);
  ASSERT_EQ(key_bytes.size(), proto::kKey2Size);
  const proto::Key2 key(std::span<const uint8_t, proto::kKey2Size>(key_bytes.data(), 256));
  const auto pair = test_fixtures::tls_crypt_pair(key);
  for (const auto& v : dynamic["vectors"]) check_packet(pair, v);
  EXPECT_GT(dynamic["vectors"].size(), 5u);
}

TEST(ControlWrapVectors, TlsCryptV2) {
  const auto doc = test::load_vectors("tls-crypt-v2.json");
  const auto pair = test_fixtures::tls_crypt_v2_pair(doc);
  size_t with_wkc = 0;
  for (const auto& v : doc["vectors"]) {
    check_packet(pair, v);
    if (v.contains("wkc")) ++with_wkc;
  }
  EXPECT_GE(with_wkc, 2u);  // the reset (opcode 10) and P_CONTROL_WKC_V1 (opcode 11)
}

}  // namespace
}  // namespace ovpn::crypto
