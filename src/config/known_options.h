#pragma once
// OpenVPN options that the client model does not apply: rejected ones (with the reason the
// error gives) and ones accepted but ignored (with the warning).

#include <cstdint>
#include <string_view>

namespace ovpn::config {

enum class Disposition : uint8_t {
  kUnsupported,  // an error: ovpnd does not do this (the reason says why)
  kServerOnly,   // an error: a server option in a client configuration
  kIgnored,      // a warning: accepted and ignored
};

struct KnownOption {
  std::string_view name;
  Disposition disposition;
  std::string_view reason;
};

// The entry for `name`, or nullptr when the name is not in the lists.
// Thread: any.
const KnownOption* find_known_option(std::string_view name);

}  // namespace ovpn::config
