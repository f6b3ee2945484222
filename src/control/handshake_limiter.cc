// Rate limits and caps on a server's handshakes.

#include "control/handshake_limiter.h"

#include <algorithm>

namespace ovpn::control {

namespace {

constexpr uint64_t kSweepIntervalMs = 1000;

bool valid(RateLimit r) noexcept {
  return !r.enabled() || (r.count <= kMaxRateCount && r.seconds <= kMaxRateSeconds);
}

}  // namespace

// --- token bucket ---------------------------------------------------------------------------

TokenBucket::TokenBucket(RateLimit limit, uint64_t now_ms) noexcept {
  if (!limit.enabled()) return;
  count_ = limit.count;
  period_ms_ = uint64_t{limit.seconds} * 1000;
  units_ = count_ * period_ms_;  // starts full
  last_ms_ = now_ms;
}

void TokenBucket::refill(uint64_t now_ms) noexcept {
  if (now_ms <= last_ms_) return;  // a clock that stands or steps back adds nothing
  const uint64_t capacity = count_ * period_ms_;
  // A whole period fills the bucket: capping the elapsed time keeps the product in range.
  const uint64_t elapsed = std::min(now_ms - last_ms_, period_ms_);
  units_ = std::min(capacity, units_ + elapsed * count_);
  last_ms_ = now_ms;
}

bool TokenBucket::available(uint64_t now_ms) noexcept {
  if (!enabled()) return true;
  refill(now_ms);
  return units_ >= period_ms_;
}

bool TokenBucket::take(uint64_t now_ms) noexcept {
  if (!enabled()) return true;
  if (!available(now_ms)) return false;
  units_ -= period_ms_;
  return true;
}

void TokenBucket::refund() noexcept {
  if (!enabled()) return;
  units_ = std::min(count_ * period_ms_, units_ + period_ms_);
}

bool TokenBucket::full(uint64_t now_ms) noexcept {
  if (!enabled()) return true;
  refill(now_ms);
  return units_ == count_ * period_ms_;
}

uint64_t TokenBucket::tokens(uint64_t now_ms) noexcept {
  if (!enabled()) return UINT64_MAX;
  refill(now_ms);
  return units_ / period_ms_;
}

// --- limiter --------------------------------------------------------------------------------

const char* limit_verdict_name(LimitVerdict verdict) noexcept {
  switch (verdict) {
    case LimitVerdict::kAllowed:
      return "allowed";
    case LimitVerdict::kReplyRate:
      return "reply_rate";
    case LimitVerdict::kClientRate:
      return "client_rate";
    case LimitVerdict::kSourceRate:
      return "source_rate";
    case LimitVerdict::kHalfOpen:
      return "half_open";
    case LimitVerdict::kSourceHalfOpen:
      return "source_half_open";
    case LimitVerdict::kSourceTableFull:
      return "source_table_full";
    case LimitVerdict::kCount:
      break;
  }
  return "unknown";
}

HandshakeLimiter::HandshakeLimiter(const HandshakeLimits& limits, uint64_t now_ms) noexcept
    : limits_(limits),
      replies_(limits.reset_replies, now_ms),
      clients_(limits.new_clients, now_ms) {}

Expected<HandshakeLimiter> HandshakeLimiter::create(const HandshakeLimits& limits,
                                                    uint64_t now_ms) {
  if (!valid(limits.reset_replies) || !valid(limits.new_clients) ||
      !valid(limits.source_reset_replies) || !valid(limits.source_new_clients)) {
    return make_error(Errc::kInvalidArgument, "a handshake rate above 1000000 per 86400 s");
  }
  const bool per_source =
      limits.source_reset_replies.enabled() || limits.source_new_clients.enabled();
  if (per_source && limits.max_sources == 0) {
    return make_error(Errc::kInvalidArgument, "per-source rates need max_sources > 0");
  }
  return HandshakeLimiter(limits, now_ms);
}

void HandshakeLimiter::forget_full_sources(uint64_t now_ms) {
  for (auto it = sources_.begin(); it != sources_.end();) {
    if (it->second.replies.full(now_ms) && it->second.clients.full(now_ms)) {
      it = sources_.erase(it);
    } else {
      ++it;
    }
  }
}

HandshakeLimiter::Source* HandshakeLimiter::source(const IpAddress& address, uint64_t now_ms) {
  if (auto it = sources_.find(address); it != sources_.end()) return &it->second;
  if (sources_.size() >= limits_.max_sources) {
    // Under a flood of many addresses this is reached on every packet: sweep now and then.
    if (now_ms < next_sweep_ms_) return nullptr;
    next_sweep_ms_ = now_ms + kSweepIntervalMs;
    forget_full_sources(now_ms);
    if (sources_.size() >= limits_.max_sources) return nullptr;
  }
  Source fresh{TokenBucket(limits_.source_reset_replies, now_ms),
               TokenBucket(limits_.source_new_clients, now_ms)};
  return &sources_.emplace(address, fresh).first->second;
}

LimitVerdict HandshakeLimiter::allow_reply(const IpAddress& source, uint64_t now_ms) {
  const LimitVerdict v = check_reply(source, now_ms);
  ++stats_.replies[static_cast<size_t>(v)];
  return v;
}

LimitVerdict HandshakeLimiter::check_reply(const IpAddress& address, uint64_t now_ms) {
  // The overall budget first, without taking: a source is only tracked when a reply could go.
  if (!replies_.available(now_ms)) return LimitVerdict::kReplyRate;
  if (limits_.source_reset_replies.enabled()) {
    Source* s = source(address, now_ms);
    if (s == nullptr) return LimitVerdict::kSourceTableFull;
    if (!s->replies.take(now_ms)) return LimitVerdict::kSourceRate;
  }
  static_cast<void>(replies_.take(now_ms));
  return LimitVerdict::kAllowed;
}

LimitVerdict HandshakeLimiter::admit(const IpAddress& source, uint64_t now_ms, bool after_cookie) {
  const LimitVerdict v = check_admit(source, now_ms, after_cookie);
  ++stats_.admits[static_cast<size_t>(v)];
  return v;
}

LimitVerdict HandshakeLimiter::check_admit(const IpAddress& address, uint64_t now_ms,
                                           bool after_cookie) {
  // The caps first: a refused client takes no token.
  if (limits_.max_half_open > 0 && half_open_ >= limits_.max_half_open) {
    return LimitVerdict::kHalfOpen;
  }
  if (limits_.max_half_open_per_source > 0 &&
      half_open(address) >= limits_.max_half_open_per_source) {
    return LimitVerdict::kSourceHalfOpen;
  }
  if (!clients_.available(now_ms)) return LimitVerdict::kClientRate;
  Source* s = nullptr;
  if (limits_.source_new_clients.enabled()) {
    s = source(address, now_ms);
    if (s == nullptr) return LimitVerdict::kSourceTableFull;
    if (!s->clients.take(now_ms)) return LimitVerdict::kSourceRate;
  }
  static_cast<void>(clients_.take(now_ms));
  ++half_open_;
  ++half_open_by_source_[address];
  if (after_cookie) {
    replies_.refund();
    if (s == nullptr) {
      auto it = sources_.find(address);
      if (it != sources_.end()) s = &it->second;
    }
    if (s != nullptr) s->replies.refund();
  }
  return LimitVerdict::kAllowed;
}

void HandshakeLimiter::handshake_done(const IpAddress& address) noexcept {
  auto it = half_open_by_source_.find(address);
  if (it == half_open_by_source_.end()) {
    ++stats_.unmatched_done;
    return;
  }
  ++stats_.done;
  --half_open_;
  if (--it->second == 0) half_open_by_source_.erase(it);
}

size_t HandshakeLimiter::half_open(const IpAddress& address) const noexcept {
  auto it = half_open_by_source_.find(address);
  return it == half_open_by_source_.end() ? 0 : it->second;
}

}  // namespace ovpn::control
