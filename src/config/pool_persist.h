#pragma once
// OpenVPN's ifconfig-pool-persist file: which common name had which pool address, so that a
// client gets the same address after a restart. One client per line:
//
//   CN,IPV4,IPV6      e.g. "alice,10.8.0.2,fd00::1000" or "bob,10.8.0.3," or "carol,,fd00::1001"
//
// (OpenVPN 2.4 wrote "CN,IPV4" only; both are read.) With topology net30 the IPv4 address is the
// first of the client's /30 (10.8.0.4 for a client at 10.8.0.6). Lines starting with '#' or ';'
// and empty lines are skipped. Reading is lenient, as OpenVPN's: a bad line is a warning and is
// skipped, never an error, so that a damaged file cannot stop the server.
//
// Pure text in, text out: the server reads and writes the file itself.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "config/option_errors.h"

namespace ovpn::config {

struct PoolPersistEntry {
  std::string common_name;
  std::optional<IpAddress> ipv4;
  std::optional<IpAddress> ipv6;
  bool operator==(const PoolPersistEntry&) const = default;
};

struct PoolPersistFile {
  std::vector<PoolPersistEntry> entries;  // in file order
  Warnings warnings;                      // "name:LINE: what", one per skipped line
};

// Reads the file's text; `name` is for the warnings.
// Thread: any (pure).
PoolPersistFile parse_pool_persist(std::string_view text, std::string_view name);

// The file's text for `entries`, one "CN,IPV4,IPV6\n" line each (an absent address is empty),
// as OpenVPN 2.6 writes it. Entries that could not be read back -- an empty common name, one
// holding ',', a line end or NUL, or starting with '#' or ';', no address at all, or a line
// longer than 255 bytes -- are left out.
// Thread: any (pure).
std::string format_pool_persist(std::span<const PoolPersistEntry> entries);

}  // namespace ovpn::config
