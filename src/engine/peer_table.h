#pragma once
// The peers as the shards see them: an immutable snapshot, rebuilt by the control thread on
// every change (peer or key added, changed, swapped or removed) and published atomically;
// shards load it once per batch. Lookups need no lock: by peer id (receive), by inner
// destination with longest-prefix match over VPN addresses and iroutes (send, multi-peer), and
// by transport address (receive, for packets without a peer id).
//
// What shards change (counters, last activity, the remote after a float) lives in PeerState,
// shared between snapshots; keys are shared too, so a rebuild copies pointers, not contexts.

#include <array>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "dco/dco.h"
#include "engine/data_key.h"
#include "engine/peer_state.h"
#include "engine/route_table.h"
#include "engine/tcp_link.h"

namespace ovpn::engine {

struct PeerEntry {
  std::shared_ptr<PeerState> state;
  PeerId tx_id = PeerId::undefined();  // the id written into packets sent to this peer
  dco::PeerConfig config;  // as given to peer_new / peer_set (tcp_fd: -1, `link` has it)
  std::array<std::shared_ptr<DataKey>, 2> keys;  // primary, secondary
  std::shared_ptr<TcpLink> link;                 // TCP: the connection; UDP: null

  PeerId id() const noexcept { return config.id; }
  DataKey* primary() const noexcept { return keys[0].get(); }
  // The slot whose key has this id, or nullptr.
  DataKey* key_for(KeyId id) const noexcept {
    for (const auto& k : keys) {
      if (k && k->key_id() == id) return k.get();
    }
    return nullptr;
  }
};

class PeerTable {
 public:
  // Thread: control.
  // `max_mss`: clamp TCP SYNs to this IPv4 MSS in both directions (0: off).
  // `client_to_client` (multi-peer): a peer's packet for another peer goes straight to it;
  // without it such a packet is dropped (open_packet).
  static std::shared_ptr<const PeerTable> build(dco::Mode mode, std::vector<PeerEntry> peers,
                                                uint16_t max_mss = 0,
                                                bool client_to_client = false);

  dco::Mode mode() const noexcept { return mode_; }
  uint16_t max_mss() const noexcept { return max_mss_; }
  bool client_to_client() const noexcept { return client_to_client_; }
  // By peer id: an array index for ids in the dense range (all of them when ids are handed out
  // from 0 up, as servers do), a hash lookup otherwise.
  const PeerEntry* find(PeerId id) const noexcept;
  const PeerEntry* find_by_remote(const Endpoint& remote) const noexcept;
  // The peer a packet for `destination` goes to; in point-to-point mode, the peer.
  const PeerEntry* route(const IpAddress& destination) const noexcept;
  const std::vector<PeerEntry>& peers() const noexcept { return peers_; }

 private:
  dco::Mode mode_ = dco::Mode::kPointToPoint;
  uint16_t max_mss_ = 0;
  bool client_to_client_ = false;
  std::vector<PeerEntry> peers_;  // never resized after build: the indexes point into it
  // Peer id -> entry. Ids below max(kMinDenseIds, 2 x peers) index by_id_ (null: no peer), so
  // the array stays within a few pointers per peer; larger ids go to the map.
  static constexpr size_t kMinDenseIds = 1024;
  std::vector<const PeerEntry*> by_id_;
  std::unordered_map<uint32_t, const PeerEntry*> by_sparse_id_;
  std::unordered_map<Endpoint, const PeerEntry*> by_remote_;
  RouteTable<const PeerEntry*> routes_;
};

}  // namespace ovpn::engine
