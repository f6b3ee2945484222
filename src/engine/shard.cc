#include "engine/shard.h"

#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/clock.h"
#include "common/log.h"
#include "engine/data_path.h"
#include "engine/tso_split.h"
#include "engine/udp_coalesce.h"
#include "engine/uso_split.h"
#include "proto/data_packet.h"

namespace ovpn::engine {
namespace {

constexpr Logger kLog{"engine.shard"};
constexpr uint64_t kTunTag = 1;
constexpr uint64_t kUdpTag = 2;
constexpr uint64_t kWakeTag = 3;
constexpr uint64_t kTcpTag = 4;  // in the top byte; serial and peer id below
// Rounds per readiness event: bounded, so that one direction cannot starve the other. A round
// that finds its queue empty ends the event's rounds (another would only cost a syscall).
constexpr int kRoundsPerEvent = 4;

}  // namespace

Expected<std::unique_ptr<Shard>> Shard::create(size_t index, EngineContext& context) {
  io::Fd epoll(::epoll_create1(EPOLL_CLOEXEC));
  io::Fd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!epoll.valid() || !wake.valid()) return io::errno_error(errno, "shard event loop");
  const int fds[] = {context.tun->queue_fd(index), context.sockets[index].fd(), wake.get()};
  const uint64_t tags[] = {kTunTag, kUdpTag, kWakeTag};
  for (size_t i = 0; i < 3; ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tags[i];
    if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fds[i], &ev) != 0) {
      return io::errno_error(errno, "epoll_ctl");
    }
  }
  if (context.fanout) context.fanout->set_wake_fd(index, wake.get());
  return std::unique_ptr<Shard>(new Shard(index, context, std::move(epoll), std::move(wake)));
}

Shard::Shard(size_t index, EngineContext& context, io::Fd epoll, io::Fd wake)
    : index_(index),
      ctx_(context),
      epoll_(std::move(epoll)),
      wake_(std::move(wake)),
      pool_(io::kBatchSize, kPacketBufferSize, kPacketHeadroom),
      bufs_(io::kBatchSize),
      seg_pool_(io::kBatchSize, kSegmentBufferSize, kPacketHeadroom),
      seg_bufs_(io::kBatchSize),
      fwd_bufs_(io::kBatchSize),
      meta_(io::kBatchSize),
      batch_(io::kBatchSize) {
  for (auto& buf : bufs_) pool_.get(buf);  // the shard's buffers, held for its lifetime
  for (auto& buf : seg_bufs_) seg_pool_.get(buf);
  // A round queues at most a batch of reads plus a batch of TSO segments (or of forwarded
  // packets) before it flushes.
  send_items_.reserve(2 * io::kBatchSize);
  send_peers_.reserve(2 * io::kBatchSize);
  tcp_packets_.reserve(2 * io::kBatchSize);
  tcp_peers_.reserve(2 * io::kBatchSize);
  run_packets_.reserve(2 * io::kBatchSize);
  run_drops_.reserve(2 * io::kBatchSize);
  // A coalesced receive is up to 64 KiB of datagrams: up to about 1500 packets of 40 bytes.
  tun_out_.reserve(2048);
  tun_out_peers_.reserve(2048);
  open_items_.reserve(2048);
  coalesced_.payloads.reserve(io::TunDevice::kMaxWritePieces);
}

Shard::~Shard() { stop(); }

uint64_t Shard::tcp_tag(uint32_t serial, PeerId peer) noexcept {
  return (kTcpTag << 56) | (uint64_t{serial} << 24) | peer.value();
}

void Shard::start(bool pin) {
  thread_ = std::thread([this] { run(); });
  if (pin) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<int>(index_ % static_cast<size_t>(CPU_SETSIZE)), &set);
    pthread_setaffinity_np(thread_.native_handle(), sizeof set, &set);  // best effort
  }
}

void Shard::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_.get(), &one, sizeof one);
  thread_.join();
}

