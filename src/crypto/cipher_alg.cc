#include "crypto/cipher_alg.h"

#include "common/ascii.h"
#include "crypto/evp.h"

namespace ovpn::crypto {

const char* cipher_name(CipherAlg alg) noexcept {
  switch (alg) {
    case CipherAlg::kAes128Gcm:
      return "AES-128-GCM";
    case CipherAlg::kAes192Gcm:
      return "AES-192-GCM";
    case CipherAlg::kAes256Gcm:
      return "AES-256-GCM";
    case CipherAlg::kChaCha20Poly1305:
      return "CHACHA20-POLY1305";
  }
  return "?";
}

std::optional<CipherAlg> cipher_from_name(std::string_view name) noexcept {
  for (CipherAlg alg : kAllCipherAlgs) {
    if (iequals(name, cipher_name(alg))) return alg;
  }
  return std::nullopt;
}

const EVP_CIPHER* evp_cipher(CipherAlg alg) noexcept { return fetch_cipher(cipher_name(alg)); }

}  // namespace ovpn::crypto
