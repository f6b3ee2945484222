#include "app/reconnect_policy.h"

#include <algorithm>
#include <numeric>

namespace ovpn::app {

ReconnectPolicy::ReconnectPolicy(const config::ConnectionOptions& options,
                                 const std::function<void(std::vector<size_t>&)>& shuffle)
    : options_(options), order_(std::max<size_t>(options.entries.size(), 1)) {
  std::iota(order_.begin(), order_.end(), size_t{0});
  if (options.remote_random && shuffle) shuffle(order_);
}

bool ReconnectPolicy::exhausted() const noexcept {
  return options_.connect_retry_max != 0 &&
         unsuccessful_ >= uint64_t{options_.connect_retry_max} * order_.size();
}

uint32_t ReconnectPolicy::backoff_pause(std::optional<uint32_t> server_backoff_s) const noexcept {
  const auto& entry =
      options_.entries.empty() ? config::ConnectionEntry{} : options_.entries[current()];
  uint64_t pause = entry.connect_retry_s;
  // Rounds through the list beyond the fifth double the pause (at most 2^15 times).
  const int64_t rounds = static_cast<int64_t>(unsuccessful_ / order_.size()) - 4;
  if (rounds > 0) pause = std::max<uint64_t>(pause, 1) << std::min<int64_t>(rounds, 15);
  if (server_backoff_s) pause = std::max<uint64_t>(pause, *server_backoff_s);
  pause = std::min<uint64_t>(pause, entry.connect_retry_max_s);
  return static_cast<uint32_t>(pause);
}

void ReconnectPolicy::advance() noexcept { position_ = (position_ + 1) % order_.size(); }

void ReconnectPolicy::failed(std::optional<uint32_t> server_backoff_s, bool advance_entry) {
  ++unsuccessful_;
  if (advance_entry) advance();
  pause_s_ = backoff_pause(server_backoff_s);
}

void ReconnectPolicy::connected() noexcept {
  unsuccessful_ = 0;
  pause_s_ = 0;
}

void ReconnectPolicy::interrupted(std::optional<uint32_t> server_backoff_s, bool advance_entry) {
  if (advance_entry) advance();
  // connect-retry's pause, as after any restart: a server that sent RESTART is usually still
  // going down, and must not be the one the new handshake reaches. A server's backoff raises it,
  // capped by connect-retry's MAX.
  pause_s_ = backoff_pause(server_backoff_s);
}

}  // namespace ovpn::app