void Shard::run() {
  CryptoFanout* fanout = ctx_.fanout.get();
  epoll_event events[32];
  while (!stop_.load(std::memory_order_relaxed)) {
    // About to sleep: idle, so a new fan-out job wakes this shard through wake_. When one is
    // open already, help instead; if it had nothing left to take (its owner is finishing),
    // look again soon rather than spin.
    int timeout_ms = 1000;
    if (fanout != nullptr && !fanout->going_idle(index_)) {
      timeout_ms = fanout->help(index_) != 0 ? 0 : 1;
    }
    const int n = ::epoll_wait(epoll_.get(), events, 32, timeout_ms);
    if (fanout != nullptr) fanout->awake(index_);
    if (n < 0 && errno != EINTR) {
      OVPN_LOG(kLog, LogLevel::kError, "shard %zu: epoll_wait: %s", index_,
               io::errno_text(errno).c_str());
      return;
    }
    const PeerTable& table = table_reader_.current(ctx_.table);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == kTunTag) {
        for (int r = 0; r < kRoundsPerEvent && pump_tun(table); ++r) help_others();
      } else if (events[i].data.u64 == kUdpTag) {
        for (int r = 0; r < kRoundsPerEvent && pump_udp(table); ++r) help_others();
      } else if (events[i].data.u64 >> 56 == kTcpTag) {
        pump_tcp(table, events[i].data.u64, events[i].events);
      } else if (events[i].data.u64 == kWakeTag) {
        uint64_t count = 0;  // stop() or a fan-out job: reset the eventfd
        [[maybe_unused]] const ssize_t r = ::read(wake_.get(), &count, sizeof count);
      }
      help_others();
    }
  }
}

// TUN -> wire: read up to a batch of inner packets (TSO / USO super-packets cut into segments),
// seal each for its peer, send them all. True when the batch filled up: more may be waiting.
bool Shard::pump_tun(const PeerTable& table) {
  const uint64_t now_ms = monotonic_ms();
  ShardCounters& unattributed = ctx_.unattributed[index_];
  bool drained = false;
  // A buffer stays taken only by a packet queued in place. A super-packet is cut into copies
  // (seg_bufs_) and a dropped packet is gone, so the next read reuses their buffer, still in
  // the cache: a TCP stream's 64 KiB reads cycling through all of bufs_ (4 MiB) would land in
  // cold memory every time (measured: about 6% of the stream's rate).
  size_t next = 0;
  for (size_t reads = 0; reads < bufs_.size(); ++reads) {
    PacketBuf& buf = bufs_[next];
    buf.reset(kPacketHeadroom);
    io::VnetHeader header;
    const io::IoResult r = ctx_.tun->read(index_, buf, &header);
    if (!r) {
      if (r.would_block()) {
        drained = true;
        break;
      }
      unattributed.drop(Drop::kMalformed);  // oversize: lost
      continue;
    }
    if (header.is_gso()) {
      queue_super_packet(table, buf, header, now_ms, unattributed);
      continue;
    }
    if (header.needs_csum() && !complete_checksum(buf.span(), header)) {
      unattributed.drop(Drop::kMalformed);
      continue;
    }
    ++next;
    queue_inner(table, buf, now_ms, unattributed);
  }
  flush_round(now_ms);
  return !drained;
}

void Shard::queue_super_packet(const PeerTable& table, PacketBuf& super,
                               const io::VnetHeader& header, uint64_t now_ms,
                               ShardCounters& unattributed) {
  // TCP (TSO) or UDP (USO): the same loop over segments, each cut by its own writer.
  const bool udp = header.gso_type == io::VIRTIO_NET_HDR_GSO_UDP_L4;
  const auto tso = udp ? std::nullopt : plan_tso(super.span(), header);
  const auto uso = udp ? plan_uso(super.span(), header) : std::nullopt;
  const size_t segments = tso ? tso->segments : uso ? uso->segments : 0;
  if (segments == 0) {
    unattributed.drop(Drop::kMalformed);
    return;
  }
  OffloadCounters& offload = ctx_.offload[index_];
  (udp ? offload.uso_reads : offload.tso_reads).add(1);
  (udp ? offload.uso_segments : offload.tso_segments).add(segments);
  for (size_t i = 0; i < segments; ++i) {
    if (seg_used_ == seg_bufs_.size()) flush_round(now_ms);  // frees every buffer queued so far
    PacketBuf& segment = seg_bufs_[seg_used_++];
    segment.reset(kPacketHeadroom);
    const bool cut = tso ? write_tso_segment(super.span(), *tso, i, segment)
                         : write_uso_segment(super.span(), *uso, i, segment);
    if (!cut) {
      unattributed.drop(Drop::kMalformed);
      continue;
    }
    queue_inner(table, segment, now_ms, unattributed);
  }
}

