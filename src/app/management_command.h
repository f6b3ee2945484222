#pragma once
// One line of OpenVPN's management protocol, as the server's management socket reads it, turned
// into a command (pure: no sockets, no daemon). Words are split as configuration lines are
// (config/tokenizer.h: quotes and backslash escapes), as OpenVPN does for management commands.
//
//   help | version [N] | pid | load-stats | quit | exit
//   status [N]                       N: the status format, 1 (default), 2 or 3
//   state [on|off|all|N] [all]       "state on all": the history, then real-time >STATE:
//   bytecount N                      >BYTECOUNT_CLI every N seconds; 0 turns it off
//   kill CN | kill [udp:|tcp:]IP:PORT
//   client-kill CID [MSG]
//   signal SIGHUP|SIGTERM|SIGUSR1|SIGUSR2
//
// A line that is not a command gives Refused, with the ERROR: line to answer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/ip_address.h"

namespace ovpn::app::management {

inline constexpr uint32_t kInterfaceVersion = 5;  // what OpenVPN 2.6 announces

struct Blank {};  // an empty or comment-only line: no answer
struct Help {};
struct Version {
  std::optional<uint32_t> client_version;  // "version N": the client announces its own
};
struct Pid {};
struct LoadStats {};
struct Quit {};
struct ShowStatus {
  uint32_t version = 1;
};
struct State {
  enum class Mode : uint8_t { kCurrent, kOn, kOff, kAll, kRecent, kOnAll };
  Mode mode = Mode::kCurrent;
  uint32_t count = 0;  // kRecent: the last `count` entries
};
struct ByteCount {
  uint32_t interval_s = 0;  // 0: off
};
struct KillByName {
  std::string common_name;
};
enum class LinkProto : uint8_t { kAny, kUdp, kTcp };
struct KillByAddress {
  Endpoint remote;
  LinkProto proto = LinkProto::kAny;
  std::string text;  // the address as written, for the answer
};
struct ClientKill {
  uint32_t client_id = 0;
  std::string message;  // "" when not given
};
struct Signal {
  int signo = 0;
  std::string name;  // "SIGUSR1"
};
struct Refused {
  std::string error;  // the whole answer line, "ERROR: ..."
};

using Command = std::variant<Blank, Help, Version, Pid, LoadStats, Quit, ShowStatus, State,
                             ByteCount, KillByName, KillByAddress, ClientKill, Signal, Refused>;

// `line` without its line end (a trailing '\r' is ignored; anything from a '\n' on is too).
// Thread: any (pure).
Command parse_command(std::string_view line);

}  // namespace ovpn::app::management
