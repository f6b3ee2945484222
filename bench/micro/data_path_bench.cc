// ovpn_bench_data_path: the engine's own per-packet cost, TUN read to UDP send and UDP receive
// to TUN write, against the bare AEAD for the same bytes (issue 6: overhead < 25 % per
// 1400-byte packet).
//
// Each benchmark iteration is one shard round of io::kBatchSize packets in the shard's own
// buffers (a PacketPool shaped like Shard's). Before each round, untimed, the fake I/O puts
// the packets where the kernel would have: inner IPv4/UDP packets of 1400 bytes behind
// kPacketHeadroom (send), or freshly sealed P_DATA_V2 datagrams at offset 0 (receive). The
// round itself is timed by hand (UseManualTime); `ns_per_pkt` is the mean time per packet,
// `p50_ns_per_pkt` that of the median round (robust when the machine is shared).
//
//   send/<cipher>/bare_provider  the least OpenSSL can do per packet (bare_aead.h, aead_bench's
//                              baseline): set the nonce, AAD, encrypt 1400 bytes in place,
//                              final, get the tag, through the provider's functions as DataAead
//                              calls them: the floor the overhead target is measured against
//   send/<cipher>/bare_evp     the same through EVP_CIPHER_CTX (what EVP adds per packet)
//   send/<cipher>/data_aead    crypto::DataAead::seal on the same layout (the engine's AEAD)
//   send/<cipher>/engine_*     what Shard::pump_tun does per packet once the TUN read returned:
//                              queue_inner (route_inner: inner destination, PeerTable::route,
//                              clamp_mss) and, per run of packets for one peer, seal_pending
//                              (seal_run: packet ids in one step, header, DataAead::seal,
//                              counters, touch_tx; the UdpSendItems, one AtomicEndpoint load),
//                              then flush_sends: the real UdpBatch::send (GSO runs, sockaddrs,
//                              pktinfo, msghdrs) and the per-item counters. sendmmsg(2) itself
//                              is replaced (see below). Per round: one PublishedTable::Reader
//                              check and one monotonic_ms(), as in Shard::run / pump_tun.
//   recv/<cipher>/bare_provider, bare_evp, data_aead   the same for open
//   recv/<cipher>/engine_*     what Shard::pump_udp does: the real UdpBatch::recv (sockaddr and
//                              pktinfo parsing) over a replaced recvmmsg(2), then per datagram
//                              classify_packet and open_packet (parse, peer by id, key, open,
//                              replay window under its lock, float check, touch_rx, counters,
//                              ping check, reverse-path route or inner source, clamp_mss), the
//                              tun_out_ queue, and flush_tun's coalesce_tcp scan, stopping
//                              before the TUN write.
//   engine_p2p                 point-to-point, one peer
//   engine_mp1000              multi-peer table of 1000 peers, every packet for the same peer
//   engine_mp1000_spread       1000 peers, each packet of a round for a different peer
//   <dir>/<cipher>/bare_provider_1000keys   the bare AEAD over 1000 contexts in the spread
//                              order: the baseline for engine_mp1000_spread (cold keys cost
//                              any design)
//   <dir>/batch/udp_batch_*    UdpBatch::send / ::recv alone over the fakes, for attribution
//   fanout/<dir>/<cipher>/*    one peer, a round of 64 packets of 1400 bytes, the engine's
//                              batch path (batch_crypto.h: seal_run_batch; the receive's data
//                              datagrams staged and opened by open_batch, then queued for TUN in
//                              order), on:
//       threads:1              the shard alone (no fan-out)
//       threads:2_idle         a second thread that behaves as an idle shard: it sleeps in
//                              poll(2) on its eventfd, is woken by each job (the owner's
//                              eventfd write and its wake-up are part of the round), then helps
//       threads:2_busy         a second thread that only polls pending() (a busy shard between
//                              rounds, at best): the fan-out without the wake-up cost
//                              `pkts_per_s` is the packets a round moves per second.
//   fanout/seal_only/<N>x<B>/* the break-even of a fan-out (kFanoutMinPackets, kFanoutMinBytes):
//                              N packets of B bytes sealed for one peer (reserve_run, then
//                              seal_reserved) by the shard alone, or by CryptoFanout::run with
//                              an idle helper woken for each job, whatever the thresholds say
//
// Shard::queue_inner, seal_pending, flush_sends, pump_udp and handle_datagram are private and
// tied to a real TUN and socket, so their few lines of glue are repeated here; every function
// they call is the engine's own. UdpBatch builds its messages and calls sendmmsg/recvmmsg in
// one function, so the system calls cannot be stopped before: this binary defines sendmmsg and
// recvmmsg itself (the static libraries bind to them at link time), as no-copy fakes. main()
// checks that the fakes were the ones called before anything runs.
//
//   ovpn_bench_data_path --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bare_aead.h"
#include "common/byteorder.h"
#include "common/clock.h"
#include "common/packet_pool.h"
#include "crypto/cipher_alg.h"
#include "crypto/data_aead.h"
#include "crypto/evp.h"
#include "engine/batch_crypto.h"
#include "engine/crypto_fanout.h"
#include "engine/data_path.h"
#include "engine/mss_clamp.h"
#include "engine/published_table.h"
#include "engine/shard.h"
#include "engine/tcp_coalesce.h"
#include "io/tun.h"
#include "io/udp_batch.h"
#include "io/udp_socket.h"
#include "proto/data_packet.h"

