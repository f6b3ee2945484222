#pragma once
// The data-channel ciphers the engine offloads: AEAD only, as in the kernel modules.

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ovpn::crypto {

enum class CipherAlg : uint8_t { kAes128Gcm, kAes192Gcm, kAes256Gcm, kChaCha20Poly1305 };

inline constexpr CipherAlg kAllCipherAlgs[] = {CipherAlg::kAes128Gcm, CipherAlg::kAes192Gcm,
                                               CipherAlg::kAes256Gcm, CipherAlg::kChaCha20Poly1305};

constexpr size_t cipher_key_size(CipherAlg alg) noexcept {
  switch (alg) {
    case CipherAlg::kAes128Gcm:
      return 16;
    case CipherAlg::kAes192Gcm:
      return 24;
    case CipherAlg::kAes256Gcm:
    case CipherAlg::kChaCha20Poly1305:
      return 32;
  }
  return 0;
}

// OpenVPN's names ("AES-256-GCM", "CHACHA20-POLY1305"), which are also OpenSSL's.
const char* cipher_name(CipherAlg alg) noexcept;
// Case-insensitive, as OpenVPN's data-ciphers.
std::optional<CipherAlg> cipher_from_name(std::string_view name) noexcept;
// Thread: any. Fetched once; nullptr only if the OpenSSL build lacks the cipher.
const EVP_CIPHER* evp_cipher(CipherAlg alg) noexcept;

}  // namespace ovpn::crypto
