#pragma once
// From one key state's key2 block to the DCO's key installation (dco::KeyConfig): each
// direction's AEAD cipher key and 8-byte nonce tail, cut as the 2.6 data channel does
// (protocol reference 6.1): keys[0] is client->server, so a client encrypts with keys[0] and
// decrypts with keys[1], a server the other way round.

#include "common/result.h"
#include "common/strong_id.h"
#include "crypto/cipher_alg.h"
#include "dco/dco.h"
#include "proto/static_key.h"

namespace ovpn::control {

struct DcoKeyParams {
  crypto::CipherAlg alg = crypto::CipherAlg::kAes256Gcm;
  proto::Role role = proto::Role::kClient;  // our TLS role
  KeyId key_id{};                           // 0 unless set
  PeerId peer = PeerId::undefined();
  dco::KeySlot slot = dco::KeySlot::kPrimary;
};

// The KeyConfig for `params`. Like 2.6, refuses a key whose used part is all zeros (kCrypto).
// Thread: any.
Expected<dco::KeyConfig> make_dco_key_config(const proto::Key2& key2, const DcoKeyParams& params);

}  // namespace ovpn::control
