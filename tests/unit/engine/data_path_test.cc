// The engine's per-packet path, without I/O: it produces stock OpenVPN's bytes, opens them,
// and drops everything it must drop, each with its reason counted.

#include <gtest/gtest.h>

#include "crypto/data_keys.h"
#include "engine/data_path.h"
#include "proto/data_packet.h"
#include "support/vectors.h"

namespace ovpn::engine {
namespace {

using test::hex;

constexpr size_t kCtx = 0;       // the shard's context
constexpr size_t kShards = 1;    // contexts: the shard and housekeeping
constexpr uint64_t kNow = 5000;  // ms

dco::KeyConfig key_config(std::span<const uint8_t> enc_key, std::span<const uint8_t> enc_iv,
                          std::span<const uint8_t> dec_key, std::span<const uint8_t> dec_iv,
                          crypto::CipherAlg alg, unsigned key_id) {
  dco::KeyConfig k;
  k.alg = alg;
  k.key_id = *KeyId::make(key_id);
  k.encrypt.cipher_key.assign(enc_key.begin(), enc_key.end());
  std::copy(enc_iv.begin(), enc_iv.end(), k.encrypt.nonce_tail.begin());
  k.decrypt.cipher_key.assign(dec_key.begin(), dec_key.end());
  std::copy(dec_iv.begin(), dec_iv.end(), k.decrypt.nonce_tail.begin());
  return k;
}

// Keys for one side from a key2 block, as the control plane would install them.
std::shared_ptr<DataKey> side_key(const proto::Key2& key2, proto::Role role, unsigned key_id,
                                  uint64_t packet_id_last = proto::kPacketIdLast32) {
  const auto alg = crypto::CipherAlg::kAes256Gcm;
  const auto keys = crypto::data_keys_from_key2(key2, role, alg);
  auto key =
      DataKey::create(key_config(keys.send.cipher_key, keys.send.implicit_iv,
                                 keys.receive.cipher_key, keys.receive.implicit_iv, alg, key_id),
                      kShards + 1, packet_id_last);
  EXPECT_TRUE(key);
  return *key;
}

PeerEntry entry(uint32_t id, const char* remote, std::shared_ptr<DataKey> primary,
                const char* vpn_ipv4 = nullptr, std::vector<const char*> routes = {}) {
  PeerEntry e;
  e.config.id = *PeerId::make(id);
  e.config.remote = *Endpoint::parse(remote);
  if (vpn_ipv4 != nullptr) e.config.vpn_ipv4 = *IpAddress::parse(vpn_ipv4);
  for (const char* r : routes) e.config.routes.push_back(*IpPrefix::parse(r));
  e.tx_id = e.config.id;
  e.state = std::make_shared<PeerState>(e.config.id, kShards);
  e.state->set_remote(*e.config.remote);
  e.keys[0] = std::move(primary);
  return e;
}

// A minimal IPv4 packet (header only matters to the engine) from `src` to `dst`.
std::vector<uint8_t> ipv4_packet(const char* src, const char* dst, size_t size = 60) {
  std::vector<uint8_t> p(size, 0xab);
  p[0] = 0x45;
  std::memcpy(p.data() + 12, IpAddress::parse(src)->bytes(), 4);
  std::memcpy(p.data() + 16, IpAddress::parse(dst)->bytes(), 4);
  return p;
}

// `headroom` 0: as a shard receives a datagram.
struct Buffer {
  std::vector<uint8_t> storage = std::vector<uint8_t>(2048);
  PacketBuf buf;
  explicit Buffer(std::span<const uint8_t> bytes, size_t headroom = 64)
      : buf(storage.data(), storage.size(), headroom) {
    std::memcpy(buf.put(bytes.size()), bytes.data(), bytes.size());
  }
  std::vector<uint8_t> bytes() const { return {buf.data(), buf.data() + buf.size()}; }
};

uint64_t drops(const PeerState& s, Drop d) {
  return s.all_counters()[kCtx].drops[static_cast<size_t>(d)].get();
}

proto::Key2 test_key2() {
  std::array<uint8_t, 256> bytes;
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 13 + 5);
  return proto::Key2(bytes);
}

// The engine seals exactly the bytes stock OpenVPN 2.6.14 sent, and opens them.
TEST(DataPath, ReproducesStockOpenVpnPackets) {
  const auto doc = test::load_vectors("data-aead.json");
  size_t checked = 0;
  for (const auto& v : doc["vectors"]) {
    SCOPED_TRACE(v["id"].get<std::string>());
    const auto key = hex(v["key"]);
    const auto iv = hex(v["implicit_iv"]);
    const auto alg = *crypto::cipher_from_name(v["cipher"].get<std::string>());
    auto make_key = [&] {
      return *DataKey::create(key_config(key, iv, key, iv, alg, v["key_id"].get<unsigned>()),
                              kShards + 1, proto::kPacketIdLast32);
    };
    auto sender_key = make_key();
    sender_key->tx_packet_id().set_next_for_test(v["packet_id"].get<uint64_t>());
    const auto sender =
        PeerTable::build(dco::Mode::kPointToPoint,
                         {entry(v["peer_id"].get<uint32_t>(), "10.0.0.2:1194", sender_key)});
    const auto receiver =
        PeerTable::build(dco::Mode::kPointToPoint,
                         {entry(v["peer_id"].get<uint32_t>(), "10.0.0.1:1194", make_key())});

    ShardCounters unattributed;
    Buffer packet(hex(v["plaintext"]));
    SealResult sealed;
    // Keepalive pings are not IP packets: the engine's keepalive seals them for the peer.
    const Drop sealed_drop =
        proto::is_ping(packet.buf.span())
            ? seal_for_peer(sender->peers()[0], packet.buf, kCtx, kNow, sealed)
            : seal_packet(*sender, packet.buf, kCtx, kNow, unattributed, sealed);
    ASSERT_EQ(sealed_drop, Drop::kNone);
    EXPECT_EQ(packet.bytes(), hex(v["wire"]));

    OpenResult opened;
    ASSERT_EQ(open_packet(*receiver, packet.buf, *Endpoint::parse("10.0.0.1:1194"), kCtx, kNow,
                          unattributed, opened),
              Drop::kNone);
    if (!opened.ping) {
      EXPECT_EQ(packet.bytes(), hex(v["plaintext"]));
    }
    ++checked;
  }
  EXPECT_EQ(checked, doc["vectors"].size());
}

class ServerAndClients : public ::testing::Test {
 protected:
  void SetUp() override {
    key2_ = test_key2();
    client_key_ = side_key(key2_, proto::Role::kClient, 0);
    server_key_ = side_key(key2_, proto::Role::kServer, 0);
    client_ = PeerTable::build(dco::Mode::kPointToPoint, {entry(1, "192.0.2.1:1194", client_key_)});
    server_ = PeerTable::build(
        dco::Mode::kMultiPeer,
        {entry(1, "192.0.2.10:40000", server_key_, "10.8.0.2", {"192.168.50.0/24"}),
         entry(2, "192.0.2.20:40000", side_key(key2_, proto::Role::kServer, 0), "10.8.0.3")});
  }

