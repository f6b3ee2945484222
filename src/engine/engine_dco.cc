#include "engine/engine_dco.h"

#include <unistd.h>

#include <cinttypes>

#include "common/clock.h"
#include "common/log.h"
#include "dco/peer_rules.h"
#include "engine/data_path.h"

namespace ovpn::engine {
namespace {

constexpr Logger kLog{"engine"};

Unexpected<Error> no_peer(PeerId id) {
  return make_error(Errc::kNotFound, "no peer " + std::to_string(id.value()));
}

size_t slot_index(dco::KeySlot slot) { return slot == dco::KeySlot::kPrimary ? 0 : 1; }

}  // namespace

Expected<std::unique_ptr<EngineDco>> EngineDco::start(const EngineOptions& options) {
  std::unique_ptr<EngineDco> engine(new EngineDco(options));
  EngineContext& ctx = engine->ctx_;
  ctx.shards = options.threads != 0
                   ? options.threads
                   : std::max<size_t>(1, static_cast<size_t>(::sysconf(_SC_NPROCESSORS_ONLN)));

  auto tun = io::TunDevice::open(io::TunOptions{.name = options.ifname,
                                                .queues = ctx.shards,
                                                .vnet_hdr = options.tun_offload,
                                                .tx_queue_len = options.tx_queue_len});
  if (!tun) return forward_error(std::move(tun));
  ctx.tun.emplace(std::move(*tun));

  // The first socket may bind port 0; the others join the port it got.
  Endpoint bind = options.listen;
  const io::UdpSocketOptions socket_options{
      true, false, options.socket_buffer, options.socket_buffer, true, options.udp_offload};
  for (size_t i = 0; i < ctx.shards; ++i) {
    auto socket = io::UdpSocket::open(bind, socket_options);
    if (!socket) return forward_error(std::move(socket));
    if (i == 0) {
      auto local = socket->local_endpoint();
      if (!local) return forward_error(std::move(local));
      ctx.local = *local;
      bind = *local;
    }
    ctx.sockets.push_back(std::move(*socket));
  }

  auto queue = dco::NotificationQueue::create();
  if (!queue) return forward_error(std::move(queue));
  ctx.notifications = std::move(*queue);
  ctx.unattributed = std::vector<ShardCounters>(ctx.shards + 1);
  ctx.offload = std::vector<OffloadCounters>(ctx.shards);
  ctx.table.publish(PeerTable::build(options.mode, {}, options.max_mss, options.client_to_client));
  ctx.kick_housekeeping = [e = engine.get()] {
    {
      std::lock_guard<std::mutex> lock(e->stop_mu_);
      e->kicked_ = true;
    }
    e->stop_cv_.notify_all();
  };

  if (options.fanout && ctx.shards >= 2) ctx.fanout = std::make_unique<CryptoFanout>(ctx.shards);
  for (size_t i = 0; i < ctx.shards; ++i) {
    auto shard = Shard::create(i, ctx);
    if (!shard) return forward_error(std::move(shard));
    engine->shards_.push_back(std::move(*shard));
  }
  for (auto& shard : engine->shards_) shard->start(options.pin_threads);
  engine->housekeeping_ = std::thread([e = engine.get()] { e->housekeeping_loop(); });
  OVPN_LOG(kLog, LogLevel::kInfo,
           "engine up: %s, %zu shards, %s, listening on %s (UDP GSO %s, GRO %s; TUN TSO %s, "
           "USO %s, queue %u packets; crypto fan-out %s)",
           ctx.tun->name().c_str(), ctx.shards, dco::mode_name(options.mode),
           ctx.local.to_string().c_str(), ctx.sockets[0].gso() ? "on" : "off",
           ctx.sockets[0].gro() ? "on" : "off", ctx.tun->vnet_hdr() ? "on" : "off",
           ctx.tun->uso() ? "on" : "off", ctx.tun->tx_queue_len(), ctx.fanout ? "on" : "off");
  return engine;
}

EngineDco::~EngineDco() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (housekeeping_.joinable()) housekeeping_.join();
  for (auto& shard : shards_) shard->stop();
  if (!shards_.empty() && ctx_.tun->vnet_hdr()) {
    const OffloadStats o = offload_stats();
    OVPN_LOG(kLog, LogLevel::kInfo,
             "TUN offloads: read %" PRIu64 " TCP / %" PRIu64 " UDP super-packets (%" PRIu64
             " / %" PRIu64 " segments); wrote %" PRIu64 " TCP / %" PRIu64
             " UDP super-packets for %" PRIu64 " / %" PRIu64 " packets (%" PRIu64 " refused)",
             o.tso_reads, o.uso_reads, o.tso_segments, o.uso_segments, o.tcp_gso_writes,
             o.udp_gso_writes, o.tcp_gso_packets, o.udp_gso_packets, o.gso_refused);
  }
  // TCP links leave their shards' epoll sets while those still exist.
  for (auto& [id, entry] : model_) {
    if (entry.link) entry.link->close();
  }
}

