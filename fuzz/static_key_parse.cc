// Fuzz target: the key-file parsers on arbitrary text: parse_static_key_file,
// parse_pem_block("OpenVPN tls-crypt-v2 client key"), parse_tls_crypt_v2_client_key,
// base64_decode, and TlsCryptV2Server::from_pem.
//
// Invariants:
//   * a static key that parses is parsed again, to the same 256 bytes, from the canonical file
//     text (16 lines of 32 hex digits between the markers);
//   * whatever base64_decode() accepts re-encodes (canonically) to text that decodes to the same
//     bytes, of (symbols - padding) * 6 / 8 bytes;
//   * a client key parses only if its PEM block does, and then Kc || WKc is the whole block,
//     with a WKc of a valid size whose length field counts it;
//   * a server key that parses holds 128 bytes.

#include <string>
#include <string_view>

#include "common/byteorder.h"
#include "common/hex.h"
#include "crypto/tls_crypt_v2.h"
#include "fuzz_target.h"
#include "proto/control_packet.h"
#include "proto/static_key.h"

namespace {

using ovpn::fuzz::same_bytes;
namespace proto = ovpn::proto;

constexpr std::string_view kClientLabel = "OpenVPN tls-crypt-v2 client key";
constexpr std::string_view kServerLabel = "OpenVPN tls-crypt-v2 server key";

std::string base64_encode(std::span<const uint8_t> in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = in.size() - i < 3 ? in.size() - i : 3;
    uint32_t v = uint32_t{in[i]} << 16;
    if (n > 1) v |= uint32_t{in[i + 1]} << 8;
    if (n > 2) v |= in[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += n > 1 ? kAlphabet[(v >> 6) & 63] : '=';
    out += n > 2 ? kAlphabet[v & 63] : '=';
    if (i % 48 == 45) out += '\n';  // 64-column lines, as OpenVPN writes them
  }
  return out;
}

void check_static_key(std::string_view text) {
  auto key = proto::parse_static_key_file(text);
  if (!key) return;
  FUZZ_REACHED("static_key_parse/static_key");
  std::string canonical = "#\n# 2048 bit OpenVPN static key\n#\n";
  canonical += "-----BEGIN OpenVPN Static key V1-----\n";
  for (size_t i = 0; i < proto::kKey2Size; i += 16) {
    canonical += ovpn::to_hex(key->bytes().subspan(i, 16));
    canonical += '\n';
  }
  canonical += "-----END OpenVPN Static key V1-----\n";
  auto again = proto::parse_static_key_file(canonical);
  FUZZ_CHECK(again.has_value() && same_bytes(again->bytes(), key->bytes()));
}

void check_base64(std::string_view text) {
  auto decoded = proto::base64_decode(text);
  if (!decoded) return;
  size_t symbols = 0;
  size_t pad = 0;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    ++symbols;
    if (c == '=') ++pad;
  }
  FUZZ_CHECK(symbols % 4 == 0 && pad <= 2);
  FUZZ_CHECK(decoded->size() == (symbols - pad) * 6 / 8);
  auto again = proto::base64_decode(base64_encode(*decoded));
  FUZZ_CHECK(again.has_value() && same_bytes(*again, *decoded));
}

void check_client_key(std::string_view text) {
  auto block = proto::parse_pem_block(text, kClientLabel);
  auto key = ovpn::crypto::parse_tls_crypt_v2_client_key(text);
  if (!block) {
    FUZZ_CHECK(!key);
    return;
  }
  FUZZ_REACHED("static_key_parse/client_pem");
  if (!key) return;
  FUZZ_REACHED("static_key_parse/client_key");
  const auto& bytes = *block;
  const size_t wkc = key->wkc.size();
  FUZZ_CHECK(bytes.size() == proto::kKey2Size + wkc);
  FUZZ_CHECK(wkc >= proto::kWkcMinSize && wkc <= proto::kWkcMaxSize);
  FUZZ_CHECK(ovpn::load_be16(key->wkc.data() + wkc - 2) == wkc);
  const std::span<const uint8_t> all(bytes.data(), bytes.size());
  FUZZ_CHECK(same_bytes(key->kc.bytes(), all.first(proto::kKey2Size)));
  FUZZ_CHECK(same_bytes(key->wkc, all.subspan(proto::kKey2Size)));
}

void check_server_key(std::string_view text) {
  auto block = proto::parse_pem_block(text, kServerLabel);
  auto server = ovpn::crypto::TlsCryptV2Server::from_pem(text);
  if (!block) {
    FUZZ_CHECK(!server);
    return;
  }
  FUZZ_CHECK(server.has_value() == (block->size() == ovpn::crypto::kTlsCryptV2ServerKeySize));
  if (server) FUZZ_REACHED("static_key_parse/server_key");
}

}  // namespace

OVPN_FUZZ_TARGET(static_key_parse) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_static_key(text);
  check_base64(text);
  check_client_key(text);
  check_server_key(text);
  return 0;
}
