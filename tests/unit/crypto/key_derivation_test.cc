// Key derivation reproduces what stock OpenVPN derived in the captured sessions: the legacy
// PRF's key2, the TLS-EKM key2 of every key state, the dynamic tls-crypt key, and the per
// direction cipher keys and implicit IVs cut from key2. The epoch chain is checked against
// values computed independently (Python's hmac module) from the same key2.

#include <gtest/gtest.h>

#include "crypto/data_keys.h"
#include "crypto/ekm.h"
#include "crypto/legacy_prf.h"
#include "crypto/tls_crypt.h"
#include "support/vectors.h"

namespace ovpn::crypto {
namespace {

using test::hex;

proto::Key2 key2_of(const nlohmann::json& field) {
  const auto bytes = hex(field);
  EXPECT_EQ(bytes.size(), proto::kKey2Size);
  return proto::Key2(std::span<const uint8_t, proto::kKey2Size>(bytes.data(), proto::kKey2Size));
}

std::vector<uint8_t> bytes_of(const proto::Key2& key) {
  return {key.bytes().begin(), key.bytes().end()};
}

proto::SessionId session_id(const nlohmann::json& field) {
  proto::SessionId sid{};
  const auto bytes = hex(field);
  EXPECT_EQ(bytes.size(), sid.size());
  std::copy(bytes.begin(), bytes.end(), sid.begin());
  return sid;
}

void expect_direction_keys(const proto::Key2& key2, CipherAlg alg, const nlohmann::json& keys) {
  const auto client = data_keys_from_key2(key2, proto::Role::kClient, alg);
  const auto server = data_keys_from_key2(key2, proto::Role::kServer, alg);
  const auto c2s_key = hex(keys["client->server"]["cipher_key"]);
  const auto c2s_iv = hex(keys["client->server"]["implicit_iv"]);
  const auto s2c_key = hex(keys["server->client"]["cipher_key"]);
  const auto s2c_iv = hex(keys["server->client"]["implicit_iv"]);
  auto vec = [](const auto& c) { return std::vector<uint8_t>(c.begin(), c.end()); };
  EXPECT_EQ(vec(client.send.cipher_key), c2s_key);
  EXPECT_EQ(vec(client.send.implicit_iv), c2s_iv);
  EXPECT_EQ(vec(server.receive.cipher_key), c2s_key);
  EXPECT_EQ(vec(server.receive.implicit_iv), c2s_iv);
  EXPECT_EQ(vec(server.send.cipher_key), s2c_key);
  EXPECT_EQ(vec(server.send.implicit_iv), s2c_iv);
  EXPECT_EQ(vec(client.receive.cipher_key), s2c_key);
  EXPECT_EQ(vec(client.receive.implicit_iv), s2c_iv);
}

TEST(LegacyPrf, ReproducesKey2OfBothSessions) {
  const auto doc = test::load_vectors("prf.json");
  ASSERT_EQ(doc["vectors"].size(), 2u);
  for (const auto& v : doc["vectors"]) {
    SCOPED_TRACE(v["id"].get<std::string>());
    const auto& in = v["inputs"];
    const auto pre_master = hex(in["pre_master"]);
    const auto c1 = hex(in["client_random1"]);
    const auto c2 = hex(in["client_random2"]);
    const auto s1 = hex(in["server_random1"]);
    const auto s2 = hex(in["server_random2"]);
    LegacyPrfInputs inputs{pre_master,
                           c1,
                           c2,
                           s1,
                           s2,
                           session_id(in["client_session_id"]),
                           session_id(in["server_session_id"])};
    auto key2 = key2_from_legacy_prf(inputs);
    ASSERT_TRUE(key2) << key2.error().message;
    EXPECT_EQ(bytes_of(*key2), hex(v["key2"]));
    expect_direction_keys(*key2, *cipher_from_name(v["cipher"].get<std::string>()), v["keys"]);
  }
}

TEST(LegacyPrf, RejectsWrongInputSizes) {
  std::vector<uint8_t> short_secret(47), random(32);
  EXPECT_FALSE(key2_from_legacy_prf({short_secret, random, random, random, random, {}, {}}));
}

TEST(Ekm, Tls13ExporterReproducesKey2OfEveryKeyState) {
  const auto doc = test::load_vectors("data-aead.json");
  size_t count = 0;
  for (const auto& [name, session] : doc["sessions"].items()) {
    for (const auto& [key_id, state] : session["keys_by_key_id"].items()) {
      SCOPED_TRACE(name + " key_id " + key_id);
      ASSERT_EQ(state["tls13_hash"], "SHA384");
      proto::Key2 key2;
      ASSERT_TRUE(tls13_export("SHA384", hex(state["tls13_exporter_secret"]), kEkmDataKeys,
                               key2.mutable_bytes()));
      EXPECT_EQ(bytes_of(key2), hex(state["key2"]));
      expect_direction_keys(key2, *cipher_from_name(session["cipher"].get<std::string>()), state);
      ++count;
    }
  }
  EXPECT_EQ(count, 6u);
}

TEST(Ekm, DynamicTlsCryptKeyIsEkmXorTheKeyFile) {
  const auto doc = test::load_vectors("tls-crypt.json");
  const auto& dynamic = doc["dynamic_tls_crypt"];
  std::array<uint8_t, proto::kKey2Size> ekm{};
  ASSERT_TRUE(tls13_export("SHA384", hex(dynamic["tls13_exporter_secret_key_id_0"]),
                           kEkmDynamicTlsCrypt, ekm));
  EXPECT_EQ(std::vector<uint8_t>(ekm.begin(), ekm.end()), hex(dynamic["ekm_output"]));
  const auto original = key2_of(dynamic["tls_crypt_key"]);
  EXPECT_EQ(bytes_of(dynamic_tls_crypt_key(original, ekm)), hex(dynamic["dynamic_key"]));
}

TEST(EpochKeys, ChainMatchesIndependentComputation) {
  const auto doc = test::load_vectors("data-aead.json");
  const auto key2 = key2_of(doc["sessions"]["reneg"]["keys_by_key_id"]["0"]["key2"]);
  struct Expected {
    const char* key;
    const char* iv;
  };
  // (c->s, s->c) x (epoch 1, epoch 2), AES-256-GCM.
  const Expected c2s[] = {{"b7231ce895befd3f59c0af5004a97ec28ad6f0a099879e9feb18dd7bf9f23b86",
                           "de5c7b5d38177cedec0e276a"},
                          {"f91120a758ff129b770da520477bc207b7dc2ce4e3e8604c8b1e3713215800ec",
                           "cefaa0b96ca7a7fde0bb8ba2"}};
  const Expected s2c[] = {{"baf1b96737dffbb8d3d9df2c5209af52683c2c547423718543f299448e877daf",
                           "67a110ce586be019376c9303"},
                          {"c6828c97b07bffef67387dc88d0f556b2b36025d6fb60213440c8c00ab0ac72e",
                           "117e9236371c92f81aabf83f"}};

  auto check = [&](EpochChain chain, const Expected* expected) {
    for (int epoch = 1; epoch <= 2; ++epoch) {
      EXPECT_EQ(chain.epoch(), epoch);
      SecretBytes key;
      std::array<uint8_t, kEpochIvSize> iv{};
      ASSERT_TRUE(chain.derive(CipherAlg::kAes256Gcm, key, iv));
      EXPECT_EQ(std::vector<uint8_t>(key.begin(), key.end()), hex(expected[epoch - 1].key));
      EXPECT_EQ(std::vector<uint8_t>(iv.begin(), iv.end()), hex(expected[epoch - 1].iv));
      ASSERT_TRUE(chain.advance());
    }
  };
  check(EpochChain::from_key2(key2, proto::Role::kClient, /*send=*/true), c2s);
  check(EpochChain::from_key2(key2, proto::Role::kServer, /*send=*/false), c2s);
  check(EpochChain::from_key2(key2, proto::Role::kServer, /*send=*/true), s2c);
  check(EpochChain::from_key2(key2, proto::Role::kClient, /*send=*/false), s2c);
}

TEST(EpochKeys, SenderAndReceiverAgreeOnPackets) {
  const auto doc = test::load_vectors("data-aead.json");
  const auto key2 = key2_of(doc["sessions"]["reneg"]["keys_by_key_id"]["1"]["key2"]);
  auto send = EpochChain::from_key2(key2, proto::Role::kClient, true)
                  .make_aead(CipherAlg::kChaCha20Poly1305);
  auto receive = EpochChain::from_key2(key2, proto::Role::kServer, false)
                     .make_aead(CipherAlg::kChaCha20Poly1305);
  ASSERT_TRUE(send && receive);
  std::vector<uint8_t> packet(12 + 100 + 16, 0x42);
  ASSERT_TRUE(send->seal(packet));
  EXPECT_TRUE(receive->open(packet));
}

}  // namespace
}  // namespace ovpn::crypto
