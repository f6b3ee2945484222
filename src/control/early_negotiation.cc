// Early-negotiation TLVs in a hard reset's payload.

#include "control/early_negotiation.h"

#include "common/byteorder.h"

namespace ovpn::control {

Expected<EarlyNegotiation> parse_early_negotiation(std::span<const uint8_t> payload) {
  EarlyNegotiation out;
  size_t pos = 0;
  while (pos < payload.size()) {
    if (payload.size() - pos < 4) return make_error(Errc::kMalformed, "truncated TLV header");
    const uint16_t type = load_be16(&payload[pos]);
    const uint16_t len = load_be16(&payload[pos + 2]);
    pos += 4;
    if (payload.size() - pos < len) return make_error(Errc::kMalformed, "truncated TLV value");
    if (type == kTlvEarlyNegFlags) {
      if (len != 2) return make_error(Errc::kMalformed, "EARLY_NEG_FLAGS is not 2 bytes");
      out.flags = load_be16(&payload[pos]);
    }
    pos += len;
  }
  return out;
}

}  // namespace ovpn::control
