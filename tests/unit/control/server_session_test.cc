// ServerSession against our own ClientSession, both sans-I/O, each over its own FakeDco (the
// server's in multi-peer mode), plain wrapping and the throwaway PKI: connect with the grant's
// pushes and the server's NCP choice, a PUSH_REPLY split in parts, AUTH_FAILED for a rejected
// client and for no shared cipher, renegotiations started by either side (with dynamic
// tls-crypt), the client's EXIT, RESTART from a server going down, expiry in the engine, and a
// start through the UDP server's stateless cookie handshake (plain and tls-crypt).

#include "control/server_session.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "control/client_session.h"
#include "control/peer_info.h"
#include "control/server_wrap.h"
#include "control/session_cookie.h"
#include "crypto/tls_crypt.h"
#include "fakes/fake_dco.h"
#include "test_pki.h"

namespace ovpn::control {
namespace {

using proto::Role;
using test::Eku;
using test::Identity;

struct Pki {
  Identity ca = test::make_ca("Test CA");
  Identity server = test::issue(ca, {.common_name = "server", .eku = Eku::kServerAuth});
  Identity client = test::issue(ca, {.common_name = "client1", .eku = Eku::kClientAuth});
};

const Pki& pki() {
  static const Pki p;
  return p;
}

std::shared_ptr<const TlsContext> tls_context(Role role) {
  TlsConfig c;
  c.role = role;
  c.ca_pem = pki().ca.cert_pem;
  c.cert_pem = role == Role::kClient ? pki().client.cert_pem : pki().server.cert_pem;
  c.key_pem = role == Role::kClient ? pki().client.key_pem : pki().server.key_pem;
  if (role == Role::kClient) c.remote_cert_tls = RemoteCertTls::kServer;
  auto ctx = TlsContext::create(c);
  EXPECT_TRUE(ctx) << ctx.error().message;
  return ctx ? *ctx : nullptr;
}

TlsWrapContext plain_wrap(Role role) {
  return TlsWrapContext::make(std::make_unique<crypto::PlainWrap>(), role, 1700000000);
}

const Endpoint kClientAddr = *Endpoint::parse("192.0.2.7:40000");
const Endpoint kServerAddr = *Endpoint::parse("192.0.2.1:1194");

ClientSessionConfig client_config() {
  ClientSessionConfig c;
  c.options =
      "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128,"
      "key-method 2,tls-client";
  c.username = "alice";
  c.password = "secret";
  PeerInfoParams p;
  p.version = "test";
  p.auth_fail_temp = true;
  p.dyn_tls_crypt = true;
  c.peer_info = *build_peer_info(p);
  c.data_ciphers = p.data_ciphers;
  c.remote = kServerAddr;
  c.dynamic_tls_crypt = true;
  c.reneg_ms = 0;
  return c;
}

ServerSessionConfig server_config() {
  ServerSessionConfig c;
  c.options =
      "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128,"
      "key-method 2,tls-server";
  c.data_ciphers = {"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"};
  c.peer_id = *PeerId::make(5);
  c.remote = kClientAddr;
  c.keepalive = {.interval_s = 10, .timeout_s = 120};
  c.reneg_ms = 0;
  return c;
}

ClientGrant default_grant() {
  ClientGrant g;
  g.push = {"route-gateway 10.8.0.1",
            "topology subnet",
            "ping 10",
            "ping-restart 60",
            "ifconfig 10.8.0.2 255.255.255.0",
            "route 10.99.0.0 255.255.255.0"};
  g.vpn_ipv4 = *IpAddress::parse("10.8.0.2");
  return g;
}

struct Loop {
  std::unique_ptr<dco::FakeDco> cdco = std::move(*dco::FakeDco::create(dco::Mode::kPointToPoint));
  std::unique_ptr<dco::FakeDco> sdco = std::move(*dco::FakeDco::create(dco::Mode::kMultiPeer));
  std::unique_ptr<ClientSession> client;
  std::unique_ptr<ServerSession> server;
  ServerSessionConfig sconfig = server_config();
  std::vector<SessionOutcome> client_outcomes;
  std::vector<ServerOutcome> server_outcomes;
  std::vector<NeedsAuthorization> asked;
  // How the test answers NeedsAuthorization: accept with this grant, or reject.
  ClientGrant grant = default_grant();
  std::optional<std::string> reject_with;
  uint64_t now = 0;