namespace {

using ovpn::Endpoint;
using ovpn::IpAddress;
using ovpn::PacketBuf;
using ovpn::PacketPool;
using ovpn::bench::BareEvpAead;
using ovpn::bench::BareProviderAead;
using ovpn::crypto::CipherAlg;
using ovpn::crypto::DataAead;
namespace engine = ovpn::engine;
namespace io = ovpn::io;
namespace proto = ovpn::proto;
namespace dco = ovpn::dco;

constexpr size_t kInner = 1400;  // inner IPv4/UDP packet, as read from TUN
constexpr size_t kWire = kInner + proto::kDataV2Overhead;
constexpr size_t kRound = io::kBatchSize;
constexpr size_t kCtx = 0;     // shard 0's AEAD contexts and counters
constexpr size_t kShards = 2;  // one per core here; contexts = shards + housekeeping
constexpr uint16_t kMaxMss = engine::mss_for_mtu(1500);
constexpr uint32_t kServerVpn = 0x0a080001;  // 10.8.0.1, the server's tunnel address
constexpr CipherAlg kAlgs[] = {CipherAlg::kAes256Gcm, CipherAlg::kAes128Gcm,
                               CipherAlg::kChaCha20Poly1305};
constexpr std::array<uint8_t, 8> kImplicitIv = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "ovpn_bench_data_path: %s\n", what);
  std::abort();
}

// ---- The fake kernel ---------------------------------------------------------------------

// What the fake recvmmsg "receives": the datagrams are already in the caller's buffers (put
// there before the round); it reports their lengths, sources and pktinfo.
struct FakeKernel {
  size_t recv_count = 0;
  std::array<uint32_t, kRound> recv_len{};
  std::array<sockaddr_storage, kRound> recv_from{};
  std::array<socklen_t, kRound> recv_from_len{};
  uint64_t recv_calls = 0;
  uint64_t sent_messages = 0;
  uint64_t sent_datagrams = 0;
};
FakeKernel g_kernel;

}  // namespace

// Replaces libc's for this binary: accepts every message, reads its iovecs as the kernel
// would, copies nothing.
extern "C" int sendmmsg(int /*fd*/, mmsghdr* msgs, unsigned int vlen, int /*flags*/) {
  for (unsigned int i = 0; i < vlen; ++i) {
    size_t len = 0;
    for (size_t k = 0; k < msgs[i].msg_hdr.msg_iovlen; ++k)
      len += msgs[i].msg_hdr.msg_iov[k].iov_len;
    msgs[i].msg_len = static_cast<unsigned int>(len);
    g_kernel.sent_datagrams += msgs[i].msg_hdr.msg_iovlen;
  }
  g_kernel.sent_messages += vlen;
  return static_cast<int>(vlen);
}

// Replaces libc's for this binary: "receives" the datagrams prepared in g_kernel (their bytes
// are already where the iovecs point), with source address and IP_PKTINFO as a dual-stack
// socket with pktinfo reports an IPv4 datagram.
extern "C" int recvmmsg(int /*fd*/, mmsghdr* msgs, unsigned int vlen, int /*flags*/,
                        timespec* /*timeout*/) {
  ++g_kernel.recv_calls;
  const size_t n = std::min<size_t>(vlen, g_kernel.recv_count);
  if (n == 0) {
    errno = EAGAIN;
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    msghdr& h = msgs[i].msg_hdr;
    std::memcpy(h.msg_name, &g_kernel.recv_from[i], g_kernel.recv_from_len[i]);
    h.msg_namelen = g_kernel.recv_from_len[i];
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    if (c == nullptr) std::abort();  // UdpBatch always gives room for control messages
    in_pktinfo info{};
    info.ipi_ifindex = 2;
    info.ipi_addr.s_addr = htonl(0xc0000201);  // 192.0.2.1, where the peers send to
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    h.msg_controllen = CMSG_SPACE(sizeof info);
    h.msg_flags = 0;
    msgs[i].msg_len = g_kernel.recv_len[i];
  }
  g_kernel.recv_count = 0;
  return static_cast<int>(n);
}

namespace {

// ---- Keys, peers, packets -----------------------------------------------------------------

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(seed + i * 7);
  return out;
}

std::vector<uint8_t> key_for(CipherAlg alg) {
  return pattern(ovpn::crypto::cipher_key_size(alg), 0x42);
}

DataAead make_aead(CipherAlg alg) {
  auto aead = DataAead::create_v2(alg, key_for(alg), kImplicitIv);
  if (!aead) die(aead.error().message.c_str());
  return std::move(*aead);
}

// Every peer gets the same key material both ways, so that one DataAead seals what any peer
// would send (the engine still holds one DataKey, with its own contexts, per peer).
std::shared_ptr<engine::DataKey> make_key(CipherAlg alg) {
  dco::KeyConfig k;
  k.alg = alg;
  k.key_id = *ovpn::KeyId::make(0);
  const auto key = key_for(alg);
  k.encrypt.cipher_key.assign(key.begin(), key.end());
  k.encrypt.nonce_tail = kImplicitIv;
  k.decrypt.cipher_key.assign(key.begin(), key.end());
  k.decrypt.nonce_tail = kImplicitIv;
  auto data_key = engine::DataKey::create(std::move(k), kShards + 1, proto::kPacketIdLast32);
  if (!data_key) die(data_key.error().message.c_str());
  return *data_key;
}

