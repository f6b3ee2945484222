#include "engine/batch_crypto.h"

#include <algorithm>

namespace ovpn::engine {
namespace {

size_t chunk_for(size_t packets, size_t bytes) noexcept {
  const size_t average = std::max<size_t>(1, bytes / std::max<size_t>(1, packets));
  return std::clamp(kFanoutChunkBytes / average, kFanoutMinChunk, CryptoFanout::kMaxChunk);
}

}  // namespace

bool worth_fanning_out(const CryptoFanout* fanout, size_t packets, size_t bytes) noexcept {
  return fanout != nullptr && fanout->participants() >= 2 && packets >= kFanoutMinPackets &&
         bytes >= kFanoutMinBytes;
}

void open_batch(CryptoFanout* fanout, const PeerTable& table, std::span<OpenItem> items,
                size_t self, uint64_t now_ms, std::span<ShardCounters> unattributed) noexcept {
  auto open = [&](size_t who, size_t begin, size_t end) noexcept {
    for (size_t i = begin; i < end; ++i) {
      OpenItem& item = items[i];
      item.result = OpenResult{};
      item.drop = open_packet(table, item.packet, *item.source, who, now_ms, unattributed[who],
                              item.result);
    }
  };
  for (size_t at = 0; at < items.size(); at += kMaxOpenJob) {
    const size_t count = std::min(kMaxOpenJob, items.size() - at);
    size_t bytes = 0;
    for (size_t i = at; i < at + count; ++i) bytes += items[i].packet.size();
    if (!worth_fanning_out(fanout, count, bytes)) {
      open(self, at, at + count);
      continue;
    }
    auto job = [&](size_t who, size_t begin, size_t end) noexcept {
      open(who, at + begin, at + end);
    };
    fanout->run(self, count, chunk_for(count, bytes), job);
  }
}

SealRunResult seal_run_batch(CryptoFanout* fanout, const PeerEntry& peer,
                             std::span<PacketBuf* const> packets, size_t self, uint64_t now_ms,
                             std::span<Drop> drops) noexcept {
  size_t bytes = 0;
  if (fanout != nullptr) {
    for (const PacketBuf* p : packets) bytes += p->size();
  }
  if (packets.size() > CryptoFanout::kMaxItems ||
      !worth_fanning_out(fanout, packets.size(), bytes)) {
    return seal_run(peer, packets, self, now_ms, drops);
  }
  const SealReservation reservation = reserve_run(peer, packets.size());
  SealRunResult result;
  result.swap_needed = reservation.swap_needed;
  if (reservation.key == nullptr) {
    seal_reserved(peer, reservation, packets, 0, packets.size(), self, now_ms, drops);
    return result;
  }
  auto job = [&](size_t who, size_t begin, size_t end) noexcept {
    seal_reserved(peer, reservation, packets, begin, end, who, now_ms, drops);
  };
  fanout->run(self, packets.size(), chunk_for(packets.size(), bytes), job);
  result.sealed = static_cast<size_t>(std::count(drops.begin(), drops.end(), Drop::kNone));
  return result;
}

}  // namespace ovpn::engine
