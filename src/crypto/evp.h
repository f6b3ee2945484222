#pragma once
// Owning pointers for OpenSSL objects and the error text of the last OpenSSL failure.

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>
#include <string>

namespace ovpn::crypto {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const noexcept { EVP_CIPHER_CTX_free(p); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* p) const noexcept { EVP_MAC_CTX_free(p); }
};
struct KdfFree {
  void operator()(EVP_KDF* p) const noexcept { EVP_KDF_free(p); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* p) const noexcept { EVP_KDF_CTX_free(p); }
};

using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;
using KdfPtr = std::unique_ptr<EVP_KDF, KdfFree>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, KdfCtxFree>;

// "what failed: <OpenSSL's reason>", draining OpenSSL's error queue.
std::string openssl_error(const char* what);

// Ciphers and MACs fetched once per process (OpenSSL 3 fetches are slow). Thread: any.
const EVP_CIPHER* fetch_cipher(const char* name) noexcept;

}  // namespace ovpn::crypto
