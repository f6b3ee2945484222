#pragma once
// The DCO API: what the control plane asks of a data channel offload, one for one with the
// Linux `ovpn` generic-netlink family (PEER_NEW/SET/GET/DEL, KEY_NEW/GET/SWAP/DEL and the
// notifications of its "peers" multicast group), plus the control-packet path that the kernel
// module leaves on the transport socket: here the engine owns the sockets, so it passes every
// non-data packet up (ControlPacket) and sends the control plane's answers (send_control).
//
// Implementations: the userspace engine's, and FakeDco (in memory, tests/fakes/, for the
// control plane's tests). Every implementation passes the conformance suite in tests/unit/dco/.
//
// Threads: every method may be called from the control thread only ("Thread: control"), one
// call at a time. Notifications are queued by the implementation from any of its threads and
// read by the control thread; notification_fd() becomes readable when some are pending.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "common/drop.h"
#include "common/ip_address.h"
#include "common/result.h"
#include "common/secure_wipe.h"
#include "common/strong_id.h"
#include "crypto/cipher_alg.h"

namespace ovpn::dco {

enum class Mode : uint8_t {
  kPointToPoint,  // one peer (the client case); VPN addresses are not needed to route
  kMultiPeer,     // a server: peers chosen by VPN address (longest prefix match)
};

enum class Transport : uint8_t { kUdp, kTcp };

enum class KeySlot : uint8_t { kPrimary, kSecondary };

// Why a peer went away (OVPN_DEL_PEER_REASON_*).
enum class DeleteReason : uint8_t {
  kTeardown,             // the device went away, or a point-to-point peer was replaced
  kUserspace,            // peer_del()
  kExpired,              // keepalive timeout: nothing authenticated arrived
  kTransportError,       // TCP send or framing error
  kTransportDisconnect,  // TCP connection closed by the other side
};

const char* mode_name(Mode m) noexcept;
const char* key_slot_name(KeySlot s) noexcept;
const char* delete_reason_name(DeleteReason r) noexcept;

struct Keepalive {
  uint32_t interval_s = 0;  // send a ping when nothing was sent for this long; 0: never
  uint32_t timeout_s = 0;   // expire when nothing authenticated arrived for this long; 0: never
  auto operator<=>(const Keepalive&) const = default;
};

struct PeerConfig {
  PeerId id = PeerId::undefined();  // the id we receive with (and send with, without tx_id)
  std::optional<PeerId> tx_id;      // asymmetric ids: the id the peer expects from us
  Transport transport = Transport::kUdp;
  std::optional<Endpoint> remote;     // UDP: required
  int tcp_fd = -1;                    // TCP: a connected socket, owned by the DCO on success
  std::optional<IpAddress> local;     // UDP: the source address to use (multi-homed hosts)
  std::optional<IpAddress> vpn_ipv4;  // multi-peer: at least one VPN address is required
  std::optional<IpAddress> vpn_ipv6;
  std::vector<IpPrefix> routes;  // iroutes: further prefixes reached through this peer
  Keepalive keepalive;
};

// The mutable part of a peer (PEER_SET): what is absent stays as it was.
struct PeerUpdate {
  PeerId id = PeerId::undefined();
  std::optional<Endpoint> remote;
  std::optional<IpAddress> local;
  std::optional<IpAddress> vpn_ipv4;
  std::optional<IpAddress> vpn_ipv6;
  std::optional<std::vector<IpPrefix>> routes;
  std::optional<Keepalive> keepalive;
};

struct TrafficCounters {
  uint64_t bytes = 0;
  uint64_t packets = 0;
};

struct PeerStats {
  TrafficCounters vpn_rx, vpn_tx;    // inner packets, as read from / written to the tunnel
  TrafficCounters link_rx, link_tx;  // outer packets, as on the wire
  std::array<uint64_t, static_cast<size_t>(Drop::kCount)> drops{};
  uint64_t last_rx_ms = 0;  // monotonic: the last authenticated packet (0: none yet)
  uint64_t last_tx_ms = 0;  // monotonic: the last packet sent
};

struct KeyInfo {
  KeySlot slot = KeySlot::kPrimary;
  KeyId key_id;
  crypto::CipherAlg alg = crypto::CipherAlg::kAes256Gcm;
};

struct PeerInfo {
  PeerConfig config;  // tcp_fd reads back as -1
  std::optional<Endpoint> local_endpoint;
  std::vector<KeyInfo> keys;
  PeerStats stats;
};

// One direction's key material. Moved into the DCO and wiped there; never read back.
struct KeyMaterial {
  SecretBytes cipher_key;               // 16, 24 or 32 bytes, by the cipher
  std::array<uint8_t, 8> nonce_tail{};  // the implicit IV
  ~KeyMaterial() { secure_wipe(nonce_tail.data(), nonce_tail.size()); }
};

struct KeyConfig {
  PeerId peer = PeerId::undefined();
  KeySlot slot = KeySlot::kPrimary;
  KeyId key_id;
  crypto::CipherAlg alg = crypto::CipherAlg::kAes256Gcm;
  KeyMaterial encrypt;
  KeyMaterial decrypt;
};

// Notifications, each with a sequence number: 1, 2, 3, ... with no gap, ever.
struct PeerDeleted {
  PeerId peer;
  DeleteReason reason;
};
struct KeySwapNeeded {
  PeerId peer;
  KeyId key_id;  // the key whose packet ids are running out
};
struct PeerFloated {
  PeerId peer;
  Endpoint remote;  // the new remote
};
// A non-data packet (control channel) that arrived on the engine's transports.
struct ControlPacket {
  std::optional<PeerId> peer;  // TCP: the peer whose socket it came on; UDP: by remote address
  Transport transport = Transport::kUdp;
  Endpoint remote;
  Endpoint local;
  std::vector<uint8_t> bytes;
};

struct Notification {
  uint64_t seq = 0;
  std::variant<PeerDeleted, KeySwapNeeded, PeerFloated, ControlPacket> event;
};

// Engine-wide state, beyond any one peer: which offloads the engine runs with and what they did
// so far. The Linux ovpn module has no counterpart (it segments in software), so a DCO without
// an engine of its own answers kUnsupported (Dco::engine_get()).
struct OffloadState {
  bool tun_vnet_hdr = false;  // TUN packets carry a virtio-net header (checksum offload)
  bool tun_tso = false;       // the TUN hands over TCP super-packets and takes merged ones
  bool tun_uso = false;       // the same for UDP
  bool udp_gso = false;       // UDP_SEGMENT on the sockets' sends
  bool udp_gro = false;       // UDP_GRO on their receives
  bool fanout = false;        // one peer's crypto shared over the shards
  bool operator==(const OffloadState&) const = default;
};

// What the TUN offloads did, summed over the shards: super-packets read and cut (TSO for TCP,
// USO for UDP); super-packets written and the packets merged into them; merges the kernel
// refused (their packets were written one by one).
struct TunOffloadCounters {
  uint64_t tso_reads = 0, tso_segments = 0;
  uint64_t uso_reads = 0, uso_segments = 0;
  uint64_t tcp_gso_writes = 0, tcp_gso_packets = 0;
  uint64_t udp_gso_writes = 0, udp_gso_packets = 0;
  uint64_t gso_refused = 0;
  bool operator==(const TunOffloadCounters&) const = default;
};

// What the crypto fan-out did (all zero when it is off).
struct FanoutCounters {
  uint64_t jobs = 0;          // batches shared out
  uint64_t items = 0;         // their packets
  uint64_t helped_items = 0;  // packets done by a shard other than the batch's own
  uint64_t wakes = 0;         // idle shards woken to help
  bool operator==(const FanoutCounters&) const = default;
};

struct EngineInfo {
  std::string ifname;             // the tunnel device
  std::optional<Endpoint> local;  // where the UDP sockets are bound
  uint32_t threads = 0;           // shards
  uint32_t tun_tx_queue_len = 0;  // packets each TUN queue holds (the device's txqueuelen)
  OffloadState offloads;
  TunOffloadCounters tun;
  FanoutCounters fanout;
  bool operator==(const EngineInfo&) const = default;
};

// Where send_control() sends: an existing peer (its remote or its TCP socket), or a remote
// that is not a peer yet (a handshake in progress on UDP).
using ControlTarget = std::variant<PeerId, Endpoint>;

class Dco {
 public:
  virtual ~Dco() = default;

