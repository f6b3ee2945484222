#include "engine/peer_table.h"

#include <algorithm>

namespace ovpn::engine {

std::shared_ptr<const PeerTable> PeerTable::build(dco::Mode mode, std::vector<PeerEntry> peers,
                                                  uint16_t max_mss, bool client_to_client) {
  auto table = std::make_shared<PeerTable>();
  table->mode_ = mode;
  table->max_mss_ = max_mss;
  table->client_to_client_ = client_to_client;
  table->peers_ = std::move(peers);
  const size_t dense_limit = std::max(kMinDenseIds, 2 * table->peers_.size());
  size_t dense_size = 0;
  for (const PeerEntry& p : table->peers_) {
    if (p.id().value() < dense_limit) dense_size = std::max<size_t>(dense_size, p.id().value() + 1);
  }
  table->by_id_.assign(dense_size, nullptr);
  for (const PeerEntry& p : table->peers_) {
    if (p.id().value() < dense_size) {
      table->by_id_[p.id().value()] = &p;
    } else {
      table->by_sparse_id_[p.id().value()] = &p;
    }
    if (p.config.transport == dco::Transport::kUdp) table->by_remote_[p.state->remote()] = &p;
    if (p.config.vpn_ipv4) table->routes_.insert(*IpPrefix::make(*p.config.vpn_ipv4, 32), &p);
    if (p.config.vpn_ipv6) table->routes_.insert(*IpPrefix::make(*p.config.vpn_ipv6, 128), &p);
    for (const IpPrefix& r : p.config.routes) table->routes_.insert(r, &p);
  }
  return table;
}

const PeerEntry* PeerTable::find(PeerId id) const noexcept {
  const uint32_t v = id.value();
  if (v < by_id_.size()) return by_id_[v];
  if (by_sparse_id_.empty()) return nullptr;
  auto it = by_sparse_id_.find(v);
  return it == by_sparse_id_.end() ? nullptr : it->second;
}

const PeerEntry* PeerTable::find_by_remote(const Endpoint& remote) const noexcept {
  auto it = by_remote_.find(remote);
  return it == by_remote_.end() ? nullptr : it->second;
}

const PeerEntry* PeerTable::route(const IpAddress& destination) const noexcept {
  if (mode_ == dco::Mode::kPointToPoint) return peers_.empty() ? nullptr : &peers_.front();
  const auto* found = routes_.lookup(destination);
  return found == nullptr ? nullptr : *found;
}

}  // namespace ovpn::engine