void EngineDco::publish() {
  std::vector<PeerEntry> peers;
  peers.reserve(model_.size());
  for (const auto& [id, entry] : model_) peers.push_back(entry);
  ctx_.table.publish(PeerTable::build(options_.mode, std::move(peers), options_.max_mss,
                                      options_.client_to_client));
}

PeerEntry* EngineDco::find_locked(PeerId id) {
  auto it = model_.find(id);
  return it == model_.end() ? nullptr : &it->second;
}

const PeerEntry* EngineDco::find_locked(PeerId id) const {
  auto it = model_.find(id);
  return it == model_.end() ? nullptr : &it->second;
}

void EngineDco::remove_locked(PeerId id, dco::DeleteReason reason) {
  auto it = model_.find(id);
  if (it == model_.end()) return;
  it->second.state->mark_dead();
  if (it->second.link) it->second.link->close();
  model_.erase(it);
  publish();
  ctx_.notifications->push(dco::PeerDeleted{id, reason});
}

Status EngineDco::peer_new(dco::PeerConfig config) {
  if (auto st = dco::validate_peer_config(options_.mode, config); !st) return st;
  std::lock_guard<std::mutex> lock(model_mu_);
  if (find_locked(config.id) != nullptr) {
    return make_error(Errc::kExists, "peer " + std::to_string(config.id.value()) + " exists");
  }
  if (options_.mode == dco::Mode::kPointToPoint && !model_.empty()) {
    remove_locked(model_.begin()->first, dco::DeleteReason::kTeardown);
  }
  PeerEntry entry;
  if (config.transport == dco::Transport::kTcp) {
    // The shard that receives on it: spread by peer id.
    const Shard& owner = *shards_[config.id.value() % shards_.size()];
    auto link =
        TcpLink::adopt(config.tcp_fd, owner.epoll_fd(), Shard::tcp_tag(++link_serial_, config.id));
    if (!link) return forward_error(std::move(link));  // the caller keeps the fd
    entry.link = std::move(*link);
    config.tcp_fd = -1;
  }
  entry.tx_id = config.tx_id.value_or(config.id);
  entry.state = std::make_shared<PeerState>(config.id, ctx_.shards, monotonic_ms());
  if (config.remote) entry.state->set_remote(*config.remote);
  entry.config = std::move(config);
  const PeerId id = entry.config.id;
  model_.emplace(id, std::move(entry));
  publish();
  return {};
}

