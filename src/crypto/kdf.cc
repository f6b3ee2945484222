#include "crypto/kdf.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include <string>
#include <vector>

#include "crypto/evp.h"

namespace ovpn::crypto {
namespace {

// EVP_KDF_fetch is slow: each algorithm is fetched once and kept for the process.
EVP_KDF* kdf_algorithm(const char* name) noexcept {
  if (std::string_view(name) == "TLS1-PRF") {
    static EVP_KDF* prf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
    return prf;
  }
  static EVP_KDF* hkdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return hkdf;
}

// OSSL_PARAM wants non-const pointers for what it only reads.
void* param_ptr(const void* p) noexcept { return const_cast<void*>(p); }

Status derive(const char* name, const OSSL_PARAM* params, std::span<uint8_t> out) {
  EVP_KDF* kdf = kdf_algorithm(name);
  if (kdf == nullptr) return make_error(Errc::kUnsupported, openssl_error(name));
  KdfCtxPtr ctx(EVP_KDF_CTX_new(kdf));
  if (!ctx || EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return make_error(Errc::kCrypto, openssl_error(name));
  }
  return {};
}

}  // namespace

Status tls1_prf(std::span<const uint8_t> secret, std::span<const uint8_t> seed,
                std::span<uint8_t> out) {
  char digest[] = "MD5-SHA1";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, param_ptr(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, param_ptr(seed.data()), seed.size()),
      OSSL_PARAM_construct_end(),
  };
  return derive("TLS1-PRF", params, out);
}

Status hkdf_expand(std::string_view digest, std::span<const uint8_t> prk,
                   std::span<const uint8_t> info, std::span<uint8_t> out) {
  std::string digest_name(digest);
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name.data(), 0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, param_ptr(prk.data()), prk.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, param_ptr(info.data()), info.size()),
      OSSL_PARAM_construct_end(),
  };
  return derive("HKDF", params, out);
}

Status expand_label(std::string_view digest, std::string_view prefix,
                    std::span<const uint8_t> secret, std::string_view label,
                    std::span<const uint8_t> context, std::span<uint8_t> out) {
  const size_t full_label = prefix.size() + label.size();
  if (out.size() > 0xffff || full_label > 255 || context.size() > 255) {
    return make_error(Errc::kInvalidArgument, "expand_label: field too long");
  }
  std::vector<uint8_t> info;
  info.reserve(4 + full_label + context.size());
  info.push_back(static_cast<uint8_t>(out.size() >> 8));
  info.push_back(static_cast<uint8_t>(out.size()));
  info.push_back(static_cast<uint8_t>(full_label));
  info.insert(info.end(), prefix.begin(), prefix.end());
  info.insert(info.end(), label.begin(), label.end());
  info.push_back(static_cast<uint8_t>(context.size()));
  info.insert(info.end(), context.begin(), context.end());
  return hkdf_expand(digest, secret, info, out);
}

}  // namespace ovpn::crypto
