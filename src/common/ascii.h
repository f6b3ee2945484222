#pragma once
// ASCII helpers for names in configuration and on the wire (cipher and digest names, option
// keywords): OpenVPN compares them case-insensitively, independent of the locale.

#include <cstddef>
#include <string_view>

namespace ovpn {

constexpr char ascii_upper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_upper(a[i]) != ascii_upper(b[i])) return false;
  }
  return true;
}

}  // namespace ovpn