  // The UDP server's stateless path, when set: the first resets are answered with a cookie and
  // the session starts on the client's next packet.
  std::unique_ptr<StatelessHandshake> stateless;
  std::vector<std::vector<uint8_t>> stateless_replies;

  explicit Loop(ClientSessionConfig c = client_config(),
                TlsWrapContext client_wrap = plain_wrap(Role::kClient)) {
    auto s = ClientSession::create(std::move(c), std::move(client_wrap), tls_context(Role::kClient),
                                   *cdco, now);
    EXPECT_TRUE(s) << s.error().message;
    client = std::move(*s);
  }

  void step() {
    client->poll(now);
    for (auto& sent : cdco->take_sent()) {
      if (!server && stateless) {
        std::vector<uint8_t> reply(kMaxStatelessReplySize);
        const uint64_t unix_now = 1700000000 + now / 1000;
        const auto v = stateless->on_packet(kClientAddr, sent.bytes, unix_now, reply);
        if (v.action == HandshakeAction::kReply) {
          reply.resize(v.reply_size);
          stateless_replies.push_back(std::move(reply));
        } else if (v.action == HandshakeAction::kCreate) {
          auto ctx = stateless->make_context(*v.session, static_cast<uint32_t>(unix_now));
          ASSERT_TRUE(ctx);
          auto s = ServerSession::create(sconfig, std::move(*ctx), tls_context(Role::kServer),
                                         *sdco, sent.bytes, now, v.session);
          ASSERT_TRUE(s) << s.error().message;
          server = std::move(*s);
        }
      } else if (!server) {
        auto s = ServerSession::create(sconfig, plain_wrap(Role::kServer),
                                       tls_context(Role::kServer), *sdco, sent.bytes, now);
        ASSERT_TRUE(s) << s.error().message;
        server = std::move(*s);
      } else {
        server->on_packet(sent.bytes, now);
      }
    }
    for (auto& reply : stateless_replies) client->on_packet(reply, now);
    stateless_replies.clear();
    if (server) {
      server->poll(now);
      for (auto& o : server->take_outcomes()) {
        if (auto* who = std::get_if<NeedsAuthorization>(&o)) {
          asked.push_back(*who);
          if (reject_with) {
            EXPECT_TRUE(server->reject(*reject_with, now));
          } else {
            static_cast<void>(server->accept(grant, now));
          }
          server->poll(now);
        }
        server_outcomes.push_back(std::move(o));
      }
      for (auto& sent : sdco->take_sent()) client->on_packet(sent.bytes, now);
    }
    client->poll(now);
    for (auto& o : client->take_outcomes()) client_outcomes.push_back(std::move(o));
    now += 10;
  }
  template <class Done>
  bool run(Done done, uint64_t limit_ms = 60 * 1000) {
    const uint64_t end = now + limit_ms;
    while (now < end) {
      step();
      if (done()) return true;
    }
    return false;
  }
  void run_for(uint64_t ms) {
    const uint64_t end = now + ms;
    while (now < end) step();
  }
  bool run_to_connected() {
    const bool done = run([&] { return !client_outcomes.empty(); });
    if (done) {
      if (const auto* r = std::get_if<Restart>(&client_outcomes[0])) ADD_FAILURE() << r->reason;
      if (const auto* a = std::get_if<AuthFailed>(&client_outcomes[0])) ADD_FAILURE() << a->reason;
    }
    if (const auto* e = server_outcome<SessionEnded>()) ADD_FAILURE() << e->detail;
    return done && std::holds_alternative<Connected>(client_outcomes[0]);
  }
  template <class T>
  const T* server_outcome() const {
    for (const auto& o : server_outcomes) {
      if (const auto* t = std::get_if<T>(&o)) return t;
    }
    return nullptr;
  }
};

TEST(ServerSession, ConnectsWithTheGrantAndOurChoiceOfCipher) {
  Loop l;
  l.sconfig.data_ciphers = {"CHACHA20-POLY1305", "AES-256-GCM"};
  ASSERT_TRUE(l.run_to_connected());
  ASSERT_EQ(l.asked.size(), 1u);
  EXPECT_EQ(l.asked[0].common_name, "client1");
  EXPECT_EQ(l.asked[0].username, "alice");
  EXPECT_EQ(l.asked[0].password, "secret");
  EXPECT_EQ(l.asked[0].peer_info.get("IV_VER"), "test");

  const auto& c = std::get<Connected>(l.client_outcomes[0]);
  EXPECT_EQ(c.cipher, crypto::CipherAlg::kChaCha20Poly1305);
  EXPECT_TRUE(c.ekm);
  EXPECT_EQ(c.peer, *PeerId::make(5));
  ASSERT_TRUE(c.pushed.ifconfig);
  EXPECT_EQ(c.pushed.ifconfig->first, "10.8.0.2");
  ASSERT_EQ(c.pushed.routes.size(), 1u);
  EXPECT_EQ(c.pushed.routes[0].network, "10.99.0.0");
  EXPECT_TRUE(c.pushed.protocol_flags.cc_exit);
  EXPECT_TRUE(c.pushed.protocol_flags.dyn_tls_crypt);
  EXPECT_TRUE(l.client->dynamic_tls_crypt_active());

  l.run_for(50);  // the server's outcomes of the last step
  const auto* e = l.server_outcome<Established>();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->cipher, crypto::CipherAlg::kChaCha20Poly1305);
  // The server's peer: its VPN address, keepalive and the key in the primary slot; the client's
  // key for the same id and cipher.
  auto peer = l.sdco->peer_get(*PeerId::make(5));
  ASSERT_TRUE(peer);
  EXPECT_EQ(peer->config.vpn_ipv4, IpAddress::parse("10.8.0.2"));
  EXPECT_EQ(peer->config.keepalive.timeout_s, 120u);
  auto skey = l.sdco->key_get(*PeerId::make(5), dco::KeySlot::kPrimary);
  auto ckey = l.cdco->key_get(*PeerId::make(5), dco::KeySlot::kPrimary);
  ASSERT_TRUE(skey);
  ASSERT_TRUE(ckey);
  EXPECT_EQ(skey->alg, ckey->alg);
  EXPECT_EQ(skey->key_id, ckey->key_id);
}

TEST(ServerSession, ConnectsThroughTheStatelessCookieHandshake) {
  for (const bool tls_crypt : {false, true}) {
    proto::Key2 key;
    for (size_t i = 0; i < proto::kKey2Size; ++i) key.mutable_bytes()[i] = static_cast<uint8_t>(i);
    TlsWrapContext client_wrap = plain_wrap(Role::kClient);
    StaticWrapKey server_key;
    if (tls_crypt) {
      client_wrap = TlsWrapContext::make(std::move(*crypto::TlsCrypt::create(key, Role::kClient)),
                                         Role::kClient, 1700000000);
      server_key = {.mode = proto::ControlWrapMode::kTlsCrypt, .key = key};
    }
    auto cc = client_config();
    cc.wrap_key = tls_crypt ? std::optional<proto::Key2>(key) : std::nullopt;
    Loop l(cc, std::move(client_wrap));
    if (tls_crypt) l.sconfig.wrap_key = key;
    l.sconfig.reneg_ms = 4000;  // and a renegotiation under dynamic tls-crypt
    auto cookie = SessionCookie::create_random();
    ASSERT_TRUE(cookie);
    auto wrap = ServerWrap::create(server_key, std::nullopt);
    ASSERT_TRUE(wrap) << wrap.error().message;
    l.stateless = std::make_unique<StatelessHandshake>(std::move(*wrap), std::move(*cookie));
    ASSERT_TRUE(l.run_to_connected()) << "tls-crypt " << tls_crypt;
    EXPECT_EQ(l.stateless->stats().replies, 1u);
    EXPECT_EQ(l.stateless->stats().created_after_cookie, 1u);
    ASSERT_TRUE(l.run([&] {
      return l.client->primary_key_id().value() == 1 && l.server->primary_key_id().value() == 1;
    }));
    EXPECT_TRUE(l.client->dynamic_tls_crypt_active());
  }
}

TEST(ServerSession, ALongPushIsSplitIntoContinuedReplies) {
  Loop l;
  for (int i = 0; i < 100; ++i) {
    l.grant.push.push_back("route 10." + std::to_string(i) + ".0.0 255.255.0.0");
  }
  ASSERT_TRUE(l.run_to_connected());
  const auto& c = std::get<Connected>(l.client_outcomes[0]);
  EXPECT_EQ(c.pushed.routes.size(), 101u);
  EXPECT_GE(l.server->stats().push_replies, 3u);
}

TEST(ServerSession, RejectedClientGetsAuthFailedAndTheSessionEnds) {
  Loop l;
  l.reject_with = "bad password";
  ASSERT_TRUE(l.run([&] { return !l.client_outcomes.empty(); }));
  const auto* a = std::get_if<AuthFailed>(&l.client_outcomes[0]);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reason, "bad password");
  ASSERT_TRUE(l.run([&] { return l.server_outcome<SessionEnded>() != nullptr; }, 5000));
  EXPECT_EQ(l.server_outcome<SessionEnded>()->reason, EndReason::kRejected);
  EXPECT_FALSE(l.sdco->peer_get(*PeerId::make(5)));
}

