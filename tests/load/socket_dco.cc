#include "socket_dco.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "common/clock.h"
#include "io/io_result.h"
#include "proto/data_packet.h"

namespace ovpn::load {

Expected<std::unique_ptr<SocketDco>> SocketDco::open(const Endpoint& server) {
  io::Fd fd(::socket(server.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                     IPPROTO_UDP));
  if (!fd.valid()) return io::errno_error(errno, "socket");
  sockaddr_storage ss;
  const socklen_t len = server.to_sockaddr(ss);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    return io::errno_error(errno, "connect", server.to_string());
  }
  return std::unique_ptr<SocketDco>(new SocketDco(std::move(fd), server));
}

Status SocketDco::check_peer(PeerId id) const {
  if (!peer_ || peer_->id != id) {
    return make_error(Errc::kNotFound, "no peer " + std::to_string(id.value()));
  }
  return {};
}

Status SocketDco::peer_new(dco::PeerConfig config) {
  if (peer_) return make_error(Errc::kExists, "a point-to-point DCO has one peer");
  if (config.transport != dco::Transport::kUdp || !config.remote || *config.remote != server_) {
    return make_error(Errc::kInvalidArgument, "the peer must be the server, over UDP");
  }
  peer_ = std::move(config);
  stats_ = {};
  return {};
}

Status SocketDco::peer_set(const dco::PeerUpdate& update) {
  if (auto st = check_peer(update.id); !st) return st;
  if (update.remote && *update.remote != server_) {
    return make_error(Errc::kInvalidArgument, "the socket is connected to the server");
  }
  if (update.keepalive) peer_->keepalive = *update.keepalive;
  return {};
}

Expected<dco::PeerInfo> SocketDco::peer_get(PeerId id) const {
  if (auto st = check_peer(id); !st) return forward_error(std::move(st));
  dco::PeerInfo info;
  info.config = *peer_;
  info.stats = stats_;
  for (auto s : {dco::KeySlot::kPrimary, dco::KeySlot::kSecondary}) {
    if (const auto& k = slot(s)) info.keys.push_back({s, k->key_id, k->alg});
  }
  return info;
}

std::vector<dco::PeerInfo> SocketDco::peer_get_all() const {
  std::vector<dco::PeerInfo> out;
  if (peer_) {
    if (auto info = peer_get(peer_->id)) out.push_back(std::move(*info));
  }
  return out;
}

Status SocketDco::peer_del(PeerId id) {
  if (auto st = check_peer(id); !st) return st;
  peer_.reset();
  primary_.reset();
  secondary_.reset();
  return {};
}

Status SocketDco::key_new(dco::KeyConfig key) {
  if (auto st = check_peer(key.peer); !st) return st;
  auto seal = crypto::DataAead::create_v2(key.alg, key.encrypt.cipher_key, key.encrypt.nonce_tail);
  if (!seal) return forward_error(std::move(seal));
  auto open = crypto::DataAead::create_v2(key.alg, key.decrypt.cipher_key, key.decrypt.nonce_tail);
  if (!open) return forward_error(std::move(open));
  slot(key.slot).emplace(Slot{key.key_id, key.alg, std::move(*seal), std::move(*open), 0});
  return {};
}

Expected<dco::KeyInfo> SocketDco::key_get(PeerId peer, dco::KeySlot s) const {
  if (auto st = check_peer(peer); !st) return forward_error(std::move(st));
  const auto& k = slot(s);
  if (!k) return make_error(Errc::kNotFound, "no key in the slot");
  return dco::KeyInfo{s, k->key_id, k->alg};
}

Status SocketDco::key_swap(PeerId peer) {
  if (auto st = check_peer(peer); !st) return st;
  std::swap(primary_, secondary_);
  return {};
}

Status SocketDco::key_del(PeerId peer, dco::KeySlot s) {
  if (auto st = check_peer(peer); !st) return st;
  slot(s).reset();
  return {};
}

Status SocketDco::send_control(const dco::ControlTarget& target, std::span<const uint8_t> bytes) {
  if (const auto* id = std::get_if<PeerId>(&target)) {
    if (auto st = check_peer(*id); !st) return st;
  } else if (std::get<Endpoint>(target) != server_) {
    return make_error(Errc::kInvalidArgument, "the socket is connected to the server only");
  }
  if (::send(socket_.get(), bytes.data(), bytes.size(), 0) < 0) {
    return io::errno_error(errno, "send", server_.to_string());
  }
  return {};
}

Status SocketDco::send_data(std::span<const uint8_t> plaintext) {
  if (!peer_ || !primary_) return make_error(Errc::kNotFound, "no peer or no primary key");
  Slot& k = *primary_;
  std::vector<uint8_t> packet(proto::kDataV2Overhead + plaintext.size());
  const PeerId to = peer_->tx_id.value_or(peer_->id);
  proto::write_data_v2_header(packet.data(), k.key_id, to, ++k.last_packet_id);
  std::copy(plaintext.begin(), plaintext.end(), packet.begin() + proto::kDataV2Overhead);
  if (!k.seal.seal(packet)) return make_error(Errc::kCrypto, "seal failed");
  if (::send(socket_.get(), packet.data(), packet.size(), 0) < 0) {
    return io::errno_error(errno, "send", server_.to_string());
  }
  stats_.link_tx.packets++;
  stats_.link_tx.bytes += packet.size();
  last_data_tx_ms_ = monotonic_ms();
  return {};
}

std::optional<std::span<const uint8_t>> SocketDco::open_data(std::span<uint8_t> wire) {
  proto::DataV2Header h;
  if (proto::parse_data_v2(wire, h) != Drop::kNone) return std::nullopt;
  for (auto* k : {&primary_, &secondary_}) {
    if (!*k || (*k)->key_id != h.key_id) continue;
    if (!(*k)->open.open(wire)) return std::nullopt;
    stats_.link_rx.packets++;
    stats_.link_rx.bytes += wire.size();
    return std::span<const uint8_t>(wire.subspan((*k)->open.payload_offset()));
  }
  return std::nullopt;
}

}  // namespace ovpn::load
