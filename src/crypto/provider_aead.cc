#include "crypto/provider_aead.h"

#include <openssl/core_names.h>
#include <openssl/provider.h>

#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

#include "crypto/evp.h"

namespace ovpn::crypto {
namespace {

// The first of a provider's colon-separated names for an algorithm ("AES-256-GCM:id-aes256-GCM").
std::string first_name(const char* names) {
  const char* colon = std::strchr(names, ':');
  return colon == nullptr ? std::string(names) : std::string(names, colon);
}

void take_function(const OSSL_DISPATCH& fn, ProviderAeadFunctions& out) {
  switch (fn.function_id) {
    case OSSL_FUNC_CIPHER_NEWCTX:
      out.newctx = OSSL_FUNC_cipher_newctx(&fn);
      break;
    case OSSL_FUNC_CIPHER_FREECTX:
      out.freectx = OSSL_FUNC_cipher_freectx(&fn);
      break;
    case OSSL_FUNC_CIPHER_ENCRYPT_INIT:
      out.encrypt_init = OSSL_FUNC_cipher_encrypt_init(&fn);
      break;
    case OSSL_FUNC_CIPHER_DECRYPT_INIT:
      out.decrypt_init = OSSL_FUNC_cipher_decrypt_init(&fn);
      break;
    case OSSL_FUNC_CIPHER_UPDATE:
      out.update = OSSL_FUNC_cipher_update(&fn);
      break;
    case OSSL_FUNC_CIPHER_FINAL:
      out.final = OSSL_FUNC_cipher_final(&fn);
      break;
    case OSSL_FUNC_CIPHER_GET_CTX_PARAMS:
      out.get_ctx_params = OSSL_FUNC_cipher_get_ctx_params(&fn);
      break;
    case OSSL_FUNC_CIPHER_SET_CTX_PARAMS:
      out.set_ctx_params = OSSL_FUNC_cipher_set_ctx_params(&fn);
      break;
    default:
      break;
  }
}

bool complete(const ProviderAeadFunctions& f) {
  return f.newctx != nullptr && f.freectx != nullptr && f.encrypt_init != nullptr &&
         f.decrypt_init != nullptr && f.update != nullptr && f.final != nullptr &&
         f.get_ctx_params != nullptr && f.set_ctx_params != nullptr;
}

Expected<ProviderAeadFunctions> look_up(const EVP_CIPHER* cipher) {
  const std::string name = EVP_CIPHER_get0_name(cipher);
  const OSSL_PROVIDER* provider = EVP_CIPHER_get0_provider(cipher);
  if (provider == nullptr) {
    return make_error(Errc::kUnsupported, name + ": not from an OpenSSL provider");
  }
  int no_cache = 0;
  const OSSL_ALGORITHM* algorithms =
      OSSL_PROVIDER_query_operation(provider, OSSL_OP_CIPHER, &no_cache);
  if (algorithms == nullptr) {
    return make_error(Errc::kUnsupported, name + ": its provider lists no ciphers");
  }
  ProviderAeadFunctions fns;
  fns.provider_ctx = OSSL_PROVIDER_get0_provider_ctx(provider);
  for (const OSSL_ALGORITHM* a = algorithms; a->algorithm_names != nullptr; ++a) {
    if (EVP_CIPHER_is_a(cipher, first_name(a->algorithm_names).c_str()) == 0) continue;
    for (const OSSL_DISPATCH* fn = a->implementation; fn->function_id != 0; ++fn) {
      take_function(*fn, fns);
    }
    break;
  }
  OSSL_PROVIDER_unquery_operation(provider, OSSL_OP_CIPHER, algorithms);
  if (!complete(fns)) {
    return make_error(Errc::kUnsupported,
                      name +
                          ": its provider does not offer the cipher functions the data path "
                          "calls");
  }
  return fns;
}

}  // namespace

Expected<const ProviderAeadFunctions*> provider_aead_functions(const EVP_CIPHER* cipher) {
  // Kept for the life of the process, as the fetched ciphers they belong to are (evp.cc).
  static std::mutex mu;  // guards `cache`
  static auto* cache = new std::unordered_map<const EVP_CIPHER*, const ProviderAeadFunctions*>();
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache->find(cipher); it != cache->end()) return it->second;
  auto fns = look_up(cipher);
  if (!fns) return forward_error(std::move(fns));
  const auto* kept = new ProviderAeadFunctions(*fns);
  cache->emplace(cipher, kept);
  return kept;
}

