#pragma once
// AES-256-CTR with a key set once, for tls-crypt and the tls-crypt-v2 client key wrapping.
// Encryption and decryption are the same operation.

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/result.h"
#include "crypto/evp.h"

namespace ovpn::crypto {

inline constexpr size_t kAesCtrKeySize = 32;
inline constexpr size_t kAesCtrIvSize = 16;

class AesCtr {
 public:
  static Expected<AesCtr> create(std::span<const uint8_t> key);
  AesCtr(AesCtr&&) noexcept = default;
  AesCtr& operator=(AesCtr&&) noexcept = default;

  // out = in XOR keystream(iv); `out` may be `in`. False if OpenSSL fails or sizes differ.
  [[nodiscard]] bool apply(std::span<const uint8_t, kAesCtrIvSize> iv, std::span<const uint8_t> in,
                           std::span<uint8_t> out) noexcept;

 private:
  explicit AesCtr(CipherCtxPtr ctx) noexcept : ctx_(std::move(ctx)) {}
  CipherCtxPtr ctx_;
};

}  // namespace ovpn::crypto
