#pragma once
// Key derivation primitives, all through OpenSSL's EVP_KDF:
//   - the TLS 1.0 PRF (P_MD5 XOR P_SHA1) of OpenVPN's legacy key method,
//   - HKDF-Expand and the "Expand-Label" construction that TLS 1.3 ("tls13 ") and OpenVPN 2.7's
//     epoch keys ("ovpn ") share:
//       HKDF-Expand(secret, u16 length || u8 |prefix+label| || prefix || label ||
//                   u8 |context| || context, length)

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/result.h"
#include "common/secure_wipe.h"

namespace ovpn::crypto {

// TLS 1.0/1.1 PRF (RFC 2246 section 5) of `secret` and `seed` (label included) into `out`.
Status tls1_prf(std::span<const uint8_t> secret, std::span<const uint8_t> seed,
                std::span<uint8_t> out);

// HKDF-Expand (RFC 5869) with digest `digest` ("SHA256", "SHA384").
Status hkdf_expand(std::string_view digest, std::span<const uint8_t> prk,
                   std::span<const uint8_t> info, std::span<uint8_t> out);

// Expand-Label with `prefix` ("tls13 " or "ovpn "); `out.size()` is the length.
Status expand_label(std::string_view digest, std::string_view prefix,
                    std::span<const uint8_t> secret, std::string_view label,
                    std::span<const uint8_t> context, std::span<uint8_t> out);

}  // namespace ovpn::crypto
