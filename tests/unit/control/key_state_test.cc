// KeyState: a client and a server key state in memory, over a link that loses, duplicates and
// reorders packets, in plain, tls-auth and tls-crypt wrapping (the captured stock key files):
// both reach ACTIVE, agree on key2 by EKM and by the legacy PRF, and their DCO keys mirror each
// other. Then a soft reset over the same session, hand-window expiry, a rejected certificate,
// control messages after ACTIVE, and garbage sent to a server.

#include "control/key_state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "control/dco_keys.h"
#include "crypto/tls_auth.h"
#include "crypto/tls_crypt.h"
#include "support/vectors.h"
#include "test_pki.h"

namespace ovpn::control {
namespace {

using proto::Role;
using test::Eku;
using test::Identity;
using Packet = std::vector<uint8_t>;

constexpr proto::SessionId kClientSid{0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
constexpr proto::SessionId kServerSid{0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28};
constexpr uint32_t kUnixTime = 1795510000;
constexpr char kClientOptions[] =
    "V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,"
    "cipher AES-256-GCM,auth [null-digest],keysize 256,"
    "key-method 2,tls-client";
constexpr char kServerOptions[] =
    "V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,"
    "cipher AES-256-GCM,auth [null-digest],keysize 256,"
    "key-method 2,tls-server";
constexpr char kPeerInfo[] = "IV_VER=2.6.14\nIV_PLAT=linux\nIV_PROTO=990\n";

struct Pki {
  Identity ca = test::make_ca("Test CA");
  Identity server = test::issue(ca, {.common_name = "server", .eku = Eku::kServerAuth});
  Identity client = test::issue(ca, {.common_name = "client", .eku = Eku::kClientAuth});
};

const Pki& pki() {
  static const Pki p;
  return p;
}

std::shared_ptr<const TlsContext> tls_context(Role role, const Identity& id) {
  TlsConfig c;
  c.role = role;
  c.ca_pem = pki().ca.cert_pem;
  c.cert_pem = id.cert_pem;
  c.key_pem = id.key_pem;
  if (role == Role::kClient) c.remote_cert_tls = RemoteCertTls::kServer;
  auto ctx = TlsContext::create(c);
  EXPECT_TRUE(ctx) << ctx.error().message;
  return ctx ? *ctx : nullptr;
}

// Deterministic randoms: a counter starting at `seed`.
RandomSource counting_random(uint8_t seed) {
  auto next = std::make_shared<uint8_t>(seed);
  return [next](std::span<uint8_t> out) -> Status {
    for (auto& b : out) b = (*next)++;
    return {};
  };
}

enum class Wrap { kPlain, kTlsAuth, kTlsCrypt };

proto::Key2 load_key(const char* name) {
  auto key = proto::parse_static_key_file(ovpn::test::read_file(ovpn::test::vector_path(name)));
  EXPECT_TRUE(key) << name;
  return key ? *key : proto::Key2{};
}

TlsWrapContext wrap_context(Wrap kind, Role role) {
  crypto::ControlWrapPtr wrap;
  if (kind == Wrap::kPlain) {
    wrap = std::make_unique<crypto::PlainWrap>();
  } else if (kind == Wrap::kTlsAuth) {
    // tls-auth ta.key 0 on the server, 1 on the client.
    const auto dir =
        role == Role::kServer ? proto::KeyDirection::kNormal : proto::KeyDirection::kInverse;
    auto w = crypto::TlsAuth::create(crypto::Digest::kSha256, load_key("pki/ta.key"), dir);
    EXPECT_TRUE(w);
    if (w) wrap = std::move(*w);
  } else {
    auto w = crypto::TlsCrypt::create(load_key("pki/tc.key"), role);
    EXPECT_TRUE(w);
    if (w) wrap = std::move(*w);
  }
  return TlsWrapContext::make(std::move(wrap), role, kUnixTime);
}

KeyStateConfig ks_config(Role role, ResetKind reset = ResetKind::kHard, unsigned key_id = 0) {
  KeyStateConfig c;
  c.channel.role = role;
  c.channel.reset = reset;
  c.channel.key_id = *KeyId::make(key_id);
  c.channel.own_session_id = role == Role::kClient ? kClientSid : kServerSid;
  if (reset == ResetKind::kSoft) {
    c.channel.peer_session_id = role == Role::kClient ? kServerSid : kClientSid;
  }
  c.options = role == Role::kClient ? kClientOptions : kServerOptions;
  if (role == Role::kClient) {
    c.username = "alice";
    c.password = "secret";
    c.peer_info = kPeerInfo;
  }
  c.random =
      counting_random(static_cast<uint8_t>(role == Role::kClient ? 1 + key_id : 101 + key_id));
  return c;
}

std::unique_ptr<KeyState> make_ks(KeyStateConfig config, TlsWrapContext& wrap,
                                  std::shared_ptr<const TlsContext> tls, uint64_t now_ms = 0) {
  auto ks = KeyState::create(std::move(config), wrap, std::move(tls), now_ms);
  EXPECT_TRUE(ks) << ks.error().message;
  return ks ? std::make_unique<KeyState>(std::move(*ks)) : nullptr;
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

// Moves packets between the two until `done` holds, either fails, or `limit_ms` passes.
template <class Done>
void run(KeyState& client, KeyState& server, uint64_t& now, LinkParams params, uint32_t seed,
         Done done, uint64_t limit_ms = 120 * 1000) {
  Link to_server(seed * 2 + 1, params);
  Link to_client(seed * 2 + 2, params);
  const uint64_t end = now + limit_ms;
  for (; now < end; now += 10) {
    for (auto& p : drain(client, now)) to_server.send(std::move(p), now);
    for (auto& p : drain(server, now)) to_client.send(std::move(p), now);
    for (auto& p : to_server.arrivals(now)) static_cast<void>(server.on_packet(p, now));
    for (auto& p : to_client.arrivals(now)) static_cast<void>(client.on_packet(p, now));
    if (done() || client.failed() || server.failed()) return;
  }
}

void run_to_active(KeyState& client, KeyState& server, uint64_t& now, LinkParams params,
                   uint32_t seed) {
  run(client, server, now, params, seed, [&] { return client.active() && server.active(); });
  ASSERT_TRUE(client.active()) << key_state_stage_name(client.stage()) << " "
                               << (client.error() ? client.error()->message : "");
  ASSERT_TRUE(server.active()) << key_state_stage_name(server.stage()) << " "
                               << (server.error() ? server.error()->message : "");
}

std::vector<uint8_t> bytes(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }
std::vector<uint8_t> bytes(const SecretBytes& s) { return {s.begin(), s.end()}; }

void expect_mirrored(const proto::Key2& ckey, const proto::Key2& skey) {
  DcoKeyParams p{.alg = crypto::CipherAlg::kAes256Gcm, .role = Role::kClient};
  auto c = make_dco_key_config(ckey, p);
  p.role = Role::kServer;
  auto s = make_dco_key_config(skey, p);
  ASSERT_TRUE(c && s);
  EXPECT_EQ(bytes(c->encrypt.cipher_key), bytes(s->decrypt.cipher_key));
  EXPECT_EQ(bytes(c->encrypt.nonce_tail), bytes(s->decrypt.nonce_tail));
  EXPECT_EQ(bytes(c->decrypt.cipher_key), bytes(s->encrypt.cipher_key));
  EXPECT_EQ(bytes(c->decrypt.nonce_tail), bytes(s->encrypt.nonce_tail));
  EXPECT_NE(bytes(c->encrypt.cipher_key), bytes(c->decrypt.cipher_key));
}

struct HandshakeCase {
  std::string name;
  Wrap wrap;
  LinkParams link;
  uint32_t seed;
};

class KeyStateHandshake : public ::testing::TestWithParam<HandshakeCase> {};

TEST_P(KeyStateHandshake, BothReachActiveAndAgreeOnKeys) {
  const HandshakeCase& tc = GetParam();
  TlsWrapContext cwrap = wrap_context(tc.wrap, Role::kClient);
  TlsWrapContext swrap = wrap_context(tc.wrap, Role::kServer);
  auto client = make_ks(ks_config(Role::kClient), cwrap, tls_context(Role::kClient, pki().client));
  auto server = make_ks(ks_config(Role::kServer), swrap, tls_context(Role::kServer, pki().server));
  ASSERT_TRUE(client && server);
  EXPECT_EQ(client->stage(), KeyStateStage::kPreStart);
  EXPECT_EQ(server->stage(), KeyStateStage::kInitial);
  EXPECT_FALSE(client->derive_key2(true));  // not before ACTIVE

  uint64_t now = 0;
  run_to_active(*client, *server, now, tc.link, tc.seed);
  EXPECT_LT(now, uint64_t{60 * 1000});

  // What each side learned of the other.
  ASSERT_NE(client->peer_key_method2(), nullptr);
  ASSERT_NE(server->peer_key_method2(), nullptr);
  EXPECT_EQ(client->peer_key_method2()->options, kServerOptions);
  EXPECT_EQ(server->peer_key_method2()->options, kClientOptions);
  EXPECT_EQ(server->peer_key_method2()->username, "alice");
  EXPECT_EQ(server->peer_key_method2()->password, "secret");
  ASSERT_NE(server->peer_info(), nullptr);
  EXPECT_EQ(server->peer_info()->get("IV_VER"), "2.6.14");
  EXPECT_EQ(server->peer_info()->proto_bits(), 990u);
  ASSERT_NE(client->peer_certificate(), nullptr);
  ASSERT_NE(server->peer_certificate(), nullptr);
  EXPECT_EQ(client->peer_certificate()->common_name, "server");
  EXPECT_EQ(server->peer_certificate()->common_name, "client");

  // Same key2 both ways, by EKM and by PRF, and the two differ.
  auto c_ekm = client->derive_key2(true);
  auto s_ekm = server->derive_key2(true);
  auto c_prf = client->derive_key2(false);
  auto s_prf = server->derive_key2(false);
  ASSERT_TRUE(c_ekm && s_ekm && c_prf && s_prf);
  EXPECT_EQ(bytes(c_ekm->bytes()), bytes(s_ekm->bytes()));
  EXPECT_EQ(bytes(c_prf->bytes()), bytes(s_prf->bytes()));
  EXPECT_NE(bytes(c_ekm->bytes()), bytes(c_prf->bytes()));
  expect_mirrored(*c_ekm, *s_ekm);
  expect_mirrored(*c_prf, *s_prf);
}

INSTANTIATE_TEST_SUITE_P(
    Wraps, KeyStateHandshake,
    ::testing::Values(HandshakeCase{"PlainPerfect", Wrap::kPlain, {}, 1},
                      HandshakeCase{"PlainLossy", Wrap::kPlain, {0.1, 0.05, 60}, 2},
                      HandshakeCase{"TlsAuthLossy", Wrap::kTlsAuth, {0.1, 0.05, 60}, 3},
                      HandshakeCase{"TlsCryptPerfect", Wrap::kTlsCrypt, {}, 4},
                      HandshakeCase{"TlsCryptLossy", Wrap::kTlsCrypt, {0.2, 0.1, 300}, 5}),
    [](const ::testing::TestParamInfo<HandshakeCase>& p) { return p.param.name; });

// A pair that has completed the hard reset, for the tests that go on from there.
struct ActivePair {
  TlsWrapContext cwrap = wrap_context(Wrap::kTlsCrypt, Role::kClient);
  TlsWrapContext swrap = wrap_context(Wrap::kTlsCrypt, Role::kServer);
  std::shared_ptr<const TlsContext> ctls = tls_context(Role::kClient, pki().client);
  std::shared_ptr<const TlsContext> stls = tls_context(Role::kServer, pki().server);
  std::unique_ptr<KeyState> client = make_ks(ks_config(Role::kClient), cwrap, ctls);
  std::unique_ptr<KeyState> server = make_ks(ks_config(Role::kServer), swrap, stls);
  uint64_t now = 0;
};

TEST(KeyState, SoftResetOverTheSameSessionGivesNewKeys) {
  ActivePair p;
  ASSERT_TRUE(p.client && p.server);
  run_to_active(*p.client, *p.server, p.now, {}, 10);
  auto key0 = p.client->derive_key2(true);
  ASSERT_TRUE(key0);

  // Key id 1, same session ids, same tls-wrap contexts (replay ids continue).
  auto client1 = make_ks(ks_config(Role::kClient, ResetKind::kSoft, 1), p.cwrap, p.ctls, p.now);
  auto server1 = make_ks(ks_config(Role::kServer, ResetKind::kSoft, 1), p.swrap, p.stls, p.now);
  ASSERT_TRUE(client1 && server1);
  EXPECT_EQ(server1->stage(), KeyStateStage::kPreStart);  // a soft reset queues its own
  run_to_active(*client1, *server1, p.now, {0.1, 0.05, 60}, 11);
  EXPECT_EQ(client1->key_id(), *KeyId::make(1));
  EXPECT_EQ(client1->channel().peer_session_id(), kServerSid);
  EXPECT_EQ(server1->peer_key_method2()->username, "alice");  // credentials again

  auto c1 = client1->derive_key2(true);
  auto s1 = server1->derive_key2(true);
  auto c1p = client1->derive_key2(false);
  auto s1p = server1->derive_key2(false);
  ASSERT_TRUE(c1 && s1 && c1p && s1p);
  EXPECT_EQ(bytes(c1->bytes()), bytes(s1->bytes()));
  EXPECT_EQ(bytes(c1p->bytes()), bytes(s1p->bytes()));
  EXPECT_NE(bytes(c1->bytes()), bytes(key0->bytes()));
  // The old key states saw none of it.
  EXPECT_TRUE(p.client->active() && p.server->active());
}

TEST(KeyState, HandWindowExpiresWithOpenVpnsMessage) {
  TlsWrapContext cwrap = wrap_context(Wrap::kPlain, Role::kClient);
  KeyStateConfig c = ks_config(Role::kClient);
  c.hand_window_ms = 60 * 1000;
  auto client = make_ks(std::move(c), cwrap, tls_context(Role::kClient, pki().client), 1000);
  ASSERT_TRUE(client);
  // Nobody answers: the reset is retransmitted, and the deadline bounds every wait.
  uint64_t now = 1000;
  size_t sent = 0;
  while (!client->failed() && now < 200 * 1000) {
    sent += drain(*client, now).size();
    if (client->failed()) break;
    auto next = client->next_timeout_ms();
    ASSERT_TRUE(next);
    ASSERT_LE(*next, uint64_t{61 * 1000});
    now = std::max(now + 1, *next);
  }
  ASSERT_TRUE(client->failed());
  EXPECT_EQ(now, uint64_t{61 * 1000});
  EXPECT_GT(sent, 3u);
  ASSERT_TRUE(client->error());
  EXPECT_EQ(client->error()->message, "TLS key negotiation failed to occur within 60 seconds");
  EXPECT_FALSE(client->next_timeout_ms());
  Packet buf(kMaxControlPacketSize);
  auto n = client->poll_transmit(now, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
}

TEST(KeyState, RejectedServerCertificateFailsTheClientWithTheReason) {
  TlsWrapContext cwrap = wrap_context(Wrap::kPlain, Role::kClient);
  TlsWrapContext swrap = wrap_context(Wrap::kPlain, Role::kServer);
  // The server presents a client certificate: remote-cert-tls server refuses it.
  auto client = make_ks(ks_config(Role::kClient), cwrap, tls_context(Role::kClient, pki().client));
  auto server = make_ks(ks_config(Role::kServer), swrap, tls_context(Role::kServer, pki().client));
  ASSERT_TRUE(client && server);
  uint64_t now = 0;
  run(
      *client, *server, now, {}, 20, [] { return false; }, 10 * 1000);
  ASSERT_TRUE(client->failed());
  ASSERT_TRUE(client->error());
  EXPECT_NE(client->error()->message.find("TLS error: "), std::string::npos);
  EXPECT_NE(client->error()->message.find("remote-cert-tls"), std::string::npos)
      << client->error()->message;
  EXPECT_FALSE(server->active());
  EXPECT_EQ(client->peer_key_method2(), nullptr);
  EXPECT_EQ(client->on_packet(Packet(20, 0x38), now), ControlDrop::kFailed);
}

TEST(KeyState, ControlMessagesRoundTripAfterActive) {
  ActivePair p;
  ASSERT_TRUE(p.client && p.server);
  EXPECT_FALSE(p.client->send_message("PUSH_REQUEST"));  // not before ACTIVE
  run_to_active(*p.client, *p.server, p.now, {}, 30);

  ASSERT_TRUE(p.client->send_message("PUSH_REQUEST"));
  run(*p.client, *p.server, p.now, {0.1, 0.05, 60}, 31,
      [&] { return p.server->stats().messages_received > 0; });
  auto at_server = p.server->take_messages();
  ASSERT_EQ(at_server.size(), 1u);
  EXPECT_EQ(at_server[0].kind, ControlMessageKind::kPushRequest);
  EXPECT_TRUE(p.server->take_messages().empty());

  const std::string reply =
      "PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 120,"
      "ifconfig 10.8.0.2 255.255.255.0,peer-id 0,cipher AES-256-GCM,key-derivation tls-ekm";
  ASSERT_TRUE(p.server->send_message(reply));
  ASSERT_TRUE(p.server->send_message("AUTH_FAILED,TEMP[backoff 5]:try later"));
  run(*p.client, *p.server, p.now, {0.1, 0.05, 60}, 32,
      [&] { return p.client->stats().messages_received > 1; });
  auto at_client = p.client->take_messages();
  ASSERT_EQ(at_client.size(), 2u);
  EXPECT_EQ(at_client[0].kind, ControlMessageKind::kPushReply);
  EXPECT_EQ(at_client[0].text, reply);
  EXPECT_EQ(at_client[0].options,
            "route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 120,"
            "ifconfig 10.8.0.2 255.255.255.0,peer-id 0,cipher AES-256-GCM,"
            "key-derivation tls-ekm");
  EXPECT_EQ(at_client[1].kind, ControlMessageKind::kAuthFailed);
  EXPECT_EQ(at_client[1].auth_failed, AuthFailedKind::kTemp);
  EXPECT_TRUE(p.client->active() && p.server->active());
  EXPECT_FALSE(p.client->send_message(std::string("bad\x01text")));
}

TEST(KeyState, ReceivedMessagesAreBounded) {
  ActivePair p;
  ASSERT_TRUE(p.client && p.server);
  run_to_active(*p.client, *p.server, p.now, {}, 35);
  const size_t extra = 6;
  for (size_t i = 0; i < kMaxPendingMessages + extra; ++i) {
    ASSERT_TRUE(p.server->send_message("INFO,message " + std::to_string(i)));
  }
  run(*p.client, *p.server, p.now, {}, 36, [&] {
    return p.client->stats().messages_received + p.client->stats().messages_dropped ==
           kMaxPendingMessages + extra;
  });
  EXPECT_EQ(p.client->stats().messages_dropped, extra);
  auto got = p.client->take_messages();
  ASSERT_EQ(got.size(), kMaxPendingMessages);
  EXPECT_EQ(got.front().text, "INFO,message 0");
  EXPECT_EQ(got.front().kind, ControlMessageKind::kInfo);
  // Taking them makes room again.
  ASSERT_TRUE(p.server->send_message("INFO,after"));
  run(*p.client, *p.server, p.now, {}, 37,
      [&] { return p.client->stats().messages_received == kMaxPendingMessages + 1; });
  got = p.client->take_messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text, "INFO,after");
}

TEST(KeyState, ServerFedGarbageStaysBoundedAndStillHandshakes) {
  TlsWrapContext cwrap = wrap_context(Wrap::kTlsCrypt, Role::kClient);
  TlsWrapContext swrap = wrap_context(Wrap::kTlsCrypt, Role::kServer);
  auto client = make_ks(ks_config(Role::kClient), cwrap, tls_context(Role::kClient, pki().client));
  auto server = make_ks(ks_config(Role::kServer), swrap, tls_context(Role::kServer, pki().server));
  ASSERT_TRUE(client && server);
  std::mt19937 rng(42);
  for (int i = 0; i < 3000; ++i) {
    Packet p(std::uniform_int_distribution<size_t>(0, 5000)(rng));
    for (auto& b : p) b = static_cast<uint8_t>(rng());
    if (!p.empty() && i % 2 == 0) p[0] = static_cast<uint8_t>((7 << 3) | 0);  // reset opcode
    EXPECT_NE(server->on_packet(p, 0), ControlDrop::kNone);
  }
  EXPECT_FALSE(server->failed());
  EXPECT_EQ(server->stage(), KeyStateStage::kInitial);
  EXPECT_EQ(server->channel().readable(), 0u);
  EXPECT_TRUE(drain(*server, 0).empty());
  uint64_t now = 0;
  run_to_active(*client, *server, now, {}, 40);
}

TEST(KeyState, RefusesAContextOfTheWrongRole) {
  TlsWrapContext cwrap = wrap_context(Wrap::kPlain, Role::kClient);
  auto ks = KeyState::create(ks_config(Role::kClient), cwrap,
                             tls_context(Role::kServer, pki().server), 0);
  ASSERT_FALSE(ks);
  EXPECT_EQ(ks.error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ovpn::control
