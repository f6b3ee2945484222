#pragma once
// The daemon's log, the way OpenVPN writes it: "2026-11-29 16:00:00 message" lines on stdout
// or in the --log / --log-append file, verb mapped to levels (0: errors only, 1-3: normal
// operation, 4: debug, 5 and up: trace), mute N (after N consecutive lines of one component the
// rest are counted and reported as "N similar messages suppressed"), suppress-timestamps.
//
// Thread: configure() on the main thread before the engine starts; the sink may be called from
// any thread (lines are written whole under a lock).

#include <cstdint>
#include <string>

#include "common/log.h"
#include "common/result.h"

namespace ovpn::app {

struct DaemonLogSettings {
  uint32_t verb = 1;
  uint32_t mute = 0;
  std::string file;  // "" : stdout
  bool append = false;
  bool timestamps = true;
};

// The level that OpenVPN's verb stands for. Thread: any.
LogLevel level_for_verb(uint32_t verb) noexcept;

// Installs the sink; opens the file (errors name it). Thread: main, before other threads.
Status configure_daemon_log(const DaemonLogSettings& settings);

}  // namespace ovpn::app