IpAddress peer_vpn(size_t index) { return IpAddress::v4(kServerVpn + 1 + index); }
Endpoint peer_remote(size_t index) {
  return Endpoint(IpAddress::v4(0xc6120000 + static_cast<uint32_t>(index)),  // 198.18.x.y
                  static_cast<uint16_t>(40000 + index % 20000));
}

// A snapshot as EngineDco::rebuild makes it: UDP peers with a VPN address and a primary key.
std::shared_ptr<const engine::PeerTable> make_table(CipherAlg alg, size_t peers) {
  std::vector<engine::PeerEntry> entries;
  entries.reserve(peers);
  for (size_t i = 0; i < peers; ++i) {
    engine::PeerEntry e;
    e.config.id = *ovpn::PeerId::make(static_cast<uint32_t>(i + 1));
    e.config.remote = peer_remote(i);
    e.config.vpn_ipv4 = peer_vpn(i);
    e.tx_id = e.config.id;
    e.state = std::make_shared<engine::PeerState>(e.config.id, kShards, 0);
    e.state->set_remote(*e.config.remote);
    e.keys[0] = make_key(alg);
    entries.push_back(std::move(e));
  }
  return engine::PeerTable::build(peers == 1 ? dco::Mode::kPointToPoint : dco::Mode::kMultiPeer,
                                  std::move(entries), kMaxMss);
}

// An inner IPv4/UDP packet of kInner bytes.
std::vector<uint8_t> inner_packet(const IpAddress& src, const IpAddress& dst) {
  std::vector<uint8_t> p = pattern(kInner, 0x5a);
  p[0] = 0x45;
  p[1] = 0;
  ovpn::store_be16(&p[2], static_cast<uint16_t>(kInner));
  ovpn::store_be32(&p[4], 0);
  p[8] = 64;
  p[9] = 17;  // UDP
  ovpn::store_be16(&p[10], 0);
  std::memcpy(&p[12], src.bytes(), 4);
  std::memcpy(&p[16], dst.bytes(), 4);
  ovpn::store_be16(&p[20], 5000);
  ovpn::store_be16(&p[22], 5001);
  ovpn::store_be16(&p[24], static_cast<uint16_t>(kInner - 20));
  ovpn::store_be16(&p[26], 0);
  return p;
}

// Which peer packet `seq` is for: always one, or every peer in turn (389 is prime to 1000).
enum class Flow { kOne, kSpread };
size_t peer_of(size_t peers, Flow flow, uint64_t seq) {
  return flow == Flow::kOne ? peers / 2 : static_cast<size_t>((seq * 389) % peers);
}

template <class Bare>
Bare make_bare(CipherAlg alg, bool encrypt) {
  return Bare(alg, key_for(alg), kImplicitIv, encrypt);
}

// ---- The shard's buffers and the fake I/O around them ------------------------------------

// The part of a Shard this benchmark needs: its packet buffers, batch and socket, the round's
// queues, and its view of the published table.
class Rig {
 public:
  Rig(CipherAlg alg, size_t peers, Flow flow)
      : peers_(peers),
        flow_(flow),
        pool_(kRound, engine::kPacketBufferSize, engine::kPacketHeadroom),
        bufs_(kRound),
        meta_(kRound),
        batch_(kRound),
        sender_(make_aead(alg)),
        inner_(inner_packet(IpAddress::v4(kServerVpn), peer_vpn(0))),
        next_id_(peers, 1) {
    for (auto& buf : bufs_) pool_.get(buf);
    // As EngineDco opens them: dual stack, pktinfo, offloads. Bound to loopback, never used
    // (sendmmsg and recvmmsg are fakes).
    auto socket = io::UdpSocket::open(*Endpoint::parse("[::1]:0"),
                                      io::UdpSocketOptions{false, false, 0, 0, true, true});
    if (!socket) die(socket.error().message.c_str());
    socket_ = std::make_unique<io::UdpSocket>(std::move(*socket));
    published_.publish(make_table(alg, peers));
    run_packets_.reserve(2 * kRound);
    run_drops_.reserve(2 * kRound);
    send_items_.reserve(2 * kRound);
    send_peers_.reserve(2 * kRound);
    tun_out_.reserve(2048);
    tun_out_peers_.reserve(2048);
    coalesced_.payloads.reserve(io::TunDevice::kMaxWritePieces);
  }

  std::vector<PacketBuf>& bufs() { return bufs_; }
  uint64_t dropped() const { return dropped_; }
  // The fanout/* rows: rounds through batch_crypto.h (the shard's own path), fanned out over
  // `fanout` when it is set.
  void use_batch_path(engine::CryptoFanout* fanout) {
    batch_path_ = true;
    fanout_ = fanout;
  }
  const engine::PeerTable& table() { return reader_.current(published_); }

