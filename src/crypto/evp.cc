#include "crypto/evp.h"

#include <openssl/err.h>

#include <mutex>
#include <string_view>
#include <unordered_map>

namespace ovpn::crypto {

std::string openssl_error(const char* what) {
  std::string out(what);
  unsigned long code = ERR_get_error();
  if (code == 0) return out;
  char reason[256];
  ERR_error_string_n(code, reason, sizeof reason);
  out += ": ";
  out += reason;
  ERR_clear_error();
  return out;
}

const EVP_CIPHER* fetch_cipher(const char* name) noexcept {
  // The few cipher names we use are fetched once and kept for the life of the process.
  // The map is never destroyed: a static map's destructor at exit left the ciphers unreachable,
  // which LeakSanitizer reports as leaks in every ASan binary that used one.
  static std::mutex mu;  // guards `cache`
  static auto* cache = new std::unordered_map<std::string_view, EVP_CIPHER*>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache->find(name);
  if (it != cache->end()) return it->second;
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (cipher != nullptr) cache->emplace(name, cipher);
  return cipher;
}

}  // namespace ovpn::crypto