TEST(ServerSession, NoSharedCipherIsAnAuthFailure) {
  auto cc = client_config();
  cc.data_ciphers = {"AES-128-GCM"};
  PeerInfoParams p;
  p.version = "test";
  p.data_ciphers = {"AES-128-GCM"};
  cc.peer_info = *build_peer_info(p);
  Loop l(cc);
  l.sconfig.data_ciphers = {"CHACHA20-POLY1305"};
  ASSERT_TRUE(l.run([&] { return !l.client_outcomes.empty(); }));
  const auto* a = std::get_if<AuthFailed>(&l.client_outcomes[0]);
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->reason.find("cipher"), std::string::npos) << a->reason;
  ASSERT_TRUE(l.run([&] { return l.server_outcome<SessionEnded>() != nullptr; }, 5000));
  EXPECT_EQ(l.server_outcome<SessionEnded>()->reason, EndReason::kNegotiationFailed);
}

TEST(ServerSession, RenegotiationsStartedByEitherSideRotateBothKeys) {
  for (const bool server_starts : {true, false}) {
    auto cc = client_config();
    if (!server_starts) cc.reneg_ms = 5000;
    Loop l(cc);
    if (server_starts) l.sconfig.reneg_ms = 5000;
    l.sconfig.tran_window_ms = 3000;
    ASSERT_TRUE(l.run_to_connected());
    ASSERT_TRUE(l.run([&] {
      return l.server->primary_key_id().value() == 2 && l.client->primary_key_id().value() == 2;
    }));
    EXPECT_EQ(l.server->rotation_stats().renegotiations, 2u);
    EXPECT_EQ(l.client->stats().renegotiations, 2u);
    const auto sk = l.sdco->key_get(*PeerId::make(5), dco::KeySlot::kPrimary);
    const auto ck = l.cdco->key_get(*PeerId::make(5), dco::KeySlot::kPrimary);
    ASSERT_TRUE(sk && ck);
    EXPECT_EQ(sk->key_id.value(), 2);
    EXPECT_EQ(ck->key_id.value(), 2);
    EXPECT_EQ(l.client_outcomes.size(), 1u);  // no restart on either side
    EXPECT_EQ(l.server_outcome<SessionEnded>(), nullptr);
  }
}

