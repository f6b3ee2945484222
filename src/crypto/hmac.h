#pragma once
// HMAC with a key set once: the tls-auth digest (--auth SHA1 / SHA256 / SHA512) and the
// HMAC-SHA256 of tls-crypt. compute() re-uses the keyed context for every message.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

#include "common/result.h"
#include "crypto/evp.h"

namespace ovpn::crypto {

enum class Digest : uint8_t { kSha1, kSha256, kSha512 };

inline constexpr size_t kMaxDigestSize = 64;

constexpr size_t digest_size(Digest d) noexcept {
  switch (d) {
    case Digest::kSha1:
      return 20;
    case Digest::kSha256:
      return 32;
    case Digest::kSha512:
      return 64;
  }
  return 0;
}
const char* digest_name(Digest d) noexcept;
// OpenVPN's --auth names, case-insensitive: SHA1, SHA256, SHA512 (also SHA-256 and so on).
std::optional<Digest> digest_from_name(std::string_view name) noexcept;

class Hmac {
 public:
  // The key is the first digest_size(d) bytes of `key` (OpenVPN uses a prefix of the slot).
  static Expected<Hmac> create(Digest d, std::span<const uint8_t> key);
  Hmac(Hmac&&) noexcept = default;
  Hmac& operator=(Hmac&&) noexcept = default;

  Digest digest() const noexcept { return digest_; }
  size_t size() const noexcept { return digest_size(digest_); }

  // HMAC over the concatenation of `parts`, into out[0..size()). False if OpenSSL fails.
  [[nodiscard]] bool compute(std::initializer_list<std::span<const uint8_t>> parts,
                             std::span<uint8_t> out) noexcept;
  // Computes the HMAC and compares it with `expected` in constant time.
  [[nodiscard]] bool verify(std::initializer_list<std::span<const uint8_t>> parts,
                            std::span<const uint8_t> expected) noexcept;

 private:
  Hmac(Digest d, MacCtxPtr ctx) noexcept : digest_(d), ctx_(std::move(ctx)) {}
  Digest digest_;
  MacCtxPtr ctx_;
};

}  // namespace ovpn::crypto
