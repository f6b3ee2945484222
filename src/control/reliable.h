#pragma once
// The reliability layer of OpenVPN's control channel (reliable.c in 2.6), sans-I/O: one key
// state's send window, receive window and ACK bookkeeping. Time is passed in as a monotonic
// millisecond clock; nothing here reads a clock or touches a socket.
//
//   send:    message ids 0, 1, 2, ... (a retransmission reuses its id). At most kSendWindow
//            packets are unacknowledged, and a new id is less than kSendWindow above the lowest
//            unacknowledged one. Each packet is due at once, then again after tls-timeout,
//            doubling on every send; it is due early once kFastRetransmitAcks ACKs for higher
//            ids have arrived (fast retransmit). A burst makes every unacknowledged packet due
//            now, with its timeout back at tls-timeout (done when the peer's reset arrives).
//   receive: ids in [next_expected, next_expected + kReceiveWindow) are kept, out of order if
//            need be, and handed on in id order without gaps. Ids below next_expected are
//            duplicates; ids at or beyond the window are dropped without an ACK.
//   ACKs:    per id, not cumulative. New ACK ids wait in a pending list; when a packet goes out
//            they move to the front of a most-recently-used list, and the packet carries the
//            first entries of that list (kAcksPiggybacked on P_CONTROL_V1, up to kAcksOnAckV1
//            on P_ACK_V1), so that recent ACKs are repeated, the server reset's ACK included.
//
// Memory is bounded by the windows: 6 sent and 12 received payloads, 8 + 8 ACK ids.
// Single-threaded: every member runs on the control thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/result.h"
#include "proto/control_packet.h"
#include "proto/opcode.h"

namespace ovpn::control {

inline constexpr size_t kSendWindow = 6;           // TLS_RELIABLE_N_SEND_BUFFERS
inline constexpr size_t kReceiveWindow = 12;       // TLS_RELIABLE_N_REC_BUFFERS
inline constexpr size_t kAcksPiggybacked = 4;      // CONTROL_SEND_ACK_MAX
inline constexpr size_t kAcksOnAckV1 = 8;          // RELIABLE_ACK_SIZE
inline constexpr uint8_t kFastRetransmitAcks = 3;  // N_ACK_RETRANSMIT
inline constexpr uint64_t kDefaultTlsTimeoutMs = 2000;
static_assert(kAcksOnAckV1 == proto::kMaxAcks);

// True when message id `a` comes before `b`, allowing for 32-bit wrap.
constexpr bool id_before(uint32_t a, uint32_t b) noexcept {
  return static_cast<int32_t>(a - b) < 0;
}

// One unacknowledged outgoing packet: what is needed to build it again.
struct SendEntry {
  uint32_t id = 0;
  proto::Opcode op = proto::Opcode::kControlV1;
  std::vector<uint8_t> payload;
  uint64_t next_try_ms = 0;  // due at or after this time
  uint64_t timeout_ms = 0;   // the wait after the next send
  uint8_t later_acks = 0;    // ACKs seen for higher ids since the last send
  uint32_t sends = 0;
};

class ReliableSender {
 public:
  explicit ReliableSender(uint64_t tls_timeout_ms = kDefaultTlsTimeoutMs) noexcept
      : tls_timeout_ms_(tls_timeout_ms) {}

  // No new message id can be taken until an ACK arrives.
  bool window_full() const noexcept;
  uint32_t next_id() const noexcept { return next_id_; }
  size_t in_flight() const noexcept { return count_; }
  bool all_acked() const noexcept { return count_ == 0; }

  // Takes the next message id for `payload`; the packet is due at once. kExhausted when the
  // window is full.
  Expected<uint32_t> push(proto::Opcode op, std::vector<uint8_t> payload, uint64_t now_ms);

  // An ACK from the peer. Returns true when it acknowledged an unacknowledged packet; ACKs of
  // unknown or already acknowledged ids are ignored (but count towards fast retransmit of
  // lower ids, as in OpenVPN).
  bool on_ack(uint32_t id) noexcept;

  // The lowest-id packet that is due at `now_ms`, or nullptr.
  const SendEntry* due(uint64_t now_ms) const noexcept;
  // Records that packet `id` was sent at `now_ms`: next try after the current timeout, which
  // then doubles.
  void mark_sent(uint32_t id, uint64_t now_ms) noexcept;
  // Makes every unacknowledged packet due now, with its timeout back at tls-timeout.
  void burst(uint64_t now_ms) noexcept;
  // The earliest retransmit deadline, or nullopt when nothing is unacknowledged.
  std::optional<uint64_t> next_deadline() const noexcept;

 private:
  SendEntry* find(uint32_t id) noexcept;

  uint64_t tls_timeout_ms_;
  uint32_t next_id_ = 0;
  std::array<SendEntry, kSendWindow> slots_{};
  std::array<bool, kSendWindow> active_{};
  size_t count_ = 0;
};

enum class RxVerdict : uint8_t {
  kNew,           // kept; ACK it
  kDuplicate,     // seen before (delivered or buffered); ACK it again
  kBeyondWindow,  // at or past next_expected + kReceiveWindow: drop, no ACK
};

class ReliableReceiver {
 public:
  // What on_packet() would say about `id`, changing nothing.
  RxVerdict classify(uint32_t id) const noexcept;
  // Keeps `payload` under `id` when it is new.
  RxVerdict on_packet(uint32_t id, std::span<const uint8_t> payload);
  // The next payload in id order, if it has arrived (advances next_expected).
  std::optional<std::vector<uint8_t>> pop_in_order() noexcept;

  uint32_t next_expected() const noexcept { return next_expected_; }
  size_t buffered() const noexcept;

 private:
  uint32_t next_expected_ = 0;
  std::array<std::optional<std::vector<uint8_t>>, kReceiveWindow> slots_{};  // by id % window
};

// The ids an outgoing packet acknowledges.
struct AckList {
  uint8_t count = 0;
  std::array<uint32_t, proto::kMaxAcks> ids{};
};

class AckTracker {
 public:
  // Queues an ACK for `id` (once; dropped when kAcksOnAckV1 are already pending: the peer
  // retransmits, and that packet is ACKed then).
  void add(uint32_t id) noexcept;
  bool has_pending() const noexcept { return pending_count_ > 0; }
  size_t pending() const noexcept { return pending_count_; }
  // What a packet carrying up to `max` ACKs would hold, without taking them: for sizing.
  size_t would_send(size_t max) const noexcept;
  // The ACKs for a packet going out now, up to `max`: pending ones first (they move to the
  // front of the recent list), then recent ones repeated.
  AckList take(size_t max) noexcept;

 private:
  std::array<uint32_t, kAcksOnAckV1> pending_{};
  size_t pending_count_ = 0;
  std::array<uint32_t, kAcksOnAckV1> recent_{};  // most recent first
  size_t recent_count_ = 0;
};

}  // namespace ovpn::control
