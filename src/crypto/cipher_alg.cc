#include "crypto/cipher_alg.h"

#include "crypto/evp.h"

namespace ovpn::crypto {
namespace {
bool equal_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}
}  // namespace

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
    if (equal_ignore_case(name, cipher_name(alg))) return alg;
  }
  return std::nullopt;
}

const EVP_CIPHER* evp_cipher(CipherAlg alg) noexcept { return fetch_cipher(cipher_name(alg)); }

}  // namespace ovpn::crypto
