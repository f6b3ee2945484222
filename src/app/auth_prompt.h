#pragma once
// auth-user-pass without a file (or a file with only the username): ask on the terminal, as
// OpenVPN does ("Enter Auth Username:", "Enter Auth Password:" without echo).
//
// Thread: main, before the engine starts or while the tunnel is down.

#include <string>

#include "common/result.h"

namespace ovpn::app {

// Reads one line from /dev/tty after printing `prompt`; `echo` false hides what is typed.
// kNotFound when there is no terminal (a service): the configuration must give a file then.
Expected<std::string> prompt_line(const std::string& prompt, bool echo);

}  // namespace ovpn::app
