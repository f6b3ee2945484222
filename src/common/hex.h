#pragma once
// Hex encoding for tests, tools and logs of public values (never of key material).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ovpn {

std::string to_hex(std::span<const uint8_t> bytes);
// Accepts upper and lower case; rejects odd lengths and non-hex characters.
Expected<std::vector<uint8_t>> from_hex(std::string_view text);

}  // namespace ovpn