  // Fake TUN read, untimed: each buffer holds an inner packet behind the shard's headroom, as
  // TunDevice::read leaves it. With `header`, also the P_DATA_V2 header and the room for the
  // tag in front (for the bare AEAD rows, which seal in place without the engine).
  void fill_inner(bool header) {
    for (size_t i = 0; i < kRound; ++i) {
      const size_t peer = peer_of(peers_, flow_, seq_++);
      PacketBuf& buf = bufs_[i];
      buf.reset(engine::kPacketHeadroom);
      uint8_t* p = buf.put(kInner);
      if (p == nullptr) die("no room");
      std::memcpy(p, inner_.data(), kInner);
      std::memcpy(p + 12, IpAddress::v4(kServerVpn).bytes(), 4);
      std::memcpy(p + 16, peer_vpn(peer).bytes(), 4);
      if (header) {
        uint8_t* h = buf.push(proto::kDataV2Overhead);
        if (h == nullptr) die("no headroom");
        proto::write_data_v2_header(h, ovpn::KeyId{}, ovpn::PeerId::from_wire(1),
                                    static_cast<uint32_t>(seq_));
      }
    }
  }

  // Fake UDP receive, untimed: each buffer holds, at offset 0, a P_DATA_V2 datagram that its
  // peer sealed with the next packet id, and g_kernel knows its length and source.
  void fill_wire() {
    for (size_t i = 0; i < kRound; ++i) {
      const size_t peer = peer_of(peers_, flow_, seq_++);
      PacketBuf& buf = bufs_[i];
      buf.reset(0);
      uint8_t* p = buf.put(kWire);
      if (p == nullptr) die("no room");
      proto::write_data_v2_header(
          p, ovpn::KeyId{}, *ovpn::PeerId::make(static_cast<uint32_t>(peer + 1)), next_id_[peer]++);
      std::memcpy(p + proto::kDataV2Overhead, inner_.data(), kInner);
      std::memcpy(p + proto::kDataV2Overhead + 12, peer_vpn(peer).bytes(), 4);
      std::memcpy(p + proto::kDataV2Overhead + 16, IpAddress::v4(kServerVpn).bytes(), 4);
      if (!sender_.seal(buf.span())) die("seal failed");
      g_kernel.recv_len[i] = kWire;
      g_kernel.recv_from_len[i] = peer_remote(peer).to_sockaddr(g_kernel.recv_from[i], true);
    }
    g_kernel.recv_count = kRound;
  }

  // Shard::run (table per event) + pump_tun once the reads returned + queue_inner + flush_round
  // up to and including UdpBatch::send.
  void send_round() {
    const engine::PeerTable& table = reader_.current(published_);
    const uint64_t now_ms = ovpn::monotonic_ms();
    for (auto& buf : bufs_) {
      const io::VnetHeader header;  // what the fake read returned: a plain packet
      if (header.is_gso() || header.needs_csum()) die("unexpected offload");
      queue_inner(table, buf, now_ms);
    }
    seal_pending(now_ms);
    flush_sends();
    send_items_.clear();
    send_peers_.clear();
  }

  // Shard::pump_udp + handle_datagram + flush_tun up to the TUN write.
  void recv_round() {
    const engine::PeerTable& table = reader_.current(published_);
    for (auto& buf : bufs_) buf.reset(0);
    const io::IoResult r = batch_.recv(*socket_, bufs_, meta_);
    if (!r) die("fake recvmmsg failed");
    const uint64_t now_ms = ovpn::monotonic_ms();
    for (size_t i = 0; i < r.value(); ++i) {
      PacketBuf& buf = bufs_[i];
      const io::UdpRecvMeta& meta = meta_[i];
      if (meta.truncated) die("truncated");
      const size_t segment = meta.segment_size;
      if (segment == 0 || segment >= buf.size()) {
        if (batch_path_) {
          stage_datagram(buf, meta);
        } else {
          handle_datagram(table, buf, meta, now_ms);
        }
        continue;
      }
      die("unexpected GRO");
    }
    if (batch_path_) {
      engine::open_batch(fanout_, table, open_items_, kCtx, now_ms, unattributed_blocks_);
      for (engine::OpenItem& item : open_items_) deliver(item);
      open_items_.clear();
    }
    // flush_tun with a vnet_hdr device, without the writes.
    for (size_t i = 0; i < tun_out_.size();) {
      const size_t taken =
          engine::coalesce_tcp(tun_out_, i, io::TunDevice::kMaxWritePieces, coalesced_);
      benchmark::DoNotOptimize(taken);
      i += taken;
    }
    tun_out_.clear();
    tun_out_peers_.clear();
  }

  // The batch alone, for attribution: UdpBatch::send of a round of already sealed packets
  // (queued untimed by queue_items()), and UdpBatch::recv of a round (filled by fill_wire()).
  void queue_items() {
    for (size_t i = 0; i < kRound; ++i) {
      const engine::PeerEntry& peer = table().peers()[peer_of(peers_, flow_, seq_++)];
      PacketBuf& buf = bufs_[i];
      buf.reset(engine::kPacketHeadroom);
      if (buf.put(kWire) == nullptr) die("no room");
      send_items_.push_back(io::UdpSendItem{buf.span(), peer.state->remote(), peer.config.local});
    }
  }
  void batch_send_only() {
    if (batch_.send(*socket_, send_items_).sent != kRound) die("fake sendmmsg refused");
    send_items_.clear();
  }
  void batch_recv_only() {
    for (auto& buf : bufs_) buf.reset(0);
    if (!batch_.recv(*socket_, bufs_, meta_)) die("fake recvmmsg failed");
  }

