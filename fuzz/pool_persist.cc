// Fuzz target: an ifconfig-pool-persist file's text, read (parse_pool_persist), written back
// (format_pool_persist) and read again.
//
// Input: the file's text.
//
// Invariants: never crashes; reading is lenient (entries or warnings, never an error); every
// entry read has a common name and an address of the right family; what is written reads back
// to the same entries without warnings, and writing that again gives the same text.

#include <string>
#include <string_view>

#include "config/pool_persist.h"
#include "fuzz_target.h"

namespace config = ovpn::config;

OVPN_FUZZ_TARGET(pool_persist) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const config::PoolPersistFile file = config::parse_pool_persist(input, "ipp.txt");
  for (const config::PoolPersistEntry& e : file.entries) {
    FUZZ_CHECK(!e.common_name.empty());
    FUZZ_CHECK(e.ipv4 || e.ipv6);
    FUZZ_CHECK(!e.ipv4 || e.ipv4->is_v4());
    FUZZ_CHECK(!e.ipv6 || e.ipv6->is_v6());
  }
  if (!file.entries.empty()) FUZZ_REACHED("pool_persist/entries");
  const std::string text = config::format_pool_persist(file.entries);
  const config::PoolPersistFile back = config::parse_pool_persist(text, "ipp.txt");
  FUZZ_CHECK(back.warnings.empty());
  FUZZ_CHECK(back.entries.size() <= file.entries.size());
  FUZZ_CHECK(config::format_pool_persist(back.entries) == text);
  return 0;
}
