#pragma once
// One key state's control-channel transport: the reliability layer over a tls-wrap, sans-I/O.
//
// Above it, TLS writes ciphertext with write() and reads the peer's ciphertext with read();
// below it, the event loop hands every control packet for this key id to on_packet() and sends
// what poll_transmit() returns, calling it again at next_timeout_ms().
//
//   1. On creation the channel queues its own reset as message id 0: a client's
//      P_CONTROL_HARD_RESET_CLIENT_V2 (V3 with the WKc under tls-crypt-v2), or a
//      P_CONTROL_SOFT_RESET_V1 for a renegotiation. A server waits for the client's reset and
//      answers it with P_CONTROL_HARD_RESET_SERVER_V2 -- unless the resets were exchanged
//      statelessly (ChannelConfig::reset_exchanged), when it starts at step 3.
//   2. The peer's reset gives the peer's session id (a packet with another one is dropped),
//      makes every unacknowledged packet due at once ("burst"), and, for a hard reset, carries
//      early-negotiation TLVs: RESEND_WKC makes our message id 1 a P_CONTROL_WKC_V1.
//   3. Once our reset is ACKed, the TLS byte stream is cut into P_CONTROL_V1 packets no larger
//      than tls-mtu allows (payload_budget()), each carrying up to 4 ACKs. Against a 2.6 UDP
//      server the first of them carries the ACK of its reset with its session id: the server's
//      session id is a stateless cookie, and without that ACK it drops the packet.
//   4. A P_ACK_V1 (up to 8 ACKs) goes out only when new ACKs are pending and nothing else is.
//
// Every transmission, retransmissions included, takes a fresh tls-wrap replay id from the
// session's counter. A received packet's replay id is checked only after it authenticated.
//
// Single-threaded: every member runs on the control thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/strong_id.h"
#include "control/reliable.h"
#include "control/tls_wrap_context.h"
#include "proto/control_packet.h"
#include "proto/static_key.h"

namespace ovpn::control {

inline constexpr size_t kMinTlsMtu = 154;
inline constexpr size_t kMaxTlsMtu = 2048;
inline constexpr size_t kDefaultTlsMtu = 1250;
inline constexpr size_t kUdp4Overhead = 28;  // IPv4 + UDP headers, counted against tls-mtu
inline constexpr size_t kUdp6Overhead = 48;
inline constexpr size_t kTcp4Overhead = 42;  // IPv4 + TCP headers + the 2-byte frame length
inline constexpr size_t kTcp6Overhead = 62;
// The largest control packet accepted: tls-mtu's maximum, a WKc, and room for headers.
inline constexpr size_t kMaxControlWireSize = 4096;
// The largest packet poll_transmit() builds.
inline constexpr size_t kMaxControlPacketSize = kMaxTlsMtu + proto::kWkcMaxSize + 128;
// Received ciphertext not yet read() above this stops the channel taking new packets (they are
// not ACKed, so the peer sends them again later): the receive side's bound.
inline constexpr size_t kMaxReadBuffer = 64 * 1024;
// Ciphertext written but not yet cut into packets may not exceed this.
inline constexpr size_t kMaxWriteBuffer = 256 * 1024;

enum class ResetKind : uint8_t { kHard, kSoft };

struct ChannelConfig {
  proto::Role role = proto::Role::kClient;
  ResetKind reset = ResetKind::kHard;
  KeyId key_id;                       // 0 for a hard reset, 1..7 for a soft reset
  proto::SessionId own_session_id{};  // random, never all zeros
  // Known for a soft reset (the session's peer); learned from the peer's hard reset otherwise.
  std::optional<proto::SessionId> peer_session_id;
  uint64_t tls_timeout_ms = kDefaultTlsTimeoutMs;
  size_t tls_mtu = kDefaultTlsMtu;
  size_t transport_overhead = kUdp4Overhead;
  // 4 reproduces a 2.6 client in plain mode without EKM (a workaround for SoftEther).
  size_t max_acks_on_ack_v1 = kAcksOnAckV1;
  // A server's hard reset that already happened statelessly (the 2.6 UDP server's HMAC cookie,
  // control/stateless_handshake.h): the channel starts as if our reset (message id 0) had been
  // sent and ACKed and the client's reset received, so the next id sent and the next expected
  // are both 1. Needs role kServer, ResetKind::kHard and peer_session_id (the client's).
  bool reset_exchanged = false;
};

// Why on_packet() did not take a packet. kNone: taken.
enum class ControlDrop : uint8_t {
  kNone = 0,
  kMalformed,         // does not parse (envelope or body), or too large
  kBadAuth,           // tls-auth HMAC or tls-crypt tag did not verify
  kReplay,            // tls-wrap replay window: seen, too old, id 0
  kWrongKeyId,        // another key state's packet
  kUnexpectedOpcode,  // data, key-method 1, a reset from our own side, a reset not at id 0
  kUnknownSession,    // before the peer's reset told us its session id
  kWrongSession,      // a session id other than the peer's
  kBadAckSession,     // ACKs carrying a session id other than ours
  kDuplicate,         // a message id seen before: ACKed again, payload not delivered again
  kBeyondWindow,      // a message id past the receive window: not ACKed
  kReadBufferFull,    // read() is behind: not ACKed
  kBadResetPayload,   // malformed early-negotiation TLVs: the channel has failed
  kFailed,            // the channel had already failed
  kCount,
};

// Stable lower-case names for counters and logs. Thread: any.
const char* control_drop_name(ControlDrop reason) noexcept;

struct ChannelStats {
  std::array<uint64_t, static_cast<size_t>(ControlDrop::kCount)> rx{};  // by verdict
  uint64_t tx_packets = 0;
  uint64_t tx_retransmits = 0;
  uint64_t tx_ack_only = 0;
  uint64_t acks_received = 0;  // ACK ids that acknowledged an outstanding packet
};

class ControlChannel {
 public:
  // Queues our reset (not for a server's hard reset) due at `now_ms`. `wrap` is the session's
  // tls-wrap context and must outlive the channel. kInvalidArgument for a config that cannot
  // work (tls-mtu out of range, all-zero session id, key id 0 for a soft reset, ...).
  static Expected<ControlChannel> create(const ChannelConfig& config, TlsWrapContext& wrap,
                                         uint64_t now_ms);

