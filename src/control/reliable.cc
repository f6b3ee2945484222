// The control channel's reliability layer: send window, receive window, ACK lists.

#include "control/reliable.h"

#include <algorithm>
#include <utility>

namespace ovpn::control {

namespace {

// "No cap" in OpenVPN; here the doubling stops before it could overflow (about 35 years).
constexpr uint64_t kMaxTimeoutMs = uint64_t{1} << 40;

}  // namespace

// --- send -----------------------------------------------------------------------------------

bool ReliableSender::window_full() const noexcept {
  if (count_ == kSendWindow) return true;
  for (size_t i = 0; i < kSendWindow; ++i) {
    // The new id must stay less than a window above every unacknowledged one.
    if (active_[i] && next_id_ - slots_[i].id >= kSendWindow) return true;
  }
  return false;
}

Expected<uint32_t> ReliableSender::push(proto::Opcode op, std::vector<uint8_t> payload,
                                        uint64_t now_ms) {
  if (window_full()) return make_error(Errc::kExhausted, "reliable send window full");
  for (size_t i = 0; i < kSendWindow; ++i) {
    if (active_[i]) continue;
    SendEntry& e = slots_[i];
    e.id = next_id_++;
    e.op = op;
    e.payload = std::move(payload);
    e.next_try_ms = now_ms;
    e.timeout_ms = tls_timeout_ms_;
    e.later_acks = 0;
    e.sends = 0;
    active_[i] = true;
    ++count_;
    return e.id;
  }
  return make_error(Errc::kInternal, "no free send slot");  // window_full() said otherwise
}

SendEntry* ReliableSender::find(uint32_t id) noexcept {
  for (size_t i = 0; i < kSendWindow; ++i) {
    if (active_[i] && slots_[i].id == id) return &slots_[i];
  }
  return nullptr;
}

bool ReliableSender::on_ack(uint32_t id) noexcept {
  bool acked = false;
  for (size_t i = 0; i < kSendWindow; ++i) {
    if (!active_[i]) continue;
    SendEntry& e = slots_[i];
    if (e.id == id) {
      active_[i] = false;
      e.payload = {};
      --count_;
      acked = true;
    } else if (id_before(e.id, id) && e.later_acks < kFastRetransmitAcks) {
      ++e.later_acks;
    }
  }
  return acked;
}

const SendEntry* ReliableSender::due(uint64_t now_ms) const noexcept {
  const SendEntry* best = nullptr;
  for (size_t i = 0; i < kSendWindow; ++i) {
    if (!active_[i]) continue;
    const SendEntry& e = slots_[i];
    const bool is_due = now_ms >= e.next_try_ms || e.later_acks >= kFastRetransmitAcks;
    if (is_due && (best == nullptr || id_before(e.id, best->id))) best = &e;
  }
  return best;
}

void ReliableSender::mark_sent(uint32_t id, uint64_t now_ms) noexcept {
  SendEntry* e = find(id);
  if (e == nullptr) return;
  e->next_try_ms = now_ms + e->timeout_ms;
  e->timeout_ms = std::min(e->timeout_ms * 2, kMaxTimeoutMs);
  e->later_acks = 0;
  ++e->sends;
}

void ReliableSender::burst(uint64_t now_ms) noexcept {
  for (size_t i = 0; i < kSendWindow; ++i) {
    if (!active_[i]) continue;
    slots_[i].next_try_ms = now_ms;
    slots_[i].timeout_ms = tls_timeout_ms_;
  }
}

std::optional<uint64_t> ReliableSender::next_deadline() const noexcept {
  std::optional<uint64_t> earliest;
  for (size_t i = 0; i < kSendWindow; ++i) {
    if (!active_[i]) continue;
    const SendEntry& e = slots_[i];
    // A packet owed a fast retransmit is due now; 0 sorts before any deadline.
    const uint64_t t = e.later_acks >= kFastRetransmitAcks ? 0 : e.next_try_ms;
    if (!earliest || t < *earliest) earliest = t;
  }
  return earliest;
}

// --- receive --------------------------------------------------------------------------------

RxVerdict ReliableReceiver::classify(uint32_t id) const noexcept {
  if (id_before(id, next_expected_)) return RxVerdict::kDuplicate;
  if (id - next_expected_ >= kReceiveWindow) return RxVerdict::kBeyondWindow;
  return slots_[id % kReceiveWindow].has_value() ? RxVerdict::kDuplicate : RxVerdict::kNew;
}

RxVerdict ReliableReceiver::on_packet(uint32_t id, std::span<const uint8_t> payload) {
  const RxVerdict verdict = classify(id);
  if (verdict == RxVerdict::kNew) {
    slots_[id % kReceiveWindow].emplace(payload.begin(), payload.end());
  }
  return verdict;
}

std::optional<std::vector<uint8_t>> ReliableReceiver::pop_in_order() noexcept {
  auto& slot = slots_[next_expected_ % kReceiveWindow];
  if (!slot.has_value()) return std::nullopt;
  std::optional<std::vector<uint8_t>> out = std::move(slot);
  slot.reset();
  ++next_expected_;
  return out;
}

size_t ReliableReceiver::buffered() const noexcept {
  return static_cast<size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const auto& s) { return s.has_value(); }));
}

// --- ACKs -----------------------------------------------------------------------------------

void AckTracker::add(uint32_t id) noexcept {
  for (size_t i = 0; i < pending_count_; ++i) {
    if (pending_[i] == id) return;
  }
  if (pending_count_ == pending_.size()) return;
  pending_[pending_count_++] = id;
}

size_t AckTracker::would_send(size_t max) const noexcept {
  return std::min(max, pending_count_ + recent_count_);
}

AckList AckTracker::take(size_t max) noexcept {
  max = std::min(max, proto::kMaxAcks);
  const size_t n = std::min(max, pending_count_);
  // Move pending_[0..n) to the front of recent_, keeping their order, each id once.
  for (size_t k = n; k-- > 0;) {
    const uint32_t id = pending_[k];
    size_t pos = recent_count_;
    for (size_t i = 0; i < recent_count_; ++i) {
      if (recent_[i] == id) {
        pos = i;
        break;
      }
    }
    if (pos == recent_count_ && recent_count_ < recent_.size()) ++recent_count_;
    if (pos >= recent_count_) pos = recent_count_ - 1;  // full: the oldest falls off
    for (size_t i = pos; i > 0; --i) recent_[i] = recent_[i - 1];
    recent_[0] = id;
  }
  std::copy(pending_.begin() + static_cast<ptrdiff_t>(n),
            pending_.begin() + static_cast<ptrdiff_t>(pending_count_), pending_.begin());
  pending_count_ -= n;

  AckList out;
  out.count = static_cast<uint8_t>(std::min(max, recent_count_));
  std::copy_n(recent_.begin(), out.count, out.ids.begin());
  return out;
}

}  // namespace ovpn::control