 private:
  void queue_inner(const engine::PeerTable& table, PacketBuf& packet, uint64_t now_ms) {
    const engine::PeerEntry* peer = nullptr;
    if (engine::route_inner(table, packet, unattributed_, peer) != ovpn::Drop::kNone) {
      ++dropped_;
      return;
    }
    if (peer != run_peer_) seal_pending(now_ms);
    run_peer_ = peer;
    run_packets_.push_back(&packet);
  }

  void seal_pending(uint64_t now_ms) {
    if (run_packets_.empty()) return;
    const engine::PeerEntry& peer = *run_peer_;
    run_drops_.resize(run_packets_.size());
    const engine::SealRunResult sealed =
        batch_path_ ? engine::seal_run_batch(fanout_, peer, run_packets_, kCtx, now_ms, run_drops_)
                    : engine::seal_run(peer, run_packets_, kCtx, now_ms, run_drops_);
    if (sealed.swap_needed) ++dropped_;  // never, far from the soft limit
    if (sealed.sealed != run_packets_.size()) ++dropped_;
    if (peer.link) die("TCP peer");
    const Endpoint remote = peer.state->remote();
    for (size_t i = 0; i < run_packets_.size(); ++i) {
      if (run_drops_[i] != ovpn::Drop::kNone) continue;
      send_items_.push_back(io::UdpSendItem{run_packets_[i]->span(), remote, peer.config.local});
      send_peers_.push_back(&peer);
    }
    run_packets_.clear();
    run_peer_ = nullptr;
  }

  void flush_sends() {
    if (send_items_.empty()) return;
    const io::UdpSendResult r = batch_.send(*socket_, send_items_);
    const auto failed = batch_.failed_items();
    size_t next_failed = 0;
    for (size_t i = 0; i < send_items_.size(); ++i) {
      engine::ShardCounters& c = send_peers_[i]->state->counters(kCtx);
      if (i >= r.sent + r.failed) {
        c.drop(ovpn::Drop::kQueueFull);
      } else if (next_failed < failed.size() && failed[next_failed] == i) {
        ++next_failed;
        c.drop(ovpn::Drop::kSendFailed);
      } else {
        c.link_tx_packets.add(1);
        c.link_tx_bytes.add(send_items_[i].bytes.size());
      }
    }
    if (r.sent != send_items_.size()) die("fake sendmmsg refused");
  }

  void handle_datagram(const engine::PeerTable& table, PacketBuf& buf, const io::UdpRecvMeta& meta,
                       uint64_t now_ms) {
    if (proto::classify_packet(buf.span()) == proto::PacketKind::kControl) die("control");
    engine::OpenResult opened;
    if (engine::open_packet(table, buf, meta.source, kCtx, now_ms, unattributed_, opened) !=
        ovpn::Drop::kNone) {
      ++dropped_;
      return;
    }
    if (opened.floated) ++dropped_;  // never: every source is its peer's remote
    if (opened.ping) return;
    if (opened.forward != nullptr) ++dropped_;  // never: no packet is for another peer
    tun_out_.push_back(buf.span());
    tun_out_peers_.push_back(opened.peer);
  }

  // Shard::stage_datagram and Shard::deliver (the batch path).
  void stage_datagram(PacketBuf& buf, const io::UdpRecvMeta& meta) {
    if (proto::classify_packet(buf.span()) == proto::PacketKind::kControl) die("control");
    engine::OpenItem& item = open_items_.emplace_back();
    item.packet = PacketBuf(buf.data(), buf.size(), 0);
    item.packet.put(buf.size());
    item.source = &meta.source;
  }
  void deliver(engine::OpenItem& item) {
    if (item.drop != ovpn::Drop::kNone || item.result.floated || item.result.forward != nullptr) {
      ++dropped_;
      return;
    }
    if (item.result.ping) return;
    tun_out_.push_back(item.packet.span());
    tun_out_peers_.push_back(item.result.peer);
  }

  size_t peers_;
  Flow flow_;
  bool batch_path_ = false;
  engine::CryptoFanout* fanout_ = nullptr;
  std::vector<engine::OpenItem> open_items_;
  std::vector<engine::ShardCounters> unattributed_blocks_ =
      std::vector<engine::ShardCounters>(kShards + 1);
  uint64_t seq_ = 0;
  uint64_t dropped_ = 0;
  PacketPool pool_;
  std::vector<PacketBuf> bufs_;
  std::vector<io::UdpRecvMeta> meta_;
  io::UdpBatch batch_;
  std::unique_ptr<io::UdpSocket> socket_;
  engine::PublishedTable published_;
  engine::PublishedTable::Reader reader_;
  engine::ShardCounters unattributed_;
  const engine::PeerEntry* run_peer_ = nullptr;
  std::vector<PacketBuf*> run_packets_;
  std::vector<ovpn::Drop> run_drops_;
  std::vector<io::UdpSendItem> send_items_;
  std::vector<const engine::PeerEntry*> send_peers_;
  std::vector<std::span<uint8_t>> tun_out_;
  std::vector<const engine::PeerEntry*> tun_out_peers_;
  engine::CoalescedWrite coalesced_;
  DataAead sender_;                // the peers' side: seals what fill_wire() "receives"
  std::vector<uint8_t> inner_;     // the inner packet; each fill patches its addresses
  std::vector<uint32_t> next_id_;  // per peer
};

