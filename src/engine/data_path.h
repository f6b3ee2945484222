#pragma once
// The per-packet work of the data channel, without I/O: what a shard does to each packet
// between reading it and writing it. Sans-I/O so that it is unit-tested byte for byte and
// benchmarked without sockets.
//
// Send (TUN -> wire): route the inner packet to a peer, take the next packet id of the peer's
// primary key, write the P_DATA_V2 header in the headroom, seal in place. A shard routes each
// packet first and seals consecutive packets for one peer as a run, which takes their packet
// ids with one atomic step and updates the peer's counters once.
// Receive (wire -> TUN): find the peer by peer id (or by source address when the id is
// undefined), the key by key id, open in place, check replay (only now: after
// authentication), note a float, strip the header, consume keepalive pings, check that the
// inner source routes back to the same peer, and (multi-peer) whether the inner destination is
// another peer's: then the packet is that peer's to send (client-to-client) or dropped.
//
// Counters are updated here, in the shard's own block (`ctx`). Drops without a peer are counted
// in `unattributed`.

#include <cstdint>
#include <span>

#include "common/drop.h"
#include "common/packet_buf.h"
#include "engine/peer_table.h"

namespace ovpn::engine {

// Headroom a packet needs in front of its inner IP packet for the header and the tag.
inline constexpr size_t kDataHeadroom = 24;

struct SealResult {
  const PeerEntry* peer = nullptr;
  bool swap_needed = false;  // the key passed its soft limit: tell the control plane once
};

// The peer an inner packet goes to (by destination; in point-to-point mode, the peer), with
// the MSS of a TCP SYN clamped: kNone and `peer` set, or the drop (counted in `unattributed`).
// Thread: the shard owning `unattributed`.
Drop route_inner(const PeerTable& table, PacketBuf& packet, ShardCounters& unattributed,
                 const PeerEntry*& peer) noexcept;

struct SealRunResult {
  size_t sealed = 0;         // packets with drop kNone
  bool swap_needed = false;  // the key passed its soft limit: tell the control plane once
};

// What is sealed: tunnel traffic (counted in vpn_tx) or a keepalive ping (counted on the link
// only, so that pings never look like traffic to `inactive`).
enum class SealedTraffic : uint8_t { kTunnel, kKeepalive };

// Seals `packets`, all routed to `peer`, in order, with consecutive packet ids taken in one
// atomic step (as many calls of seal_for_peer in a row would, ids included). drops[i] is the
// outcome of packets[i] (drops.size() == packets.size()), with the contract of seal_packet.
// It is reserve_run() and seal_reserved() over the whole run.
// Thread: the shard owning context `ctx`.
SealRunResult seal_run(const PeerEntry& peer, std::span<PacketBuf* const> packets, size_t ctx,
                       uint64_t now_ms, std::span<Drop> drops,
                       SealedTraffic traffic = SealedTraffic::kTunnel) noexcept;

// The packet ids of a run, taken once, for its packets to be sealed in pieces (possibly by
// several threads, crypto_fanout.h): packet i of the run gets `first_id + i` when i < `ids`,
// none (kPacketIdExhausted) otherwise. No key: nothing taken, every packet dropped kNoKey.
struct SealReservation {
  DataKey* key = nullptr;
  uint64_t first_id = 0;
  size_t ids = 0;
  bool swap_needed = false;  // the key passed its soft limit: tell the control plane once
};

// Thread: any.
SealReservation reserve_run(const PeerEntry& peer, size_t packets) noexcept;

// Seals packets [begin, end) of a run reserved by reserve_run (`packets` is the whole run, the
// ids are by position in it), in context `ctx`, counting in `ctx`'s block; drops as seal_run.
// The packets sealed. Thread: the owner of context `ctx`.
size_t seal_reserved(const PeerEntry& peer, const SealReservation& reservation,
                     std::span<PacketBuf* const> packets, size_t begin, size_t end, size_t ctx,
                     uint64_t now_ms, std::span<Drop> drops,
                     SealedTraffic traffic = SealedTraffic::kTunnel) noexcept;

// route_inner and a run of one. `packet` holds an inner IP packet with kDataHeadroom bytes free
// in front; on kNone it holds the wire packet. Thread: the shard owning context `ctx`.
Drop seal_packet(const PeerTable& table, PacketBuf& packet, size_t ctx, uint64_t now_ms,
                 ShardCounters& unattributed, SealResult& out) noexcept;

// Seals an inner packet for a known peer (keepalive pings). Same contract as seal_packet.
Drop seal_for_peer(const PeerEntry& peer, PacketBuf& packet, size_t ctx, uint64_t now_ms,
                   SealResult& out, SealedTraffic traffic = SealedTraffic::kTunnel) noexcept;

struct OpenResult {
  const PeerEntry* peer = nullptr;
  bool floated = false;  // the authenticated packet came from a new remote (now the peer's)
  bool ping = false;     // a keepalive ping: consumed, nothing to write
  // Client-to-client: the inner packet is for this other peer (by its VPN address or iroute),
  // to be sealed for it (it has kDataHeadroom free in front) instead of written to TUN.
  const PeerEntry* forward = nullptr;
};

// `packet` holds a received P_DATA_V2 datagram from `source`; on kNone (and !ping) it holds the
// inner IP packet, for TUN or for `forward`. A packet for another peer without client-to-client
// is dropped as kClientToClient. Thread: the shard owning context `ctx`.
Drop open_packet(const PeerTable& table, PacketBuf& packet, const Endpoint& source, size_t ctx,
                 uint64_t now_ms, ShardCounters& unattributed, OpenResult& out) noexcept;

// `packet` arrived on `peer`'s own connection (TCP): it must carry that peer's id (or the
// undefined one); drops are the peer's. Never floats. Same contract as open_packet otherwise.
// Thread: the shard owning context `ctx`.
Drop open_stream_packet(const PeerTable& table, const PeerEntry& peer, PacketBuf& packet,
                        size_t ctx, uint64_t now_ms, OpenResult& out) noexcept;

}  // namespace ovpn::engine
