// ClientSession against a scripted server built from server-role KeyStates (plain wrapping, the
// throwaway PKI), with FakeDco as the data channel: connect (push-continuation, peer-id, the
// primary key mirroring the server's), NCP refusal, the outcomes of AUTH_FAILED, RESTART, HALT
// and EXIT, the client's exit, a lost PUSH_REPLY, and renegotiations started by either side.

#include "control/client_session.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "control/dco_keys.h"
#include "crypto/ekm.h"
#include "crypto/tls_crypt.h"
#include "fakes/fake_dco.h"
#include "proto/opcode.h"
#include "test_pki.h"

namespace ovpn::control {
namespace {

using proto::Role;
using test::Eku;
using test::Identity;
using Packet = std::vector<uint8_t>;

constexpr proto::SessionId kServerSid{0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28};
constexpr uint32_t kUnixTime = 1795510000;
constexpr char kClientOptions[] =
    "V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,"
    "cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-client";
constexpr char kServerOptions[] =
    "V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,"
    "cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-server";
// Protocol reference 8.2, with peer-id 7 so that it differs from the default.
constexpr char kPushReply[] =
    "PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 60,"
    "ifconfig 10.8.0.2 255.255.255.0,peer-id 7,cipher AES-256-GCM,"
    "protocol-flags cc-exit tls-ekm dyn-tls-crypt,tun-mtu 1500";

struct Pki {
  Identity ca = test::make_ca("Test CA");
  Identity server = test::issue(ca, {.common_name = "server", .eku = Eku::kServerAuth});
  Identity client = test::issue(ca, {.common_name = "client", .eku = Eku::kClientAuth});
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
  return TlsWrapContext::make(std::make_unique<crypto::PlainWrap>(), role, kUnixTime);
}

// A stock-like 2.6 server for one client: a key state per key id, answering PUSH_REQUEST.
class ScriptedServer {
 public:
  std::string push_reply = kPushReply;
  std::vector<std::string> extra_parts;  // further PUSH_REPLY messages (push-continuation)
  int ignore_push_requests = 0;          // as if the first replies were never sent
  std::vector<std::string> received;     // every control message, in order
  bool use_ekm = true;
  bool ignore_soft_resets = false;
  bool dynamic_tls_crypt = false;  // wrap key ids >= 1 with the dynamic tls-crypt key

  ScriptedServer() : wrap_(plain_wrap(Role::kServer)), tls_(tls_context(Role::kServer)) {}

  void receive(const Packet& p, uint64_t now) {
    const auto op = proto::decode_op_byte(p.at(0));
    ASSERT_TRUE(op);
    KeyState* ks = find(op->key_id);
    // A soft reset for a key id used before (ids cycle 1..7) starts a new key state.
    const bool reused = ks != nullptr && op->opcode == proto::Opcode::kControlSoftResetV1 &&
                        op->key_id.value() != latest_;
    if (ks == nullptr || reused) {
      if (op->opcode == proto::Opcode::kControlHardResetClientV2) {
        ks = add(ResetKind::kHard, op->key_id, now);
      } else if (op->opcode == proto::Opcode::kControlSoftResetV1 && !ignore_soft_resets) {
        ks = add(ResetKind::kSoft, op->key_id, now);
      } else {
        return;
      }
    }
    static_cast<void>(ks->on_packet(p, now));
  }

  std::vector<Packet> drain(uint64_t now) {
    std::vector<Packet> out;
    for (auto& [id, ks] : keys_) {
      for (int i = 0; i < 64; ++i) {
        Packet buf(kMaxControlPacketSize);
        auto n = ks->poll_transmit(now, buf);
        if (!n || *n == 0) break;
        buf.resize(*n);
        out.push_back(std::move(buf));
      }
    }
    return out;
  }

  void handle_messages() {
    for (auto& [id, ks] : keys_) {
      for (const auto& m : ks->take_messages()) {
        received.push_back(m.text);
        if (m.kind != ControlMessageKind::kPushRequest) continue;
        if (ignore_push_requests > 0) {
          --ignore_push_requests;
          continue;
        }
        EXPECT_TRUE(ks->send_message(push_reply));
        if (dynamic_tls_crypt && !dynamic_wrap_) start_dynamic_tls_crypt(*ks);
        for (const auto& part : extra_parts) EXPECT_TRUE(ks->send_message(part));
      }
    }
  }