  // One received control packet of this session. Never fails on input: bad input is a drop.
  ControlDrop on_packet(std::span<const uint8_t> wire, uint64_t now_ms);

  // Appends TLS ciphertext to send. kExhausted when kMaxWriteBuffer would be exceeded (nothing
  // is taken then); kInvalidArgument after failure.
  Status write(std::span<const uint8_t> tls_bytes);
  // Copies in-order received ciphertext into `out`; returns the bytes copied.
  size_t read(std::span<uint8_t> out) noexcept;
  size_t readable() const noexcept { return read_buf_.size() - read_pos_; }

  // Builds the next packet to send at `now_ms` into `out` (kMaxControlPacketSize is always
  // enough); returns its size, 0 when nothing is due. An error means the packet could not be
  // built (`out` too small, replay ids exhausted): the channel state is unchanged.
  Expected<size_t> poll_transmit(uint64_t now_ms, std::span<uint8_t> out);
  // When poll_transmit() next has something to send (may be in the past), or nullopt.
  std::optional<uint64_t> next_timeout_ms() const noexcept;

  // The payload of a P_CONTROL_V1 cut now (see the protocol reference section 3).
  size_t payload_budget(proto::Opcode op) const noexcept;

  bool own_reset_acked() const noexcept { return own_reset_acked_; }
  bool peer_reset_seen() const noexcept { return peer_reset_seen_; }
  // Back-pressure: no new packet can be cut until the peer ACKs.
  bool send_window_full() const noexcept { return sender_.window_full(); }
  // Everything we sent, the reset included, has been ACKed.
  bool all_acked() const noexcept { return sender_.all_acked(); }
  size_t write_pending() const noexcept { return write_buf_.size() - write_pos_; }
  // The handshake cannot go on (malformed reset payload); error() says why.
  bool failed() const noexcept { return failed_.has_value(); }
  const std::optional<Error>& error() const noexcept { return failed_; }

  KeyId key_id() const noexcept { return config_.key_id; }
  const proto::SessionId& own_session_id() const noexcept { return config_.own_session_id; }
  const std::optional<proto::SessionId>& peer_session_id() const noexcept { return peer_sid_; }
  // RESEND_WKC was asked for by the server's reset.
  bool resend_wkc() const noexcept { return resend_wkc_; }
  const ChannelStats& stats() const noexcept { return stats_; }

 private:
  ControlChannel(const ChannelConfig& config, TlsWrapContext& wrap) noexcept;

  ControlDrop receive(std::span<const uint8_t> wire, uint64_t now_ms);
  bool is_peer_reset(proto::Opcode op) const noexcept;
  proto::Opcode own_reset_opcode() const noexcept;
  void on_peer_reset(uint64_t now_ms);
  void deliver_in_order();
  void cut_packets(uint64_t now_ms);
  Expected<size_t> build(proto::Opcode op, bool has_message_id, uint32_t message_id,
                         std::span<const uint8_t> payload, size_t max_acks, std::span<uint8_t> out);

  ChannelConfig config_;
  TlsWrapContext* wrap_;
  std::optional<proto::SessionId> peer_sid_;
  ReliableSender sender_;
  ReliableReceiver receiver_;
  AckTracker acks_;
  bool own_reset_queued_ = false;
  bool own_reset_acked_ = false;
  bool peer_reset_seen_ = false;
  bool resend_wkc_ = false;
  std::optional<Error> failed_;
  std::vector<uint8_t> write_buf_;  // [write_pos_, end) not yet cut
  size_t write_pos_ = 0;
  std::vector<uint8_t> read_buf_;  // [read_pos_, end) not yet read
  size_t read_pos_ = 0;
  std::vector<uint8_t> scratch_;  // unwrapped P, or P being built
  ChannelStats stats_;
};

}  // namespace ovpn::control
