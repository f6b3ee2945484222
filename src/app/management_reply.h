#pragma once
// The answers of the management interface, in OpenVPN's formats: a command (parsed by
// management_command.h) and a management connection's settings in, the lines to send out
// (without line ends). Separate from the socket (management_server.h), so that it is tested
// against a fake daemon.
//
// Output conventions, as OpenVPN's: "SUCCESS: ..." or "ERROR: ..." for one-line answers, "END"
// after a multi-line one, and real-time lines start with '>' (>INFO, >STATE, >BYTECOUNT_CLI).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/management_command.h"
#include "app/management_handler.h"

namespace ovpn::app::management {

inline constexpr std::string_view kGreeting =
    ">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info";
inline constexpr std::string_view kPasswordPrompt = "ENTER PASSWORD:";  // sent without a line end
inline constexpr std::string_view kPasswordCorrect = "SUCCESS: password is correct";
inline constexpr std::string_view kPasswordWrong = "ERROR: bad password";

// One state of the daemon (OpenVPN's CONNECTED, RECONNECTING, EXITING), as `state` prints it:
// nine comma-separated fields, empty where unknown.
struct StateEntry {
  int64_t time = 0;  // unix seconds
  std::string name;
  std::string description;  // "SUCCESS", or why it restarts or exits
  std::string local_ip;     // the tun device's IPv4 address
  std::string remote_ip, remote_port;
  std::string local_address, local_port;  // where the daemon listens
  std::string local_ipv6;                 // the tun device's IPv6 address
};

// Thread: any (pure).
std::string format_state(const StateEntry& entry);

// What one management connection asked for.
struct Settings {
  bool state_on = false;     // real-time >STATE:
  uint32_t bytecount_s = 0;  // >BYTECOUNT_CLI every so many seconds; 0: off
  uint32_t client_version = 1;
  bool quit = false;  // quit / exit: close after the answer
};

// What the answers need besides the daemon.
struct Context {
  long pid = 0;
  std::span<const StateEntry> history;  // oldest first
};

// The answer to `command`; may change `settings` and act through `handler` (kill, signal).
// Thread: main (it calls the handler).
std::vector<std::string> answer(const Command& command, Handler& handler, Settings& settings,
                                const Context& context);

// The >BYTECOUNT_CLI lines, one per client.
// Thread: any (pure).
std::vector<std::string> bytecount_lines(std::span<const ClientBytes> clients);

}  // namespace ovpn::app::management