// ---- Benchmarks ---------------------------------------------------------------------------

using Clock = std::chrono::steady_clock;

// Times `round` after each untimed `fill`. Besides the mean (`ns_per_pkt`, what manual time
// reports) the median round is kept (`p50_ns_per_pkt`): on a shared machine a few rounds are
// preempted, and the median ignores them.
template <class Fill, class Round>
void run_rounds(benchmark::State& state, Rig& rig, Fill fill, Round round) {
  std::vector<double> rounds;
  rounds.reserve(1 << 20);
  for (auto _ : state) {
    fill();
    const auto start = Clock::now();
    round();
    const auto end = Clock::now();
    benchmark::ClobberMemory();
    const double seconds = std::chrono::duration<double>(end - start).count();
    state.SetIterationTime(seconds);
    if (rounds.size() < rounds.capacity()) rounds.push_back(seconds);
  }
  if (rig.dropped() != 0) state.SkipWithError("the engine dropped packets");
  state.counters["ns_per_pkt"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kRound),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (!rounds.empty()) {
    const auto middle = rounds.begin() + static_cast<std::ptrdiff_t>(rounds.size() / 2);
    std::nth_element(rounds.begin(), middle, rounds.end());
    state.counters["p50_ns_per_pkt"] = *middle * 1e9 / kRound;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRound * kInner));
}

template <class Bare>
void send_bare(benchmark::State& state, CipherAlg alg) {
  Rig rig(alg, 1, Flow::kOne);
  Bare bare = make_bare<Bare>(alg, true);
  bool ok = true;
  run_rounds(
      state, rig, [&] { rig.fill_inner(true); },
      [&] {
        for (PacketBuf& buf : rig.bufs()) ok &= bare.seal(buf.data(), buf.size());
      });
  if (!ok) state.SkipWithError("seal failed");
}

void send_data_aead(benchmark::State& state, CipherAlg alg) {
  Rig rig(alg, 1, Flow::kOne);
  DataAead aead = make_aead(alg);
  bool ok = true;
  run_rounds(
      state, rig, [&] { rig.fill_inner(true); },
      [&] {
        for (PacketBuf& buf : rig.bufs()) ok &= aead.seal(buf.span());
      });
  if (!ok) state.SkipWithError("seal failed");
}

void send_engine(benchmark::State& state, CipherAlg alg, size_t peers, Flow flow) {
  Rig rig(alg, peers, flow);
  run_rounds(
      state, rig, [&] { rig.fill_inner(false); }, [&] { rig.send_round(); });
}

template <class Bare>
void recv_bare(benchmark::State& state, CipherAlg alg) {
  Rig rig(alg, 1, Flow::kOne);
  Bare bare = make_bare<Bare>(alg, false);
  bool ok = true;
  run_rounds(
      state, rig, [&] { rig.fill_wire(); },
      [&] {
        for (PacketBuf& buf : rig.bufs()) ok &= bare.open(buf.data(), buf.size());
      });
  g_kernel.recv_count = 0;
  if (!ok) state.SkipWithError("open failed");
}

void recv_data_aead(benchmark::State& state, CipherAlg alg) {
  Rig rig(alg, 1, Flow::kOne);
  DataAead aead = make_aead(alg);
  bool ok = true;
  run_rounds(
      state, rig, [&] { rig.fill_wire(); },
      [&] {
        for (PacketBuf& buf : rig.bufs()) ok &= aead.open(buf.span());
      });
  g_kernel.recv_count = 0;
  if (!ok) state.SkipWithError("open failed");
}

void recv_engine(benchmark::State& state, CipherAlg alg, size_t peers, Flow flow) {
  Rig rig(alg, peers, flow);
  run_rounds(
      state, rig, [&] { rig.fill_wire(); }, [&] { rig.recv_round(); });
}

// The bare AEAD with one context per peer, used in the order engine_mp1000_spread uses its
// peers: the AEAD's own cost once its contexts no longer stay in cache (any implementation
// holding 1000 keys pays it), the fair baseline for the spread rows.
template <class Bare>
void bare_many(benchmark::State& state, CipherAlg alg, bool encrypt) {
  constexpr size_t kKeys = 1000;
  Rig rig(alg, 1, Flow::kOne);
  std::vector<std::unique_ptr<Bare>> keys;
  for (size_t i = 0; i < kKeys; ++i) {
    keys.push_back(std::make_unique<Bare>(alg, key_for(alg), kImplicitIv, encrypt));
  }
  uint64_t seq = 0;
  bool ok = true;
  auto round = [&] {
    for (PacketBuf& buf : rig.bufs()) {
      Bare& key = *keys[peer_of(kKeys, Flow::kSpread, seq++)];
      ok &= encrypt ? key.seal(buf.data(), buf.size()) : key.open(buf.data(), buf.size());
    }
  };
  if (encrypt) {
    run_rounds(
        state, rig, [&] { rig.fill_inner(true); }, round);
  } else {
    run_rounds(
        state, rig, [&] { rig.fill_wire(); }, round);
    g_kernel.recv_count = 0;
  }
  if (!ok) state.SkipWithError("AEAD failed");
}

