#pragma once
// The payload of a hard reset with message id 0: early-negotiation TLVs (ssl_pkt.h in 2.6).
//
//  +-----------+----------+---------------+
//  | type (2)  | len (2)  | value (len)   |  ... repeated to the end of the payload
//  +-----------+----------+---------------+
//
// The one type defined is EARLY_NEG_FLAGS (1) with a 2-byte value; its flag RESEND_WKC (1)
// asks a tls-crypt-v2 client to send its next packet as P_CONTROL_WKC_V1. Unknown types are
// skipped, an empty payload is fine, and a TLV that runs past the payload is malformed (it
// aborts the handshake in OpenVPN).

#include <cstdint>
#include <span>

#include "common/result.h"

namespace ovpn::control {

inline constexpr uint16_t kTlvEarlyNegFlags = 0x0001;
inline constexpr uint16_t kEarlyNegFlagResendWkc = 0x0001;
// The replay id a tls-crypt-v2 client's counter starts from to signal early negotiation; the
// first id on the wire is one above it.
inline constexpr uint32_t kEarlyNegStart = 0x0f000000;

struct EarlyNegotiation {
  uint16_t flags = 0;  // EARLY_NEG_FLAGS, 0 when absent
  bool resend_wkc() const noexcept { return (flags & kEarlyNegFlagResendWkc) != 0; }
};

// Parses a reset's payload. kMalformed on a truncated TLV or an EARLY_NEG_FLAGS of the wrong
// length. Thread: any (pure).
Expected<EarlyNegotiation> parse_early_negotiation(std::span<const uint8_t> payload);

}  // namespace ovpn::control
