#include "engine/mss_clamp.h"

#include "common/byteorder.h"

namespace ovpn::engine {
namespace {

constexpr uint8_t kTcp = 6;
constexpr uint8_t kSynFlag = 0x02;
constexpr uint8_t kOptionEnd = 0;
constexpr uint8_t kOptionNop = 1;
constexpr uint8_t kOptionMss = 2;

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), one's complement sums of 16-bit words.
uint16_t checksum_replace(uint16_t check, uint16_t old_word, uint16_t new_word) noexcept {
  uint32_t sum = static_cast<uint16_t>(~check);
  sum += static_cast<uint16_t>(~old_word);
  sum += new_word;
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

bool clamp_tcp(std::span<uint8_t> tcp, uint16_t max_mss) noexcept {
  if (tcp.size() < 20 || (tcp[13] & kSynFlag) == 0) return false;
  const size_t header = static_cast<size_t>(tcp[12] >> 4) * 4;
  if (header < 20 || header > tcp.size()) return false;
  for (size_t i = 20; i < header;) {
    const uint8_t kind = tcp[i];
    if (kind == kOptionEnd) return false;
    if (kind == kOptionNop) {
      ++i;
      continue;
    }
    if (i + 1 >= header) return false;
    const size_t length = tcp[i + 1];
    if (length < 2 || i + length > header) return false;
    if (kind == kOptionMss && length == 4) {
      const uint16_t mss = load_be16(&tcp[i + 2]);
      if (mss <= max_mss) return false;
      // The option need not be 16-bit aligned: update the checksum word by word over the
      // aligned words the two bytes fall in.
      const size_t first = (i + 2) & ~size_t{1};
      const size_t last = (i + 3) & ~size_t{1};
      const uint16_t old_first = load_be16(&tcp[first]);
      const uint16_t old_last = load_be16(&tcp[last]);
      store_be16(&tcp[i + 2], max_mss);
      uint16_t check = checksum_replace(load_be16(&tcp[16]), old_first, load_be16(&tcp[first]));
      if (last != first) check = checksum_replace(check, old_last, load_be16(&tcp[last]));
      store_be16(&tcp[16], check);
      return true;
    }
    i += length;
  }
  return false;
}

}  // namespace

bool clamp_mss(std::span<uint8_t> p, uint16_t max_mss_v4) noexcept {
  if (max_mss_v4 == 0 || p.empty()) return false;
  const unsigned version = p[0] >> 4;
  if (version == 4) {
    if (p.size() < 20 || p[9] != kTcp) return false;
    const size_t ihl = static_cast<size_t>(p[0] & 0x0f) * 4;
    const bool fragment = (load_be16(&p[6]) & 0x3fff) != 0;  // MF set or an offset
    if (ihl < 20 || ihl > p.size() || fragment) return false;
    const size_t total = load_be16(&p[2]);
    if (total < ihl || total > p.size()) return false;
    return clamp_tcp(p.subspan(ihl, total - ihl), max_mss_v4);
  }
  if (version == 6) {
    if (p.size() < 40 || p[6] != kTcp || max_mss_v4 <= 20) return false;
    const size_t payload = load_be16(&p[4]);
    if (40 + payload > p.size()) return false;
    return clamp_tcp(p.subspan(40, payload), static_cast<uint16_t>(max_mss_v4 - 20));
  }
  return false;
}

}  // namespace ovpn::engine
