#include "proto/static_key.h"

#include <cstring>
#include <string>

namespace ovpn::proto {
namespace {

constexpr std::string_view kStaticKeyBegin = "-----BEGIN OpenVPN Static key V1-----";
constexpr std::string_view kStaticKeyEnd = "-----END OpenVPN Static key V1-----";

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The text between the begin and end markers, which must each stand on their own line.
Expected<std::string_view> between_markers(std::string_view text, std::string_view begin,
                                           std::string_view end) {
  const size_t b = text.find(begin);
  if (b == std::string_view::npos) {
    return make_error(Errc::kMalformed, "missing '" + std::string(begin) + "'");
  }
  const size_t body = b + begin.size();
  const size_t e = text.find(end, body);
  if (e == std::string_view::npos) {
    return make_error(Errc::kMalformed, "missing '" + std::string(end) + "'");
  }
  return text.substr(body, e - body);
}

}  // namespace

Key2::Key2(std::span<const uint8_t, kKey2Size> bytes) noexcept {
  std::memcpy(bytes_.data(), bytes.data(), kKey2Size);
}

std::optional<KeyDirection> key_direction_from_number(int value) noexcept {
  if (value == 0) return KeyDirection::kNormal;
  if (value == 1) return KeyDirection::kInverse;
  return std::nullopt;
}

Key2Slices slice_key2(const Key2& key, KeyDirection direction) noexcept {
  const auto bytes = key.bytes();
  const KeySlots k0{bytes.subspan<0, kKeySlotSize>(), bytes.subspan<64, kKeySlotSize>()};
  const KeySlots k1{bytes.subspan<128, kKeySlotSize>(), bytes.subspan<192, kKeySlotSize>()};
  switch (direction) {
    case KeyDirection::kNormal:
      return {k0, k1};
    case KeyDirection::kInverse:
      return {k1, k0};
    case KeyDirection::kBidirectional:
      break;
  }
  return {k0, k0};
}

Expected<Key2> parse_static_key_file(std::string_view text) {
  auto body = between_markers(text, kStaticKeyBegin, kStaticKeyEnd);
  if (!body) return forward_error(std::move(body));
  Key2 key;
  auto out = key.mutable_bytes();
  size_t n = 0;
  int high = -1;
  for (char c : *body) {
    if (is_space(c)) continue;
    const int v = hex_value(c);
    if (v < 0) return make_error(Errc::kMalformed, "static key: non-hex character in key body");
    if (high < 0) {
      high = v;
      continue;
    }
    if (n == kKey2Size) {
      return make_error(Errc::kMalformed, "static key: more than 256 bytes in key body");
    }
    out[n++] = static_cast<uint8_t>((high << 4) | v);
    high = -1;
  }
  if (high >= 0) return make_error(Errc::kMalformed, "static key: odd number of hex digits");
  if (n != kKey2Size) {
    return make_error(Errc::kMalformed,
                      "static key: key body has " + std::to_string(n) + " bytes, expected 256");
  }
  return key;
}

Expected<SecretBytes> base64_decode(std::string_view text) {
  SecretBytes out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  size_t symbols = 0;
  for (char c : text) {
    if (is_space(c)) continue;
    if (c == '=') {
      ++pad;
      ++symbols;
      continue;
    }
    if (pad > 0) return make_error(Errc::kMalformed, "base64: data after padding");
    const int v = base64_value(c);
    if (v < 0) return make_error(Errc::kMalformed, "base64: invalid character");
    ++symbols;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  if (symbols % 4 != 0 || pad > 2) return make_error(Errc::kMalformed, "base64: bad length");
  return out;
}

Expected<SecretBytes> parse_pem_block(std::string_view text, std::string_view label) {
  const std::string begin = "-----BEGIN " + std::string(label) + "-----";
  const std::string end = "-----END " + std::string(label) + "-----";
  auto body = between_markers(text, begin, end);
  if (!body) return forward_error(std::move(body));
  return base64_decode(*body);
}

}  // namespace ovpn::proto
