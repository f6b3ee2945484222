// Every P_DATA_V2 packet that stock OpenVPN 2.6.14 sent opens to its captured plaintext with
// the captured key, and re-seals to the captured bytes.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "crypto/data_aead.h"
#include "support/vectors.h"

namespace ovpn::crypto {
namespace {

using test::hex;

void check_packet(const nlohmann::json& v) {
  SCOPED_TRACE(v["id"].get<std::string>());
  const auto alg = cipher_from_name(v["cipher"].get<std::string>());
  ASSERT_TRUE(alg.has_value());
  auto opener = DataAead::create_v2(*alg, hex(v["key"]), hex(v["implicit_iv"]));
  auto sealer = DataAead::create_v2(*alg, hex(v["key"]), hex(v["implicit_iv"]));
  ASSERT_TRUE(opener && sealer);

  const auto wire = hex(v["wire"]);
  const auto plaintext = hex(v["plaintext"]);
  ASSERT_EQ(wire.size(), opener->overhead() + plaintext.size());

  auto packet = wire;
  ASSERT_TRUE(opener->open(packet));
  EXPECT_EQ(std::vector<uint8_t>(packet.begin() + static_cast<long>(opener->payload_offset()),
                                 packet.end()),
            plaintext);

  // Re-seal: header as captured, plaintext in place, tag slot zeroed.
  auto resealed = wire;
  std::fill(resealed.begin() + 8, resealed.begin() + 24, 0);
  std::copy(plaintext.begin(), plaintext.end(), resealed.begin() + 24);
  ASSERT_TRUE(sealer->seal(resealed));
  EXPECT_EQ(resealed, wire);
}

TEST(DataAeadVectors, EveryCapturedPacketOpensAndReseals) {
  const auto doc = test::load_vectors("data-aead.json");
  size_t count = 0;
  for (const auto& v : doc["vectors"]) {
    check_packet(v);
    ++count;
  }
  EXPECT_EQ(count, doc["vectors"].size());
  EXPECT_GE(count, 100u);
}

TEST(DataAeadVectors, LegacyPrfSessionPacketsOpenAndReseal) {
  const auto doc = test::load_vectors("prf.json");
  size_t count = 0;
  for (const auto& session : doc["vectors"]) {
    for (const auto& v : session["data_packets"]) {
      check_packet(v);
      ++count;
    }
  }
  EXPECT_GE(count, 20u);
}

// The vectors cover all three ciphers stock OpenVPN negotiates by default.
TEST(DataAeadVectors, CoverEveryDefaultCipher) {
  const auto doc = test::load_vectors("data-aead.json");
  std::set<std::string> ciphers;
  for (const auto& v : doc["vectors"]) ciphers.insert(v["cipher"].get<std::string>());
  EXPECT_EQ(ciphers, (std::set<std::string>{"AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305"}));
}

}  // namespace
}  // namespace ovpn::crypto
