#include "crypto/aes_ctr.h"

#include <climits>

namespace ovpn::crypto {

Expected<AesCtr> AesCtr::create(std::span<const uint8_t> key) {
  if (key.size() < kAesCtrKeySize) {
    return make_error(Errc::kInvalidArgument, "AES-256-CTR needs a 32-byte key");
  }
  const EVP_CIPHER* cipher = fetch_cipher("AES-256-CTR");
  if (cipher == nullptr) return make_error(Errc::kUnsupported, openssl_error("AES-256-CTR"));
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.data(), nullptr, 1) != 1) {
    return make_error(Errc::kCrypto, openssl_error("AES-256-CTR key setup"));
  }
  return AesCtr(std::move(ctx));
}

bool AesCtr::apply(std::span<const uint8_t, kAesCtrIvSize> iv, std::span<const uint8_t> in,
                   std::span<uint8_t> out) noexcept {
  if (in.size() != out.size() || in.size() > INT_MAX) return false;
  int len = 0;
  if (EVP_CipherInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv.data(), -1) != 1) return false;
  if (in.empty()) return true;
  return EVP_CipherUpdate(ctx_.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) ==
             1 &&
         static_cast<size_t>(len) == in.size();
}

}  // namespace ovpn::crypto