  // A message on the newest active key state.
  void send(const std::string& text) {
    KeyState* ks = newest();
    ASSERT_NE(ks, nullptr);
    ASSERT_TRUE(ks->active());
    EXPECT_TRUE(ks->send_message(text));
  }

  // Starts a server-initiated renegotiation with the next key id.
  void soft_reset(KeyId key_id, uint64_t now) { add(ResetKind::kSoft, key_id, now); }

  KeyState* find(KeyId id) {
    auto it = keys_.find(id.value());
    return it == keys_.end() ? nullptr : it->second.get();
  }
  KeyState* newest() { return keys_.empty() ? nullptr : keys_[latest_].get(); }

  // The server's own DCO key for a key id: what the client's must mirror.
  dco::KeyConfig server_key(KeyId id) {
    KeyState* ks = find(id);
    EXPECT_NE(ks, nullptr);
    auto key2 = ks != nullptr ? ks->derive_key2(use_ekm)
                              : Expected<proto::Key2>(make_error(Errc::kNotFound, "no key"));
    EXPECT_TRUE(key2);
    auto key = make_dco_key_config(*key2, {.alg = crypto::CipherAlg::kAes256Gcm,
                                           .role = Role::kServer,
                                           .key_id = id,
                                           .peer = *PeerId::make(7),
                                           .slot = dco::KeySlot::kPrimary});
    EXPECT_TRUE(key);
    return std::move(*key);
  }

 private:
  KeyState* add(ResetKind reset, KeyId key_id, uint64_t now) {
    KeyStateConfig c;
    c.channel.role = Role::kServer;
    c.channel.reset = reset;
    c.channel.key_id = key_id;
    c.channel.own_session_id = kServerSid;
    if (const KeyState* first = find(KeyId{}); reset == ResetKind::kSoft && first != nullptr) {
      c.channel.peer_session_id = first->channel().peer_session_id();
    }
    c.options = kServerOptions;
    TlsWrapContext& wrap = key_id.value() != 0 && dynamic_wrap_ ? *dynamic_wrap_ : wrap_;
    auto ks = KeyState::create(std::move(c), wrap, tls_, now);
    EXPECT_TRUE(ks) << ks.error().message;
    auto& slot = keys_[key_id.value()];
    slot = std::make_unique<KeyState>(std::move(*ks));
    latest_ = key_id.value();
    return slot.get();
  }

  // Protocol reference 6.5, the server's half (no original key: the wrapping is plain).
  void start_dynamic_tls_crypt(KeyState& first) {
    auto ekm = first.export_keying_material(crypto::kEkmDynamicTlsCrypt, proto::kKey2Size);
    ASSERT_TRUE(ekm);
    const proto::Key2 key(
        std::span<const uint8_t, proto::kKey2Size>(ekm->data(), proto::kKey2Size));
    auto wrap = crypto::TlsCrypt::create(key, Role::kServer);
    ASSERT_TRUE(wrap);
    dynamic_wrap_ = std::make_unique<TlsWrapContext>(
        TlsWrapContext::make(std::move(*wrap), Role::kServer, kUnixTime));
  }

  TlsWrapContext wrap_;
  std::unique_ptr<TlsWrapContext> dynamic_wrap_;
  std::shared_ptr<const TlsContext> tls_;
  std::map<unsigned, std::unique_ptr<KeyState>> keys_;
  unsigned latest_ = 0;
};

struct Harness {
  std::unique_ptr<dco::FakeDco> dco;
  std::unique_ptr<ClientSession> client;
  ScriptedServer server;
  std::vector<SessionOutcome> outcomes;
  uint64_t now = 0;

  explicit Harness(ClientSessionConfig config = make_config()) {
    auto d = dco::FakeDco::create(dco::Mode::kPointToPoint);
    EXPECT_TRUE(d);
    dco = std::move(*d);
    auto c = ClientSession::create(std::move(config), plain_wrap(Role::kClient),
                                   tls_context(Role::kClient), *dco, now);
    EXPECT_TRUE(c) << c.error().message;
    client = std::move(*c);
  }

