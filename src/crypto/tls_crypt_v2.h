#pragma once
// --tls-crypt-v2 key files and the wrapping of client keys.
//
// Server key (128 bytes, PEM "OpenVPN tls-crypt-v2 server key"): Ke = bytes [0, 32) for
// AES-256-CTR, Ka = bytes [64, 96) for HMAC-SHA256.
// Client key (PEM "OpenVPN tls-crypt-v2 client key"): Kc (a 256-byte key2 block) || WKc.
//
//   WKc = T (32) || AES-256-CTR(Ke, IV = T[0..16), Kc || metadata) || len (2)
//   T   = HMAC-SHA256(Ka, len || Kc || metadata)
//
// len counts the whole WKc. Metadata: a type byte (0 user, 1 timestamp) and its value.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/drop.h"
#include "common/result.h"
#include "common/secure_wipe.h"
#include "crypto/aes_ctr.h"
#include "crypto/hmac.h"
#include "proto/control_packet.h"
#include "proto/static_key.h"

namespace ovpn::crypto {

inline constexpr size_t kTlsCryptV2ServerKeySize = 128;
inline constexpr size_t kWkcTagSize = 32;
inline constexpr size_t kWkcMaxMetadataSize =
    proto::kWkcMaxSize - kWkcTagSize - proto::kKey2Size - 2;
inline constexpr uint8_t kWkcMetadataUser = 0;
inline constexpr uint8_t kWkcMetadataTimestamp = 1;

struct TlsCryptV2ClientKey {
  proto::Key2 kc;
  std::vector<uint8_t> wkc;
};

// Parses a client key file (or inline block).
Expected<TlsCryptV2ClientKey> parse_tls_crypt_v2_client_key(std::string_view text);

struct UnwrappedClientKey {
  proto::Key2 kc;
  std::vector<uint8_t> metadata;
};

// The server side: unwraps and wraps client keys with the server key.
class TlsCryptV2Server {
 public:
  // `key`: the 128 bytes of a server key. Thread: any (setup).
  static Expected<TlsCryptV2Server> create(std::span<const uint8_t> key);
  // Parses a server key file (or inline block) and creates the unwrapper.
  static Expected<TlsCryptV2Server> from_pem(std::string_view text);

  TlsCryptV2Server(TlsCryptV2Server&&) noexcept = default;
  TlsCryptV2Server& operator=(TlsCryptV2Server&&) noexcept = default;

  // Authenticates and decrypts a WKc. kMalformed if its length field or size is wrong,
  // kBadTag if it does not verify.
  Drop unwrap(std::span<const uint8_t> wkc, UnwrappedClientKey& out) noexcept;
  // Wraps a client key (what `--genkey tls-crypt-v2-client` does).
  Expected<std::vector<uint8_t>> wrap(const proto::Key2& kc, std::span<const uint8_t> metadata);

 private:
  TlsCryptV2Server(AesCtr cipher, Hmac hmac) noexcept
      : cipher_(std::move(cipher)), hmac_(std::move(hmac)) {}
  AesCtr cipher_;
  Hmac hmac_;
};

}  // namespace ovpn::crypto