Status EngineDco::peer_set(const dco::PeerUpdate& u) {
  if (auto st = dco::validate_peer_update(options_.mode, u); !st) return st;
  std::lock_guard<std::mutex> lock(model_mu_);
  PeerEntry* entry = find_locked(u.id);
  if (entry == nullptr) return no_peer(u.id);
  dco::PeerConfig& c = entry->config;
  if (u.remote) {
    if (c.transport == dco::Transport::kTcp) {
      return make_error(Errc::kInvalidArgument, "a TCP peer's remote cannot change");
    }
    c.remote = u.remote;
    std::lock_guard<std::mutex> float_lock(entry->state->float_mu());
    entry->state->set_remote(*u.remote);
  }
  if (u.local) c.local = u.local;
  if (u.vpn_ipv4) c.vpn_ipv4 = u.vpn_ipv4;
  if (u.vpn_ipv6) c.vpn_ipv6 = u.vpn_ipv6;
  if (u.routes) c.routes = *u.routes;
  if (u.keepalive) c.keepalive = *u.keepalive;
  publish();
  return {};
}

dco::PeerInfo EngineDco::info_locked(const PeerEntry& entry) const {
  dco::PeerInfo info;
  info.config = entry.config;
  info.config.remote =
      entry.link ? entry.link->remote() : std::optional<Endpoint>(entry.state->remote());
  info.local_endpoint = ctx_.local;
  for (const auto& key : entry.keys) {
    if (key) {
      info.keys.push_back(
          dco::KeyInfo{&key == &entry.keys[0] ? dco::KeySlot::kPrimary : dco::KeySlot::kSecondary,
                       key->key_id(), key->alg()});
    }
  }
  dco::PeerStats& s = info.stats;
  for (const ShardCounters& c : entry.state->all_counters()) {
    s.vpn_rx.bytes += c.vpn_rx_bytes.get();
    s.vpn_rx.packets += c.vpn_rx_packets.get();
    s.vpn_tx.bytes += c.vpn_tx_bytes.get();
    s.vpn_tx.packets += c.vpn_tx_packets.get();
    s.link_rx.bytes += c.link_rx_bytes.get();
    s.link_rx.packets += c.link_rx_packets.get();
    s.link_tx.bytes += c.link_tx_bytes.get();
    s.link_tx.packets += c.link_tx_packets.get();
    for (size_t i = 0; i < kDropReasonCount; ++i) s.drops[i] += c.drops[i].get();
  }
  s.last_rx_ms = entry.state->last_rx_ms();
  s.last_tx_ms = entry.state->last_tx_ms();
  return info;
}

Expected<dco::PeerInfo> EngineDco::peer_get(PeerId id) const {
  std::lock_guard<std::mutex> lock(model_mu_);
  const PeerEntry* entry = find_locked(id);
  if (entry == nullptr) return no_peer(id);
  return info_locked(*entry);
}

std::vector<dco::PeerInfo> EngineDco::peer_get_all() const {
  std::lock_guard<std::mutex> lock(model_mu_);
  std::vector<dco::PeerInfo> out;
  for (const auto& [id, entry] : model_) out.push_back(info_locked(entry));
  return out;
}

Status EngineDco::peer_del(PeerId id) {
  std::lock_guard<std::mutex> lock(model_mu_);
  if (find_locked(id) == nullptr) return no_peer(id);
  remove_locked(id, dco::DeleteReason::kUserspace);
  return {};
}

Status EngineDco::key_new(dco::KeyConfig key) {
  if (auto st = dco::validate_key_config(key); !st) return st;
  std::lock_guard<std::mutex> lock(model_mu_);
  PeerEntry* entry = find_locked(key.peer);
  if (entry == nullptr) return no_peer(key.peer);
  const size_t slot = slot_index(key.slot);
  auto data_key = DataKey::create(std::move(key), ctx_.shards + 1, options_.packet_id_last);
  if (!data_key) return forward_error(std::move(data_key));
  entry->keys[slot] = std::move(*data_key);
  publish();
  return {};
}

Expected<dco::KeyInfo> EngineDco::key_get(PeerId id, dco::KeySlot slot) const {
  std::lock_guard<std::mutex> lock(model_mu_);
  const PeerEntry* entry = find_locked(id);
  if (entry == nullptr) return no_peer(id);
  const auto& key = entry->keys[slot_index(slot)];
  if (!key) {
    return make_error(Errc::kNotFound,
                      std::string("no key in the ") + dco::key_slot_name(slot) + " slot");
  }
  return dco::KeyInfo{slot, key->key_id(), key->alg()};
}

