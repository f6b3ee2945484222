#pragma once
// Seals and opens data-channel packets in place, for one key in one direction.
//
// Two packet formats share this interface (see proto/data_packet.h for the drawings):
//   kV2:    header (8, the AAD) || tag (16) || ciphertext;  nonce = packet id || implicit IV (8)
//   kEpoch: header (12, the AAD) || ciphertext || tag (16); nonce = (epoch || counter || 0^4)
//           XOR IV (12)
// The caller writes the header (proto::write_data_v2_header) into the packet's headroom and
// leaves room for the tag; seal() and open() then work on the whole packet, reading the nonce's
// packet id from the header, with no copy.
//
// The cipher context is created once, with the key, and reused for every packet: per packet
// only the nonce is set. It calls OpenSSL's provider directly (crypto/provider_aead.h). A DataAead
// is not safe for concurrent use; each shard holds its own. The key is not kept outside OpenSSL's
// context, which wipes it when freed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/result.h"
#include "crypto/cipher_alg.h"
#include "crypto/provider_aead.h"

namespace ovpn::crypto {

enum class DataFormat : uint8_t { kV2, kEpoch };

inline constexpr size_t kImplicitIvSize = 8;  // 2.6 format: the nonce tail
inline constexpr size_t kEpochIvSize = 12;    // epoch format: XORed with the packet id
inline constexpr size_t kAeadNonceSize = 12;

class DataAead {
 public:
  // 2.6 format: `key` of cipher_key_size(alg) bytes, `implicit_iv` of 8.
  static Expected<DataAead> create_v2(CipherAlg alg, std::span<const uint8_t> key,
                                      std::span<const uint8_t> implicit_iv);
  // Epoch format: `key` of cipher_key_size(alg) bytes, `iv` of 12.
  static Expected<DataAead> create_epoch(CipherAlg alg, std::span<const uint8_t> key,
                                         std::span<const uint8_t> iv);

  DataAead(DataAead&&) noexcept = default;
  DataAead& operator=(DataAead&&) noexcept = default;
  ~DataAead();

  // Bytes around the payload: header + tag.
  size_t overhead() const noexcept;
  size_t header_size() const noexcept;
  CipherAlg alg() const noexcept { return alg_; }
  DataFormat format() const noexcept { return format_; }

  // `packet` = header || room for the tag and the plaintext, laid out for the format. Encrypts
  // the plaintext in place and writes the tag. False only if OpenSSL fails or the packet is
  // shorter than the overhead.
  [[nodiscard]] bool seal(std::span<uint8_t> packet) noexcept;
  // Authenticates and decrypts in place; the plaintext is then at header_size() (kV2: after the
  // tag, i.e. at overhead()) for packet.size() - overhead() bytes. False on a bad tag; the
  // payload bytes are then zeroed.
  [[nodiscard]] bool open(std::span<uint8_t> packet) noexcept;

  // Where the plaintext starts in a packet of this format.
  size_t payload_offset() const noexcept;

  // The AEAD primitive both formats are built on, with an explicit nonce and AAD: seals `data`
  // in place and writes the 16-byte tag / checks the tag and opens `data` in place. For
  // known-answer tests against the cipher specifications; the data path uses seal()/open().
  [[nodiscard]] bool seal_detached(std::span<const uint8_t, kAeadNonceSize> nonce,
                                   std::span<const uint8_t> aad, std::span<uint8_t> data,
                                   std::span<uint8_t, 16> tag) noexcept;
  [[nodiscard]] bool open_detached(std::span<const uint8_t, kAeadNonceSize> nonce,
                                   std::span<const uint8_t> aad, std::span<uint8_t> data,
                                   std::span<const uint8_t, 16> tag) noexcept;

 private:
  DataAead(CipherAlg alg, DataFormat format, ProviderAead aead) noexcept;
  void make_nonce(const uint8_t* header, uint8_t* nonce) const noexcept;

  CipherAlg alg_;
  DataFormat format_;
  ProviderAead aead_;
  std::array<uint8_t, kEpochIvSize> iv_{};  // kV2: the 8-byte tail; kEpoch: the 12-byte IV
};

}  // namespace ovpn::crypto
