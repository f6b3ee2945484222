#pragma once
// Which server to try next and how long to wait first: OpenVPN 2.6's rules, as a value.
//
//   * the remotes (connection entries) are tried in order, or shuffled once at start with
//     remote-random; a failed attempt moves to the next one, a success stays on it;
//   * the pause before an attempt is connect-retry N; after five unsuccessful rounds through
//     the list it doubles for each further round, up to connect-retry's MAX; a server's
//     RESTART backoff, or auth-retry nointeract's pause, raise it;
//   * the first attempt starts at once; after an interruption of a working connection
//     (ping-restart, a server's RESTART, SIGUSR1) the counters start again from zero, so the
//     pause is connect-retry N (a server that sent RESTART is usually still going down);
//   * connect-retry-max M gives up after M unsuccessful attempts per entry.
//
// Thread: control (a plain value; no clock, no I/O).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "config/client_options.h"

namespace ovpn::app {

class ReconnectPolicy {
 public:
  // `shuffle` permutes the entry order for remote-random (tests pass a fixed one).
  ReconnectPolicy(const config::ConnectionOptions& options,
                  const std::function<void(std::vector<size_t>&)>& shuffle = {});

  // The connection entry to try now (an index into options.entries).
  size_t current() const noexcept { return order_[position_]; }
  // Seconds to wait before the attempt about to start.
  uint32_t pause_s() const noexcept { return pause_s_; }
  // Whether connect-retry-max has been used up: the daemon stops.
  bool exhausted() const noexcept;

  // The attempt failed (no connection, handshake or push failed): next entry, longer pause.
  // `server_backoff_s` is a RESTART's backoff, `advance` false keeps the entry (RESTART
  // without [N]).
  void failed(std::optional<uint32_t> server_backoff_s = std::nullopt, bool advance = true);
  // The tunnel came up: counters reset, the entry kept.
  void connected() noexcept;
  // A working connection was interrupted: retry the same entry (unless the server asked to move
  // on) after connect-retry N, or the server's backoff.
  void interrupted(std::optional<uint32_t> server_backoff_s = std::nullopt, bool advance = false);
  // auth-retry nointeract: the next attempt waits at least this long.
  void auth_failed_pause(uint32_t seconds) noexcept { pause_s_ = std::max(pause_s_, seconds); }

  uint32_t unsuccessful_attempts() const noexcept { return unsuccessful_; }

 private:
  uint32_t backoff_pause(std::optional<uint32_t> server_backoff_s) const noexcept;
  void advance() noexcept;

  const config::ConnectionOptions& options_;
  std::vector<size_t> order_;
  size_t position_ = 0;
  uint32_t unsuccessful_ = 0;
  uint32_t pause_s_ = 0;
};

}  // namespace ovpn::app
