#include "crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <cstdio>
#include <string>

#include "common/ascii.h"

namespace ovpn::crypto {
namespace {

EVP_MAC* hmac_algorithm() noexcept {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);  // kept for the process
  return mac;
}

}  // namespace

const char* digest_name(Digest d) noexcept {
  switch (d) {
    case Digest::kSha1:
      return "SHA1";
    case Digest::kSha256:
      return "SHA256";
    case Digest::kSha512:
      return "SHA512";
  }
  return "?";
}

std::optional<Digest> digest_from_name(std::string_view name) noexcept {
  if (iequals(name, "SHA1") || iequals(name, "SHA-1")) return Digest::kSha1;
  if (iequals(name, "SHA256") || iequals(name, "SHA-256")) {
    return Digest::kSha256;
  }
  if (iequals(name, "SHA512") || iequals(name, "SHA-512")) {
    return Digest::kSha512;
  }
  return std::nullopt;
}

Expected<Hmac> Hmac::create(Digest d, std::span<const uint8_t> key) {
  if (key.size() < digest_size(d)) {
    return make_error(Errc::kInvalidArgument, std::string("HMAC-") + digest_name(d) + " needs " +
                                                  std::to_string(digest_size(d)) + " key bytes");
  }
  EVP_MAC* mac = hmac_algorithm();
  if (mac == nullptr) return make_error(Errc::kUnsupported, openssl_error("HMAC"));
  MacCtxPtr ctx(EVP_MAC_CTX_new(mac));
  char digest[16];
  std::snprintf(digest, sizeof digest, "%s", digest_name(d));
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), digest_size(d), params) != 1) {
    return make_error(Errc::kCrypto, openssl_error("HMAC key setup"));
  }
  return Hmac(d, std::move(ctx));
}

bool Hmac::compute(std::initializer_list<std::span<const uint8_t>> parts,
                   std::span<uint8_t> out) noexcept {
  if (out.size() < size()) return false;
  // A null key re-uses the key given at creation.
  if (EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr) != 1) return false;
  for (const auto& part : parts) {
    if (!part.empty() && EVP_MAC_update(ctx_.get(), part.data(), part.size()) != 1) return false;
  }
  size_t written = 0;
  return EVP_MAC_final(ctx_.get(), out.data(), &written, out.size()) == 1 && written == size();
}

bool Hmac::verify(std::initializer_list<std::span<const uint8_t>> parts,
                  std::span<const uint8_t> expected) noexcept {
  uint8_t mac[kMaxDigestSize];
  if (expected.size() != size() || !compute(parts, mac)) return false;
  const bool ok = CRYPTO_memcmp(mac, expected.data(), size()) == 0;
  OPENSSL_cleanse(mac, sizeof mac);
  return ok;
}

}  // namespace ovpn::crypto
