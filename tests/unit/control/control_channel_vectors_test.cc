// A client-role channel against the packets a stock OpenVPN 2.6.14 server sent in the captured
// sessions (plain, tls-auth SHA256/SHA1/no direction, tls-crypt, tls-crypt-v2, and the dynamic
// tls-crypt soft reset):
//   * our hard reset, made with the captured session id and replay time, is byte for byte the
//     stock client's;
//   * every server packet authenticates and is taken;
//   * our first packet after the server's reset, carrying the captured ClientHello, is byte for
//     byte the stock client's (ACK 0 with the server's sid; P_CONTROL_WKC_V1 under
//     tls-crypt-v2, whose server asked for RESEND_WKC);
//   * the server's TLS stream comes out as its payloads concatenated in message-id order;
//   * our ACKs cover every id the stock client ACKed.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "channel_fixtures.h"
#include "support/vectors.h"
#include "unit/crypto/control_wrap_fixtures.h"

namespace ovpn::control {
namespace {

using crypto::test_fixtures::WrapPair;
using test::hex;
using test_fixtures::drain;
using test_fixtures::Packet;

proto::SessionId sid_of(const nlohmann::json& v) {
  const auto b = hex(v["session_id"]);
  proto::SessionId sid{};
  EXPECT_EQ(b.size(), sid.size());
  std::copy_n(b.begin(), std::min(b.size(), sid.size()), sid.begin());
  return sid;
}

bool from_client(const nlohmann::json& v) { return v["direction"] == "client->server"; }

// The ids our packets ACK, read back with the server's wrap.
void collect_acks(crypto::ControlWrap& server_wrap, const std::vector<Packet>& packets,
                  std::set<uint32_t>& acked) {
  for (const auto& p : packets) {
    std::vector<uint8_t> scratch(p.size());
    crypto::UnwrappedControl u;
    ASSERT_EQ(server_wrap.unwrap(p, scratch, u), Drop::kNone);
    proto::ControlBody body;
    ASSERT_EQ(proto::parse_control_body(u.op.opcode, u.body, body), Drop::kNone);
    acked.insert(body.acks.begin(), body.acks.begin() + body.ack_count);
  }
}

void replay_session(WrapPair pair, const nlohmann::json& vectors) {
  ASSERT_GE(vectors.size(), 10u);
  const auto& client_reset = vectors[0];
  ASSERT_TRUE(from_client(client_reset));
  const uint32_t unix_time = client_reset.value("replay_timestamp", 0u);
  TlsWrapContext wrap =
      TlsWrapContext::make(std::move(pair.client), proto::Role::kClient, unix_time);

  ChannelConfig cfg;
  cfg.role = proto::Role::kClient;
  cfg.own_session_id = sid_of(client_reset);
  auto created = ControlChannel::create(cfg, wrap, 0);
  ASSERT_TRUE(created) << created.error().message;
  ControlChannel& ch = *created;

  // Our reset is the stock client's, byte for byte.
  auto reset = drain(ch, 0);
  ASSERT_EQ(reset.size(), 1u);
  EXPECT_EQ(reset[0], hex(client_reset["wire"]));

  // The first client packet that carries TLS data: the ClientHello.
  const nlohmann::json* hello = nullptr;
  for (const auto& v : vectors) {
    if (from_client(v) && v["message_packet_id"] == 1) {
      hello = &v;
      break;
    }
  }
  ASSERT_NE(hello, nullptr);

  std::set<uint32_t> stock_acked;
  for (const auto& v : vectors) {
    if (from_client(v)) stock_acked.insert(v["acks"].begin(), v["acks"].end());
  }

  std::set<uint32_t> our_acked;
  std::map<uint32_t, std::vector<uint8_t>> server_payloads;
  uint64_t now = 0;
  bool hello_sent = false;
  for (const auto& v : vectors) {
    if (from_client(v)) continue;
    SCOPED_TRACE(v["id"].get<std::string>());
    now = 1000 * v["capture_index"].get<uint64_t>();
    EXPECT_EQ(ch.on_packet(hex(v["wire"]), now), ControlDrop::kNone);
    if (!v["message_packet_id"].is_null() && v["message_packet_id"].get<uint32_t>() > 0) {
      server_payloads[v["message_packet_id"].get<uint32_t>()] = hex(v["payload"]);
    }
    if (!hello_sent) {
      ASSERT_TRUE(ch.peer_reset_seen());
      ASSERT_TRUE(ch.own_reset_acked());
      ASSERT_TRUE(ch.write(hex((*hello)["payload"])));
      auto out = drain(ch, now);
      ASSERT_EQ(out.size(), 1u);
      EXPECT_EQ(out[0], hex((*hello)["wire"])) << "our ClientHello packet differs from stock";
      collect_acks(*pair.server, out, our_acked);
      hello_sent = true;
      continue;
    }
    collect_acks(*pair.server, drain(ch, now), our_acked);
  }
  size_t server_packets = 0;
  for (const auto& v : vectors) server_packets += from_client(v) ? 0 : 1;
  EXPECT_EQ(ch.stats().rx[static_cast<size_t>(ControlDrop::kNone)], server_packets);
  for (uint32_t id : stock_acked) EXPECT_TRUE(our_acked.count(id)) << "never ACKed " << id;

  std::vector<uint8_t> expected_stream;
  uint32_t next = 1;
  for (const auto& [id, payload] : server_payloads) {
    EXPECT_EQ(id, next++) << "gap in the captured server ids";
    expected_stream.insert(expected_stream.end(), payload.begin(), payload.end());
  }
  EXPECT_EQ(test_fixtures::read_all(ch), expected_stream);
  EXPECT_TRUE(ch.all_acked());
}

TEST(ControlChannelVectors, Plain) {
  const auto doc = test::load_vectors("control-plain.json");
  replay_session(crypto::test_fixtures::plain_pair(), doc["vectors"]);
}

TEST(ControlChannelVectors, TlsAuthEverySession) {
  const auto doc = test::load_vectors("tls-auth.json");
  ASSERT_EQ(doc["sessions"].size(), 3u);
  for (const auto& session : doc["sessions"]) {
    SCOPED_TRACE(session["session"].get<std::string>());
    replay_session(crypto::test_fixtures::tls_auth_pair(session), session["vectors"]);
  }
}

TEST(ControlChannelVectors, TlsCrypt) {
  const auto doc = test::load_vectors("tls-crypt.json");
  replay_session(
      crypto::test_fixtures::tls_crypt_pair(crypto::test_fixtures::static_key(doc["key_file"])),
      doc["vectors"]);
}

TEST(ControlChannelVectors, TlsCryptV2EarlyNegotiation) {
  const auto doc = test::load_vectors("tls-crypt-v2.json");
  // The V3 reset with the WKc and replay id 0x0f000001; the server's reset asks RESEND_WKC;
  // our next packet is P_CONTROL_WKC_V1 with replay id 0x0f000002 (checked in replay_session).
  EXPECT_EQ(doc["vectors"][0]["replay_packet_id"].get<uint32_t>(), 0x0f000001u);
  EXPECT_EQ(doc["vectors"][2]["opcode_name"], "P_CONTROL_WKC_V1");
  replay_session(crypto::test_fixtures::tls_crypt_v2_pair(doc), doc["vectors"]);
}

TEST(ControlChannelVectors, TlsCryptV2WkcGoesOutEvenWithoutTlsData) {
  // RESEND_WKC, and TLS has written nothing yet: the ACK of the server's reset cannot go on a
  // P_ACK_V1 (the server has no state to read it with), so an empty P_CONTROL_WKC_V1 carries it.
  const auto doc = test::load_vectors("tls-crypt-v2.json");
  const auto& v = doc["vectors"];
  auto pair = crypto::test_fixtures::tls_crypt_v2_pair(doc);
  TlsWrapContext wrap = TlsWrapContext::make(std::move(pair.client), proto::Role::kClient,
                                             v[0]["replay_timestamp"].get<uint32_t>());
  ChannelConfig cfg;
  cfg.own_session_id = sid_of(v[0]);
  auto ch = ControlChannel::create(cfg, wrap, 0);
  ASSERT_TRUE(ch) << ch.error().message;
  ASSERT_EQ(drain(*ch, 0).size(), 1u);
  EXPECT_EQ(ch->on_packet(hex(v[1]["wire"]), 0), ControlDrop::kNone);
  EXPECT_TRUE(ch->resend_wkc());
  const auto out = drain(*ch, 0);
  ASSERT_EQ(out.size(), 1u);

  std::vector<uint8_t> scratch(out[0].size());
  crypto::UnwrappedControl u;
  ASSERT_EQ(pair.server->unwrap(out[0], scratch, u), Drop::kNone);
  EXPECT_EQ(u.op.opcode, proto::Opcode::kControlWkcV1);
  EXPECT_EQ(u.replay.id, 0x0f000002u);
  EXPECT_EQ(std::vector<uint8_t>(u.wkc.begin(), u.wkc.end()), hex(doc["client_key"]["WKc"]));
  proto::ControlBody body;
  ASSERT_EQ(proto::parse_control_body(u.op.opcode, u.body, body), Drop::kNone);
  EXPECT_EQ(body.ack_count, 1);
  EXPECT_EQ(body.acks[0], 0u);
  EXPECT_EQ(body.remote_session_id, sid_of(v[1]));
  EXPECT_EQ(body.message_id, 1u);
  EXPECT_TRUE(body.payload.empty());
  // TLS data written now goes as message id 2, a plain P_CONTROL_V1.
  ASSERT_TRUE(ch->write(std::vector<uint8_t>(10, 0x16)));
  const auto next = drain(*ch, 1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0][0] >> 3, static_cast<int>(proto::Opcode::kControlV1));
}

TEST(ControlChannelVectors, DynamicTlsCryptSoftReset) {
  // The server starts a renegotiation with key id 1 under dynamic tls-crypt. Our responding
  // key state's soft reset (ACK 0, message id 0) and its ClientHello packet are the stock
  // client's bytes.
  const auto doc = test::load_vectors("tls-crypt.json");
  const auto& dyn = doc["dynamic_tls_crypt"];
  const auto& v = dyn["vectors"];
  ASSERT_EQ(v[0]["opcode_name"], "P_CONTROL_SOFT_RESET_V1");
  ASSERT_FALSE(from_client(v[0]));
  ASSERT_TRUE(from_client(v[1]));
  const auto key_bytes = hex(dyn["dynamic_key"]);
  ASSERT_EQ(key_bytes.size(), proto::kKey2Size);
  const proto::Key2 key(std::span<const uint8_t, proto::kKey2Size>(key_bytes.data(), 256));
  auto pair = crypto::test_fixtures::tls_crypt_pair(key);
  TlsWrapContext wrap = TlsWrapContext::make(std::move(pair.client), proto::Role::kClient,
                                             v[1]["replay_timestamp"].get<uint32_t>());
  ChannelConfig cfg;
  cfg.role = proto::Role::kClient;
  cfg.reset = ResetKind::kSoft;
  cfg.key_id = *KeyId::make(1);
  cfg.own_session_id = sid_of(v[1]);
  cfg.peer_session_id = sid_of(v[0]);
  auto ch = ControlChannel::create(cfg, wrap, 0);
  ASSERT_TRUE(ch) << ch.error().message;

  EXPECT_EQ(ch->on_packet(hex(v[0]["wire"]), 0), ControlDrop::kNone);
  auto out = drain(*ch, 0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], hex(v[1]["wire"]));

  ASSERT_EQ(v[2]["opcode_name"], "P_ACK_V1");
  EXPECT_EQ(ch->on_packet(hex(v[2]["wire"]), 10), ControlDrop::kNone);
  EXPECT_TRUE(ch->own_reset_acked());
  ASSERT_TRUE(from_client(v[3]));
  ASSERT_TRUE(ch->write(hex(v[3]["payload"])));
  out = drain(*ch, 10);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], hex(v[3]["wire"]));
}

}  // namespace
}  // namespace ovpn::control