TEST(ServerSession, ClientExitEndsTheSessionAtOnce) {
  Loop l;
  ASSERT_TRUE(l.run_to_connected());
  l.client->exit(l.now);
  ASSERT_TRUE(l.run([&] { return l.server_outcome<SessionEnded>() != nullptr; }, 5000));
  EXPECT_EQ(l.server_outcome<SessionEnded>()->reason, EndReason::kClientExit);
  EXPECT_FALSE(l.sdco->peer_get(*PeerId::make(5)));
}

TEST(ServerSession, KillWithRestartTellsTheClient) {
  Loop l;
  ASSERT_TRUE(l.run_to_connected());
  l.server->kill(l.now, "RESTART");
  ASSERT_TRUE(l.run([&] { return l.client_outcomes.size() >= 2; }, 5000));
  const auto* r = std::get_if<Restart>(&l.client_outcomes[1]);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->reason, "server-pushed-connection-reset");
  EXPECT_EQ(l.server_outcome<SessionEnded>()->reason, EndReason::kKilled);
}

TEST(ServerSession, ExpiryInTheEngineEndsTheSession) {
  Loop l;
  ASSERT_TRUE(l.run_to_connected());
  ASSERT_TRUE(l.sdco->simulate_peer_gone(*PeerId::make(5), dco::DeleteReason::kExpired));
  std::vector<dco::Notification> n;
  l.sdco->read_notifications(n, 16);
  for (const auto& x : n) l.server->on_notification(x, l.now);
  l.server->poll(l.now);
  for (auto& o : l.server->take_outcomes()) l.server_outcomes.push_back(std::move(o));
  ASSERT_NE(l.server_outcome<SessionEnded>(), nullptr);
  EXPECT_EQ(l.server_outcome<SessionEnded>()->reason, EndReason::kExpired);
}