// A second shard for the fanout/* rows: participant 1 of `fanout`, helping with its jobs.
// Idle: it sleeps in poll(2) on its eventfd between jobs, as a shard in epoll_wait does, and is
// woken by each job. Busy: it polls pending() without sleeping.
class HelperThread {
 public:
  HelperThread(engine::CryptoFanout& fanout, bool idle)
      : wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (wake_ < 0) die("eventfd");
    if (idle) fanout.set_wake_fd(1, wake_);
    thread_ = std::thread([this, &fanout, idle] {
      while (!stop_.load(std::memory_order_relaxed)) {
        if (idle) {
          if (fanout.going_idle(1)) {
            pollfd p{wake_, POLLIN, 0};
            ::poll(&p, 1, 100);
            uint64_t count = 0;
            [[maybe_unused]] const ssize_t n = ::read(wake_, &count, sizeof count);
          }
          fanout.awake(1);
        }
        if (fanout.pending()) fanout.help(1);
      }
    });
  }
  ~HelperThread() {
    stop_.store(true);
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_, &one, sizeof one);
    thread_.join();
    ::close(wake_);
  }
  HelperThread(const HelperThread&) = delete;
  HelperThread& operator=(const HelperThread&) = delete;

 private:
  int wake_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

enum class Helper { kNone, kIdle, kBusy };