void Shard::queue_inner(const PeerTable& table, PacketBuf& packet, uint64_t now_ms,
                        ShardCounters& unattributed) {
  const PeerEntry* peer = nullptr;
  if (route_inner(table, packet, unattributed, peer) != Drop::kNone) return;
  queue_for_peer(*peer, packet, now_ms);
}

void Shard::queue_for_peer(const PeerEntry& peer, PacketBuf& packet, uint64_t now_ms) {
  if (&peer != run_peer_) seal_pending(now_ms);
  run_peer_ = &peer;
  run_packets_.push_back(&packet);
}

void Shard::queue_forward(const PeerEntry& to, const PacketBuf& packet, uint64_t now_ms) {
  if (fwd_used_ == fwd_bufs_.size()) flush_round(now_ms);  // frees every view queued so far
  PacketBuf& view = fwd_bufs_[fwd_used_++];
  view = packet;
  queue_for_peer(to, view, now_ms);
}

void Shard::seal_pending(uint64_t now_ms) {
  if (run_packets_.empty()) return;
  const PeerEntry& peer = *run_peer_;
  run_drops_.resize(run_packets_.size());
  const SealRunResult sealed =
      seal_run_batch(ctx_.fanout.get(), peer, run_packets_, index_, now_ms, run_drops_);
  if (sealed.swap_needed) {
    ctx_.notifications->push(dco::KeySwapNeeded{peer.id(), peer.primary()->key_id()});
  }
  if (sealed.sealed != 0) {
    const Endpoint remote = peer.link ? Endpoint{} : peer.state->remote();
    for (size_t i = 0; i < run_packets_.size(); ++i) {
      if (run_drops_[i] != Drop::kNone) continue;
      if (peer.link) {
        tcp_packets_.push_back(run_packets_[i]->span());
        tcp_peers_.push_back(&peer);
      } else {
        send_items_.push_back(io::UdpSendItem{run_packets_[i]->span(), remote, peer.config.local});
        send_peers_.push_back(&peer);
      }
    }
  }
  run_packets_.clear();
  run_peer_ = nullptr;
}

// Sends what this round sealed; every buffer is free again afterwards.
void Shard::flush_round(uint64_t now_ms) {
  seal_pending(now_ms);
  flush_sends();
  flush_tcp_sends();
  send_items_.clear();
  send_peers_.clear();
  tcp_packets_.clear();
  tcp_peers_.clear();
  seg_used_ = 0;
  fwd_used_ = 0;
}

// One send per run of packets for the same TCP peer (one run per batch on a client).
void Shard::flush_tcp_sends() {
  for (size_t begin = 0; begin < tcp_packets_.size();) {
    const PeerEntry* peer = tcp_peers_[begin];
    size_t end = begin + 1;
    while (end < tcp_packets_.size() && tcp_peers_[end] == peer) ++end;
    const auto run = std::span(tcp_packets_).subspan(begin, end - begin);
    const size_t taken = peer->link->send(run);
    ShardCounters& c = peer->state->counters(index_);
    for (size_t i = 0; i < run.size(); ++i) {
      if (i < taken) {
        c.link_tx_packets.add(1);
        c.link_tx_bytes.add(run[i].size());
      } else {
        c.drop(peer->link->failed() ? Drop::kSendFailed : Drop::kQueueFull);
      }
    }
    if (peer->link->failed()) ctx_.kick_housekeeping();
    begin = end;
  }
}