Expected<ProviderAead> ProviderAead::create(const EVP_CIPHER* cipher, const uint8_t* key,
                                            size_t key_size) {
  if (EVP_CIPHER_get_iv_length(cipher) != static_cast<int>(kNonceSize) ||
      (EVP_CIPHER_get_flags(cipher) & EVP_CIPH_FLAG_AEAD_CIPHER) == 0) {
    return make_error(Errc::kUnsupported, std::string(EVP_CIPHER_get0_name(cipher)) +
                                              ": not an AEAD with a 12-byte "
                                              "nonce");
  }
  auto fns = provider_aead_functions(cipher);
  if (!fns) return forward_error(std::move(fns));
  void* ctx = (*fns)->newctx((*fns)->provider_ctx);
  if (ctx == nullptr) return make_error(Errc::kCrypto, openssl_error("AEAD context"));
  ProviderAead aead(*fns, ctx);
  if (aead.fns_->encrypt_init(ctx, key, key_size, nullptr, 0, nullptr) != 1) {
    return make_error(Errc::kCrypto, openssl_error("AEAD key setup"));
  }
  return aead;
}

ProviderAead& ProviderAead::operator=(ProviderAead&& other) noexcept {
  if (this != &other) {
    if (ctx_ != nullptr) fns_->freectx(ctx_);
    fns_ = other.fns_;
    ctx_ = other.ctx_;
    other.ctx_ = nullptr;
  }
  return *this;
}

ProviderAead::~ProviderAead() {
  if (ctx_ != nullptr) fns_->freectx(ctx_);
}

template <typename InitFn>
bool ProviderAead::crypt(InitFn* init, const uint8_t* nonce, const uint8_t* aad, size_t aad_len,
                         const uint8_t* in, uint8_t* out, size_t len) noexcept {
  size_t out_len = 0;
  if (init(ctx_, nullptr, 0, nonce, kNonceSize, nullptr) != 1) return false;
  // AAD goes in as an update without output; an empty update is skipped (not every provider
  // accepts one).
  if (aad_len != 0 && fns_->update(ctx_, nullptr, &out_len, aad_len, aad, aad_len) != 1) {
    return false;
  }
  return len == 0 || (fns_->update(ctx_, out, &out_len, len, in, len) == 1 && out_len == len);
}

bool ProviderAead::seal(const uint8_t* nonce, const uint8_t* aad, size_t aad_len, const uint8_t* in,
                        uint8_t* out, size_t len, uint8_t* tag) noexcept {
  size_t out_len = 0;
  if (!crypt(fns_->encrypt_init, nonce, aad, aad_len, in, out, len) ||
      fns_->final(ctx_, out + len, &out_len, 0) != 1) {
    return false;
  }
  OSSL_PARAM params[2] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, kTagSize),
      OSSL_PARAM_construct_end()};
  return fns_->get_ctx_params(ctx_, params) == 1;
}

bool ProviderAead::open(const uint8_t* nonce, const uint8_t* aad, size_t aad_len, const uint8_t* in,
                        uint8_t* out, size_t len, const uint8_t* tag) noexcept {
  if (!crypt(fns_->decrypt_init, nonce, aad, aad_len, in, out, len)) return false;
  // The provider takes the expected tag through a non-const pointer but only reads it.
  OSSL_PARAM params[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                                            const_cast<uint8_t*>(tag), kTagSize),
                          OSSL_PARAM_construct_end()};
  size_t out_len = 0;
  return fns_->set_ctx_params(ctx_, params) == 1 && fns_->final(ctx_, out + len, &out_len, 0) == 1;
}

}  // namespace ovpn::crypto