  static ClientSessionConfig make_config() {
    ClientSessionConfig c;
    c.options = kClientOptions;
    c.username = "alice";
    c.password = "secret";
    c.peer_info = "IV_VER=2.6.14\nIV_PLAT=linux\nIV_PROTO=990\nIV_CIPHERS=AES-256-GCM\n";
    c.data_ciphers = {"AES-256-GCM", "AES-128-GCM"};
    c.remote = *Endpoint::parse("192.0.2.1:1194");
    c.keepalive = {.interval_s = 5, .timeout_s = 30};
    return c;
  }

  // One 10 ms step: packets both ways, messages, timers.
  void step() {
    client->poll(now);
    for (auto& s : dco->take_sent()) server.receive(s.bytes, now);
    server.handle_messages();
    for (auto& p : server.drain(now)) client->on_packet(p, now);
    client->poll(now);
    for (auto& o : client->take_outcomes()) outcomes.push_back(std::move(o));
    now += 10;
  }
  template <class Done>
  bool run(Done done, uint64_t limit_ms = 120 * 1000) {
    const uint64_t end = now + limit_ms;
    while (now < end) {
      step();
      if (done()) return true;
    }
    return false;
  }
  bool run_for(uint64_t ms) {
    const uint64_t end = now + ms;
    while (now < end) step();
    return true;
  }
  bool run_to_connected() {
    return run([&] { return !outcomes.empty(); }) && std::holds_alternative<Connected>(outcomes[0]);
  }
};

TEST(ClientSession, ConnectsAndInstallsAMirroredPrimaryKey) {
  Harness h;
  ASSERT_TRUE(h.run_to_connected());
  const auto& c = std::get<Connected>(h.outcomes[0]);
  EXPECT_EQ(c.peer, *PeerId::make(7));
  EXPECT_EQ(c.cipher, crypto::CipherAlg::kAes256Gcm);
  EXPECT_TRUE(c.ekm);
  EXPECT_EQ(c.pushed.route_gateway, "10.8.0.1");
  EXPECT_EQ(h.client->phase(), ClientSession::Phase::kConnected);
  EXPECT_EQ(h.client->stats().push_requests, 1u);

  auto peer = h.dco->peer_get(*PeerId::make(7));
  ASSERT_TRUE(peer) << peer.error().message;
  EXPECT_EQ(peer->config.tx_id, PeerId::make(7));
  EXPECT_EQ(peer->config.keepalive, (dco::Keepalive{10, 60}));  // pushed, not the client's
  auto info = h.dco->key_get(*PeerId::make(7), dco::KeySlot::kPrimary);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->key_id.value(), 0);