void fanout_rounds(benchmark::State& state, CipherAlg alg, bool send, Helper helper) {
  Rig rig(alg, 1, Flow::kOne);
  engine::CryptoFanout fanout(kShards);
  std::unique_ptr<HelperThread> thread;
  if (helper != Helper::kNone)
    thread = std::make_unique<HelperThread>(fanout, helper == Helper::kIdle);
  rig.use_batch_path(helper == Helper::kNone ? nullptr : &fanout);
  if (send) {
    run_rounds(
        state, rig, [&] { rig.fill_inner(false); }, [&] { rig.send_round(); });
  } else {
    run_rounds(
        state, rig, [&] { rig.fill_wire(); }, [&] { rig.recv_round(); });
    g_kernel.recv_count = 0;
  }
  thread.reset();
  state.counters["pkts_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kRound), benchmark::Counter::kIsRate);
  const engine::FanoutStats s = fanout.stats();
  if (s.items != 0) {
    state.counters["helped_pct"] =
        100.0 * static_cast<double>(s.helped_items) / static_cast<double>(s.items);
  }
}

// N packets of B bytes, sealed alone or fanned out with an idle helper (woken per job).
void fanout_seal_only(benchmark::State& state, size_t packets, size_t bytes, bool fan) {
  Rig rig(CipherAlg::kAes256Gcm, 1, Flow::kOne);
  const engine::PeerEntry& peer = rig.table().peers()[0];
  engine::CryptoFanout fanout(kShards);
  std::unique_ptr<HelperThread> helper;
  if (fan) helper = std::make_unique<HelperThread>(fanout, true);
  std::vector<PacketBuf*> run;
  for (size_t i = 0; i < packets; ++i) run.push_back(&rig.bufs()[i]);
  std::vector<ovpn::Drop> drops(packets);
  const size_t chunk = std::clamp<size_t>(engine::kFanoutChunkBytes / bytes,
                                          engine::kFanoutMinChunk, engine::CryptoFanout::kMaxChunk);
  const uint64_t now_ms = ovpn::monotonic_ms();
  std::vector<double> rounds;
  rounds.reserve(1 << 20);
  for (auto _ : state) {
    for (PacketBuf* buf : run) {
      buf->reset(engine::kPacketHeadroom);
      if (buf->put(bytes) == nullptr) die("no room");
    }
    const auto start = Clock::now();
    const engine::SealReservation r = engine::reserve_run(peer, packets);
    if (fan) {
      auto job = [&](size_t who, size_t begin, size_t end) noexcept {
        engine::seal_reserved(peer, r, run, begin, end, who, now_ms, drops);
      };
      fanout.run(kCtx, packets, chunk, job);
    } else {
      engine::seal_reserved(peer, r, run, 0, packets, kCtx, now_ms, drops);
    }
    const auto end = Clock::now();
    benchmark::ClobberMemory();
    const double seconds = std::chrono::duration<double>(end - start).count();
    state.SetIterationTime(seconds);
    if (rounds.size() < rounds.capacity()) rounds.push_back(seconds);
  }
  helper.reset();
  state.counters["pkts_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * packets), benchmark::Counter::kIsRate);
  if (!rounds.empty()) {
    const auto middle = rounds.begin() + static_cast<std::ptrdiff_t>(rounds.size() / 2);
    std::nth_element(rounds.begin(), middle, rounds.end());
    state.counters["p50_ns_per_pkt"] = *middle * 1e9 / static_cast<double>(packets);
  }
}

void batch_send(benchmark::State& state, size_t peers, Flow flow) {
  Rig rig(CipherAlg::kAes256Gcm, peers, flow);
  run_rounds(
      state, rig, [&] { rig.queue_items(); }, [&] { rig.batch_send_only(); });
}

void batch_recv(benchmark::State& state, size_t peers, Flow flow) {
  Rig rig(CipherAlg::kAes256Gcm, peers, flow);
  run_rounds(
      state, rig, [&] { rig.fill_wire(); }, [&] { rig.batch_recv_only(); });
  g_kernel.recv_count = 0;
}

// The engine rounds must do the real work, through the fakes: what send_round() seals opens
// with the bare EVP baseline to the inner packet, recv_round() accepts every packet, and the fake
// system calls are the ones UdpBatch called.
void cross_check() {
  for (CipherAlg alg : kAlgs) {
    Rig rig(alg, 1000, Flow::kSpread);
    const auto messages = g_kernel.sent_messages;
    rig.fill_inner(false);
    std::vector<std::vector<uint8_t>> inner;
    for (PacketBuf& buf : rig.bufs()) inner.emplace_back(buf.data(), buf.data() + buf.size());
    rig.send_round();
    if (rig.dropped() != 0 || g_kernel.sent_messages == messages) {
      die("send_round did not reach the fake sendmmsg");
    }
    auto bare = make_bare<BareEvpAead>(alg, false);  // EVP: independent of DataAead's path
    for (size_t i = 0; i < kRound; ++i) {
      PacketBuf& buf = rig.bufs()[i];
      if (buf.size() != kWire || !bare.open(buf.data(), buf.size()) ||
          std::memcmp(buf.data() + proto::kDataV2Overhead, inner[i].data(), kInner) != 0) {
        die("send_round's packets do not open to the inner packets");
      }
    }
    const auto calls = g_kernel.recv_calls;
    for (int r = 0; r < 3; ++r) {
      rig.fill_wire();
      rig.recv_round();
    }
    if (rig.dropped() != 0 || g_kernel.recv_calls != calls + 3) {
      die("recv_round did not accept the packets through the fake recvmmsg");
    }
  }
}

void register_all() {
  auto add = [](const std::string& name, auto fn, auto... args) {
    benchmark::RegisterBenchmark(name.c_str(), fn, args...)->UseManualTime();
  };
  for (CipherAlg alg : kAlgs) {
    const std::string c = ovpn::crypto::cipher_name(alg);
    add("send/" + c + "/bare_provider", send_bare<BareProviderAead>, alg);
    add("send/" + c + "/bare_evp", send_bare<BareEvpAead>, alg);
    add("send/" + c + "/data_aead", send_data_aead, alg);
    add("send/" + c + "/engine_p2p", send_engine, alg, size_t{1}, Flow::kOne);
    add("send/" + c + "/engine_mp1000", send_engine, alg, size_t{1000}, Flow::kOne);
    add("send/" + c + "/engine_mp1000_spread", send_engine, alg, size_t{1000}, Flow::kSpread);
    add("recv/" + c + "/bare_provider", recv_bare<BareProviderAead>, alg);
    add("recv/" + c + "/bare_evp", recv_bare<BareEvpAead>, alg);
    add("recv/" + c + "/data_aead", recv_data_aead, alg);
    add("recv/" + c + "/engine_p2p", recv_engine, alg, size_t{1}, Flow::kOne);
    add("recv/" + c + "/engine_mp1000", recv_engine, alg, size_t{1000}, Flow::kOne);
    add("recv/" + c + "/engine_mp1000_spread", recv_engine, alg, size_t{1000}, Flow::kSpread);
    add("send/" + c + "/bare_provider_1000keys", bare_many<BareProviderAead>, alg, true);
    add("recv/" + c + "/bare_provider_1000keys", bare_many<BareProviderAead>, alg, false);
  }
  for (CipherAlg alg : {CipherAlg::kAes256Gcm, CipherAlg::kChaCha20Poly1305}) {
    const std::string c = ovpn::crypto::cipher_name(alg);
    for (const bool send : {true, false}) {
      const std::string row = std::string("fanout/") + (send ? "send/" : "recv/") + c;
      add(row + "/threads:1", fanout_rounds, alg, send, Helper::kNone);
      add(row + "/threads:2_idle", fanout_rounds, alg, send, Helper::kIdle);
      add(row + "/threads:2_busy", fanout_rounds, alg, send, Helper::kBusy);
    }
  }
  for (const size_t packets : {8, 16, 32, 64}) {
    for (const size_t bytes : {100, 500, 1400}) {
      const std::string row =
          "fanout/seal_only/" + std::to_string(packets) + "x" + std::to_string(bytes);
      add(row + "/threads:1", fanout_seal_only, packets, bytes, false);
      add(row + "/threads:2_idle", fanout_seal_only, packets, bytes, true);
    }
  }
  add("send/batch/udp_batch_p2p", batch_send, size_t{1}, Flow::kOne);
  add("send/batch/udp_batch_mp1000_spread", batch_send, size_t{1000}, Flow::kSpread);
  add("recv/batch/udp_batch_p2p", batch_recv, size_t{1}, Flow::kOne);
  add("recv/batch/udp_batch_mp1000_spread", batch_recv, size_t{1000}, Flow::kSpread);
}

}  // namespace

int main(int argc, char** argv) {
  cross_check();
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
