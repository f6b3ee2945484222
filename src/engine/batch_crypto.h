#pragma once
// The crypto of a shard's batch, on the shard alone or fanned out over the shards
// (crypto_fanout.h) when the batch is large enough to pay for waking a helper:
//   * open_batch: the data datagrams of a receive (those of a UDP_GRO-coalesced receive
//     included), each opened in place with open_packet; the outcomes are kept per item for the
//     shard to act on in order afterwards (TUN writes, forwards, float notifications);
//   * seal_run_batch: a run of packets for one peer (TUN reads, TSO/USO segments, forwarded
//     packets), its packet ids reserved once and each packet sealed with its own id, exactly
//     as seal_run.
// Every participant opens and seals with its own AEAD contexts (DataKey::aead(i)) and counts
// in its own blocks (PeerState::counters(i), unattributed[i]); the replay window is shared and
// locked, and takes ids out of order within its window (a job holds at most kMaxOpenJob items,
// half the window, so no item of a job can fall behind it).

#include <cstdint>
#include <span>

#include "common/packet_buf.h"
#include "engine/crypto_fanout.h"
#include "engine/data_path.h"

namespace ovpn::engine {

// A batch is fanned out when it has at least this many packets and bytes: below, waking a
// helper (an eventfd write, a context switch on its side) costs more than its share of the
// crypto saves. Measured on 2 cores with an idle helper woken per job (bench/micro/
// data_path_bench.cc, fanout/seal_only, AES-256-GCM): the fan-out breaks even at about 8 KB
// (16 x 500 B: +11 %, 64 x 100 B: +2 %, 8 x 500 B: -21 %, 32 x 100 B: -5 %) and gains with
// size (64 x 1400 B: +60 %).
inline constexpr size_t kFanoutMinPackets = 16;
inline constexpr size_t kFanoutMinBytes = 8 * 1024;
// Items per claim: about 6 KB of crypto (a few microseconds), at least 4 packets.
inline constexpr size_t kFanoutChunkBytes = 6 * 1024;
inline constexpr size_t kFanoutMinChunk = 4;
// Receives opened per job: half the replay window (2048), so that reordering within a job
// never makes an item too old.
inline constexpr size_t kMaxOpenJob = 1024;

// Whether a batch of `packets` packets of `bytes` bytes in all is worth a fan-out.
// Thread: any.
bool worth_fanning_out(const CryptoFanout* fanout, size_t packets, size_t bytes) noexcept;

// One received data datagram and what opening it gave.
struct OpenItem {
  PacketBuf packet;                  // a view of the datagram; on kNone (not ping) the inner packet
  const Endpoint* source = nullptr;  // where it came from (the receive's metadata)
  Drop drop = Drop::kNone;
  OpenResult result;
};

// Opens every item (open_packet), counting drops without a peer in unattributed[participant].
// `fanout` null: on this thread alone. Thread: shard `self` (participant `self` of `fanout`).
void open_batch(CryptoFanout* fanout, const PeerTable& table, std::span<OpenItem> items,
                size_t self, uint64_t now_ms, std::span<ShardCounters> unattributed) noexcept;

// seal_run, fanned out when worth it. Thread: shard `self` (participant `self` of `fanout`).
SealRunResult seal_run_batch(CryptoFanout* fanout, const PeerEntry& peer,
                             std::span<PacketBuf* const> packets, size_t self, uint64_t now_ms,
                             std::span<Drop> drops) noexcept;

}  // namespace ovpn::engine