  // The client encrypts with what the server decrypts with, and the other way round.
  const auto server = h.server.server_key(KeyId{});
  const auto enc = h.dco->key_bytes_for_test(*PeerId::make(7), dco::KeySlot::kPrimary, true);
  const auto dec = h.dco->key_bytes_for_test(*PeerId::make(7), dco::KeySlot::kPrimary, false);
  ASSERT_TRUE(enc && dec);
  const auto& s_dec = server.decrypt.cipher_key;
  const auto& s_enc = server.encrypt.cipher_key;
  EXPECT_EQ(*enc, std::vector<uint8_t>(s_dec.data(), s_dec.data() + s_dec.size()));
  EXPECT_EQ(*dec, std::vector<uint8_t>(s_enc.data(), s_enc.data() + s_enc.size()));
}

TEST(ClientSession, NoDataKeyBeforeThePushReply) {
  Harness h;
  h.server.ignore_push_requests = 100;
  ASSERT_TRUE(h.run([&] { return h.client->phase() == ClientSession::Phase::kPushing; }));
  EXPECT_TRUE(h.dco->peer_get_all().empty());
}

TEST(ClientSession, PrfWithoutPushedEkmAndPeerIdZeroByDefault) {
  Harness h;
  h.server.push_reply = "PUSH_REPLY,ifconfig 10.8.0.2 255.255.255.0,cipher AES-256-GCM";
  h.server.use_ekm = false;
  ASSERT_TRUE(h.run_to_connected());
  const auto& c = std::get<Connected>(h.outcomes[0]);
  EXPECT_FALSE(c.ekm);
  EXPECT_EQ(c.peer, *PeerId::make(0));
  auto peer = h.dco->peer_get(*PeerId::make(0));
  ASSERT_TRUE(peer);
  EXPECT_FALSE(peer->config.tx_id.has_value());
  EXPECT_EQ(peer->config.keepalive, (dco::Keepalive{5, 30}));  // the client's own
  auto server = h.server.server_key(KeyId{});
  auto enc = h.dco->key_bytes_for_test(*PeerId::make(0), dco::KeySlot::kPrimary, true);
  ASSERT_TRUE(enc);
  const auto& s_dec = server.decrypt.cipher_key;
  EXPECT_EQ(*enc, std::vector<uint8_t>(s_dec.data(), s_dec.data() + s_dec.size()));
}

TEST(ClientSession, PushContinuationIsCollected) {
  Harness h;
  h.server.push_reply = "PUSH_REPLY,route-gateway 10.8.0.1,push-continuation 2";
  h.server.extra_parts = {
      "PUSH_REPLY,ifconfig 10.8.0.2 255.255.255.0,peer-id 3,cipher AES-128-GCM,"
      "push-continuation 1"};
  ASSERT_TRUE(h.run_to_connected());
  const auto& c = std::get<Connected>(h.outcomes[0]);
  EXPECT_EQ(c.cipher, crypto::CipherAlg::kAes128Gcm);
  EXPECT_EQ(c.peer, *PeerId::make(3));
  EXPECT_EQ(c.pushed.route_gateway, "10.8.0.1");
}

TEST(ClientSession, LostPushReplyIsAskedForAgain) {
  Harness h;
  h.server.ignore_push_requests = 1;
  ASSERT_TRUE(h.run_to_connected());
  EXPECT_EQ(h.client->stats().push_requests, 2u);
  int requests = 0;
  for (const auto& m : h.server.received) requests += m == "PUSH_REQUEST";
  EXPECT_EQ(requests, 2);
}

TEST(ClientSession, NoPushReplyWithinHandWindowRestarts) {
  auto config = Harness::make_config();
  config.hand_window_ms = 20 * 1000;
  Harness h(std::move(config));
  h.server.ignore_push_requests = 100;
  ASSERT_TRUE(h.run([&] { return !h.outcomes.empty(); }));
  ASSERT_TRUE(std::holds_alternative<Restart>(h.outcomes[0]));
  EXPECT_LE(h.now, 21 * 1000u);
}

TEST(ClientSession, PushedCipherOutsideDataCiphersFails) {
  Harness h;
  h.server.push_reply = "PUSH_REPLY,peer-id 1,cipher CHACHA20-POLY1305";
  ASSERT_TRUE(h.run([&] { return !h.outcomes.empty(); }));
  const auto* r = std::get_if<Restart>(&h.outcomes[0]);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->reason.find("data-ciphers"), std::string::npos) << r->reason;
  EXPECT_TRUE(h.dco->peer_get_all().empty());
}

TEST(ClientSession, NoPushedCipherUsesTheFallbackOrFails) {
  {
    Harness h;
    h.server.push_reply = "PUSH_REPLY,peer-id 1";
    ASSERT_TRUE(h.run([&] { return !h.outcomes.empty(); }));
    ASSERT_TRUE(std::holds_alternative<Restart>(h.outcomes[0]));
  }
  auto config = Harness::make_config();
  config.data_ciphers_fallback = "AES-128-GCM";
  Harness h(std::move(config));
  h.server.push_reply = "PUSH_REPLY,peer-id 1";
  ASSERT_TRUE(h.run_to_connected());
  EXPECT_EQ(std::get<Connected>(h.outcomes[0]).cipher, crypto::CipherAlg::kAes128Gcm);
}

TEST(ClientSession, AuthFailedBeforeThePush) {
  Harness h;
  h.server.ignore_push_requests = 100;
  ASSERT_TRUE(h.run([&] { return !h.server.received.empty(); }));  // a PUSH_REQUEST
  h.server.send("AUTH_FAILED,bad password");
  ASSERT_TRUE(h.run([&] { return !h.outcomes.empty(); }, 5000));
  const auto* a = std::get_if<AuthFailed>(&h.outcomes[0]);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reason, "bad password");
  EXPECT_EQ(h.client->phase(), ClientSession::Phase::kDone);
}

