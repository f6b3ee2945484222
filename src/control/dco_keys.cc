#include "control/dco_keys.h"

#include <algorithm>
#include <string>

#include "crypto/data_keys.h"

namespace ovpn::control {
namespace {

bool all_zero(const SecretBytes& key) {
  return std::all_of(key.begin(), key.end(), [](uint8_t b) { return b == 0; });
}

void copy_direction(const crypto::DirectionKey& from, dco::KeyMaterial& to) {
  to.cipher_key = from.cipher_key;
  static_assert(sizeof(to.nonce_tail) == crypto::kImplicitIvSize);
  std::copy(from.implicit_iv.begin(), from.implicit_iv.end(), to.nonce_tail.begin());
}

}  // namespace

Expected<dco::KeyConfig> make_dco_key_config(const proto::Key2& key2, const DcoKeyParams& params) {
  const crypto::DataKeys keys = crypto::data_keys_from_key2(key2, params.role, params.alg);
  if (all_zero(keys.send.cipher_key) || all_zero(keys.receive.cipher_key)) {
    return make_error(Errc::kCrypto, std::string("data channel ") +
                                         crypto::cipher_name(params.alg) + " key is all zeros");
  }
  dco::KeyConfig config;
  config.peer = params.peer;
  config.slot = params.slot;
  config.key_id = params.key_id;
  config.alg = params.alg;
  copy_direction(keys.send, config.encrypt);
  copy_direction(keys.receive, config.decrypt);
  return config;
}

}  // namespace ovpn::control