  // Client -> server, from the client's remote address.
  Drop client_sends(const std::vector<uint8_t>& inner, OpenResult& opened,
                    const char* from = "192.0.2.10:40000") {
    Buffer packet(inner);
    SealResult sealed;
    EXPECT_EQ(seal_packet(*client_, packet.buf, kCtx, kNow, unattributed_, sealed), Drop::kNone);
    last_wire_ = packet.bytes();
    return open_packet(*server_, packet.buf, *Endpoint::parse(from), kCtx, kNow, unattributed_,
                       opened);
  }

  proto::Key2 key2_;
  std::shared_ptr<DataKey> client_key_, server_key_;
  std::shared_ptr<const PeerTable> client_, server_;
  ShardCounters unattributed_;
  std::vector<uint8_t> last_wire_;
};

TEST_F(ServerAndClients, RoutesByLongestPrefixAndChecksTheReversePath) {
  OpenResult opened;
  EXPECT_EQ(client_sends(ipv4_packet("10.8.0.2", "10.8.0.1"), opened), Drop::kNone);
  EXPECT_EQ(opened.peer->id(), *PeerId::make(1));
  // A host behind the client (its iroute) may send too.
  EXPECT_EQ(client_sends(ipv4_packet("192.168.50.7", "10.8.0.1"), opened), Drop::kNone);
  // Peer 1 claiming peer 2's address is dropped: the source routes to another peer.
  EXPECT_EQ(client_sends(ipv4_packet("10.8.0.3", "10.8.0.1"), opened), Drop::kReversePath);
  EXPECT_EQ(drops(*opened.peer->state, Drop::kReversePath), 1u);

  // The server's send side picks the peer by destination.
  Buffer out(ipv4_packet("10.8.0.1", "192.168.50.9"));
  SealResult sealed;
  ASSERT_EQ(seal_packet(*server_, out.buf, kCtx, kNow, unattributed_, sealed), Drop::kNone);
  EXPECT_EQ(sealed.peer->id(), *PeerId::make(1));
  Buffer nowhere(ipv4_packet("10.8.0.1", "172.16.0.1"));
  EXPECT_EQ(seal_packet(*server_, nowhere.buf, kCtx, kNow, unattributed_, sealed),
            Drop::kUnknownPeer);
}

TEST_F(ServerAndClients, ReplayedAndTamperedPacketsAreDropped) {
  OpenResult opened;
  ASSERT_EQ(client_sends(ipv4_packet("10.8.0.2", "10.8.0.1"), opened), Drop::kNone);
  const auto wire = last_wire_;
  const Endpoint from = *Endpoint::parse("192.0.2.10:40000");

  Buffer replay(wire);
  EXPECT_EQ(open_packet(*server_, replay.buf, from, kCtx, kNow, unattributed_, opened),
            Drop::kReplay);

  auto flipped = wire;
  flipped[30] ^= 1;
  Buffer tampered(flipped);
  EXPECT_EQ(open_packet(*server_, tampered.buf, from, kCtx, kNow, unattributed_, opened),
            Drop::kBadTag);

  auto other_peer = wire;
  other_peer[3] = 9;  // peer id 9: nobody
  Buffer unknown(other_peer);
  EXPECT_EQ(open_packet(*server_, unknown.buf, from, kCtx, kNow, unattributed_, opened),
            Drop::kUnknownPeer);

  auto other_key = wire;
  other_key[0] = static_cast<uint8_t>((other_key[0] & 0xf8) | 3);  // key id 3: not installed
  Buffer no_key(other_key);
  EXPECT_EQ(open_packet(*server_, no_key.buf, from, kCtx, kNow, unattributed_, opened),
            Drop::kNoKey);

  auto v1 = wire;
  v1[0] = static_cast<uint8_t>(6 << 3);
  Buffer legacy(v1);
  EXPECT_EQ(open_packet(*server_, legacy.buf, from, kCtx, kNow, unattributed_, opened),
            Drop::kDataV1);

  Buffer truncated(std::span<const uint8_t>(wire.data(), 20));
  EXPECT_EQ(open_packet(*server_, truncated.buf, from, kCtx, kNow, unattributed_, opened),
            Drop::kMalformed);

  const PeerState& state = *server_->find(*PeerId::make(1))->state;
  EXPECT_EQ(drops(state, Drop::kReplay), 1u);
  EXPECT_EQ(drops(state, Drop::kBadTag), 1u);
  EXPECT_EQ(drops(state, Drop::kNoKey), 1u);
  EXPECT_EQ(unattributed_.drops[static_cast<size_t>(Drop::kUnknownPeer)].get(), 1u);
  EXPECT_EQ(unattributed_.drops[static_cast<size_t>(Drop::kDataV1)].get(), 1u);
  EXPECT_EQ(unattributed_.drops[static_cast<size_t>(Drop::kMalformed)].get(), 1u);
  EXPECT_EQ(state.all_counters()[kCtx].vpn_rx_packets.get(), 1u);
}

TEST_F(ServerAndClients, FloatsOnlyAfterAuthentication) {
  OpenResult opened;
  ASSERT_EQ(client_sends(ipv4_packet("10.8.0.2", "10.8.0.1"), opened, "192.0.2.99:5555"),
            Drop::kNone);
  EXPECT_TRUE(opened.floated);
  EXPECT_EQ(server_->find(*PeerId::make(1))->state->remote().to_string(), "192.0.2.99:5555");

  // A forged packet from yet another address moves nothing.
  auto forged = last_wire_;
  forged[40] ^= 0x10;
  Buffer packet(forged);
  EXPECT_EQ(open_packet(*server_, packet.buf, *Endpoint::parse("203.0.113.1:1"), kCtx, kNow,
                        unattributed_, opened),
            Drop::kBadTag);
  EXPECT_EQ(server_->find(*PeerId::make(1))->state->remote().to_string(), "192.0.2.99:5555");
}

TEST_F(ServerAndClients, PingsAreConsumed) {
  Buffer ping{std::span<const uint8_t>(proto::kPingPayload)};
  SealResult sealed;
  ASSERT_EQ(
      seal_for_peer(client_->peers()[0], ping.buf, kCtx, kNow, sealed, SealedTraffic::kKeepalive),
      Drop::kNone);
  // A ping is not tunnel traffic on either side (`inactive` must not see it), but it was sent.
  const PeerState& sender = *client_->peers()[0].state;
  EXPECT_EQ(sender.all_counters()[kCtx].vpn_tx_packets.get(), 0u);
  EXPECT_EQ(sender.last_tx_ms(), kNow);
  OpenResult opened;
  ASSERT_EQ(open_packet(*server_, ping.buf, *Endpoint::parse("192.0.2.10:40000"), kCtx, kNow,
                        unattributed_, opened),
            Drop::kNone);
  EXPECT_TRUE(opened.ping);
  const PeerState& state = *server_->find(*PeerId::make(1))->state;
  EXPECT_EQ(state.all_counters()[kCtx].vpn_rx_packets.get(), 0u);
  EXPECT_EQ(state.last_rx_ms(), kNow);
}

// Multi-peer: a packet from one peer for another (its VPN address or an iroute) never goes to
// TUN. Without client-to-client it is dropped, on the sender; with it, it comes out for the
// other peer, who is sent it sealed in place, in the room the received header leaves.
TEST_F(ServerAndClients, PacketsForAnotherPeerAreForwardedOnlyWithClientToClient) {
  OpenResult opened;
  EXPECT_EQ(client_sends(ipv4_packet("10.8.0.2", "10.8.0.3"), opened), Drop::kClientToClient);
  const PeerState& one = *server_->find(*PeerId::make(1))->state;
  EXPECT_EQ(drops(one, Drop::kClientToClient), 1u);
  EXPECT_EQ(one.all_counters()[kCtx].vpn_rx_packets.get(), 0u);
  // For no peer, or for the sender itself (its iroute): TUN, as before.
  EXPECT_EQ(client_sends(ipv4_packet("10.8.0.2", "10.8.0.1"), opened), Drop::kNone);
  EXPECT_EQ(opened.forward, nullptr);
  EXPECT_EQ(client_sends(ipv4_packet("10.8.0.2", "192.168.50.1"), opened), Drop::kNone);
  EXPECT_EQ(opened.forward, nullptr);

  // The same peers (keys, counters) in a table with client-to-client.
  const auto c2c = PeerTable::build(dco::Mode::kMultiPeer, server_->peers(), 0, true);
  const PeerEntry& peer1 = *c2c->find(*PeerId::make(1));
  const PeerEntry& peer2 = *c2c->find(*PeerId::make(2));
  const auto client2 =
      PeerTable::build(dco::Mode::kPointToPoint,
                       {entry(2, "192.0.2.1:1194", side_key(key2_, proto::Role::kClient, 0))});
  const Endpoint server = *Endpoint::parse("192.0.2.1:1194");
  struct Case {
    const PeerTable& from;
    const char* remote;
    const PeerEntry& sender;
    std::vector<uint8_t> inner;
    const PeerEntry& receiver;
    const PeerTable& to;
  };
  const Case cases[] = {
      {*client_, "192.0.2.10:40000", peer1, ipv4_packet("10.8.0.2", "10.8.0.3"), peer2, *client2},
      {*client2, "192.0.2.20:40000", peer2, ipv4_packet("10.8.0.3", "192.168.50.9"), peer1,
       *client_},
  };
  for (const Case& c : cases) {
    Buffer sent(c.inner);
    SealResult sealed;
    ASSERT_EQ(seal_packet(c.from, sent.buf, kCtx, kNow, unattributed_, sealed), Drop::kNone);
    Buffer packet(sent.bytes(), 0);
    ASSERT_EQ(open_packet(*c2c, packet.buf, *Endpoint::parse(c.remote), kCtx, kNow, unattributed_,
                          opened),
              Drop::kNone);
    EXPECT_EQ(opened.peer, &c.sender);
    ASSERT_EQ(opened.forward, &c.receiver);
    EXPECT_EQ(packet.bytes(), c.inner);
    EXPECT_EQ(packet.buf.headroom(), kDataHeadroom);
    ASSERT_EQ(seal_for_peer(*opened.forward, packet.buf, kCtx, kNow, sealed), Drop::kNone);
    ASSERT_EQ(open_packet(c.to, packet.buf, server, kCtx, kNow, unattributed_, opened),
              Drop::kNone);
    EXPECT_EQ(packet.bytes(), c.inner);
  }
  // Received on the sender's account, sent on the receiver's.
  const auto& counters1 = peer1.state->all_counters()[kCtx];
  const auto& counters2 = peer2.state->all_counters()[kCtx];
  EXPECT_EQ(counters1.vpn_rx_packets.get(), 3u);  // two to TUN above, one forwarded
  EXPECT_EQ(counters2.vpn_tx_packets.get(), 1u);
  EXPECT_EQ(counters2.vpn_rx_packets.get(), 1u);
  EXPECT_EQ(counters1.vpn_tx_packets.get(), 1u);
  EXPECT_EQ(drops(*peer1.state, Drop::kClientToClient), 1u);  // the one before
}

// Without a primary key nothing is sent: no plaintext ever leaves.
TEST(DataPath, NoKeyNoSend) {
  const auto table =
      PeerTable::build(dco::Mode::kPointToPoint, {entry(1, "192.0.2.1:1194", nullptr)});
  ShardCounters unattributed;
  const auto inner = ipv4_packet("10.8.0.2", "10.8.0.1");
  Buffer packet(inner);
  SealResult sealed;
  EXPECT_EQ(seal_packet(*table, packet.buf, kCtx, kNow, unattributed, sealed), Drop::kNoKey);
  EXPECT_EQ(drops(*table->peers()[0].state, Drop::kNoKey), 1u);
  EXPECT_EQ(packet.bytes(), inner);  // untouched, and the caller does not send it
}

// The key stops before its packet id could wrap, and asks for a swap once, early.
TEST(DataPath, PacketIdExhaustionStopsTheKey) {
  constexpr uint64_t kLast = 512;  // soft limit: 512 - 512/256 = 510
  const auto key = side_key(test_key2(), proto::Role::kClient, 0, kLast);
  const auto table = PeerTable::build(dco::Mode::kPointToPoint, {entry(1, "192.0.2.1:1194", key)});
  ShardCounters unattributed;
  size_t sent = 0, swap_requests = 0;
  for (int i = 0; i < 600; ++i) {
    Buffer packet(ipv4_packet("10.8.0.2", "10.8.0.1"));
    SealResult sealed;
    const Drop d = seal_packet(*table, packet.buf, kCtx, kNow, unattributed, sealed);
    if (d == Drop::kNone) {
      ++sent;
      proto::DataV2Header h;
      ASSERT_EQ(proto::parse_data_v2(packet.buf.span(), h), Drop::kNone);
      EXPECT_EQ(h.packet_id, sent);  // 1, 2, ..., never reused
    } else {
      EXPECT_EQ(d, Drop::kPacketIdExhausted);
    }
    if (sealed.swap_needed) ++swap_requests;
  }
  EXPECT_EQ(sent, kLast);
  EXPECT_EQ(swap_requests, 1u);
  EXPECT_EQ(drops(*table->peers()[0].state, Drop::kPacketIdExhausted), 600 - kLast);
}

// A run of packets for one peer takes consecutive ids in one step, exactly the ids that many
// seal_for_peer calls would have taken, and stops where the ids end.
TEST(DataPath, SealRunTakesConsecutiveIdsUpToTheLast) {
  constexpr uint64_t kLast = 512;  // soft limit: 510
  const auto key = side_key(test_key2(), proto::Role::kClient, 0, kLast);
  key->tx_packet_id().set_next_for_test(500);
  const auto table = PeerTable::build(dco::Mode::kPointToPoint, {entry(1, "192.0.2.1:1194", key)});
  const PeerEntry& peer = table->peers()[0];
  const auto inner = ipv4_packet("10.8.0.2", "10.8.0.1");

  constexpr size_t kRun = 20;
  std::vector<Buffer> buffers;
  buffers.reserve(kRun);
  std::vector<PacketBuf*> packets;
  for (size_t i = 0; i < kRun; ++i) packets.push_back(&buffers.emplace_back(inner).buf);
  std::vector<Drop> outcomes(kRun);
  const SealRunResult first = seal_run(peer, packets, kCtx, kNow, outcomes);
  EXPECT_EQ(first.sealed, 13u);  // 500 .. 512
  EXPECT_TRUE(first.swap_needed);
  for (size_t i = 0; i < kRun; ++i) {
    if (i < 13) {
      ASSERT_EQ(outcomes[i], Drop::kNone) << i;
      proto::DataV2Header h;
      ASSERT_EQ(proto::parse_data_v2(packets[i]->span(), h), Drop::kNone);
      EXPECT_EQ(h.packet_id, 500 + i);
    } else {
      EXPECT_EQ(outcomes[i], Drop::kPacketIdExhausted) << i;
      EXPECT_EQ(buffers[i].bytes(), inner);  // untouched
    }
  }
  const ShardCounters& counters = peer.state->all_counters()[kCtx];
  EXPECT_EQ(counters.vpn_tx_packets.get(), 13u);
  EXPECT_EQ(counters.vpn_tx_bytes.get(), 13 * inner.size());
  EXPECT_EQ(drops(*peer.state, Drop::kPacketIdExhausted), 7u);
  EXPECT_EQ(peer.state->last_tx_ms(), kNow);

  // The swap is asked for once; a dead key seals nothing.
  Buffer more(inner);
  PacketBuf* const one[] = {&more.buf};
  Drop drop = Drop::kNone;
  const SealRunResult second = seal_run(peer, one, kCtx, kNow + 1, std::span(&drop, 1));
  EXPECT_EQ(second.sealed, 0u);
  EXPECT_FALSE(second.swap_needed);
  EXPECT_EQ(drop, Drop::kPacketIdExhausted);
  EXPECT_EQ(peer.state->last_tx_ms(), kNow);
}

// Peer ids index an array where they are dense (0, 1, 2... as servers hand them out) and a map
// beyond; both find exactly the peers there are.
TEST(PeerTable, FindsPeersByDenseAndSparseIds) {
  const auto key = side_key(test_key2(), proto::Role::kServer, 0);
  const auto table = PeerTable::build(
      dco::Mode::kMultiPeer,
      {entry(0, "192.0.2.10:1", key, "10.8.0.2"), entry(7, "192.0.2.11:1", key, "10.8.0.3"),
       entry(PeerId::kMax, "192.0.2.12:1", key, "10.8.0.4")});
  for (uint32_t id : {0u, 7u, PeerId::kMax}) {
    const PeerEntry* found = table->find(*PeerId::make(id));
    ASSERT_NE(found, nullptr) << id;
    EXPECT_EQ(found->id().value(), id);
  }
  for (uint32_t id : {1u, 6u, 8u, 5000u, PeerId::kMax - 1}) {
    EXPECT_EQ(table->find(*PeerId::make(id)), nullptr) << id;
  }
  EXPECT_EQ(table->find(PeerId::undefined()), nullptr);
}

}  // namespace
}  // namespace ovpn::engine
