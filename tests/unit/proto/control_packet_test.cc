#include "proto/control_packet.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/byteorder.h"
#include "support/vectors.h"

namespace ovpn::proto {
namespace {

using ovpn::test::hex;
using ovpn::test::load_vectors;
using Bytes = std::vector<uint8_t>;

Bytes bytes(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

bool inside(std::span<const uint8_t> s, const Bytes& buf) {
  return s.empty() || (s.data() >= buf.data() && s.data() + s.size() <= buf.data() + buf.size());
}

// Checks a parsed body against the captured fields of vector `v`, and that writing it back
// gives the same bytes.
void expect_body(const nlohmann::json& v, std::span<const uint8_t> p) {
  const auto op = static_cast<Opcode>(v["opcode"].get<int>());
  ControlBody body;
  ASSERT_EQ(parse_control_body(op, p, body), Drop::kNone);
  ASSERT_EQ(body.ack_count, v["ack_count"].get<unsigned>());
  const auto& acks = v["acks"];
  ASSERT_EQ(acks.size(), body.ack_count);
  for (size_t i = 0; i < body.ack_count; ++i) EXPECT_EQ(body.acks[i], acks[i].get<uint32_t>());
  if (v["remote_session_id"].is_null()) {
    EXPECT_EQ(body.ack_count, 0);
  } else {
    EXPECT_EQ(bytes(body.remote_session_id), hex(v["remote_session_id"]));
  }
  if (v["message_packet_id"].is_null()) {
    EXPECT_FALSE(body.has_message_id);
    EXPECT_EQ(op, Opcode::kAckV1);
  } else {
    ASSERT_TRUE(body.has_message_id);
    EXPECT_EQ(body.message_id, v["message_packet_id"].get<uint32_t>());
  }
  EXPECT_EQ(bytes(body.payload), hex(v["payload"]));

  ASSERT_EQ(control_body_size(body), p.size());
  Bytes written(p.size() + 4, 0xAA);
  ASSERT_EQ(write_control_body(body, written), p.size());
  written.resize(p.size());
  EXPECT_EQ(written, bytes(p));
}

void expect_op_and_sid(const nlohmann::json& v, const ControlEnvelope& env) {
  EXPECT_EQ(static_cast<int>(env.op.opcode), v["opcode"].get<int>());
  EXPECT_EQ(env.op.key_id.value(), v["key_id"].get<unsigned>());
  EXPECT_EQ(bytes(env.session_id), hex(v["session_id"]));
}

TEST(ControlPacket, PlainVectors) {
  const auto vectors = load_vectors("control-plain.json")["vectors"];
  ASSERT_EQ(vectors.size(), 18u);
  for (const auto& v : vectors) {
    SCOPED_TRACE(v["id"].get<std::string>());
    const Bytes wire = hex(v["wire"]);
    ControlEnvelope env;
    ASSERT_EQ(parse_control_envelope(ControlWrapMode::kPlain, 0, wire, env), Drop::kNone);
    expect_op_and_sid(v, env);
    EXPECT_EQ(bytes(env.header), Bytes(wire.begin(), wire.begin() + 9));
    EXPECT_TRUE(env.auth.empty());
    EXPECT_TRUE(env.wkc.empty());
    EXPECT_EQ(bytes(env.body), Bytes(wire.begin() + 9, wire.end()));
    EXPECT_EQ(control_envelope_overhead(ControlWrapMode::kPlain, 0) + env.body.size(), wire.size());
    expect_body(v, env.body);
  }
}

TEST(ControlPacket, TlsAuthVectors) {
  const auto file = load_vectors("tls-auth.json");
  size_t count = 0;
  for (const auto& session : file["sessions"]) {
    const auto hmac_size = session["hmac_size"].get<size_t>();
    for (const auto& v : session["vectors"]) {
      SCOPED_TRACE(v["id"].get<std::string>());
      const Bytes wire = hex(v["wire"]);
      const Bytes plaintext = hex(v["plaintext"]);
      ControlEnvelope env;
      ASSERT_EQ(parse_control_envelope(ControlWrapMode::kTlsAuth, hmac_size, wire, env),
                Drop::kNone);
      expect_op_and_sid(v, env);
      EXPECT_EQ(bytes(env.header), Bytes(wire.begin(), wire.begin() + 9));
      EXPECT_EQ(bytes(env.auth), hex(v["hmac"]));
      EXPECT_EQ(env.auth.size(), hmac_size);
      EXPECT_EQ(env.replay.id, v["replay_packet_id"].get<uint32_t>());
      EXPECT_EQ(env.replay.time, v["replay_timestamp"].get<uint32_t>());
      EXPECT_EQ(bytes(env.body), plaintext);
      EXPECT_TRUE(env.wkc.empty());
      EXPECT_EQ(control_envelope_overhead(ControlWrapMode::kTlsAuth, hmac_size) + plaintext.size(),
                wire.size());
      expect_body(v, env.body);
      ++count;
    }
  }
  EXPECT_EQ(count, 51u);
}

// The tls-crypt split of `wire`; the body is the ciphertext, parsed here from the captured
// plaintext.
void expect_tls_crypt(const nlohmann::json& v, ControlWrapMode mode) {
  SCOPED_TRACE(v["id"].get<std::string>());
  const Bytes wire = hex(v["wire"]);
  const Bytes plaintext = hex(v["plaintext"]);
  ControlEnvelope env;
  ASSERT_EQ(parse_control_envelope(mode, 0, wire, env), Drop::kNone);
  expect_op_and_sid(v, env);
  EXPECT_EQ(bytes(env.header), hex(v["header"]));
  EXPECT_EQ(bytes(env.auth), hex(v["tag"]));
  EXPECT_EQ(env.replay.id, v["replay_packet_id"].get<uint32_t>());
  EXPECT_EQ(env.replay.time, v["replay_timestamp"].get<uint32_t>());
  EXPECT_EQ(bytes(env.body), hex(v["ciphertext"]));
  EXPECT_EQ(env.body.size(), plaintext.size());
  EXPECT_EQ(control_envelope_overhead(mode, 0) + env.body.size() + env.wkc.size(), wire.size());
  if (mode == ControlWrapMode::kTlsCryptV2 && carries_wkc(env.op.opcode)) {
    EXPECT_EQ(bytes(env.wkc), hex(v["wkc"]));
    EXPECT_EQ(env.wkc.size(), v["wkc_length"].get<size_t>());
    EXPECT_EQ(Bytes(wire.begin(), wire.end() - static_cast<ptrdiff_t>(env.wkc.size())),
              hex(v["tls_crypt_part"]));
  } else {
    EXPECT_TRUE(env.wkc.empty());
    EXPECT_FALSE(v.contains("wkc"));
  }
  expect_body(v, plaintext);
}

TEST(ControlPacket, TlsCryptVectors) {
  const auto file = load_vectors("tls-crypt.json");
  ASSERT_EQ(file["vectors"].size(), 17u);
  for (const auto& v : file["vectors"]) expect_tls_crypt(v, ControlWrapMode::kTlsCrypt);
  ASSERT_EQ(file["dynamic_tls_crypt"]["vectors"].size(), 13u);
  for (const auto& v : file["dynamic_tls_crypt"]["vectors"]) {
    expect_tls_crypt(v, ControlWrapMode::kTlsCrypt);
  }
}

TEST(ControlPacket, TlsCryptV2Vectors) {
  const auto vectors = load_vectors("tls-crypt-v2.json")["vectors"];
  ASSERT_EQ(vectors.size(), 17u);
  size_t with_wkc = 0;
  for (const auto& v : vectors) {
    expect_tls_crypt(v, ControlWrapMode::kTlsCryptV2);
    if (v.contains("wkc")) ++with_wkc;
  }
  EXPECT_EQ(with_wkc, 2u);  // the V3 reset and the first P_CONTROL_WKC_V1
}

TEST(ControlPacket, WkcIsNotSplitOffInPlainTlsCrypt) {
  const nlohmann::json file = load_vectors("tls-crypt-v2.json");
  for (const auto& v : file["vectors"]) {
    if (!v.contains("wkc")) continue;
    const Bytes wire = hex(v["wire"]);
    ControlEnvelope env;
    ASSERT_EQ(parse_control_envelope(ControlWrapMode::kTlsCrypt, 0, wire, env), Drop::kNone);
    EXPECT_TRUE(env.wkc.empty());
    EXPECT_EQ(env.body.size(), hex(v["ciphertext"]).size() + hex(v["wkc"]).size());
  }
}

struct WireCase {
  std::string id;
  ControlWrapMode mode;
  size_t hmac_size;
  Bytes wire;
};

std::vector<WireCase> all_wire_cases() {
  std::vector<WireCase> out;
  const nlohmann::json plain = load_vectors("control-plain.json");
  for (const auto& v : plain["vectors"]) {
    out.push_back({v["id"].get<std::string>(), ControlWrapMode::kPlain, 0, hex(v["wire"])});
  }
  const nlohmann::json tls_auth = load_vectors("tls-auth.json");
  for (const auto& s : tls_auth["sessions"]) {
    for (const auto& v : s["vectors"]) {
      out.push_back({v["id"].get<std::string>(), ControlWrapMode::kTlsAuth,
                     s["hmac_size"].get<size_t>(), hex(v["wire"])});
    }
  }
  const auto tc = load_vectors("tls-crypt.json");
  for (const auto* list : {&tc["vectors"], &tc["dynamic_tls_crypt"]["vectors"]}) {
    for (const auto& v : *list) {
      out.push_back({v["id"].get<std::string>(), ControlWrapMode::kTlsCrypt, 0, hex(v["wire"])});
    }
  }
  const nlohmann::json v2 = load_vectors("tls-crypt-v2.json");
  for (const auto& v : v2["vectors"]) {
    out.push_back({v["id"].get<std::string>(), ControlWrapMode::kTlsCryptV2, 0, hex(v["wire"])});
  }
  return out;
}

// Every prefix of every captured packet either fails with kMalformed or parses to fields that
// lie inside the prefix. Each prefix is an exact-size copy, so ASan catches reads past the end.
TEST(ControlPacket, EveryTruncationIsSafe) {
  const auto cases = all_wire_cases();
  ASSERT_EQ(cases.size(), 18u + 51u + 30u + 17u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.id);
    for (size_t len = 0; len < c.wire.size(); ++len) {
      const Bytes cut(c.wire.begin(), c.wire.begin() + static_cast<ptrdiff_t>(len));
      ControlEnvelope env;
      const Drop verdict = parse_control_envelope(c.mode, c.hmac_size, cut, env);
      if (verdict != Drop::kNone) {
        ASSERT_EQ(verdict, Drop::kMalformed) << len;
        continue;
      }
      ASSERT_TRUE(inside(env.header, cut) && inside(env.auth, cut) && inside(env.body, cut) &&
                  inside(env.wkc, cut))
          << len;
      ASSERT_EQ(env.header.size() + env.auth.size() +
                    (c.mode == ControlWrapMode::kTlsAuth ? kReplayFieldSize : 0) + env.body.size() +
                    env.wkc.size(),
                len);
      ControlBody body;
      const Drop body_verdict = parse_control_body(env.op.opcode, env.body, body);
      if (body_verdict == Drop::kNone) {
        ASSERT_TRUE(inside(body.payload, cut)) << len;
      } else {
        ASSERT_EQ(body_verdict, Drop::kMalformed) << len;
      }
    }
  }
}

// Every prefix of a captured body parses to the same fields with a shorter payload, or is
// kMalformed when it cuts into the fixed fields.
TEST(ControlPacket, EveryBodyTruncationIsShorterOrMalformed) {
  const nlohmann::json file = load_vectors("tls-auth.json");
  for (const auto& v : file["sessions"][0]["vectors"]) {
    SCOPED_TRACE(v["id"].get<std::string>());
    const auto op = static_cast<Opcode>(v["opcode"].get<int>());
    const Bytes plaintext = hex(v["plaintext"]);
    ControlBody full;
    ASSERT_EQ(parse_control_body(op, plaintext, full), Drop::kNone);
    const size_t fixed = plaintext.size() - full.payload.size();
    for (size_t len = 0; len < plaintext.size(); ++len) {
      const Bytes cut(plaintext.begin(), plaintext.begin() + static_cast<ptrdiff_t>(len));
      ControlBody body;
      const Drop verdict = parse_control_body(op, cut, body);
      if (len < fixed) {
        EXPECT_EQ(verdict, Drop::kMalformed) << len;
        continue;
      }
      ASSERT_EQ(verdict, Drop::kNone) << len;
      EXPECT_EQ(body.ack_count, full.ack_count);
      EXPECT_EQ(body.acks, full.acks);
      EXPECT_EQ(body.message_id, full.message_id);
      EXPECT_EQ(body.payload.size(), len - fixed);
      EXPECT_TRUE(inside(body.payload, cut));
    }
  }
}

Bytes body_with_acks(uint8_t n) {
  Bytes p{n};
  for (uint8_t i = 0; i < n; ++i) p.insert(p.end(), {0, 0, 0, i});
  p.insert(p.end(), 8, 0x5A);          // remote session id
  p.insert(p.end(), {0, 0, 0, 0x2A});  // message id
  return p;
}

TEST(ControlPacket, AckCountLimit) {
  ControlBody body;
  ASSERT_EQ(parse_control_body(Opcode::kControlV1, body_with_acks(8), body), Drop::kNone);
  EXPECT_EQ(body.ack_count, 8);
  EXPECT_EQ(body.acks[7], 7u);
  EXPECT_EQ(body.message_id, 0x2Au);
  EXPECT_TRUE(body.payload.empty());

  for (uint8_t n : {9, 10, 255}) {
    Bytes p = body_with_acks(n);
    p.insert(p.end(), 64, 0);
    EXPECT_EQ(parse_control_body(Opcode::kControlV1, p, body), Drop::kMalformed) << int{n};
    EXPECT_EQ(parse_control_body(Opcode::kAckV1, p, body), Drop::kMalformed) << int{n};
  }

  ControlBody too_many;
  too_many.ack_count = 9;
  Bytes out(256);
  EXPECT_EQ(write_control_body(too_many, out), 0u);
}

TEST(ControlPacket, WriteNeedsRoom) {
  const Bytes payload = {1, 2, 3};
  ControlBody body;
  body.ack_count = 2;
  body.acks[0] = 5;
  body.acks[1] = 4;
  body.remote_session_id = {1, 2, 3, 4, 5, 6, 7, 8};
  body.has_message_id = true;
  body.message_id = 9;
  body.payload = payload;
  const size_t size = control_body_size(body);
  EXPECT_EQ(size, 1u + 8 + 8 + 4 + 3);
  Bytes out(size - 1);
  EXPECT_EQ(write_control_body(body, out), 0u);
  out.resize(size);
  ASSERT_EQ(write_control_body(body, out), size);

  ControlBody back;
  ASSERT_EQ(parse_control_body(Opcode::kControlV1, out, back), Drop::kNone);
  EXPECT_EQ(back.acks, body.acks);
  EXPECT_EQ(back.remote_session_id, body.remote_session_id);
  EXPECT_EQ(back.message_id, 9u);
  EXPECT_EQ(bytes(back.payload), payload);
}

TEST(ControlPacket, EnvelopeRejectsNonControlOpcodes) {
  Bytes wire(400, 0);
  for (unsigned op : {0u, 6u, 9u, 12u, 31u}) {
    wire[0] = static_cast<uint8_t>(op << 3);
    for (auto mode : {ControlWrapMode::kPlain, ControlWrapMode::kTlsAuth,
                      ControlWrapMode::kTlsCrypt, ControlWrapMode::kTlsCryptV2}) {
      ControlEnvelope env;
      EXPECT_EQ(parse_control_envelope(mode, 20, wire, env), Drop::kMalformed) << op;
    }
  }
  wire[0] = encode_op_byte(Opcode::kControlV1, KeyId{});
  ControlEnvelope env;
  EXPECT_EQ(parse_control_envelope(ControlWrapMode::kTlsAuth, 0, wire, env), Drop::kMalformed);
}

// A tls-crypt-v2 P_CONTROL_HARD_RESET_CLIENT_V3 with a body of `body_size` bytes and a WKc of
// `wkc_size` bytes whose length field says `wkc_len`.
Bytes v3_packet(size_t body_size, size_t wkc_size, uint16_t wkc_len) {
  Bytes wire(kTlsCryptHeaderSize + kTlsCryptTagSize + body_size + wkc_size, 0x11);
  wire[0] = encode_op_byte(Opcode::kControlHardResetClientV3, KeyId{});
  store_be16(&wire[wire.size() - 2], wkc_len);
  return wire;
}

TEST(ControlPacket, WkcLengthBounds) {
  ControlEnvelope env;
  const auto mode = ControlWrapMode::kTlsCryptV2;
  Bytes ok = v3_packet(5, kWkcMinSize, kWkcMinSize);
  ASSERT_EQ(parse_control_envelope(mode, 0, ok, env), Drop::kNone);
  EXPECT_EQ(env.wkc.size(), kWkcMinSize);
  EXPECT_EQ(env.body.size(), 5u);

  Bytes max = v3_packet(5, kWkcMaxSize, kWkcMaxSize);
  ASSERT_EQ(parse_control_envelope(mode, 0, max, env), Drop::kNone);
  EXPECT_EQ(env.wkc.size(), kWkcMaxSize);

  Bytes no_body = v3_packet(0, kWkcMinSize, kWkcMinSize);
  ASSERT_EQ(parse_control_envelope(mode, 0, no_body, env), Drop::kNone);
  EXPECT_TRUE(env.body.empty());

  const auto min = static_cast<uint16_t>(kWkcMinSize);
  const auto max_len = static_cast<uint16_t>(kWkcMaxSize);
  EXPECT_EQ(parse_control_envelope(mode, 0, v3_packet(5, 400, min - 1), env), Drop::kMalformed);
  EXPECT_EQ(parse_control_envelope(mode, 0, v3_packet(5, 1100, max_len + 1), env),
            Drop::kMalformed);
  // Longer than what follows the tag.
  EXPECT_EQ(parse_control_envelope(mode, 0, v3_packet(0, 400, 401), env), Drop::kMalformed);
  EXPECT_EQ(parse_control_envelope(mode, 0, v3_packet(0, 400, 0xFFFF), env), Drop::kMalformed);
}

TEST(ControlPacket, EnvelopeOverheads) {
  EXPECT_EQ(control_envelope_overhead(ControlWrapMode::kPlain, 0), 9u);
  EXPECT_EQ(control_envelope_overhead(ControlWrapMode::kTlsAuth, 20), 37u);
  EXPECT_EQ(control_envelope_overhead(ControlWrapMode::kTlsAuth, 32), 49u);
  EXPECT_EQ(control_envelope_overhead(ControlWrapMode::kTlsCrypt, 0), 49u);
  EXPECT_EQ(control_envelope_overhead(ControlWrapMode::kTlsCryptV2, 0), 49u);
}

}  // namespace
}  // namespace ovpn::proto