TEST(ClientSession, AuthFailedTempRestartsWithBackoff) {
  Harness h;
  h.server.ignore_push_requests = 100;
  ASSERT_TRUE(h.run([&] { return !h.server.received.empty(); }));  // a PUSH_REQUEST
  h.server.send("AUTH_FAILED,TEMP[backoff 30,advance remote]:busy");
  ASSERT_TRUE(h.run([&] { return !h.outcomes.empty(); }, 5000));
  const auto* r = std::get_if<Restart>(&h.outcomes[0]);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->backoff_s, 30u);
  EXPECT_TRUE(r->next_remote);
}

// Connects, then lets the server send `text`; returns the outcome after Connected.
SessionOutcome outcome_after_connect(const std::string& text, Harness& h) {
  EXPECT_TRUE(h.run_to_connected());
  h.server.send(text);
  EXPECT_TRUE(h.run([&] { return h.outcomes.size() >= 2; }, 5000));
  EXPECT_TRUE(h.dco->peer_get_all().empty());  // the peer is gone with the session
  return h.outcomes.size() >= 2 ? h.outcomes[1] : SessionOutcome{Exited{}};
}

TEST(ClientSession, RestartHaltAndServerExit) {
  {
    Harness h;
    auto o = outcome_after_connect("RESTART,[N]server shutting down", h);
    const auto* r = std::get_if<Restart>(&o);
    ASSERT_NE(r, nullptr);
    EXPECT_TRUE(r->next_remote);
    EXPECT_NE(r->reason.find("server shutting down"), std::string::npos);
  }
  {
    Harness h;
    auto o = outcome_after_connect("HALT,go away", h);
    ASSERT_TRUE(std::holds_alternative<Halt>(o));
  }
  {
    Harness h;  // cc-exit was pushed: EXIT is a restart
    auto o = outcome_after_connect("EXIT", h);
    const auto* r = std::get_if<Restart>(&o);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->reason, "remote-exit");
  }
}

TEST(ClientSession, ExitWithoutCcExitIsIgnored) {
  Harness h;
  h.server.push_reply = "PUSH_REPLY,peer-id 1,cipher AES-256-GCM,key-derivation tls-ekm";
  ASSERT_TRUE(h.run_to_connected());
  h.server.send("EXIT");
  h.run_for(2000);
  EXPECT_EQ(h.outcomes.size(), 1u);
  EXPECT_EQ(h.client->phase(), ClientSession::Phase::kConnected);
}

TEST(ClientSession, OwnExitSendsExitWhenCcExitWasPushed) {
  Harness h;
  ASSERT_TRUE(h.run_to_connected());
  h.client->exit(h.now);
  ASSERT_TRUE(h.run([&] { return h.outcomes.size() >= 2; }, 5000));
  EXPECT_TRUE(std::holds_alternative<Exited>(h.outcomes[1]));
  EXPECT_EQ(h.server.received.back(), "EXIT");
  EXPECT_TRUE(h.dco->peer_get_all().empty());
}

TEST(ClientSession, PingRestartAndUnknownKeyIds) {
  Harness h;
  ASSERT_TRUE(h.run_to_connected());
  Packet junk{proto::encode_op_byte(proto::Opcode::kControlV1, *KeyId::make(5)), 1, 2, 3};
  h.client->on_packet(junk, h.now);
  EXPECT_EQ(h.client->stats().unknown_key_id, 1u);
  // A SOFT_RESET with the next key id that does not parse starts no renegotiation.
  Packet bad_reset{proto::encode_op_byte(proto::Opcode::kControlSoftResetV1, *KeyId::make(1)), 9};
  const uint64_t drops = h.client->stats().key_state_drops;
  h.client->on_packet(bad_reset, h.now);
  EXPECT_FALSE(h.client->negotiating());
  EXPECT_EQ(h.client->stats().key_state_drops, drops + 1);
  ASSERT_TRUE(h.dco->simulate_peer_gone(*PeerId::make(7), dco::DeleteReason::kExpired));
  std::vector<dco::Notification> notes;
  h.dco->read_notifications(notes, 16);
  for (const auto& n : notes) h.client->on_notification(n, h.now);
  auto out = h.client->take_outcomes();
  ASSERT_EQ(out.size(), 1u);
  const auto* r = std::get_if<Restart>(&out[0]);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->reason, "ping-restart");
}

