#include "engine/data_key.h"

namespace ovpn::engine {

Expected<std::shared_ptr<DataKey>> DataKey::create(dco::KeyConfig&& config, size_t contexts,
                                                   uint64_t packet_id_last) {
  // Ask for a new key well before the ids run out, as OpenVPN does (0xFF000000 of 2^32).
  const uint64_t soft_limit = packet_id_last - (packet_id_last >> 8);
  std::shared_ptr<DataKey> key(new DataKey(config.key_id, config.alg, packet_id_last, soft_limit));
  key->aeads_.reserve(contexts);
  for (size_t i = 0; i < contexts; ++i) {
    auto seal = crypto::DataAead::create_v2(config.alg, config.encrypt.cipher_key,
                                            config.encrypt.nonce_tail);
    if (!seal) return forward_error(std::move(seal));
    auto open = crypto::DataAead::create_v2(config.alg, config.decrypt.cipher_key,
                                            config.decrypt.nonce_tail);
    if (!open) return forward_error(std::move(open));
    key->aeads_.push_back(AeadPair{std::move(*seal), std::move(*open)});
  }
  // The contexts hold the keys now; the caller's copies are wiped with `config`.
  return key;
}

}  // namespace ovpn::engine