void Shard::flush_sends() {
  if (send_items_.empty()) return;
  const io::UdpSendResult r = batch_.send(ctx_.sockets[index_], send_items_);
  // Items [0, sent + failed) were tried; the refused ones are listed, the rest went out.
  const auto failed = batch_.failed_items();
  size_t next_failed = 0;
  for (size_t i = 0; i < send_items_.size(); ++i) {
    ShardCounters& c = send_peers_[i]->state->counters(index_);
    if (i >= r.sent + r.failed) {
      c.drop(Drop::kQueueFull);
    } else if (next_failed < failed.size() && failed[next_failed] == i) {
      ++next_failed;
      c.drop(Drop::kSendFailed);
    } else {
      c.link_tx_packets.add(1);
      c.link_tx_bytes.add(send_items_[i].bytes.size());
    }
  }
}

// Wire -> TUN: receive a batch, pass control packets up, open data packets, write them out.
// A coalesced receive (UDP_GRO) is split into its datagrams, each opened in place. The data
// datagrams of the whole receive are opened together (open_batch: fanned out when large), then
// acted on in order. True when the batch filled up: more may be waiting.
bool Shard::pump_udp(const PeerTable& table) {
  for (auto& buf : bufs_) buf.reset(0);
  const io::IoResult r = batch_.recv(ctx_.sockets[index_], bufs_, meta_);
  if (!r) return false;
  const uint64_t now_ms = monotonic_ms();
  ShardCounters& unattributed = ctx_.unattributed[index_];
  open_items_.clear();
  for (size_t i = 0; i < r.value(); ++i) {
    PacketBuf& buf = bufs_[i];
    const io::UdpRecvMeta& meta = meta_[i];
    if (meta.truncated) {
      unattributed.drop(Drop::kMalformed);
      continue;
    }
    const size_t segment = meta.segment_size;
    if (segment == 0 || segment >= buf.size()) {
      stage_datagram(table, buf.span(), meta);
      continue;
    }
    for (size_t offset = 0; offset < buf.size(); offset += segment) {
      stage_datagram(table, buf.span().subspan(offset, std::min(segment, buf.size() - offset)),
                     meta);
    }
  }
  open_batch(ctx_.fanout.get(), table, open_items_, index_, now_ms, ctx_.unattributed);
  for (OpenItem& item : open_items_) deliver(item, now_ms);
  flush_tun(unattributed);
  if (fwd_used_ != 0) flush_round(now_ms);
  return r.value() == bufs_.size();
}

void Shard::flush_tun(ShardCounters& unattributed) {
  const bool tso = ctx_.tun->vnet_hdr();
  const bool uso = ctx_.tun->uso();
  OffloadCounters& offload = ctx_.offload[index_];
  auto drop = [&](size_t k) {
    (tun_out_peers_[k] != nullptr ? tun_out_peers_[k]->state->counters(index_) : unattributed)
        .drop(Drop::kQueueFull);
  };
  for (size_t i = 0; i < tun_out_.size();) {
    size_t taken = 1;
    if (tso) taken = coalesce_tcp(tun_out_, i, io::TunDevice::kMaxWritePieces, coalesced_);
    if (taken == 1 && uso) taken = coalesce_udp(tun_out_, i, kMaxUdpSegments, coalesced_);
    bool one_by_one = taken == 1;
    if (taken > 1) {
      uint8_t vnet[io::VnetHeader::kSize];
      coalesced_.vnet.write(vnet);
      const io::IoResult w = ctx_.tun->write_gso(
          index_, vnet, std::span(coalesced_.headers.data(), coalesced_.header_size),
          coalesced_.payloads);
      const bool udp = coalesced_.vnet.gso_type == io::VIRTIO_NET_HDR_GSO_UDP_L4;
      if (w) {
        (udp ? offload.udp_gso_writes : offload.tcp_gso_writes).add(1);
        (udp ? offload.udp_gso_packets : offload.tcp_gso_packets).add(taken);
      } else if (w.error() == EINVAL) {
        // The kernel refused the merge (a rule of a kernel this one does not know): the
        // packets go as they came.
        offload.gso_refused.add(1);
        one_by_one = true;
      } else {
        for (size_t k = i; k < i + taken; ++k) drop(k);
      }
    }
    if (one_by_one) {
      for (size_t k = i; k < i + taken; ++k) {
        if (!ctx_.tun->write(index_, tun_out_[k])) drop(k);
      }
    }
    i += taken;
  }
  tun_out_.clear();
  tun_out_peers_.clear();
}

