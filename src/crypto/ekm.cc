#include "crypto/ekm.h"

#include <openssl/evp.h>

#include <string>

#include "crypto/evp.h"
#include "crypto/kdf.h"

namespace ovpn::crypto {

Status export_keying_material(SSL* ssl, std::string_view label, std::span<uint8_t> out) {
  const std::string label_text(label);
  if (SSL_export_keying_material(ssl, out.data(), out.size(), label_text.c_str(), label_text.size(),
                                 nullptr, 0, 0) != 1) {
    return make_error(Errc::kCrypto, openssl_error("TLS keying material export"));
  }
  return {};
}

Expected<proto::Key2> key2_from_ekm(SSL* ssl, std::string_view label) {
  proto::Key2 key2;
  if (auto st = export_keying_material(ssl, label, key2.mutable_bytes()); !st) {
    return forward_error(std::move(st));
  }
  return key2;
}

Status tls13_export(std::string_view digest, std::span<const uint8_t> exporter_secret,
                    std::string_view label, std::span<uint8_t> out) {
  const std::string digest_name(digest);
  EVP_MD* md = EVP_MD_fetch(nullptr, digest_name.c_str(), nullptr);
  if (md == nullptr) return make_error(Errc::kUnsupported, openssl_error("digest"));
  uint8_t empty_hash[EVP_MAX_MD_SIZE];
  unsigned int hash_size = 0;
  const bool hashed = EVP_Digest(nullptr, 0, empty_hash, &hash_size, md, nullptr) == 1;
  EVP_MD_free(md);
  if (!hashed) return make_error(Errc::kCrypto, openssl_error("digest"));
  const std::span<const uint8_t> context(empty_hash, hash_size);

  SecretBytes derived(hash_size);
  if (auto st = expand_label(digest, "tls13 ", exporter_secret, label, context, derived); !st) {
    return st;
  }
  return expand_label(digest, "tls13 ", derived, "exporter", context, out);
}

}  // namespace ovpn::crypto
