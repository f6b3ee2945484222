#pragma once
// The data-channel keys of one key state, cut from its key2 block (proto/static_key.h): each
// direction's AEAD key is the prefix of its cipher slot and its implicit IV (the 8-byte nonce
// tail) the first 8 bytes of its hmac slot. keys[0] is client->server.
//
// For the 2.7 epoch format the same block seeds two HKDF chains instead:
//   E1(c->s) = key2[0..32), E1(s->c) = key2[128..160)
//   E(n+1) = OVPN-Expand-Label(E(n), "datakey upd", 32)
//   key    = OVPN-Expand-Label(E(n), "data_key", key size),  IV = ("data_iv", 12)
// where OVPN-Expand-Label is Expand-Label with SHA-256 and the prefix "ovpn ".

#include <array>
#include <cstdint>

#include "common/result.h"
#include "common/secure_wipe.h"
#include "crypto/cipher_alg.h"
#include "crypto/data_aead.h"
#include "proto/static_key.h"

namespace ovpn::crypto {

struct DirectionKey {
  SecretBytes cipher_key;
  std::array<uint8_t, kImplicitIvSize> implicit_iv{};
  ~DirectionKey() { secure_wipe(implicit_iv.data(), implicit_iv.size()); }
};

struct DataKeys {
  DirectionKey send;
  DirectionKey receive;
};

DataKeys data_keys_from_key2(const proto::Key2& key2, proto::Role role, CipherAlg alg);

inline constexpr size_t kEpochSecretSize = 32;

// One direction's chain of epoch secrets. Thread: its owner.
class EpochChain {
 public:
  // The chain `role` sends with (send = true) or receives with.
  static EpochChain from_key2(const proto::Key2& key2, proto::Role role, bool send);

  uint16_t epoch() const noexcept { return epoch_; }
  // Moves to the next epoch; kExhausted after epoch 0xffff.
  Status advance();
  // The AEAD for the current epoch.
  Expected<DataAead> make_aead(CipherAlg alg) const;
  // The key and IV of the current epoch (for the DCO API, which takes raw keys).
  Status derive(CipherAlg alg, SecretBytes& key, std::array<uint8_t, kEpochIvSize>& iv) const;

 private:
  EpochChain() = default;
  uint16_t epoch_ = 1;
  SecretBytes secret_;
};

}  // namespace ovpn::crypto
