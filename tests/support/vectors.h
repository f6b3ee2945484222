#pragma once
// Test support: the golden vectors captured from stock OpenVPN 2.6.14, in tests/data/.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ovpn::test {

// Path of a file under tests/data/openvpn-2.6.14/.
std::string vector_path(std::string_view name);
// Reads a whole file; fails the test (and returns "") if it cannot.
std::string read_file(const std::string& path);
// Parses tests/data/openvpn-2.6.14/<name>.
nlohmann::json load_vectors(std::string_view name);
// Decodes a hex string field; fails the test on bad hex. A null field decodes to {}.
std::vector<uint8_t> hex(const nlohmann::json& field);
std::vector<uint8_t> hex(std::string_view text);
// Exact overloads, so that string arguments do not also match the json one.
inline std::vector<uint8_t> hex(const char* text) { return hex(std::string_view(text)); }
inline std::vector<uint8_t> hex(const std::string& text) { return hex(std::string_view(text)); }

}  // namespace ovpn::test