TEST(ServerSession, AGarbageFirstPacketMakesNoSession) {
  auto dco = std::move(*dco::FakeDco::create(dco::Mode::kMultiPeer));
  const std::vector<uint8_t> junk = {0x38, 1, 2, 3};
  auto s = ServerSession::create(server_config(), plain_wrap(Role::kServer),
                                 tls_context(Role::kServer), *dco, junk, 0);
  EXPECT_FALSE(s);
}

TEST(ServerSession, PushReplyBuilderCutsBetweenOptions) {
  const auto one = build_push_reply({"a", "b"});
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0], "PUSH_REPLY,a,b");
  std::vector<std::string> many(200, std::string(40, 'x'));
  const auto parts = build_push_reply(many, 1024);
  ASSERT_TRUE(parts);
  ASSERT_GT(parts->size(), 1u);
  size_t options = 0;
  for (size_t i = 0; i < parts->size(); ++i) {
    EXPECT_LE((*parts)[i].size(), 1024u);
    EXPECT_EQ((*parts)[i].rfind("PUSH_REPLY,", 0), 0u);
    const bool last = i + 1 == parts->size();
    EXPECT_TRUE((*parts)[i].ends_with(last ? ",push-continuation 1" : ",push-continuation 2"));
    for (char ch : (*parts)[i]) options += ch == ',' ? 1 : 0;
  }
  EXPECT_EQ(options, 200 + parts->size());  // each option's comma, and each marker's
  EXPECT_FALSE(build_push_reply({std::string(2000, 'y')}));
}

}  // namespace
}  // namespace ovpn::control