  virtual Mode mode() const noexcept = 0;

  // Thread: control. kExists if the id is taken; kInvalidArgument when the config does not fit
  // the mode or the transport (see PeerConfig).
  virtual Status peer_new(PeerConfig config) = 0;
  virtual Status peer_set(const PeerUpdate& update) = 0;
  virtual Expected<PeerInfo> peer_get(PeerId id) const = 0;
  virtual std::vector<PeerInfo> peer_get_all() const = 0;
  // Removes the peer and its keys; a PeerDeleted(kUserspace) notification follows.
  virtual Status peer_del(PeerId id) = 0;

  // Installs a key in a slot (replacing what was there). The material is moved in and wiped.
  virtual Status key_new(KeyConfig key) = 0;
  virtual Expected<KeyInfo> key_get(PeerId peer, KeySlot slot) const = 0;
  // Swaps primary and secondary (either may be empty).
  virtual Status key_swap(PeerId peer) = 0;
  virtual Status key_del(PeerId peer, KeySlot slot) = 0;

  virtual Status send_control(const ControlTarget& target, std::span<const uint8_t> bytes) = 0;

  // Drops that belong to no peer (malformed, unknown peer id, DATA_V1), by reason.
  using DropCounts = std::array<uint64_t, kDropReasonCount>;
  virtual DropCounts device_drops() const = 0;

  // The engine's offload state and counters. By default kUnsupported: only a DCO with an engine
  // of its own has them (the kernel module does not). Thread: control.
  virtual Expected<EngineInfo> engine_get() const {
    return make_error(Errc::kUnsupported, "this DCO has no engine-wide offload state");
  }

  // Readable while notifications are pending (level-triggered).
  virtual int notification_fd() const noexcept = 0;
  // Moves up to `max` pending notifications, oldest first, into `out`; returns how many.
  virtual size_t read_notifications(std::vector<Notification>& out, size_t max = 256) = 0;
};

}  // namespace ovpn::dco
