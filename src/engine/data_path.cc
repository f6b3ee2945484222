#include "engine/data_path.h"

#include "engine/inner_ip.h"
#include "engine/mss_clamp.h"
#include "proto/data_packet.h"

namespace ovpn::engine {

namespace {

// One packet of a run, its id already taken (0: none left). The caller counts the successes.
Drop seal_one(const PeerEntry& peer, DataKey& key, crypto::DataAead& aead, PacketBuf& packet,
              uint64_t packet_id, ShardCounters& counters) noexcept {
  if (packet_id == 0) {
    counters.drop(Drop::kPacketIdExhausted);
    return Drop::kPacketIdExhausted;
  }
  uint8_t* header = packet.push(kDataHeadroom);
  if (header == nullptr) {
    counters.drop(Drop::kMalformed);
    return Drop::kMalformed;
  }
  proto::write_data_v2_header(header, key.key_id(), peer.tx_id, static_cast<uint32_t>(packet_id));
  if (!aead.seal(packet.span())) [[unlikely]] {
    counters.drop(Drop::kBadTag);
    return Drop::kBadTag;
  }
  return Drop::kNone;
}

}  // namespace

SealReservation reserve_run(const PeerEntry& peer, size_t packets) noexcept {
  SealReservation r;
  r.key = peer.primary();
  if (r.key == nullptr) return r;
  const proto::PacketIdSender::Range ids = r.key->tx_packet_id().next_range(packets);
  r.first_id = ids.first;
  r.ids = ids.count;
  r.swap_needed = r.key->take_swap_request();
  return r;
}

size_t seal_reserved(const PeerEntry& peer, const SealReservation& reservation,
                     std::span<PacketBuf* const> packets, size_t begin, size_t end, size_t ctx,
                     uint64_t now_ms, std::span<Drop> drops, SealedTraffic traffic) noexcept {
  ShardCounters& counters = peer.state->counters(ctx);
  DataKey* key = reservation.key;
  if (key == nullptr) {
    for (size_t i = begin; i < end; ++i) {
      counters.drop(Drop::kNoKey);  // never send plaintext
      drops[i] = Drop::kNoKey;
    }
    return 0;
  }
  crypto::DataAead& aead = key->aead(ctx).seal;
  size_t sealed = 0;
  uint64_t inner_bytes = 0;
  for (size_t i = begin; i < end; ++i) {
    PacketBuf& packet = *packets[i];
    const size_t inner = packet.size();
    const uint64_t packet_id = i < reservation.ids ? reservation.first_id + i : 0;
    drops[i] = seal_one(peer, *key, aead, packet, packet_id, counters);
    if (drops[i] != Drop::kNone) continue;
    ++sealed;
    inner_bytes += inner;
  }
  if (sealed != 0) {
    if (traffic == SealedTraffic::kTunnel) {
      counters.vpn_tx_packets.add(sealed);
      counters.vpn_tx_bytes.add(inner_bytes);
    }
    peer.state->touch_tx(now_ms);
  }
  return sealed;
}

SealRunResult seal_run(const PeerEntry& peer, std::span<PacketBuf* const> packets, size_t ctx,
                       uint64_t now_ms, std::span<Drop> drops, SealedTraffic traffic) noexcept {
  const SealReservation reservation = reserve_run(peer, packets.size());
  SealRunResult result;
  result.swap_needed = reservation.swap_needed;
  result.sealed =
      seal_reserved(peer, reservation, packets, 0, packets.size(), ctx, now_ms, drops, traffic);
  return result;
}

Drop seal_for_peer(const PeerEntry& peer, PacketBuf& packet, size_t ctx, uint64_t now_ms,
                   SealResult& out, SealedTraffic traffic) noexcept {
  out.peer = &peer;
  PacketBuf* const one[] = {&packet};
  Drop drop = Drop::kNone;
  out.swap_needed = seal_run(peer, one, ctx, now_ms, std::span(&drop, 1), traffic).swap_needed;
  return drop;
}

Drop route_inner(const PeerTable& table, PacketBuf& packet, ShardCounters& unattributed,
                 const PeerEntry*& peer) noexcept {
  const auto destination = inner_destination(packet.span());
  if (!destination) {
    unattributed.drop(Drop::kMalformed);
    return Drop::kMalformed;
  }
  peer = table.route(*destination);
  if (peer == nullptr) {
    unattributed.drop(Drop::kUnknownPeer);
    return Drop::kUnknownPeer;
  }
  clamp_mss(packet.span(), table.max_mss());
  return Drop::kNone;
}

Drop seal_packet(const PeerTable& table, PacketBuf& packet, size_t ctx, uint64_t now_ms,
                 ShardCounters& unattributed, SealResult& out) noexcept {
  const PeerEntry* peer = nullptr;
  if (const Drop d = route_inner(table, packet, unattributed, peer); d != Drop::kNone) return d;
  return seal_for_peer(*peer, packet, ctx, now_ms, out);
}

namespace {

// Receive, once the peer is known: key, open, replay, float, ping, reverse path.
Drop open_for_peer(const PeerTable& table, const PeerEntry& peer, const proto::DataV2Header& header,
                   PacketBuf& packet, const Endpoint* source, size_t ctx, uint64_t now_ms,
                   OpenResult& out) noexcept {
  out.peer = &peer;
  ShardCounters& counters = peer.state->counters(ctx);
  DataKey* key = peer.key_for(header.key_id);
  if (key == nullptr) {
    counters.drop(Drop::kNoKey);
    return Drop::kNoKey;
  }
  const size_t wire_size = packet.size();
  if (!key->aead(ctx).open.open(packet.span())) {
    counters.drop(Drop::kBadTag);
    return Drop::kBadTag;
  }
  if (key->accept(header.packet_id, now_ms / 1000) != proto::ReplayVerdict::kOk) {
    counters.drop(Drop::kReplay);
    return Drop::kReplay;
  }
  // Authenticated and fresh: only now may the packet move the peer.
  if (source != nullptr && peer.state->remote() != *source) {
    std::lock_guard<std::mutex> lock(peer.state->float_mu());
    peer.state->set_remote(*source);
    out.floated = true;
  }
  peer.state->touch_rx(now_ms);
  counters.link_rx_packets.add(1);
  counters.link_rx_bytes.add(wire_size);
  packet.pull(kDataHeadroom);
  if (proto::is_ping(packet.span())) {
    out.ping = true;
    return Drop::kNone;
  }
  if (table.mode() == dco::Mode::kMultiPeer) {
    const auto inner_src = inner_source(packet.span());
    if (!inner_src || table.route(*inner_src) != &peer) {
      counters.drop(Drop::kReversePath);
      return Drop::kReversePath;
    }
    // The source parsed, so the header holds a destination too. For the sender itself or for
    // no peer: TUN. For another peer: that peer, or (without client-to-client) nobody, so
    // that peers cannot reach each other even when the host forwards IP.
    const PeerEntry* to = table.route(*inner_destination(packet.span()));
    if (to != nullptr && to != &peer) {
      if (!table.client_to_client()) {
        counters.drop(Drop::kClientToClient);
        return Drop::kClientToClient;
      }
      out.forward = to;
    }
  } else if (!inner_source(packet.span())) {
    counters.drop(Drop::kMalformed);
    return Drop::kMalformed;
  }
  clamp_mss(packet.span(), table.max_mss());
  counters.vpn_rx_packets.add(1);
  counters.vpn_rx_bytes.add(packet.size());
  return Drop::kNone;
}

}  // namespace

Drop open_packet(const PeerTable& table, PacketBuf& packet, const Endpoint& source, size_t ctx,
                 uint64_t now_ms, ShardCounters& unattributed, OpenResult& out) noexcept {
  proto::DataV2Header header;
  if (const Drop d = proto::parse_data_v2(packet.span(), header); d != Drop::kNone) {
    unattributed.drop(d);
    return d;
  }
  const PeerEntry* peer =
      header.peer_id.is_undefined() ? table.find_by_remote(source) : table.find(header.peer_id);
  if (peer == nullptr) {
    unattributed.drop(Drop::kUnknownPeer);
    return Drop::kUnknownPeer;
  }
  const bool udp = peer->config.transport == dco::Transport::kUdp;
  return open_for_peer(table, *peer, header, packet, udp ? &source : nullptr, ctx, now_ms, out);
}

Drop open_stream_packet(const PeerTable& table, const PeerEntry& peer, PacketBuf& packet,
                        size_t ctx, uint64_t now_ms, OpenResult& out) noexcept {
  proto::DataV2Header header;
  if (const Drop d = proto::parse_data_v2(packet.span(), header); d != Drop::kNone) {
    peer.state->counters(ctx).drop(d);
    return d;
  }
  if (!header.peer_id.is_undefined() && header.peer_id != peer.id()) {
    peer.state->counters(ctx).drop(Drop::kUnknownPeer);
    return Drop::kUnknownPeer;
  }
  return open_for_peer(table, peer, header, packet, nullptr, ctx, now_ms, out);
}

}  // namespace ovpn::engine
