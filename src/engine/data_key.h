#pragma once
// One installed data-channel key (a DCO key slot's content), shared by every shard:
//   - the send packet-id counter: one atomic on its own cache line (proto::PacketIdSender),
//     so that ids stay unique across shards and the key stops before the counter could wrap;
//   - per shard, its own sealing and opening AEAD contexts (an OpenSSL context is not safe for
//     concurrent use, and a shared one would bounce between cores);
//   - the receive replay window, behind a spin lock on the same cache line as the window's hot
//     state (shared_replay_window.h): a peer's packets normally arrive on one shard
//     (SO_REUSEPORT hashes the 4-tuple), so the lock is uncontended.
//
// Created by the control thread from a dco::KeyConfig (the material is wiped once the
// contexts hold it), then immutable apart from the counters; freed when no snapshot refers to
// it any more.

#include <atomic>
#include <memory>
#include <vector>

#include "common/result.h"
#include "crypto/data_aead.h"
#include "dco/dco.h"
#include "engine/shared_replay_window.h"
#include "proto/packet_id.h"

namespace ovpn::engine {

// Contexts used by one thread: shard i uses index i; the housekeeping thread (keepalive pings)
// uses the last.
struct AeadPair {
  crypto::DataAead seal;
  crypto::DataAead open;
};

class DataKey {
 public:
  // Thread: control. `contexts` = shards + 1.
  static Expected<std::shared_ptr<DataKey>> create(dco::KeyConfig&& config, size_t contexts,
                                                   uint64_t packet_id_last);

  KeyId key_id() const noexcept { return key_id_; }
  crypto::CipherAlg alg() const noexcept { return alg_; }
  // Thread: the owner of context `i`.
  AeadPair& aead(size_t i) noexcept { return aeads_[i]; }
  // Thread: any.
  proto::PacketIdSender& tx_packet_id() noexcept { return tx_packet_id_; }
  // Thread: any. Replay check after authentication; true when fresh.
  proto::ReplayVerdict accept(uint64_t packet_id, uint64_t now_s) noexcept {
    return replay_.accept(packet_id, now_s);
  }
  // Thread: any. True once when the send ids pass the soft limit (asks for a key swap).
  bool take_swap_request() noexcept {
    return tx_packet_id_.past_soft_limit() && !swap_requested_.exchange(true);
  }

 private:
  DataKey(KeyId key_id, crypto::CipherAlg alg, uint64_t packet_id_last, uint64_t soft_limit)
      : key_id_(key_id), alg_(alg), tx_packet_id_(packet_id_last, soft_limit) {}

  KeyId key_id_;
  crypto::CipherAlg alg_;
  proto::PacketIdSender tx_packet_id_;
  std::vector<AeadPair> aeads_;
  SharedReplayWindow replay_;
  std::atomic<bool> swap_requested_{false};
};

}  // namespace ovpn::engine
