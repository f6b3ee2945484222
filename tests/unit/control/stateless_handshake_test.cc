// The 2.6 UDP server's stateless HMAC-cookie handshake: the cookie (slots, address, port,
// sid), the stateless reply to the captured stock 2.6.14 client resets (shape as the captured
// server resets, in every wrapping), the second step, a channel started with reset_exchanged,
// full handshakes of our client KeyState against a server built from the stateless path (plain,
// tls-auth, tls-crypt, tls-crypt-v2 with early negotiation, over a lossy link), the stateful
// path (TCP, a v2 client without early negotiation), and bad input that must never give a
// reply it should not or any state.

#include "control/stateless_handshake.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "channel_fixtures.h"
#include "control/key_state.h"
#include "crypto/tls_auth.h"
#include "crypto/tls_crypt.h"
#include "support/vectors.h"
#include "test_pki.h"
#include "unit/crypto/control_wrap_fixtures.h"

namespace ovpn::control {
namespace {

using ovpn::test::hex;
using proto::ControlWrapMode;
using proto::Opcode;
using proto::Role;
using Packet = std::vector<uint8_t>;

constexpr proto::SessionId kClientSid{0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
constexpr proto::SessionId kRandomServerSid{0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28};
constexpr uint64_t kBaseUnix = 1795510020;  // a multiple of the 30 s slot
constexpr std::array<uint8_t, kCookieKeySize> kCookieKey = {
    1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

Endpoint endpoint(const char* address, uint16_t port) {
  auto a = IpAddress::parse(address);
  EXPECT_TRUE(a.has_value()) << address;
  return Endpoint(a.value_or(IpAddress{}), port);
}

const Endpoint kClient = endpoint("10.210.0.2", 40000);

proto::SessionId sid_of(std::span<const uint8_t> wire) {
  proto::SessionId sid{};
  std::copy_n(wire.begin() + 1, sid.size(), sid.begin());
  return sid;
}

SessionCookie make_cookie(uint64_t hand_window_s = 60) {
  auto c = SessionCookie::create(kCookieKey, hand_window_s);
  EXPECT_TRUE(c) << c.error().message;
  return std::move(*c);
}

// --- keys --------------------------------------------------------------------------------------

proto::Key2 vector_key(const char* name) {
  auto key = proto::parse_static_key_file(ovpn::test::read_file(ovpn::test::vector_path(name)));
  EXPECT_TRUE(key) << name;
  return key ? *key : proto::Key2{};
}

crypto::TlsCryptV2Server v2_server_key() {
  auto s = crypto::TlsCryptV2Server::from_pem(
      ovpn::test::read_file(ovpn::test::vector_path("pki/v2s.key")));
  EXPECT_TRUE(s) << s.error().message;
  return std::move(*s);
}

crypto::TlsCryptV2ClientKey v2_client_key() {
  auto k = crypto::parse_tls_crypt_v2_client_key(
      ovpn::test::read_file(ovpn::test::vector_path("pki/v2c.key")));
  EXPECT_TRUE(k) << k.error().message;
  return std::move(*k);
}

enum class Wrap { kPlain, kTlsAuth, kTlsCrypt, kTlsCryptV2 };

// The server's keys as in the captured sessions: tls-auth SHA256 with key-direction 0.
StaticWrapKey static_key(Wrap w) {
  StaticWrapKey k;
  switch (w) {
    case Wrap::kPlain:
    case Wrap::kTlsCryptV2:
      k.mode = ControlWrapMode::kPlain;
      break;
    case Wrap::kTlsAuth:
      k.mode = ControlWrapMode::kTlsAuth;
      k.key = vector_key("pki/ta.key");
      k.digest = crypto::Digest::kSha256;
      k.direction = proto::KeyDirection::kNormal;
      break;
    case Wrap::kTlsCrypt:
      k.mode = ControlWrapMode::kTlsCrypt;
      k.key = vector_key("pki/tc.key");
      break;
  }
  return k;
}

ServerWrap server_wrap(Wrap w) {
  std::optional<StaticWrapKey> key;
  std::optional<crypto::TlsCryptV2Server> v2;
  if (w == Wrap::kTlsCryptV2) {
    v2 = v2_server_key();
  } else {
    key = static_key(w);
  }
  auto sw = ServerWrap::create(std::move(key), std::move(v2));
  EXPECT_TRUE(sw) << sw.error().message;
  return std::move(*sw);
}

StatelessHandshake responder(Wrap w, StatelessOptions options = {}) {
  return StatelessHandshake(server_wrap(w), make_cookie(), options);
}

// The client's tls-wrap context. `early_negotiation` only matters for tls-crypt-v2.
TlsWrapContext client_context(Wrap w, uint32_t unix_time, bool early_negotiation = true) {
  crypto::ControlWrapPtr wrap;
  switch (w) {
    case Wrap::kPlain:
      wrap = std::make_unique<crypto::PlainWrap>();
      break;
    case Wrap::kTlsAuth: {
      auto a = crypto::TlsAuth::create(crypto::Digest::kSha256, vector_key("pki/ta.key"),
                                       proto::KeyDirection::kInverse);
      EXPECT_TRUE(a);
      wrap = std::move(*a);
      break;
    }
    case Wrap::kTlsCrypt: {
      auto c = crypto::TlsCrypt::create(vector_key("pki/tc.key"), Role::kClient);
      EXPECT_TRUE(c);
      wrap = std::move(*c);
      break;
    }
    case Wrap::kTlsCryptV2: {
      const auto key = v2_client_key();
      auto c = crypto::TlsCrypt::create_v2(key.kc, Role::kClient, key.wkc);
      EXPECT_TRUE(c);
      wrap = std::move(*c);
      break;
    }
  }
  TlsWrapContext ctx = TlsWrapContext::make(std::move(wrap), Role::kClient, unix_time);
  if (!early_negotiation) ctx.send = WrapSendCounter(0, unix_time);
  return ctx;
}

// A control packet wrapped by hand with the client's context.
Packet client_packet(TlsWrapContext& ctx, Opcode op, const proto::SessionId& sid,
                     std::vector<uint32_t> acks, const proto::SessionId& ack_sid,
                     std::optional<uint32_t> message_id, std::span<const uint8_t> payload = {},
                     uint8_t key_id = 0) {
  proto::ControlBody body;
  for (uint32_t a : acks) body.acks[body.ack_count++] = a;
  body.remote_session_id = ack_sid;
  body.has_message_id = message_id.has_value();
  body.message_id = message_id.value_or(0);
  body.payload = payload;
  Packet p(proto::control_body_size(body));
  EXPECT_EQ(proto::write_control_body(body, p), p.size());
  crypto::WrapHeader h{proto::OpByte{op, *KeyId::make(key_id)}, sid, {}};
  if (ctx.wrap->mode() != ControlWrapMode::kPlain) h.replay = *ctx.send.next();
  Packet out(kMaxControlPacketSize);
  auto n = ctx.wrap->wrap(h, p, out);
  EXPECT_TRUE(n);
  out.resize(n ? *n : 0);
  return out;
}

// A reply taken apart with the client's wrap.
struct Reply {
  Opcode op = Opcode::kControlV1;
  KeyId key_id;
  proto::SessionId sid{};
  proto::ReplayId replay;
  std::vector<uint32_t> acks;
  proto::SessionId ack_sid{};
  std::optional<uint32_t> message_id;
  Packet payload;
};

Reply open_reply(crypto::ControlWrap& client_wrap, std::span<const uint8_t> wire) {
  Reply r;
  Packet scratch(wire.size());
  crypto::UnwrappedControl u;
  EXPECT_EQ(client_wrap.unwrap(wire, scratch, u), Drop::kNone);
  proto::ControlBody body;
  EXPECT_EQ(proto::parse_control_body(u.op.opcode, u.body, body), Drop::kNone);
  r.op = u.op.opcode;
  r.key_id = u.op.key_id;
  r.sid = u.session_id;
  r.replay = u.replay;
  r.acks.assign(body.acks.begin(), body.acks.begin() + body.ack_count);
  r.ack_sid = body.remote_session_id;
  if (body.has_message_id) r.message_id = body.message_id;
  r.payload.assign(body.payload.begin(), body.payload.end());
  return r;
}

// --- the cookie --------------------------------------------------------------------------------

TEST(SessionCookie, RefusesABadKeyOrHandWindow) {
  EXPECT_FALSE(SessionCookie::create(std::span<const uint8_t>(kCookieKey).first(16), 60));
  EXPECT_FALSE(SessionCookie::create(kCookieKey, 0));
  auto random = SessionCookie::create_random(60);
  ASSERT_TRUE(random);
  EXPECT_NE(random->make(kClient, kClientSid, kBaseUnix),
            make_cookie().make(kClient, kClientSid, kBaseUnix));
}

TEST(SessionCookie, SlotIsHalfTheHandWindowRoundedUp) {
  EXPECT_EQ(make_cookie(60).slot_seconds(), 30u);
  EXPECT_EQ(make_cookie(61).slot_seconds(), 31u);
  EXPECT_EQ(make_cookie(1).slot_seconds(), 1u);
  EXPECT_EQ(make_cookie(60).slot(kBaseUnix), kBaseUnix / 30);
}

TEST(SessionCookie, ValidForSlotOffsetsMinusTwoToPlusOne) {
  SessionCookie c = make_cookie(60);
  const uint64_t made_at = kBaseUnix + 5;
  const proto::SessionId cookie = c.make(kClient, kClientSid, made_at);
  EXPECT_NE(cookie, proto::SessionId{});
  EXPECT_EQ(cookie, c.make(kClient, kClientSid, made_at + 24));  // same slot: same cookie
  EXPECT_NE(cookie, c.make(kClient, kClientSid, made_at + 25));  // next slot
  // Checked later: the cookie's slot is 0, 1 or 2 behind now. Checked earlier: 1 ahead.
  EXPECT_TRUE(c.verify(kClient, kClientSid, cookie, made_at));
  EXPECT_TRUE(c.verify(kClient, kClientSid, cookie, made_at + 30));
  EXPECT_TRUE(c.verify(kClient, kClientSid, cookie, made_at + 60));
  EXPECT_TRUE(c.verify(kClient, kClientSid, cookie, made_at + 84));   // last second of slot +2
  EXPECT_FALSE(c.verify(kClient, kClientSid, cookie, made_at + 85));  // slot +3: expired
  EXPECT_FALSE(c.verify(kClient, kClientSid, cookie, made_at + 3600));
  EXPECT_TRUE(c.verify(kClient, kClientSid, cookie, made_at - 30));  // made "in slot +1"
  EXPECT_FALSE(c.verify(kClient, kClientSid, cookie, made_at - 60));
  // Near time 0 the negative slots are simply skipped.
  const proto::SessionId early = c.make(kClient, kClientSid, 3);
  EXPECT_TRUE(c.verify(kClient, kClientSid, early, 0));
  EXPECT_TRUE(c.verify(kClient, kClientSid, early, 61));
  EXPECT_FALSE(c.verify(kClient, kClientSid, early, 90));
}

TEST(SessionCookie, BoundToAddressPortAndClientSid) {
  SessionCookie c = make_cookie();
  const proto::SessionId cookie = c.make(kClient, kClientSid, kBaseUnix);
  EXPECT_TRUE(c.verify(kClient, kClientSid, cookie, kBaseUnix));
  EXPECT_FALSE(c.verify(endpoint("10.210.0.3", 40000), kClientSid, cookie, kBaseUnix));
  EXPECT_FALSE(c.verify(endpoint("10.210.0.2", 40001), kClientSid, cookie, kBaseUnix));
  proto::SessionId other_sid = kClientSid;
  other_sid[7] ^= 1;
  EXPECT_FALSE(c.verify(kClient, other_sid, cookie, kBaseUnix));
  proto::SessionId flipped = cookie;
  flipped[0] ^= 0x80;
  EXPECT_FALSE(c.verify(kClient, kClientSid, flipped, kBaseUnix));
  EXPECT_FALSE(c.verify(kClient, kClientSid, proto::SessionId{}, kBaseUnix));
  // IPv6, and IPv4 against its v4-mapped spelling's 16 bytes.
  const Endpoint v6 = endpoint("2001:db8::2", 40000);
  const proto::SessionId cookie6 = c.make(v6, kClientSid, kBaseUnix);
  EXPECT_NE(cookie6, cookie);
  EXPECT_TRUE(c.verify(v6, kClientSid, cookie6, kBaseUnix));
  EXPECT_FALSE(c.verify(endpoint("2001:db8::3", 40000), kClientSid, cookie6, kBaseUnix));
  EXPECT_FALSE(c.verify(kClient, kClientSid, cookie6, kBaseUnix));
  // Another process (another key) does not recognise it.
  SessionCookie other = std::move(*SessionCookie::create_random(60));
  EXPECT_FALSE(other.verify(kClient, kClientSid, cookie, kBaseUnix));
}

// --- the captured 2.6.14 sessions --------------------------------------------------------------

// Replays the captured client reset and compares our reply with the captured server reset:
// same opcode, key id, ACKs, ACK sid, message id, payload and size; the sid is our cookie.
void check_reply_to_captured(const nlohmann::json& vectors, crypto::test_fixtures::WrapPair pair,
                             ServerWrap wrap) {
  ASSERT_GE(vectors.size(), 3u);
  const auto& reset = vectors[0];
  const auto& stock_reply = vectors[1];
  ASSERT_EQ(stock_reply["opcode_name"], "P_CONTROL_HARD_RESET_SERVER_V2");
  const Packet reset_wire = hex(reset["wire"]);
  const uint64_t now_s =
      reset.contains("replay_timestamp") ? reset["replay_timestamp"].get<uint64_t>() : kBaseUnix;
  StatelessHandshake hs(std::move(wrap), make_cookie());

  Packet out(kMaxStatelessReplySize);
  const HandshakeVerdict v = hs.on_packet(kClient, reset_wire, now_s, out);
  ASSERT_EQ(v.action, HandshakeAction::kReply) << handshake_drop_name(v.drop);
  EXPECT_FALSE(v.session.has_value());
  out.resize(v.reply_size);
  const Packet stock = hex(stock_reply["wire"]);
  EXPECT_EQ(out.size(), stock.size());

  const Reply ours = open_reply(*pair.client, out);
  const Reply theirs = open_reply(*pair.client, stock);
  EXPECT_EQ(ours.op, Opcode::kControlHardResetServerV2);
  EXPECT_EQ(ours.op, theirs.op);
  EXPECT_EQ(ours.key_id, theirs.key_id);
  EXPECT_EQ(ours.acks, theirs.acks);
  EXPECT_EQ(ours.acks, std::vector<uint32_t>{0});
  EXPECT_EQ(ours.ack_sid, theirs.ack_sid);
  EXPECT_EQ(ours.ack_sid, sid_of(reset_wire));
  EXPECT_EQ(ours.message_id, theirs.message_id);
  EXPECT_EQ(ours.message_id, 0u);
  EXPECT_EQ(ours.payload, theirs.payload);
  EXPECT_EQ(ours.replay.id, theirs.replay.id);  // a fresh counter: 1 (none in plain mode)
  if (theirs.replay.time != 0) {
    EXPECT_EQ(ours.replay.time, static_cast<uint32_t>(now_s));
  }
  // The sid is our cookie, not the stock server's.
  EXPECT_NE(ours.sid, theirs.sid);
  EXPECT_EQ(ours.sid, make_cookie().make(kClient, sid_of(reset_wire), now_s));

  // The stock client's next packet ACKs the stock server's sid: authentic, but not our cookie.
  const auto& next = vectors[2];
  ASSERT_EQ(next["direction"], "client->server");
  const HandshakeVerdict second = hs.on_packet(kClient, hex(next["wire"]), now_s, out);
  EXPECT_EQ(second.action, HandshakeAction::kDrop);
  EXPECT_EQ(second.drop, HandshakeDrop::kBadCookie);
  EXPECT_EQ(hs.stats().replies, 1u);
  EXPECT_EQ(hs.stats().drops[static_cast<size_t>(HandshakeDrop::kBadCookie)], 1u);
  EXPECT_EQ(hs.stats().created_after_cookie, 0u);
}

TEST(StatelessVectors, PlainReplyHasTheStockShape) {
  const auto doc = ovpn::test::load_vectors("control-plain.json");
  check_reply_to_captured(doc["vectors"], crypto::test_fixtures::plain_pair(),
                          server_wrap(Wrap::kPlain));
}

TEST(StatelessVectors, TlsAuthRepliesHaveTheStockShape) {
  const auto doc = ovpn::test::load_vectors("tls-auth.json");
  for (const auto& session : doc["sessions"]) {
    SCOPED_TRACE(session["session"].get<std::string>());
    StaticWrapKey key;
    key.mode = ControlWrapMode::kTlsAuth;
    key.key = crypto::test_fixtures::static_key(session["key_file"]);
    key.digest = *crypto::digest_from_name(session["digest"].get<std::string>());
    key.direction =
        session["key_direction"].is_null()
            ? proto::KeyDirection::kBidirectional
            : *proto::key_direction_from_number(session["key_direction"]["server"].get<int>());
    auto wrap = ServerWrap::create(key, std::nullopt);
    ASSERT_TRUE(wrap);
    check_reply_to_captured(session["vectors"], crypto::test_fixtures::tls_auth_pair(session),
                            std::move(*wrap));
  }
}

TEST(StatelessVectors, TlsCryptReplyHasTheStockShape) {
  const auto doc = ovpn::test::load_vectors("tls-crypt.json");
  const proto::Key2 key = crypto::test_fixtures::static_key(doc["key_file"]);
  auto wrap = ServerWrap::create(StaticWrapKey{ControlWrapMode::kTlsCrypt, key}, std::nullopt);
  ASSERT_TRUE(wrap);
  check_reply_to_captured(doc["vectors"], crypto::test_fixtures::tls_crypt_pair(key),
                          std::move(*wrap));
}

TEST(StatelessVectors, TlsCryptV2ReplyCarriesResendWkc) {
  const auto doc = ovpn::test::load_vectors("tls-crypt-v2.json");
  const auto& v = doc["vectors"];
  ASSERT_EQ(v[0]["opcode_name"], "P_CONTROL_HARD_RESET_CLIENT_V3");
  EXPECT_EQ(v[0]["replay_packet_id"].get<uint32_t>(), 0x0f000001u);
  EXPECT_EQ(v[1]["payload"], "000100020001");
  auto server = crypto::TlsCryptV2Server::from_pem(doc["server_key"]["text"].get<std::string>());
  ASSERT_TRUE(server);
  auto wrap = ServerWrap::create(std::nullopt, std::move(*server));
  ASSERT_TRUE(wrap);
  check_reply_to_captured(v, crypto::test_fixtures::tls_crypt_v2_pair(doc), std::move(*wrap));

  // The WKC_V1 (v[2]) is authentic: the state it would make holds the captured Kc and metadata.
  StatelessHandshake hs(server_wrap(Wrap::kTlsCryptV2), make_cookie());
  Packet out(kMaxStatelessReplySize);
  const uint64_t now_s = v[0]["replay_timestamp"].get<uint64_t>();
  const HandshakeVerdict r = hs.on_packet(kClient, hex(v[0]["wire"]), now_s, out);
  ASSERT_EQ(r.action, HandshakeAction::kReply);
  EXPECT_TRUE(r.early_negotiation);
  EXPECT_EQ(hs.stats().early_negotiation_replies, 1u);
}

// --- a channel started after the cookie --------------------------------------------------------

TEST(ResetExchanged, RefusedOutsideAServersHardReset) {
  auto wrap = test_fixtures::plain_context(Role::kServer);
  ChannelConfig c = test_fixtures::config(Role::kServer);
  c.reset_exchanged = true;
  EXPECT_FALSE(ControlChannel::create(c, wrap, 0));  // no peer sid
  c.peer_session_id = kClientSid;
  EXPECT_TRUE(ControlChannel::create(c, wrap, 0));
  ChannelConfig client = c;
  client.role = Role::kClient;
  EXPECT_FALSE(ControlChannel::create(client, wrap, 0));
  ChannelConfig soft = c;
  soft.reset = ResetKind::kSoft;
  soft.key_id = *KeyId::make(1);
  EXPECT_FALSE(ControlChannel::create(soft, wrap, 0));
}

TEST(ResetExchanged, StartsAtMessageIdOneBothWays) {
  using namespace test_fixtures;  // NOLINT: test helpers
  auto wrap = plain_context(Role::kServer);
  ChannelConfig c = config(Role::kServer);
  c.peer_session_id = kClientSid;
  c.reset_exchanged = true;
  ControlChannel ch = make_channel(c, wrap, 100);
  EXPECT_TRUE(ch.own_reset_acked());
  EXPECT_TRUE(ch.peer_reset_seen());
  EXPECT_TRUE(ch.all_acked());
  EXPECT_EQ(ch.peer_session_id(), kClientSid);
  EXPECT_FALSE(ch.next_timeout_ms().has_value());
  EXPECT_TRUE(drain(ch, 100).empty());  // the reset went out statelessly

  // The client's first P_CONTROL_V1 (id 1, ACK 0 + our sid) is delivered and ACKed.
  const Packet hello = {0x16, 0x03, 0x01};
  EXPECT_EQ(
      ch.on_packet(plain_packet(Opcode::kControlV1, kClientSid, {0}, kServerSid, 1, hello), 200),
      ControlDrop::kNone);
  EXPECT_EQ(read_all(ch), hello);
  EXPECT_EQ(ch.stats().acks_received, 0u);  // ACK 0 was already taken
  // Our first packet is message id 1, carrying the ACK of 1.
  ASSERT_TRUE(ch.write(std::vector<uint8_t>{0x16, 0x03, 0x03}));
  auto out = drain(ch, 200);
  ASSERT_EQ(out.size(), 1u);
  Parsed p = parse_plain(out[0]);
  EXPECT_EQ(p.op, Opcode::kControlV1);
  EXPECT_EQ(p.sid, kServerSid);
  EXPECT_EQ(p.message_id, 1u);
  EXPECT_EQ(p.acks, std::vector<uint32_t>{1});
  EXPECT_EQ(p.ack_sid, kClientSid);

  // A late copy of the client's reset is a duplicate, ACKed again; never a second answer.
  EXPECT_EQ(
      ch.on_packet(plain_packet(Opcode::kControlHardResetClientV2, kClientSid, {}, kServerSid, 0),
                   300),
      ControlDrop::kDuplicate);
  out = drain(ch, 300);
  ASSERT_EQ(out.size(), 1u);
  p = parse_plain(out[0]);
  EXPECT_EQ(p.op, Opcode::kAckV1);
  EXPECT_EQ(p.acks.front(), 0u);
}

// --- full handshakes -------------------------------------------------------------------------

constexpr char kClientOptions[] = "V4,dev-type tun,proto UDPv4,cipher AES-256-GCM,tls-client";
constexpr char kServerOptions[] = "V4,dev-type tun,proto UDPv4,cipher AES-256-GCM,tls-server";

struct Pki {
  test::Identity ca = test::make_ca("Test CA");
  test::Identity server = test::issue(ca, {.common_name = "server", .eku = test::Eku::kServerAuth});
  test::Identity client = test::issue(ca, {.common_name = "client", .eku = test::Eku::kClientAuth});
};

const Pki& pki() {
  static const Pki p;
  return p;
}

std::shared_ptr<const TlsContext> tls_context(Role role) {
  TlsConfig c;
  c.role = role;
  c.ca_pem = pki().ca.cert_pem;
  const test::Identity& id = role == Role::kClient ? pki().client : pki().server;
  c.cert_pem = id.cert_pem;
  c.key_pem = id.key_pem;
  if (role == Role::kClient) c.remote_cert_tls = RemoteCertTls::kServer;
  auto ctx = TlsContext::create(c);
  EXPECT_TRUE(ctx) << ctx.error().message;
  return ctx ? *ctx : nullptr;
}

RandomSource counting_random(uint8_t seed) {
  auto next = std::make_shared<uint8_t>(seed);
  return [next](std::span<uint8_t> out) -> Status {
    for (auto& b : out) b = (*next)++;
    return {};
  };
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

struct LinkParams {
  double loss = 0;
  double duplicate = 0;
  uint64_t max_delay_ms = 0;
};

// One direction of a seeded lossy, duplicating, reordering link.
class Link {
 public:
  Link(uint32_t seed, LinkParams params) : rng_(seed), params_(params) {}
  void send(Packet p, uint64_t now_ms) {
    if (chance(params_.loss)) return;
    if (chance(params_.duplicate)) queue_.push_back({now_ms + delay(), p});
    queue_.push_back({now_ms + delay(), std::move(p)});
  }
  std::vector<Packet> arrivals(uint64_t now_ms) {
    std::stable_sort(queue_.begin(), queue_.end(),
                     [](const InFlight& a, const InFlight& b) { return a.at < b.at; });
    std::vector<Packet> out;
    auto it = queue_.begin();
    for (; it != queue_.end() && it->at <= now_ms; ++it) out.push_back(std::move(it->packet));
    queue_.erase(queue_.begin(), it);
    return out;
  }

 private:
  struct InFlight {
    uint64_t at;
    Packet packet;
  };
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  uint64_t delay() {
    return std::uniform_int_distribution<uint64_t>(0, params_.max_delay_ms)(rng_);
  }
  std::mt19937 rng_;
  LinkParams params_;
  std::vector<InFlight> queue_;
};

// A UDP server for one client address, as a daemon would drive the stateless path: no state
// until on_packet() says kCreate, then a KeyState that gets every later packet.
class StatelessServer {
 public:
  explicit StatelessServer(StatelessHandshake hs) : hs_(std::move(hs)) {}

  void on_packet(const Endpoint& from, const Packet& p, uint64_t now_ms,
                 std::vector<Packet>& replies) {
    if (ks_) {
      static_cast<void>(ks_->on_packet(p, now_ms));
      return;
    }
    Packet out(kMaxStatelessReplySize);
    HandshakeVerdict v = hs_.on_packet(from, p, unix_s(now_ms), out);
    if (v.action == HandshakeAction::kReply) {
      out.resize(v.reply_size);
      replies.push_back(std::move(out));
    } else if (v.action == HandshakeAction::kCreate) {
      create(*v.session, p, now_ms);
    }
  }

  void create(const NewSession& session, const Packet& first, uint64_t now_ms) {
    session_ = session;
    auto ctx = hs_.make_context(session, static_cast<uint32_t>(unix_s(now_ms)));
    ASSERT_TRUE(ctx) << ctx.error().message;
    wrap_ = std::make_unique<TlsWrapContext>(std::move(*ctx));
    first_replay_id_ = wrap_->send.last_id() + 1;
    KeyStateConfig c;
    c.channel = new_session_channel_config(session, kRandomServerSid);
    c.options = kServerOptions;
    c.random = counting_random(101);
    auto ks = KeyState::create(std::move(c), *wrap_, tls_context(Role::kServer), now_ms);
    ASSERT_TRUE(ks) << ks.error().message;
    ks_ = std::make_unique<KeyState>(std::move(*ks));
    first_verdict_ = ks_->on_packet(first, now_ms);
  }

  std::vector<Packet> drain_state(uint64_t now_ms) {
    return ks_ ? drain(*ks_, now_ms) : std::vector<Packet>{};
  }

  static uint64_t unix_s(uint64_t now_ms) { return kBaseUnix + now_ms / 1000; }

  StatelessHandshake hs_;
  std::unique_ptr<TlsWrapContext> wrap_;
  std::unique_ptr<KeyState> ks_;
  std::optional<NewSession> session_;
  uint32_t first_replay_id_ = 0;
  ControlDrop first_verdict_ = ControlDrop::kCount;
};

std::unique_ptr<KeyState> make_client(TlsWrapContext& wrap) {
  KeyStateConfig c;
  c.channel.role = Role::kClient;
  c.channel.own_session_id = kClientSid;
  c.options = kClientOptions;
  c.username = "alice";
  c.password = "secret";
  c.peer_info = "IV_VER=2.6.14\nIV_PROTO=990\n";
  c.random = counting_random(1);
  auto ks = KeyState::create(std::move(c), wrap, tls_context(Role::kClient), 0);
  EXPECT_TRUE(ks) << ks.error().message;
  return ks ? std::make_unique<KeyState>(std::move(*ks)) : nullptr;
}

void run_to_active(KeyState& client, StatelessServer& server, LinkParams params, uint32_t seed) {
  Link to_server(seed * 2 + 1, params);
  Link to_client(seed * 2 + 2, params);
  for (uint64_t now = 0; now < 60 * 1000; now += 10) {
    for (auto& p : drain(client, now)) to_server.send(std::move(p), now);
    for (auto& p : server.drain_state(now)) to_client.send(std::move(p), now);
    std::vector<Packet> replies;
    for (auto& p : to_server.arrivals(now)) server.on_packet(kClient, p, now, replies);
    for (auto& p : replies) to_client.send(std::move(p), now);
    for (auto& p : to_client.arrivals(now)) static_cast<void>(client.on_packet(p, now));
    if (client.failed() || (server.ks_ && server.ks_->failed())) break;
    if (client.active() && server.ks_ && server.ks_->active()) return;
  }
  ADD_FAILURE() << "client " << key_state_stage_name(client.stage()) << " "
                << (client.error() ? client.error()->message : "") << ", server "
                << (server.ks_ ? key_state_stage_name(server.ks_->stage()) : "no state");
}

struct LoopbackCase {
  std::string name;
  Wrap wrap;
  LinkParams link;
  uint32_t seed;
};

class StatelessLoopback : public ::testing::TestWithParam<LoopbackCase> {};

TEST_P(StatelessLoopback, ClientKeyStateReachesActiveAgainstTheStatelessServer) {
  const LoopbackCase& tc = GetParam();
  TlsWrapContext cwrap = client_context(tc.wrap, static_cast<uint32_t>(kBaseUnix));
  auto client = make_client(cwrap);
  ASSERT_TRUE(client);
  StatelessServer server(responder(tc.wrap));
  run_to_active(*client, server, tc.link, tc.seed);
  ASSERT_TRUE(server.ks_ && server.session_);
  ASSERT_TRUE(client->active() && server.ks_->active());

  // The state came from the cookie, and the client took the cookie as the server's sid.
  EXPECT_TRUE(server.session_->after_cookie);
  EXPECT_EQ(server.session_->client_session_id, kClientSid);
  const proto::SessionId cookie = server.session_->server_session_id;
  EXPECT_TRUE(make_cookie().verify(kClient, kClientSid, cookie, kBaseUnix));
  EXPECT_EQ(client->channel().peer_session_id(), cookie);
  EXPECT_EQ(server.ks_->channel().own_session_id(), cookie);
  EXPECT_EQ(server.first_verdict_, ControlDrop::kNone);
  EXPECT_EQ(server.session_->mode, server.hs_.wrap().has_static() ? server.hs_.wrap().static_mode()
                                                                  : ControlWrapMode::kTlsCryptV2);
  if (tc.wrap == Wrap::kTlsCryptV2) {
    ASSERT_TRUE(server.session_->client_key.has_value());
    EXPECT_EQ(server.session_->client_key->metadata.size(), 9u);  // type 1 + timestamp
    EXPECT_TRUE(client->channel().resend_wkc());
    EXPECT_GE(server.hs_.stats().early_negotiation_replies, 1u);
  }
  if (tc.wrap != Wrap::kPlain) {
    EXPECT_EQ(server.first_replay_id_, 2u);  // as stock 2.6
  }
  EXPECT_GE(server.hs_.stats().replies, 1u);
  EXPECT_EQ(server.hs_.stats().created_after_cookie, 1u);

  // Key-method-2 went both ways, and both derive the same keys.
  ASSERT_NE(server.ks_->peer_key_method2(), nullptr);
  EXPECT_EQ(server.ks_->peer_key_method2()->options, kClientOptions);
  EXPECT_EQ(server.ks_->peer_key_method2()->username, "alice");
  EXPECT_EQ(client->peer_key_method2()->options, kServerOptions);
  ASSERT_NE(server.ks_->peer_info(), nullptr);
  EXPECT_EQ(server.ks_->peer_info()->get("IV_VER"), "2.6.14");
  for (bool ekm : {true, false}) {
    auto c = client->derive_key2(ekm);
    auto s = server.ks_->derive_key2(ekm);
    ASSERT_TRUE(c && s);
    EXPECT_TRUE(std::equal(c->bytes().begin(), c->bytes().end(), s->bytes().begin()));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Wraps, StatelessLoopback,
    ::testing::Values(LoopbackCase{"Plain", Wrap::kPlain, {}, 1},
                      LoopbackCase{"TlsAuth", Wrap::kTlsAuth, {}, 2},
                      LoopbackCase{"TlsCrypt", Wrap::kTlsCrypt, {}, 3},
                      LoopbackCase{"TlsCryptV2", Wrap::kTlsCryptV2, {}, 4},
                      LoopbackCase{"PlainLossy", Wrap::kPlain, {0.2, 0.1, 200}, 5},
                      LoopbackCase{"TlsAuthLossy", Wrap::kTlsAuth, {0.2, 0.1, 200}, 6},
                      LoopbackCase{"TlsCryptLossy", Wrap::kTlsCrypt, {0.2, 0.1, 200}, 7},
                      LoopbackCase{"TlsCryptV2Lossy", Wrap::kTlsCryptV2, {0.2, 0.1, 200}, 8}),
    [](const ::testing::TestParamInfo<LoopbackCase>& p) { return p.param.name; });

// A tls-crypt-v2 client without early negotiation cannot send its WKc again: its reset makes
// state at once (2.6 without force-cookie), and the handshake is the ordinary one.
TEST(StatelessPath, TlsCryptV2WithoutEarlyNegotiationGetsStateAtOnce) {
  TlsWrapContext cwrap = client_context(Wrap::kTlsCryptV2, static_cast<uint32_t>(kBaseUnix), false);
  auto client = make_client(cwrap);
  ASSERT_TRUE(client);
  StatelessServer server(responder(Wrap::kTlsCryptV2));
  run_to_active(*client, server, {}, 20);
  ASSERT_TRUE(server.session_);
  EXPECT_FALSE(server.session_->after_cookie);
  EXPECT_TRUE(server.session_->client_key.has_value());
  EXPECT_EQ(server.hs_.stats().replies, 0u);
  EXPECT_EQ(server.hs_.stats().created_stateful, 1u);
  EXPECT_EQ(client->channel().peer_session_id(), kRandomServerSid);
  EXPECT_FALSE(client->channel().resend_wkc());

  // force-cookie refuses it instead.
  StatelessHandshake forced = responder(Wrap::kTlsCryptV2, {.force_cookie = true});
  TlsWrapContext cwrap2 =
      client_context(Wrap::kTlsCryptV2, static_cast<uint32_t>(kBaseUnix), false);
  auto client2 = make_client(cwrap2);
  const auto reset = drain(*client2, 0);
  ASSERT_EQ(reset.size(), 1u);
  Packet out(kMaxStatelessReplySize);
  const HandshakeVerdict v = forced.on_packet(kClient, reset[0], kBaseUnix, out);
  EXPECT_EQ(v.action, HandshakeAction::kDrop);
  EXPECT_EQ(v.drop, HandshakeDrop::kNoEarlyNegotiation);
}

// TCP (or a known source): accept_reset() and an ordinary server key state fed the reset.
TEST(StatelessPath, StatefulPathStillWorksForEveryWrap) {
  for (Wrap w : {Wrap::kPlain, Wrap::kTlsAuth, Wrap::kTlsCrypt, Wrap::kTlsCryptV2}) {
    SCOPED_TRACE(static_cast<int>(w));
    TlsWrapContext cwrap = client_context(w, static_cast<uint32_t>(kBaseUnix));
    auto client = make_client(cwrap);
    ASSERT_TRUE(client);
    StatelessHandshake hs = responder(w);
    // accept_reset() takes resets only.
    TlsWrapContext other = client_context(w, static_cast<uint32_t>(kBaseUnix));
    EXPECT_EQ(hs.accept_reset(
                    client_packet(other, Opcode::kControlV1, kClientSid, {0}, kRandomServerSid, 1))
                  .drop,
              w == Wrap::kTlsCryptV2 ? HandshakeDrop::kNoKey : HandshakeDrop::kUnexpectedOpcode);
    const auto reset = drain(*client, 0);
    ASSERT_EQ(reset.size(), 1u);
    HandshakeVerdict v = hs.accept_reset(reset[0]);
    ASSERT_EQ(v.action, HandshakeAction::kCreate) << handshake_drop_name(v.drop);
    EXPECT_FALSE(v.session->after_cookie);
    EXPECT_EQ(v.session->client_session_id, kClientSid);
    StatelessServer server(std::move(hs));
    server.create(*v.session, reset[0], 0);
    EXPECT_EQ(server.first_verdict_, ControlDrop::kNone);
    EXPECT_EQ(server.first_replay_id_, 1u);
    run_to_active(*client, server, {}, 30 + static_cast<uint32_t>(w));
    EXPECT_EQ(client->channel().peer_session_id(), kRandomServerSid);
    EXPECT_EQ(server.hs_.stats().created_stateful, 1u);
  }
}

// --- bad input ---------------------------------------------------------------------------------

// The client's reset, and the reply to it, for `w`.
struct ResetFixture {
  explicit ResetFixture(Wrap w, bool early_negotiation = true)
      : wrap(w),
        hs(responder(w)),
        cwrap(client_context(w, static_cast<uint32_t>(kBaseUnix), early_negotiation)),
        client(make_client(cwrap)) {
    auto out = drain(*client, 0);
    EXPECT_EQ(out.size(), 1u);
    reset = out.empty() ? Packet{} : out[0];
  }
  HandshakeVerdict feed(std::span<const uint8_t> wire, const Endpoint& from = kClient,
                        uint64_t now_s = kBaseUnix) {
    reply.assign(kMaxStatelessReplySize, 0);
    HandshakeVerdict v = hs.on_packet(from, wire, now_s, reply);
    if (v.action == HandshakeAction::kReply) reply.resize(v.reply_size);
    return v;
  }
  uint64_t drops() const {
    uint64_t n = 0;
    for (uint64_t d : hs.stats().drops) n += d;
    return n;
  }
  // A client packet after the reset, ACKing `ack_sid` (our cookie when valid).
  Packet next(Opcode op, std::vector<uint32_t> acks, const proto::SessionId& ack_sid,
              std::optional<uint32_t> message_id, const proto::SessionId& sid = kClientSid) {
    return client_packet(cwrap, op, sid, std::move(acks), ack_sid, message_id);
  }

  Wrap wrap;
  StatelessHandshake hs;
  TlsWrapContext cwrap;
  std::unique_ptr<KeyState> client;
  Packet reset;
  Packet reply;
};

TEST(StatelessBadInput, TruncationsAreCountedDropsNeverState) {
  for (Wrap w : {Wrap::kPlain, Wrap::kTlsAuth, Wrap::kTlsCrypt, Wrap::kTlsCryptV2}) {
    SCOPED_TRACE(static_cast<int>(w));
    ResetFixture f(w);
    ASSERT_EQ(f.feed(f.reset).action, HandshakeAction::kReply);
    for (size_t n = 0; n < f.reset.size(); ++n) {
      const HandshakeVerdict v = f.feed(std::span<const uint8_t>(f.reset).first(n));
      EXPECT_EQ(v.action, HandshakeAction::kDrop) << n;
      EXPECT_NE(v.drop, HandshakeDrop::kNone);
    }
    EXPECT_EQ(f.drops(), f.reset.size());
    EXPECT_EQ(f.hs.stats().replies, 1u);
    // A packet longer than any control packet.
    EXPECT_EQ(f.feed(Packet(kMaxControlWireSize + 1, 0x38)).drop, HandshakeDrop::kMalformed);
  }
}

TEST(StatelessBadInput, EveryBitFlipOfAnAuthenticatedResetIsDropped) {
  for (Wrap w : {Wrap::kTlsAuth, Wrap::kTlsCrypt, Wrap::kTlsCryptV2}) {
    SCOPED_TRACE(static_cast<int>(w));
    ResetFixture f(w);
    uint64_t flips = 0;
    for (size_t i = 0; i < f.reset.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        Packet p = f.reset;
        p[i] ^= static_cast<uint8_t>(1 << bit);
        const HandshakeVerdict v = f.feed(p);
        EXPECT_EQ(v.action, HandshakeAction::kDrop) << i << ":" << bit;
        ++flips;
      }
    }
    EXPECT_EQ(f.drops(), flips);
    EXPECT_EQ(
        f.hs.stats().replies + f.hs.stats().created_after_cookie + f.hs.stats().created_stateful,
        0u);
  }
  // Plain mode authenticates nothing: a flipped sid is another client's valid reset, but no
  // flip ever makes state.
  ResetFixture f(Wrap::kPlain);
  for (size_t i = 0; i < f.reset.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Packet p = f.reset;
      p[i] ^= static_cast<uint8_t>(1 << bit);
      EXPECT_NE(f.feed(p).action, HandshakeAction::kCreate);
    }
  }
}

TEST(StatelessBadInput, WrongOpcodesAndKeyIds) {
  ResetFixture f(Wrap::kPlain);
  for (int op = 0; op < 32; ++op) {
    Packet p = f.reset;
    p[0] = static_cast<uint8_t>(op << 3);
    const HandshakeVerdict v = f.feed(p);
    if (op == 7) {
      EXPECT_EQ(v.action, HandshakeAction::kReply);
    } else if (op < 1 || op > 11) {
      EXPECT_EQ(v.drop, HandshakeDrop::kMalformed) << op;
    } else if (op == 4 || op == 5 || op == 10 || op == 11) {
      EXPECT_EQ(v.action, HandshakeAction::kDrop) << op;  // no cookie, or no v2 key
    } else {
      EXPECT_EQ(v.drop, HandshakeDrop::kUnexpectedOpcode) << op;
    }
  }
  for (uint8_t key_id = 1; key_id < 8; ++key_id) {
    Packet p = f.reset;
    p[0] = static_cast<uint8_t>((7 << 3) | key_id);
    EXPECT_EQ(f.feed(p).drop, HandshakeDrop::kWrongKeyId);
  }
  // The server's own reset, a soft reset and data are never answered.
  EXPECT_EQ(f.feed(test_fixtures::plain_packet(Opcode::kControlHardResetServerV2, kClientSid, {0},
                                               kClientSid, 0))
                .drop,
            HandshakeDrop::kUnexpectedOpcode);
  EXPECT_EQ(
      f.feed(test_fixtures::plain_packet(Opcode::kControlSoftResetV1, kClientSid, {}, {}, 0)).drop,
      HandshakeDrop::kUnexpectedOpcode);
  // An all-zero session id.
  Packet zero = f.reset;
  std::fill(zero.begin() + 1, zero.begin() + 9, 0);
  EXPECT_EQ(f.feed(zero).drop, HandshakeDrop::kMalformed);
}

TEST(StatelessBadInput, ResetsThatAreNotAtIdZeroOrCarryBadTlvs) {
  ResetFixture f(Wrap::kTlsCrypt);
  const HandshakeVerdict id1 = f.feed(f.next(Opcode::kControlHardResetClientV2, {}, {}, 1));
  EXPECT_EQ(id1.drop, HandshakeDrop::kBadResetId);
  const Packet bad_tlv = {0x00, 0x01, 0x00, 0x05, 0x00};
  const HandshakeVerdict tlv = f.feed(
      client_packet(f.cwrap, Opcode::kControlHardResetClientV2, kClientSid, {}, {}, 0, bad_tlv));
  EXPECT_EQ(tlv.drop, HandshakeDrop::kBadResetPayload);
  EXPECT_EQ(f.hs.accept_reset(client_packet(f.cwrap, Opcode::kControlHardResetClientV2, kClientSid,
                                            {}, {}, 0, bad_tlv))
                .drop,
            HandshakeDrop::kBadResetPayload);
  // Unknown TLVs are fine.
  const Packet unknown_tlv = {0x00, 0x09, 0x00, 0x01, 0x42};
  EXPECT_EQ(f.feed(client_packet(f.cwrap, Opcode::kControlHardResetClientV2, kClientSid, {}, {}, 0,
                                 unknown_tlv))
                .action,
            HandshakeAction::kReply);
}

TEST(StatelessBadInput, ReplayedResetsGetTheSameReplyAndNoState) {
  ResetFixture f(Wrap::kTlsCrypt);
  ASSERT_EQ(f.feed(f.reset).action, HandshakeAction::kReply);
  const Packet first = f.reply;
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(f.feed(f.reset).action, HandshakeAction::kReply);
    EXPECT_EQ(f.reply, first);  // same slot: byte for byte the same, nothing kept
  }
  EXPECT_EQ(f.hs.stats().replies, 101u);
  EXPECT_EQ(f.hs.stats().created_after_cookie, 0u);
  // From another address the cookie differs (and is no good at the first address).
  ASSERT_EQ(f.feed(f.reset, endpoint("10.0.0.9", 40000)).action, HandshakeAction::kReply);
  EXPECT_NE(sid_of(f.reply), sid_of(first));
}

TEST(StatelessBadInput, SecondStepNeedsOurCookieForThisSource) {
  ResetFixture f(Wrap::kTlsCrypt);
  ASSERT_EQ(f.feed(f.reset).action, HandshakeAction::kReply);
  const proto::SessionId cookie = sid_of(f.reply);
  const Endpoint other_port = endpoint("10.210.0.2", 40001);
  const Endpoint other_host = endpoint("10.210.0.3", 40000);
  proto::SessionId other_sid = kClientSid;
  other_sid[0] ^= 1;

  EXPECT_EQ(f.feed(f.next(Opcode::kControlV1, {}, {}, 1)).drop, HandshakeDrop::kNoCookie);
  EXPECT_EQ(f.feed(f.next(Opcode::kControlV1, {0}, kRandomServerSid, 1)).drop,
            HandshakeDrop::kBadCookie);
  EXPECT_EQ(f.feed(f.next(Opcode::kControlV1, {0}, cookie, 1), other_port).drop,
            HandshakeDrop::kBadCookie);
  EXPECT_EQ(f.feed(f.next(Opcode::kControlV1, {0}, cookie, 1), other_host).drop,
            HandshakeDrop::kBadCookie);
  EXPECT_EQ(f.feed(f.next(Opcode::kControlV1, {0}, cookie, 1, other_sid)).drop,
            HandshakeDrop::kBadCookie);
  EXPECT_EQ(f.feed(f.next(Opcode::kControlV1, {0}, cookie, 1), kClient, kBaseUnix + 90).drop,
            HandshakeDrop::kBadCookie);  // expired
  EXPECT_EQ(f.feed(f.next(Opcode::kControlV1, {0}, cookie, 0)).drop, HandshakeDrop::kBadMessageId);
  EXPECT_EQ(f.feed(f.next(Opcode::kControlV1, {0}, cookie, kReceiveWindow + 1)).drop,
            HandshakeDrop::kBadMessageId);
  // Found by the fuzzer: an id "before" 1 in wrapping order, which the key state would take as
  // a duplicate and not deliver.
  EXPECT_EQ(f.feed(f.next(Opcode::kControlV1, {0}, cookie, 0xca23c37e)).drop,
            HandshakeDrop::kBadMessageId);
  EXPECT_EQ(f.hs.stats().created_after_cookie, 0u);
  // The window's last id is fine (the packets before it were lost).
  EXPECT_EQ(f.feed(f.next(Opcode::kControlV1, {0}, cookie, kReceiveWindow)).action,
            HandshakeAction::kCreate);

  // Valid: P_CONTROL_V1, P_ACK_V1 (any ACK id), up to 84 s later.
  HandshakeVerdict v = f.feed(f.next(Opcode::kControlV1, {0}, cookie, 1));
  ASSERT_EQ(v.action, HandshakeAction::kCreate);
  EXPECT_TRUE(v.session->after_cookie);
  EXPECT_EQ(v.session->server_session_id, cookie);
  EXPECT_EQ(v.session->mode, ControlWrapMode::kTlsCrypt);
  EXPECT_EQ(f.feed(f.next(Opcode::kAckV1, {0}, cookie, std::nullopt)).action,
            HandshakeAction::kCreate);
  EXPECT_EQ(
      f.feed(f.next(Opcode::kAckV1, {5, 3}, cookie, std::nullopt), kClient, kBaseUnix + 84).action,
      HandshakeAction::kCreate);
  // A packet wrapped with another key: never state, whatever its ACK says.
  std::array<uint8_t, proto::kKey2Size> other_key{};
  other_key.fill(7);
  auto other_wrap = crypto::TlsCrypt::create(proto::Key2(other_key), Role::kClient);
  ASSERT_TRUE(other_wrap);
  TlsWrapContext other =
      TlsWrapContext::make(std::move(*other_wrap), Role::kClient, static_cast<uint32_t>(kBaseUnix));
  EXPECT_EQ(f.feed(client_packet(other, Opcode::kControlV1, kClientSid, {0}, cookie, 1)).drop,
            HandshakeDrop::kBadAuth);
  TlsWrapContext plain = client_context(Wrap::kPlain, static_cast<uint32_t>(kBaseUnix));
  EXPECT_EQ(f.feed(client_packet(plain, Opcode::kControlV1, kClientSid, {0}, cookie, 1)).drop,
            HandshakeDrop::kMalformed);  // too short to be tls-crypt
  EXPECT_EQ(f.hs.stats().created_after_cookie, 4u);
}

TEST(StatelessBadInput, WrappingsTheServerDoesNotUse) {
  // A v2-only server refuses plain and tls-crypt packets; a server without v2 refuses V3.
  ResetFixture v2(Wrap::kTlsCryptV2);
  TlsWrapContext plain = client_context(Wrap::kPlain, static_cast<uint32_t>(kBaseUnix));
  EXPECT_EQ(
      v2.feed(client_packet(plain, Opcode::kControlHardResetClientV2, kClientSid, {}, {}, 0)).drop,
      HandshakeDrop::kNoKey);
  ResetFixture tc(Wrap::kTlsCrypt);
  EXPECT_EQ(tc.feed(v2.reset).drop, HandshakeDrop::kNoKey);
  // A WKc that another server key wrapped.
  std::array<uint8_t, crypto::kTlsCryptV2ServerKeySize> other_key{};
  other_key.fill(7);
  auto other = crypto::TlsCryptV2Server::create(other_key);
  ASSERT_TRUE(other);
  auto sw = ServerWrap::create(std::nullopt, std::move(*other));
  ASSERT_TRUE(sw);
  StatelessHandshake hs(std::move(*sw), make_cookie());
  Packet out(kMaxStatelessReplySize);
  EXPECT_EQ(hs.on_packet(kClient, v2.reset, kBaseUnix, out).drop, HandshakeDrop::kBadWkc);
  // Both at once: the opcode picks.
  auto both = ServerWrap::create(static_key(Wrap::kTlsCrypt), v2_server_key());
  ASSERT_TRUE(both);
  StatelessHandshake mixed(std::move(*both), make_cookie());
  EXPECT_EQ(mixed.on_packet(kClient, v2.reset, kBaseUnix, out).action, HandshakeAction::kReply);
  EXPECT_EQ(mixed.on_packet(kClient, tc.reset, kBaseUnix, out).action, HandshakeAction::kReply);
  EXPECT_FALSE(ServerWrap::create(std::nullopt, std::nullopt));
}

TEST(StatelessBadInput, ReplyBufferTooSmall) {
  ResetFixture f(Wrap::kTlsCrypt);
  Packet small(20);
  const HandshakeVerdict v = f.hs.on_packet(kClient, f.reset, kBaseUnix, small);
  EXPECT_EQ(v.drop, HandshakeDrop::kReplyFailed);
  EXPECT_STREQ(handshake_drop_name(v.drop), "reply_failed");
  EXPECT_STREQ(handshake_drop_name(HandshakeDrop::kBadCookie), "bad_cookie");
}

TEST(StatelessBadInput, RandomGarbageNeverRepliesOrMakesState) {
  for (Wrap w : {Wrap::kTlsAuth, Wrap::kTlsCrypt, Wrap::kTlsCryptV2}) {
    ResetFixture f(w);
    std::mt19937 rng(static_cast<uint32_t>(w) + 77);
    for (int i = 0; i < 2000; ++i) {
      Packet p(std::uniform_int_distribution<size_t>(0, 1500)(rng));
      for (auto& b : p) b = static_cast<uint8_t>(rng());
      if (!p.empty()) p[0] = static_cast<uint8_t>((std::array{4, 5, 7, 10, 11}[i % 5]) << 3);
      EXPECT_EQ(f.feed(p).action, HandshakeAction::kDrop);
    }
    EXPECT_EQ(f.drops(), 2000u);
  }
}

TEST(NewSessionChannelConfig, CookieOrRandomSid) {
  NewSession s;
  s.after_cookie = true;
  s.client_session_id = kClientSid;
  s.server_session_id = {9, 9, 9, 9, 9, 9, 9, 9};
  ChannelConfig base;
  base.tls_mtu = 1400;
  ChannelConfig c = new_session_channel_config(s, kRandomServerSid, base);
  EXPECT_EQ(c.role, Role::kServer);
  EXPECT_TRUE(c.reset_exchanged);
  EXPECT_EQ(c.own_session_id, s.server_session_id);
  EXPECT_EQ(c.peer_session_id, kClientSid);
  EXPECT_EQ(c.tls_mtu, 1400u);
  s.after_cookie = false;
  c = new_session_channel_config(s, kRandomServerSid, base);
  EXPECT_FALSE(c.reset_exchanged);
  EXPECT_EQ(c.own_session_id, kRandomServerSid);
  EXPECT_FALSE(c.peer_session_id.has_value());
}

}  // namespace
}  // namespace ovpn::control