void Shard::stage_datagram(const PeerTable& table, std::span<uint8_t> bytes,
                           const io::UdpRecvMeta& meta) {
  if (proto::classify_packet(bytes) == proto::PacketKind::kControl) {
    const PeerEntry* peer = table.find_by_remote(meta.source);
    dco::ControlPacket packet;
    if (peer != nullptr) packet.peer = peer->id();
    packet.transport = dco::Transport::kUdp;
    packet.remote = meta.source;
    packet.local = Endpoint(meta.local.value_or(ctx_.local.address()), ctx_.local.port());
    packet.bytes.assign(bytes.begin(), bytes.end());
    ctx_.notifications->push(std::move(packet));
    return;
  }
  OpenItem& item = open_items_.emplace_back();
  item.packet = PacketBuf(bytes.data(), bytes.size(), 0);
  item.packet.put(bytes.size());
  item.source = &meta.source;
}

void Shard::deliver(OpenItem& item, uint64_t now_ms) {
  if (item.drop != Drop::kNone) return;  // counted by open_packet
  const OpenResult& opened = item.result;
  if (opened.floated) ctx_.notifications->push(dco::PeerFloated{opened.peer->id(), *item.source});
  if (opened.ping) return;
  if (opened.forward != nullptr) {
    queue_forward(*opened.forward, item.packet, now_ms);
    return;
  }
  tun_out_.push_back(item.packet.span());
  tun_out_peers_.push_back(opened.peer);
}

// A TCP peer's socket is readable (or writable again): flush, read, open the whole frames.
void Shard::pump_tcp(const PeerTable& table, uint64_t tag, uint32_t events) {
  const PeerEntry* peer = table.find(PeerId::from_wire(static_cast<uint32_t>(tag)));
  // Gone, replaced, or not published yet: nothing to do (its link stops being polled).
  if (peer == nullptr || !peer->link || peer->link->tag() != tag) return;
  TcpLink& link = *peer->link;
  if ((events & EPOLLOUT) != 0) link.flush();
  const uint64_t now_ms = monotonic_ms();
  for (int r = 0; r < kRoundsPerEvent && link.receive(); ++r) {
    while (const auto packet = link.next_packet()) {
      handle_stream_packet(table, *peer, *packet, now_ms);
    }
    // The writes to TUN and the forwarded packets, before compact() moves the bytes.
    flush_tun(ctx_.unattributed[index_]);
    if (fwd_used_ != 0) flush_round(now_ms);
    link.compact();
  }
  if (link.failed()) ctx_.kick_housekeeping();
}

void Shard::handle_stream_packet(const PeerTable& table, const PeerEntry& peer,
                                 std::span<uint8_t> bytes, uint64_t now_ms) {
  if (proto::classify_packet(bytes) == proto::PacketKind::kControl) {
    dco::ControlPacket packet;
    packet.peer = peer.id();
    packet.transport = dco::Transport::kTcp;
    packet.remote = peer.link->remote().value_or(Endpoint{});
    packet.local = peer.link->local().value_or(Endpoint{});
    packet.bytes.assign(bytes.begin(), bytes.end());
    ctx_.notifications->push(std::move(packet));
    return;
  }
  PacketBuf buf(bytes.data(), bytes.size(), 0);
  buf.put(bytes.size());
  OpenResult opened;
  if (open_stream_packet(table, peer, buf, index_, now_ms, opened) != Drop::kNone) return;
  if (opened.ping) return;
  if (opened.forward != nullptr) {
    queue_forward(*opened.forward, buf, now_ms);
    return;
  }
  tun_out_.push_back(buf.span());
  tun_out_peers_.push_back(&peer);
}

}  // namespace ovpn::engine
