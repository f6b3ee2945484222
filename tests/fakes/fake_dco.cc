#include "fakes/fake_dco.h"

#include <unistd.h>

#include "dco/peer_rules.h"

namespace ovpn::dco {
namespace {

Unexpected<Error> not_found(PeerId id) {
  return make_error(Errc::kNotFound, "no peer " + std::to_string(id.value()));
}

size_t index(KeySlot slot) { return slot == KeySlot::kPrimary ? 0 : 1; }

}  // namespace

Expected<std::unique_ptr<FakeDco>> FakeDco::create(Mode mode) {
  auto queue = NotificationQueue::create();
  if (!queue) return forward_error(std::move(queue));
  return std::unique_ptr<FakeDco>(new FakeDco(mode, std::move(*queue)));
}

FakeDco::~FakeDco() {
  for (auto& [id, peer] : peers_) {
    if (peer.config.tcp_fd >= 0) ::close(peer.config.tcp_fd);
  }
}

FakeDco::Peer* FakeDco::find(PeerId id) {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : &it->second;
}

const FakeDco::Peer* FakeDco::find(PeerId id) const {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : &it->second;
}

void FakeDco::remove(PeerId id, DeleteReason reason) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  if (it->second.config.tcp_fd >= 0) ::close(it->second.config.tcp_fd);
  peers_.erase(it);
  queue_->push(PeerDeleted{id, reason});
}

Status FakeDco::peer_new(PeerConfig config) {
  if (auto st = validate_peer_config(mode_, config); !st) return st;
  if (find(config.id) != nullptr) {
    return make_error(Errc::kExists, "peer " + std::to_string(config.id.value()) + " exists");
  }
  // Point-to-point holds one peer: a new one replaces it, as in the kernel module.
  if (mode_ == Mode::kPointToPoint && !peers_.empty()) {
    remove(peers_.begin()->first, DeleteReason::kTeardown);
  }
  const PeerId id = config.id;
  peers_[id] = Peer{std::move(config), {}, {}};
  return {};
}

Status FakeDco::peer_set(const PeerUpdate& u) {
  if (auto st = validate_peer_update(mode_, u); !st) return st;
  Peer* peer = find(u.id);
  if (peer == nullptr) return not_found(u.id);
  PeerConfig& c = peer->config;
  if (u.remote) {
    if (c.transport == Transport::kTcp) {
      return make_error(Errc::kInvalidArgument, "a TCP peer's remote cannot change");
    }
    c.remote = u.remote;
  }
  if (u.local) c.local = u.local;
  if (u.vpn_ipv4) c.vpn_ipv4 = u.vpn_ipv4;
  if (u.vpn_ipv6) c.vpn_ipv6 = u.vpn_ipv6;
  if (u.routes) c.routes = *u.routes;
  if (u.keepalive) c.keepalive = *u.keepalive;
  return {};
}

PeerInfo FakeDco::info(const Peer& peer) const {
  PeerInfo out;
  out.config = peer.config;
  out.config.tcp_fd = -1;
  for (const auto& slot : peer.slots) {
    if (slot) out.keys.push_back(slot->info);
  }
  out.stats = peer.stats;
  return out;
}

Expected<PeerInfo> FakeDco::peer_get(PeerId id) const {
  const Peer* peer = find(id);
  if (peer == nullptr) return not_found(id);
  return info(*peer);
}

std::vector<PeerInfo> FakeDco::peer_get_all() const {
  std::vector<PeerInfo> out;
  for (const auto& [id, peer] : peers_) out.push_back(info(peer));
  return out;
}

Status FakeDco::peer_del(PeerId id) {
  if (find(id) == nullptr) return not_found(id);
  remove(id, DeleteReason::kUserspace);
  return {};
}

Status FakeDco::key_new(KeyConfig key) {
  if (auto st = validate_key_config(key); !st) return st;
  Peer* peer = find(key.peer);
  if (peer == nullptr) return not_found(key.peer);
  Slot slot{KeyInfo{key.slot, key.key_id, key.alg},
            {key.encrypt.cipher_key.begin(), key.encrypt.cipher_key.end()},
            {key.decrypt.cipher_key.begin(), key.decrypt.cipher_key.end()}};
  peer->slots[index(key.slot)] = std::move(slot);
  return {};
}

Expected<KeyInfo> FakeDco::key_get(PeerId id, KeySlot slot) const {
  const Peer* peer = find(id);
  if (peer == nullptr) return not_found(id);
  const auto& s = peer->slots[index(slot)];
  if (!s)
    return make_error(Errc::kNotFound,
                      std::string("no key in the ") + key_slot_name(slot) + " slot");
  return s->info;
}

Status FakeDco::key_swap(PeerId id) {
  Peer* peer = find(id);
  if (peer == nullptr) return not_found(id);
  std::swap(peer->slots[0], peer->slots[1]);
  if (peer->slots[0]) peer->slots[0]->info.slot = KeySlot::kPrimary;
  if (peer->slots[1]) peer->slots[1]->info.slot = KeySlot::kSecondary;
  return {};
}

Status FakeDco::key_del(PeerId id, KeySlot slot) {
  Peer* peer = find(id);
  if (peer == nullptr) return not_found(id);
  peer->slots[index(slot)].reset();
  return {};
}

Status FakeDco::send_control(const ControlTarget& target, std::span<const uint8_t> bytes) {
  if (const auto* id = std::get_if<PeerId>(&target); id != nullptr && find(*id) == nullptr) {
    return not_found(*id);
  }
  sent_.push_back(SentControl{target, {bytes.begin(), bytes.end()}});
  return {};
}

size_t FakeDco::read_notifications(std::vector<Notification>& out, size_t max) {
  return queue_->read(out, max);
}

std::vector<FakeDco::SentControl> FakeDco::take_sent() { return std::exchange(sent_, {}); }

void FakeDco::simulate_control_packet(ControlPacket packet) { queue_->push(std::move(packet)); }

Status FakeDco::simulate_peer_gone(PeerId id, DeleteReason reason) {
  if (find(id) == nullptr) return not_found(id);
  remove(id, reason);
  return {};
}

Status FakeDco::simulate_key_exhausted(PeerId id) {
  Peer* peer = find(id);
  if (peer == nullptr) return not_found(id);
  if (!peer->slots[0]) return make_error(Errc::kNotFound, "no primary key");
  queue_->push(KeySwapNeeded{id, peer->slots[0]->info.key_id});
  return {};
}

Status FakeDco::simulate_float(PeerId id, const Endpoint& remote) {
  Peer* peer = find(id);
  if (peer == nullptr) return not_found(id);
  peer->config.remote = remote;
  queue_->push(PeerFloated{id, remote});
  return {};
}

Status FakeDco::simulate_traffic(PeerId id, uint64_t rx_bytes, uint64_t tx_bytes) {
  Peer* peer = find(id);
  if (peer == nullptr) return not_found(id);
  peer->stats.vpn_rx.bytes += rx_bytes;
  peer->stats.vpn_rx.packets += 1;
  peer->stats.vpn_tx.bytes += tx_bytes;
  peer->stats.vpn_tx.packets += 1;
  return {};
}

std::optional<std::vector<uint8_t>> FakeDco::key_bytes_for_test(PeerId id, KeySlot slot,
                                                                bool encrypt) const {
  const Peer* peer = find(id);
  if (peer == nullptr || !peer->slots[index(slot)]) return std::nullopt;
  const Slot& s = *peer->slots[index(slot)];
  return encrypt ? s.encrypt_key : s.decrypt_key;
}

}  // namespace ovpn::dco
