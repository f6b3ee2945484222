#include "crypto/data_keys.h"

#include <cstring>

#include "crypto/kdf.h"

namespace ovpn::crypto {
namespace {

void fill(DirectionKey& out, const proto::KeySlots& slots, CipherAlg alg) {
  const auto key = slots.cipher.first(cipher_key_size(alg));
  out.cipher_key.assign(key.begin(), key.end());
  std::memcpy(out.implicit_iv.data(), slots.hmac.data(), kImplicitIvSize);
}

constexpr std::string_view kPrefix = "ovpn ";
constexpr std::string_view kDigest = "SHA256";

}  // namespace

DataKeys data_keys_from_key2(const proto::Key2& key2, proto::Role role, CipherAlg alg) {
  const auto slices = proto::slice_key2(key2, proto::data_channel_direction(role));
  DataKeys keys;
  fill(keys.send, slices.send, alg);
  fill(keys.receive, slices.receive, alg);
  return keys;
}

EpochChain EpochChain::from_key2(const proto::Key2& key2, proto::Role role, bool send) {
  const auto slices = proto::slice_key2(key2, proto::data_channel_direction(role));
  const auto& slot = send ? slices.send.cipher : slices.receive.cipher;
  EpochChain chain;
  chain.secret_.assign(slot.begin(), slot.begin() + kEpochSecretSize);
  return chain;
}

Status EpochChain::advance() {
  if (epoch_ == 0xffff) return make_error(Errc::kExhausted, "epoch counter exhausted");
  SecretBytes next(kEpochSecretSize);
  if (auto st = expand_label(kDigest, kPrefix, secret_, "datakey upd", {}, next); !st) return st;
  secret_.swap(next);
  ++epoch_;
  return {};
}

Status EpochChain::derive(CipherAlg alg, SecretBytes& key,
                          std::array<uint8_t, kEpochIvSize>& iv) const {
  key.assign(cipher_key_size(alg), 0);
  if (auto st = expand_label(kDigest, kPrefix, secret_, "data_key", {}, key); !st) return st;
  return expand_label(kDigest, kPrefix, secret_, "data_iv", {}, iv);
}

Expected<DataAead> EpochChain::make_aead(CipherAlg alg) const {
  SecretBytes key;
  std::array<uint8_t, kEpochIvSize> iv{};
  if (auto st = derive(alg, key, iv); !st) return forward_error(std::move(st));
  auto aead = DataAead::create_epoch(alg, key, iv);
  secure_wipe(iv.data(), iv.size());
  return aead;
}

}  // namespace ovpn::crypto
