#pragma once
// Runs one of the user's hooks (up, down, route-up, ...) as OpenVPN does: the configured
// command is split with OpenVPN's argv rules (quotes and backslash escapes, no shell), the
// positional arguments are appended, and the program is started with fork/execve with exactly
// the given environment (nothing inherited), descriptors 3 and up closed, in a process group
// of its own that is killed (SIGKILL) when the timeout expires.
//
// script-security, as in OpenVPN: 0 runs nothing, 1 only built-in programs (ip, ...), 2 also
// user scripts, 3 also lets passwords into the environment (see script_env.h). A refusal is an
// error naming the option and the level it needs, after OpenVPN's warning text.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/script_env.h"
#include "common/result.h"

namespace ovpn::app {

enum class ProgramKind : uint8_t { kBuiltIn, kUserScript };

// OpenVPN's levels (SSEC_NONE .. SSEC_PW_ENV).
inline constexpr uint32_t kScriptSecurityNone = 0;
inline constexpr uint32_t kScriptSecurityBuiltIn = 1;
inline constexpr uint32_t kScriptSecurityScripts = 2;
inline constexpr uint32_t kScriptSecurityPasswords = 3;

// Ok when `level` allows running a program of `kind` for `option` ("up", "route-up", ...);
// otherwise Errc::kInvalidArgument with a message like
// "WARNING: External program may not be called unless '--script-security 2' or higher is
// enabled. See --help text or man page for detailed info. (--up needs --script-security 2,
// configured 1)".
// Thread: any (pure).
Status check_script_security(uint32_t level, ProgramKind kind, std::string_view option);

// The words of a configured command (`up "/etc/openvpn/x.sh" 'a b' c\ d`), split as OpenVPN's
// argv_parse_cmd() does. Errc::kMalformed for bad quoting or an empty command.
// Thread: any (pure).
Expected<std::vector<std::string>> split_command(std::string_view command);

struct ScriptRun {
  std::string option;   // "up", "down", ... : for messages and the script-security check
  std::string command;  // as configured
  ProgramKind kind = ProgramKind::kUserScript;
  std::vector<std::string> args;  // appended after the command's own words
  ScriptEnv env;
  uint32_t timeout_ms = 30000;
  std::string working_dir;  // "" : the daemon's (OpenVPN runs scripts in its cwd, set by `cd`)
};

struct ScriptResult {
  bool exited = false;  // exited normally; exit_status is valid
  int exit_status = 0;
  int term_signal = 0;     // the signal that ended it, when !exited
  bool timed_out = false;  // killed by us after timeout_ms
  bool succeeded() const { return exited && exit_status == 0 && !timed_out; }
};

// Runs `run` and waits for it (at most timeout_ms, plus the reaping after the kill). Errors:
// script-security refusal (kInvalidArgument), a malformed command (kMalformed), a program that
// cannot be started (kIo, with the execve errno text). A program that runs and fails is not an
// error: look at the result.
// Thread: control. It blocks the calling thread for as long as the program runs (up to the
// timeout); it forks, so call it where no other thread holds a lock the child could need (the
// child only calls async-signal-safe functions before execve).
Expected<ScriptResult> run_script(const ScriptRun& run, uint32_t script_security);

}  // namespace ovpn::app
