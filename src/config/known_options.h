#pragma once
// OpenVPN options that an options model does not apply: rejected ones (with the reason the
// error gives) and ones accepted but ignored (with the warning). One list for the client model,
// one for the server model.

#include <cstdint>
#include <string_view>

namespace ovpn::config {

enum class Disposition : uint8_t {
  kUnsupported,  // an error: ovpnd does not do this (the reason says why)
  kServerOnly,   // an error: a server option in a client configuration
  kClientOnly,   // an error: a client option in a server configuration
  kCcdOnly,      // an error: only a client-config-dir file may hold it
  kIgnored,      // a warning: accepted and ignored
};

struct KnownOption {
  std::string_view name;
  Disposition disposition;
  std::string_view reason;
};

// The client model's entry for `name`, or nullptr when the name is not in its list.
// Thread: any.
const KnownOption* find_known_option(std::string_view name);

// The server model's entry for `name` (client-only, client-config-dir-only, not supported yet
// on a server, ignored), or nullptr. The server falls back to find_known_option() for what
// neither side supports (fragment, secret ...).
// Thread: any.
const KnownOption* find_known_server_option(std::string_view name);

}  // namespace ovpn::config
