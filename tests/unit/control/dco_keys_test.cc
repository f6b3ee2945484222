// make_dco_key_config: the key2 block cut into the DCO's per-direction keys and nonce tails,
// for both roles and every cipher size, and the all-zero key 2.6 refuses.

#include "control/dco_keys.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace ovpn::control {
namespace {

using Bytes = std::vector<uint8_t>;

proto::Key2 counting_key2() {
  std::array<uint8_t, proto::kKey2Size> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i);
  return proto::Key2(bytes);
}

Bytes range(size_t from, size_t n) {
  Bytes out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(from + i);
  return out;
}

Bytes bytes(const SecretBytes& s) { return Bytes(s.begin(), s.end()); }
Bytes bytes(const std::array<uint8_t, 8>& a) { return Bytes(a.begin(), a.end()); }

TEST(DcoKeys, ClientEncryptsWithKeys0AndServerWithKeys1) {
  const proto::Key2 key2 = counting_key2();
  DcoKeyParams p;
  p.alg = crypto::CipherAlg::kAes256Gcm;
  p.key_id = *KeyId::make(3);
  p.peer = *PeerId::make(7);
  p.slot = dco::KeySlot::kSecondary;
  p.role = proto::Role::kClient;
  auto client = make_dco_key_config(key2, p);
  p.role = proto::Role::kServer;
  auto server = make_dco_key_config(key2, p);
  ASSERT_TRUE(client && server);

  EXPECT_EQ(bytes(client->encrypt.cipher_key), range(0, 32));
  EXPECT_EQ(bytes(client->encrypt.nonce_tail), range(64, 8));
  EXPECT_EQ(bytes(client->decrypt.cipher_key), range(128, 32));
  EXPECT_EQ(bytes(client->decrypt.nonce_tail), range(192, 8));

  EXPECT_EQ(bytes(server->encrypt.cipher_key), bytes(client->decrypt.cipher_key));
  EXPECT_EQ(bytes(server->encrypt.nonce_tail), bytes(client->decrypt.nonce_tail));
  EXPECT_EQ(bytes(server->decrypt.cipher_key), bytes(client->encrypt.cipher_key));
  EXPECT_EQ(bytes(server->decrypt.nonce_tail), bytes(client->encrypt.nonce_tail));

  EXPECT_EQ(client->key_id, *KeyId::make(3));
  EXPECT_EQ(client->peer, *PeerId::make(7));
  EXPECT_EQ(client->slot, dco::KeySlot::kSecondary);
  EXPECT_EQ(client->alg, crypto::CipherAlg::kAes256Gcm);
}

TEST(DcoKeys, KeyLengthFollowsTheCipher) {
  for (crypto::CipherAlg alg : crypto::kAllCipherAlgs) {
    SCOPED_TRACE(crypto::cipher_name(alg));
    auto k = make_dco_key_config(counting_key2(), {.alg = alg});
    ASSERT_TRUE(k);
    EXPECT_EQ(k->encrypt.cipher_key.size(), crypto::cipher_key_size(alg));
    EXPECT_EQ(k->decrypt.cipher_key.size(), crypto::cipher_key_size(alg));
    EXPECT_EQ(k->alg, alg);
  }
}

TEST(DcoKeys, RefusesAnAllZeroKeyLikeOpenVpn) {
  std::array<uint8_t, proto::kKey2Size> raw{};
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = 0xaa;
  // Zero only the server->client AES-128 key: the unused tail of the slot stays non-zero.
  std::fill(raw.begin() + 128, raw.begin() + 128 + 16, 0);
  auto aes128 = make_dco_key_config(proto::Key2(raw), {.alg = crypto::CipherAlg::kAes128Gcm});
  ASSERT_FALSE(aes128);
  EXPECT_EQ(aes128.error().code, Errc::kCrypto);
  // AES-256 uses 32 bytes of the slot, so the same block is acceptable there.
  EXPECT_TRUE(make_dco_key_config(proto::Key2(raw), {.alg = crypto::CipherAlg::kAes256Gcm}));
}

}  // namespace
}  // namespace ovpn::control
