#pragma once
// Key files and the 256-byte "key2" block.
//
// An OpenVPN static key file ("OpenVPN Static key V1", used by tls-auth and tls-crypt) holds
// 256 bytes as hex. tls-crypt-v2 keys are base64 PEM blocks: the server key holds 128 bytes,
// the client key Kc (256 bytes) followed by the wrapped client key WKc.
//
// A key2 block is two keys of {cipher[64], hmac[64]}:
//
//   0          64         128        192        256
//  +----------+----------+----------+----------+
//  | keys[0]  | keys[0]  | keys[1]  | keys[1]  |
//  | cipher   | hmac     | cipher   | hmac     |
//  +----------+----------+----------+----------+
//
// A key direction says which half a side sends with:
//   kNormal:        send keys[0], receive keys[1]
//   kInverse:       send keys[1], receive keys[0]
//   kBidirectional: keys[0] both ways (tls-auth without a direction)
// The same block layout carries the data-channel keys derived by TLS-EKM or the PRF: there
// keys[0] is client->server, so the client is kNormal and the server kInverse (the AEAD
// implicit IV is the first 8 bytes of the hmac slot). tls-crypt has fixed directions: server
// kNormal, client kInverse.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/secure_wipe.h"

namespace ovpn::proto {

inline constexpr size_t kKey2Size = 256;
inline constexpr size_t kKeySlotSize = 64;

// 256 bytes of key material, wiped when destroyed.
class Key2 {
 public:
  Key2() = default;
  explicit Key2(std::span<const uint8_t, kKey2Size> bytes) noexcept;
  Key2(const Key2& other) noexcept = default;
  Key2& operator=(const Key2& other) noexcept = default;
  ~Key2() { secure_wipe(bytes_.data(), bytes_.size()); }

  std::span<const uint8_t, kKey2Size> bytes() const noexcept { return bytes_; }
  std::span<uint8_t, kKey2Size> mutable_bytes() noexcept { return bytes_; }

 private:
  std::array<uint8_t, kKey2Size> bytes_{};
};

enum class KeyDirection : uint8_t { kBidirectional, kNormal, kInverse };
enum class Role : uint8_t { kClient, kServer };

// OpenVPN's `key-direction` / `tls-auth FILE [0|1]`: 0 is kNormal, 1 kInverse.
std::optional<KeyDirection> key_direction_from_number(int value) noexcept;
constexpr KeyDirection data_channel_direction(Role role) noexcept {
  return role == Role::kClient ? KeyDirection::kNormal : KeyDirection::kInverse;
}
constexpr KeyDirection tls_crypt_direction(Role role) noexcept {
  return role == Role::kServer ? KeyDirection::kNormal : KeyDirection::kInverse;
}

// One direction's 64-byte cipher and hmac slots.
struct KeySlots {
  std::span<const uint8_t, kKeySlotSize> cipher;
  std::span<const uint8_t, kKeySlotSize> hmac;
};
struct Key2Slices {
  KeySlots send;
  KeySlots receive;
};
Key2Slices slice_key2(const Key2& key, KeyDirection direction) noexcept;

// Parses the text of an "OpenVPN Static key V1" file: comments and blank lines outside the
// markers are ignored; exactly 256 bytes of hex between them.
Expected<Key2> parse_static_key_file(std::string_view text);

// Extracts and base64-decodes the block between "-----BEGIN <label>-----" and
// "-----END <label>-----".
Expected<SecretBytes> parse_pem_block(std::string_view text, std::string_view label);

// Standard base64 (RFC 4648) with padding; whitespace is skipped.
Expected<SecretBytes> base64_decode(std::string_view text);

}  // namespace ovpn::proto
