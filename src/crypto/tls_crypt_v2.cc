#include "crypto/tls_crypt_v2.h"

#include <algorithm>
#include <cstring>

#include "common/byteorder.h"

namespace ovpn::crypto {
namespace {

constexpr std::string_view kServerKeyLabel = "OpenVPN tls-crypt-v2 server key";
constexpr std::string_view kClientKeyLabel = "OpenVPN tls-crypt-v2 client key";

}  // namespace

Expected<TlsCryptV2ClientKey> parse_tls_crypt_v2_client_key(std::string_view text) {
  auto bytes = proto::parse_pem_block(text, kClientKeyLabel);
  if (!bytes) return forward_error(std::move(bytes));
  const size_t wkc_size = bytes->size() - std::min(bytes->size(), proto::kKey2Size);
  if (wkc_size < proto::kWkcMinSize || wkc_size > proto::kWkcMaxSize) {
    return make_error(Errc::kMalformed, "tls-crypt-v2 client key has the wrong size");
  }
  const uint8_t* wkc = bytes->data() + proto::kKey2Size;
  if (load_be16(wkc + wkc_size - 2) != wkc_size) {
    return make_error(Errc::kMalformed, "tls-crypt-v2 client key: WKc length field is wrong");
  }
  TlsCryptV2ClientKey key{
      proto::Key2(std::span<const uint8_t, proto::kKey2Size>(bytes->data(), proto::kKey2Size)),
      std::vector<uint8_t>(wkc, wkc + wkc_size)};
  return key;
}

Expected<TlsCryptV2Server> TlsCryptV2Server::create(std::span<const uint8_t> key) {
  if (key.size() != kTlsCryptV2ServerKeySize) {
    return make_error(Errc::kMalformed, "a tls-crypt-v2 server key holds 128 bytes");
  }
  auto cipher = AesCtr::create(key.subspan(0, kAesCtrKeySize));
  if (!cipher) return forward_error(std::move(cipher));
  auto hmac = Hmac::create(Digest::kSha256, key.subspan(64, 32));
  if (!hmac) return forward_error(std::move(hmac));
  return TlsCryptV2Server(std::move(*cipher), std::move(*hmac));
}

Expected<TlsCryptV2Server> TlsCryptV2Server::from_pem(std::string_view text) {
  auto bytes = proto::parse_pem_block(text, kServerKeyLabel);
  if (!bytes) return forward_error(std::move(bytes));
  return create(*bytes);
}

Drop TlsCryptV2Server::unwrap(std::span<const uint8_t> wkc, UnwrappedClientKey& out) noexcept {
  if (wkc.size() < proto::kWkcMinSize || wkc.size() > proto::kWkcMaxSize) return Drop::kMalformed;
  const auto length_field = wkc.last(2);
  if (load_be16(length_field.data()) != wkc.size()) return Drop::kMalformed;
  const auto tag = wkc.first(kWkcTagSize);
  const auto ciphertext = wkc.subspan(kWkcTagSize, wkc.size() - kWkcTagSize - 2);

  uint8_t plain[proto::kWkcMaxSize];
  const std::span<uint8_t> plain_span(plain, ciphertext.size());
  const std::span<const uint8_t, kAesCtrIvSize> iv(tag.data(), kAesCtrIvSize);
  const bool ok =
      cipher_.apply(iv, ciphertext, plain_span) && hmac_.verify({length_field, plain_span}, tag);
  if (ok) {
    out.kc = proto::Key2(std::span<const uint8_t, proto::kKey2Size>(plain, proto::kKey2Size));
    out.metadata.assign(plain + proto::kKey2Size, plain + ciphertext.size());
  }
  secure_wipe(plain, sizeof plain);
  return ok ? Drop::kNone : Drop::kBadTag;
}

Expected<std::vector<uint8_t>> TlsCryptV2Server::wrap(const proto::Key2& kc,
                                                      std::span<const uint8_t> metadata) {
  if (metadata.size() > kWkcMaxMetadataSize) {
    return make_error(Errc::kInvalidArgument, "tls-crypt-v2 metadata is at most 734 bytes");
  }
  const size_t size = kWkcTagSize + proto::kKey2Size + metadata.size() + 2;
  std::vector<uint8_t> wkc(size);
  uint8_t length_field[2];
  store_be16(length_field, static_cast<uint16_t>(size));
  SecretBytes plain(kc.bytes().begin(), kc.bytes().end());
  plain.insert(plain.end(), metadata.begin(), metadata.end());
  const std::span<uint8_t> tag(wkc.data(), kWkcTagSize);
  if (!hmac_.compute({length_field, plain}, tag) ||
      !cipher_.apply(std::span<const uint8_t, kAesCtrIvSize>(tag.data(), kAesCtrIvSize), plain,
                     std::span<uint8_t>(wkc.data() + kWkcTagSize, plain.size()))) {
    return make_error(Errc::kCrypto, "tls-crypt-v2 client key wrap failed");
  }
  std::memcpy(wkc.data() + size - 2, length_field, 2);
  return wkc;
}

}  // namespace ovpn::crypto
