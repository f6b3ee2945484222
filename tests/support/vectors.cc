#include "support/vectors.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/hex.h"

namespace ovpn::test {

std::string vector_path(std::string_view name) {
  return std::string(OVPN_TEST_DATA_DIR) + "/openvpn-2.6.14/" + std::string(name);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json load_vectors(std::string_view name) {
  return nlohmann::json::parse(read_file(vector_path(name)));
}

std::vector<uint8_t> hex(std::string_view text) {
  auto bytes = from_hex(text);
  EXPECT_TRUE(bytes.has_value()) << "bad hex in vector: " << text;
  return bytes ? *bytes : std::vector<uint8_t>{};
}

std::vector<uint8_t> hex(const nlohmann::json& field) {
  if (field.is_null()) return {};
  return hex(std::string_view(field.get<std::string>()));
}

}  // namespace ovpn::test
