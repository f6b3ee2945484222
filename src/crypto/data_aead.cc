#include "crypto/data_aead.h"

#include <cstring>

#include "common/secure_wipe.h"
#include "crypto/evp.h"
#include "proto/data_packet.h"

namespace ovpn::crypto {
namespace {

using proto::kAeadTagSize;
using proto::kDataV2EpochHeaderSize;
using proto::kDataV2HeaderSize;

Expected<ProviderAead> make_context(CipherAlg alg, std::span<const uint8_t> key) {
  if (key.size() != cipher_key_size(alg)) {
    return make_error(Errc::kInvalidArgument, std::string(cipher_name(alg)) + " needs a " +
                                                  std::to_string(cipher_key_size(alg)) +
                                                  "-byte key");
  }
  const EVP_CIPHER* cipher = evp_cipher(alg);
  if (cipher == nullptr) return make_error(Errc::kUnsupported, openssl_error(cipher_name(alg)));
  return ProviderAead::create(cipher, key.data(), key.size());
}

}  // namespace

DataAead::DataAead(CipherAlg alg, DataFormat format, ProviderAead aead) noexcept
    : alg_(alg), format_(format), aead_(std::move(aead)) {}

DataAead::~DataAead() { secure_wipe(iv_.data(), iv_.size()); }

Expected<DataAead> DataAead::create_v2(CipherAlg alg, std::span<const uint8_t> key,
                                       std::span<const uint8_t> implicit_iv) {
  if (implicit_iv.size() != kImplicitIvSize) {
    return make_error(Errc::kInvalidArgument, "the implicit IV is 8 bytes");
  }
  auto ctx = make_context(alg, key);
  if (!ctx) return forward_error(std::move(ctx));
  DataAead aead(alg, DataFormat::kV2, std::move(*ctx));
  std::memcpy(aead.iv_.data(), implicit_iv.data(), kImplicitIvSize);
  return aead;
}

Expected<DataAead> DataAead::create_epoch(CipherAlg alg, std::span<const uint8_t> key,
                                          std::span<const uint8_t> iv) {
  if (iv.size() != kEpochIvSize) return make_error(Errc::kInvalidArgument, "the IV is 12 bytes");
  auto ctx = make_context(alg, key);
  if (!ctx) return forward_error(std::move(ctx));
  DataAead aead(alg, DataFormat::kEpoch, std::move(*ctx));
  std::memcpy(aead.iv_.data(), iv.data(), kEpochIvSize);
  return aead;
}

size_t DataAead::header_size() const noexcept {
  return format_ == DataFormat::kV2 ? kDataV2HeaderSize : kDataV2EpochHeaderSize;
}
size_t DataAead::overhead() const noexcept { return header_size() + kAeadTagSize; }
size_t DataAead::payload_offset() const noexcept {
  return format_ == DataFormat::kV2 ? kDataV2HeaderSize + kAeadTagSize : kDataV2EpochHeaderSize;
}

void DataAead::make_nonce(const uint8_t* header, uint8_t* nonce) const noexcept {
  if (format_ == DataFormat::kV2) {
    std::memcpy(nonce, header + 4, 4);  // packet id as on the wire
    std::memcpy(nonce + 4, iv_.data(), kImplicitIvSize);
    return;
  }
  for (size_t i = 0; i < 8; ++i) nonce[i] = static_cast<uint8_t>(header[4 + i] ^ iv_[i]);
  for (size_t i = 8; i < kAeadNonceSize; ++i) nonce[i] = iv_[i];
}

bool DataAead::seal_detached(std::span<const uint8_t, kAeadNonceSize> nonce,
                             std::span<const uint8_t> aad, std::span<uint8_t> data,
                             std::span<uint8_t, 16> tag) noexcept {
  return aead_.seal(nonce.data(), aad.data(), aad.size(), data.data(), data.data(), data.size(),
                    tag.data());
}

bool DataAead::open_detached(std::span<const uint8_t, kAeadNonceSize> nonce,
                             std::span<const uint8_t> aad, std::span<uint8_t> data,
                             std::span<const uint8_t, 16> tag) noexcept {
  return aead_.open(nonce.data(), aad.data(), aad.size(), data.data(), data.data(), data.size(),
                    tag.data());
}

bool DataAead::seal(std::span<uint8_t> packet) noexcept {
  if (packet.size() < overhead()) [[unlikely]]
    return false;
  const size_t len = packet.size() - overhead();
  uint8_t* tag = format_ == DataFormat::kV2 ? packet.data() + header_size()
                                            : packet.data() + payload_offset() + len;
  uint8_t nonce[kAeadNonceSize];
  make_nonce(packet.data(), nonce);
  return seal_detached(nonce, packet.first(header_size()), packet.subspan(payload_offset(), len),
                       std::span<uint8_t, kAeadTagSize>(tag, kAeadTagSize));
}

bool DataAead::open(std::span<uint8_t> packet) noexcept {
  if (packet.size() < overhead()) [[unlikely]]
    return false;
  const size_t len = packet.size() - overhead();
  const uint8_t* tag = format_ == DataFormat::kV2 ? packet.data() + header_size()
                                                  : packet.data() + payload_offset() + len;
  uint8_t nonce[kAeadNonceSize];
  make_nonce(packet.data(), nonce);
  const auto payload = packet.subspan(payload_offset(), len);
  if (!open_detached(nonce, packet.first(header_size()), payload,
                     std::span<const uint8_t, kAeadTagSize>(tag, kAeadTagSize))) [[unlikely]] {
    // Decryption ran in place before the tag check: leave no unauthenticated plaintext behind.
    std::memset(payload.data(), 0, payload.size());
    return false;
  }
  return true;
}

}  // namespace ovpn::crypto