Status EngineDco::key_swap(PeerId id) {
  std::lock_guard<std::mutex> lock(model_mu_);
  PeerEntry* entry = find_locked(id);
  if (entry == nullptr) return no_peer(id);
  std::swap(entry->keys[0], entry->keys[1]);
  publish();
  return {};
}

Status EngineDco::key_del(PeerId id, dco::KeySlot slot) {
  std::lock_guard<std::mutex> lock(model_mu_);
  PeerEntry* entry = find_locked(id);
  if (entry == nullptr) return no_peer(id);
  entry->keys[slot_index(slot)].reset();
  publish();
  return {};
}

Status EngineDco::send_udp(const Endpoint& to, const std::optional<IpAddress>& from,
                           std::span<const uint8_t> bytes) {
  std::lock_guard<std::mutex> lock(send_mu_);
  const io::UdpSendItem item{bytes, to, from};
  const io::UdpSendResult r = control_batch_.send(ctx_.sockets[0], std::span(&item, 1));
  if (r.sent == 1) return {};
  return io::errno_error(r.last_error, "send to " + to.to_string());
}

Status EngineDco::send_control(const dco::ControlTarget& target, std::span<const uint8_t> bytes) {
  if (const auto* remote = std::get_if<Endpoint>(&target)) return send_udp(*remote, {}, bytes);
  const PeerId id = std::get<PeerId>(target);
  Endpoint remote;
  std::optional<IpAddress> local;
  std::shared_ptr<TcpLink> link;
  {
    std::lock_guard<std::mutex> lock(model_mu_);
    const PeerEntry* entry = find_locked(id);
    if (entry == nullptr) return no_peer(id);
    link = entry->link;
    remote = entry->state->remote();
    local = entry->config.local;
  }
  if (!link) return send_udp(remote, local, bytes);
  if (bytes.empty() || bytes.size() > proto::kTcpFrameMax) {
    return make_error(Errc::kInvalidArgument, "a TCP frame carries 1 to 65535 bytes");
  }
  if (link->send(std::span(&bytes, 1)) == 1) return {};
  return make_error(Errc::kIo, "peer " + std::to_string(id.value()) +
                                   (link->failed() ? ": the TCP connection failed"
                                                   : ": the TCP send backlog is full"));
}

size_t EngineDco::read_notifications(std::vector<dco::Notification>& out, size_t max) {
  return ctx_.notifications->read(out, max);
}

OffloadStats EngineDco::offload_stats() const {
  OffloadStats out;
  for (const auto& c : ctx_.offload) c.add_to(out);
  return out;
}

Expected<dco::EngineInfo> EngineDco::engine_get() const {
  dco::EngineInfo info;
  info.ifname = ctx_.tun->name();
  info.local = ctx_.local;
  info.threads = static_cast<uint32_t>(ctx_.shards);
  info.offloads.tun_vnet_hdr = ctx_.tun->vnet_hdr();
  info.offloads.tun_tso = ctx_.tun->vnet_hdr();  // the virtio-net header comes with TSO
  info.offloads.tun_uso = ctx_.tun->uso();
  info.offloads.udp_gso = ctx_.sockets[0].gso();  // every socket is opened with the same options
  info.offloads.udp_gro = ctx_.sockets[0].gro();
  info.offloads.fanout = ctx_.fanout != nullptr;
  info.tun_tx_queue_len = ctx_.tun->tx_queue_len();
  info.tun = offload_stats();
  info.fanout = fanout_stats();
  return info;
}

dco::Dco::DropCounts EngineDco::device_drops() const {
  DropCounts out{};
  for (const auto& c : ctx_.unattributed) {
    for (size_t i = 0; i < kDropReasonCount; ++i) out[i] += c.drops[i].get();
  }
  return out;
}

}  // namespace ovpn::engine
