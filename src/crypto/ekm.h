#pragma once
// TLS Keying Material Exporters (RFC 5705 / RFC 8446 section 7.5): how OpenVPN 2.6 derives the
// data-channel key2 block (IV_PROTO TLS-EKM), the dynamic tls-crypt key and the p2p peer id.
// OpenVPN exports with no context.

#include <openssl/ssl.h>

#include <cstddef>
#include <span>
#include <string_view>

#include "common/result.h"
#include "common/secure_wipe.h"
#include "proto/static_key.h"

namespace ovpn::crypto {

inline constexpr std::string_view kEkmDataKeys = "EXPORTER-OpenVPN-datakeys";  // 256
inline constexpr std::string_view kEkmDynamicTlsCrypt =
    "EXPORTER-OpenVPN-dynamic-tls-crypt";                                         // 256
inline constexpr std::string_view kEkmP2pPeerId = "EXPORTER-OpenVPN-p2p-peerid";  // 3

// From an established TLS session. Thread: the owner of `ssl`.
Status export_keying_material(SSL* ssl, std::string_view label, std::span<uint8_t> out);
Expected<proto::Key2> key2_from_ekm(SSL* ssl, std::string_view label = kEkmDataKeys);

// The TLS 1.3 exporter computed from the exporter master secret (as a key log records it), with
// an empty context:
//   S   = Expand-Label(exporter_secret, label, Hash(""), Hash.length)
//   out = Expand-Label(S, "exporter", Hash(""), out.size())
// It lets the tests check key derivation against captured sessions without their TLS state.
Status tls13_export(std::string_view digest, std::span<const uint8_t> exporter_secret,
                    std::string_view label, std::span<uint8_t> out);

}  // namespace ovpn::crypto