void expect_rekeyed_to_one(Harness& h, uint64_t tran_window_ms) {
  ASSERT_TRUE(h.run(
      [&] {
        KeyState* s1 = h.server.find(*KeyId::make(1));
        return h.client->primary_key_id().value() == 1 && s1 != nullptr && s1->active();
      },
      30 * 1000));
  const PeerId peer = *PeerId::make(7);
  auto primary = h.dco->key_get(peer, dco::KeySlot::kPrimary);
  ASSERT_TRUE(primary);
  EXPECT_EQ(primary->key_id.value(), 1);
  auto secondary = h.dco->key_get(peer, dco::KeySlot::kSecondary);
  ASSERT_TRUE(secondary);
  EXPECT_EQ(secondary->key_id.value(), 0);
  EXPECT_TRUE(h.client->has_lame_duck());
  // The new primary mirrors the server's key 1.
  const auto server = h.server.server_key(*KeyId::make(1));
  const auto enc = h.dco->key_bytes_for_test(peer, dco::KeySlot::kPrimary, true);
  ASSERT_TRUE(enc);
  const auto& s_dec = server.decrypt.cipher_key;
  EXPECT_EQ(*enc, std::vector<uint8_t>(s_dec.data(), s_dec.data() + s_dec.size()));
  // After tran-window the old key is deleted.
  h.run_for(tran_window_ms + 100);
  EXPECT_FALSE(h.client->has_lame_duck());
  EXPECT_FALSE(h.dco->key_get(peer, dco::KeySlot::kSecondary));
  EXPECT_TRUE(h.dco->key_get(peer, dco::KeySlot::kPrimary));
  EXPECT_EQ(h.client->stats().renegotiations, 1u);
  EXPECT_EQ(h.outcomes.size(), 1u);  // only Connected: no push, no restart
}

TEST(ClientSession, ServerInitiatedSoftReset) {
  auto config = Harness::make_config();
  config.tran_window_ms = 10 * 1000;
  config.reneg_ms = 0;
  Harness h(std::move(config));
  ASSERT_TRUE(h.run_to_connected());
  h.server.soft_reset(*KeyId::make(1), h.now);
  expect_rekeyed_to_one(h, 10 * 1000);
}

TEST(ClientSession, DynamicTlsCryptWrapsRenegotiationsBothWays) {
  for (const bool server_initiates : {true, false}) {
    auto config = Harness::make_config();
    config.tran_window_ms = 10 * 1000;
    config.reneg_ms = server_initiates ? 0 : 20 * 1000;
    config.dynamic_tls_crypt = true;
    Harness h(std::move(config));
    h.server.dynamic_tls_crypt = true;
    ASSERT_TRUE(h.run_to_connected());
    EXPECT_TRUE(h.client->dynamic_tls_crypt_active());
    if (server_initiates) h.server.soft_reset(*KeyId::make(1), h.now);
    expect_rekeyed_to_one(h, 10 * 1000);
  }
}

TEST(ClientSession, DynamicTlsCryptMismatchFailsTheRenegotiationNotTheTunnel) {
  // The server did not switch its wrapping: our key id 1 packets do not authenticate there and
  // its soft reset does not here; the primary key keeps working until tran-window.
  auto config = Harness::make_config();
  config.reneg_ms = 0;
  config.dynamic_tls_crypt = true;
  Harness h(std::move(config));
  ASSERT_TRUE(h.run_to_connected());
  ASSERT_TRUE(h.client->dynamic_tls_crypt_active());
  h.server.soft_reset(*KeyId::make(1), h.now);
  h.run_for(5 * 1000);
  EXPECT_EQ(h.client->primary_key_id(), KeyId{});
  EXPECT_EQ(h.client->stats().renegotiations, 0u);
  EXPECT_EQ(h.outcomes.size(), 1u);
}

TEST(ClientSession, DynamicTlsCryptIsNotUsedUnlessAnnounced) {
  Harness h;  // the push carries dyn-tls-crypt, the config does not announce it
  ASSERT_TRUE(h.run_to_connected());
  EXPECT_FALSE(h.client->dynamic_tls_crypt_active());
}

