// EngineDco's housekeeping thread: keepalive pings when a peer's link has been idle for its
// interval, expiry when nothing authenticated arrived for its timeout, and removal of peers
// whose TCP connection failed (a shard kicks it at once).

#include "common/clock.h"
#include "engine/data_path.h"
#include "engine/engine_dco.h"
#include "proto/data_packet.h"

namespace ovpn::engine {

void EngineDco::housekeeping_loop() {
  std::unique_lock<std::mutex> lock(stop_mu_);
  for (;;) {
    stop_cv_.wait_for(lock, std::chrono::milliseconds(options_.housekeeping_ms),
                      [this] { return stopping_ || kicked_; });
    if (stopping_) return;
    kicked_ = false;
    lock.unlock();
    keepalive_round(monotonic_ms());
    lock.lock();
  }
}

void EngineDco::keepalive_round(uint64_t now_ms) {
  const size_t ctx = ctx_.shards;  // housekeeping's own AEAD contexts and counters
  std::lock_guard<std::mutex> lock(model_mu_);
  std::vector<PeerId> expired;
  std::vector<std::pair<PeerId, dco::DeleteReason>> disconnected;
  for (auto& [id, entry] : model_) {
    if (entry.link && entry.link->failed()) {
      disconnected.emplace_back(id, entry.link->failure());
      continue;
    }
    const dco::Keepalive& ka = entry.config.keepalive;
    const PeerState& state = *entry.state;
    if (ka.timeout_s != 0) {
      const uint64_t last_rx = std::max(state.last_rx_ms(), state.created_ms());
      if (now_ms - last_rx > uint64_t{ka.timeout_s} * 1000) {
        expired.push_back(id);
        continue;
      }
    }
    if (ka.interval_s == 0) continue;
    const uint64_t last_tx = std::max(state.last_tx_ms(), state.created_ms());
    if (now_ms - last_tx < uint64_t{ka.interval_s} * 1000) continue;
    uint8_t storage[kPacketHeadroom + sizeof proto::kPingPayload + 16];
    PacketBuf ping(storage, sizeof storage, kPacketHeadroom);
    std::memcpy(ping.put(sizeof proto::kPingPayload), proto::kPingPayload,
                sizeof proto::kPingPayload);
    SealResult sealed;
    if (seal_for_peer(entry, ping, ctx, now_ms, sealed, SealedTraffic::kKeepalive) != Drop::kNone) {
      continue;
    }
    const auto packet = std::span<const uint8_t>(ping.span());
    const bool sent = entry.link
                          ? entry.link->send(std::span(&packet, 1)) == 1
                          : send_udp(entry.state->remote(), entry.config.local, packet).has_value();
    if (sent) {
      ShardCounters& c = entry.state->counters(ctx);
      c.link_tx_packets.add(1);
      c.link_tx_bytes.add(ping.size());
    }
  }
  for (PeerId id : expired) remove_locked(id, dco::DeleteReason::kExpired);
  for (const auto& [id, reason] : disconnected) remove_locked(id, reason);
}

}  // namespace ovpn::engine