TEST(ClientSession, ClientInitiatedSoftResetOnRenegSec) {
  auto config = Harness::make_config();
  config.tran_window_ms = 10 * 1000;
  config.reneg_ms = 20 * 1000;
  Harness h(std::move(config));
  ASSERT_TRUE(h.run_to_connected());
  const uint64_t connected_at = h.now;
  ASSERT_TRUE(h.run([&] { return h.client->negotiating(); }, 30 * 1000));
  EXPECT_GE(h.now, connected_at + 20 * 1000 - 10);
  expect_rekeyed_to_one(h, 10 * 1000);
}

TEST(ClientSession, KeySwapNeededStartsARenegotiation) {
  auto config = Harness::make_config();
  config.tran_window_ms = 10 * 1000;
  config.reneg_ms = 0;
  Harness h(std::move(config));
  ASSERT_TRUE(h.run_to_connected());
  ASSERT_TRUE(h.dco->simulate_key_exhausted(*PeerId::make(7)));
  std::vector<dco::Notification> notes;
  h.dco->read_notifications(notes, 16);
  ASSERT_FALSE(notes.empty());
  for (const auto& n : notes) h.client->on_notification(n, h.now);
  EXPECT_TRUE(h.client->negotiating());
  expect_rekeyed_to_one(h, 10 * 1000);
}

TEST(ClientSession, KeyIdsCycleAndTheLameDuckGoesAtTheNextRenegotiation) {
  auto config = Harness::make_config();
  config.tran_window_ms = 3600 * 1000;
  config.reneg_ms = 0;
  Harness h(std::move(config));
  ASSERT_TRUE(h.run_to_connected());
  const PeerId peer = *PeerId::make(7);
  unsigned previous = 0;
  for (unsigned i = 1; i <= 8; ++i) {
    const unsigned id = (i - 1) % 7 + 1;  // 1..7, then 1 again
    ASSERT_TRUE(h.client->renegotiate(h.now));
    EXPECT_FALSE(h.client->renegotiate(h.now));  // one at a time
    ASSERT_TRUE(h.run([&] { return h.client->primary_key_id().value() == id; }, 30 * 1000));
    EXPECT_EQ(h.dco->key_get(peer, dco::KeySlot::kPrimary)->key_id.value(), id);
    // Only the key just replaced is left as the lame duck: older ones went at this renegotiation.
    auto secondary = h.dco->key_get(peer, dco::KeySlot::kSecondary);
    ASSERT_TRUE(secondary);
    EXPECT_EQ(secondary->key_id.value(), previous);
    previous = id;
  }
  EXPECT_EQ(h.client->stats().renegotiations, 8u);
  EXPECT_EQ(h.outcomes.size(), 1u);
}

TEST(ClientSession, AFailedRenegotiationKeepsTheOldKeyUntilTranWindow) {
  auto config = Harness::make_config();
  config.hand_window_ms = 5 * 1000;
  config.tran_window_ms = 20 * 1000;
  config.reneg_ms = 0;
  Harness h(std::move(config));
  ASSERT_TRUE(h.run_to_connected());
  const PeerId peer = *PeerId::make(7);
  h.server.ignore_soft_resets = true;
  const uint64_t started = h.now;
  ASSERT_TRUE(h.client->renegotiate(h.now));
  ASSERT_TRUE(h.run([&] { return !h.client->negotiating(); }, 10 * 1000));
  EXPECT_EQ(h.client->stats().failed_renegotiations, 1u);
  EXPECT_EQ(h.client->primary_key_id().value(), 0);
  EXPECT_EQ(h.dco->key_get(peer, dco::KeySlot::kPrimary)->key_id.value(), 0);
  EXPECT_EQ(h.outcomes.size(), 1u);
  // tran-window from the renegotiation's start: the connection restarts.
  ASSERT_TRUE(h.run([&] { return h.outcomes.size() >= 2; }, 30 * 1000));
  EXPECT_GE(h.now, started + 20 * 1000);
  ASSERT_TRUE(std::holds_alternative<Restart>(h.outcomes[1]));
  EXPECT_TRUE(h.dco->peer_get_all().empty());
}

}  // namespace
}  // namespace ovpn::control
