#include "proto/data_packet.h"

#include <gtest/gtest.h>

#include <vector>

#include "proto/opcode.h"
#include "support/vectors.h"

namespace ovpn::proto {
namespace {

using ovpn::test::hex;
using ovpn::test::load_vectors;

// Every captured P_DATA_V2 packet: data-aead.json and the data packets of prf.json.
std::vector<nlohmann::json> data_vectors() {
  std::vector<nlohmann::json> out;
  const nlohmann::json aead = load_vectors("data-aead.json");
  for (const auto& v : aead["vectors"]) out.push_back(v);
  const nlohmann::json prf = load_vectors("prf.json");
  for (const auto& session : prf["vectors"]) {
    for (const auto& v : session["data_packets"]) out.push_back(v);
  }
  return out;
}

TEST(DataPacket, ParsesEveryCapturedPacket) {
  const auto vectors = data_vectors();
  ASSERT_EQ(vectors.size(), 103u + 14u + 17u);
  for (const auto& v : vectors) {
    SCOPED_TRACE(v["id"].get<std::string>());
    const auto wire = hex(v["wire"]);
    ASSERT_EQ(v["opcode"].get<int>(), 9);
    EXPECT_EQ(classify_packet(wire), PacketKind::kDataV2);

    DataV2Header h;
    ASSERT_EQ(parse_data_v2(wire, h), Drop::kNone);
    EXPECT_EQ(h.key_id.value(), v["key_id"].get<unsigned>());
    EXPECT_EQ(h.peer_id.value(), v["peer_id"].get<uint32_t>());
    EXPECT_EQ(h.packet_id, v["packet_id"].get<uint64_t>());
    EXPECT_EQ(std::vector<uint8_t>(wire.begin(), wire.begin() + 8), hex(v["aad"]));

    uint8_t header[kDataV2HeaderSize];
    write_data_v2_header(header, h.key_id, h.peer_id, static_cast<uint32_t>(h.packet_id));
    EXPECT_EQ(std::vector<uint8_t>(header, header + sizeof header),
              std::vector<uint8_t>(wire.begin(), wire.begin() + 8));
  }
}

TEST(DataPacket, EveryTruncationIsMalformed) {
  for (const auto& v : data_vectors()) {
    SCOPED_TRACE(v["id"].get<std::string>());
    const auto wire = hex(v["wire"]);
    for (size_t len = 0; len < kDataV2Overhead; ++len) {
      // An exact-size copy, so that ASan sees any read past the end.
      const std::vector<uint8_t> cut(wire.begin(), wire.begin() + static_cast<ptrdiff_t>(len));
      DataV2Header h;
      EXPECT_EQ(parse_data_v2(cut, h), Drop::kMalformed) << len;
      EXPECT_EQ(parse_data_v2_epoch(cut, h), Drop::kMalformed) << len;
    }
    const std::vector<uint8_t> minimal(wire.begin(), wire.begin() + kDataV2Overhead);
    DataV2Header h;
    EXPECT_EQ(parse_data_v2(minimal, h), Drop::kNone);
  }
}

TEST(DataPacket, DataV1IsItsOwnDrop) {
  std::vector<uint8_t> wire(64, 0);
  for (unsigned kid = 0; kid < 8; ++kid) {
    wire[0] = encode_op_byte(Opcode::kDataV1, *KeyId::make(kid));
    DataV2Header h;
    EXPECT_EQ(parse_data_v2(wire, h), Drop::kDataV1);
    EXPECT_EQ(parse_data_v2_epoch(wire, h), Drop::kDataV1);
    EXPECT_EQ(classify_packet(wire), PacketKind::kDataV1);
  }
}

TEST(DataPacket, OtherOpcodesAreMalformed) {
  std::vector<uint8_t> wire(64, 0);
  for (unsigned op = 0; op < 32; ++op) {
    if (op == 6 || op == 9) continue;
    wire[0] = static_cast<uint8_t>(op << 3);
    DataV2Header h;
    EXPECT_EQ(parse_data_v2(wire, h), Drop::kMalformed) << op;
    EXPECT_EQ(parse_data_v2_epoch(wire, h), Drop::kMalformed) << op;
    const bool defined = op >= kMinOpcode && op <= kMaxOpcode;
    EXPECT_EQ(classify_packet(wire), defined ? PacketKind::kControl : PacketKind::kInvalid) << op;
  }
  EXPECT_EQ(classify_packet({}), PacketKind::kInvalid);
}

TEST(DataPacket, ClassifiesCapturedControlPackets) {
  const nlohmann::json file = load_vectors("control-plain.json");
  for (const auto& v : file["vectors"]) {
    EXPECT_EQ(classify_packet(hex(v["wire"])), PacketKind::kControl) << v["id"];
  }
}

TEST(DataPacket, HeaderRoundTripAtTheLimits) {
  std::vector<uint8_t> wire(kDataV2Overhead, 0xEE);
  write_data_v2_header(wire.data(), *KeyId::make(7), *PeerId::make(PeerId::kMax), 0xFFFFFFFF);
  EXPECT_EQ(wire[0], 0x4F);
  DataV2Header h;
  ASSERT_EQ(parse_data_v2(wire, h), Drop::kNone);
  EXPECT_EQ(h.key_id.value(), 7);
  EXPECT_EQ(h.peer_id.value(), PeerId::kMax);
  EXPECT_EQ(h.packet_id, 0xFFFFFFFFu);

  write_data_v2_header(wire.data(), KeyId{}, PeerId::undefined(), 1);
  ASSERT_EQ(parse_data_v2(wire, h), Drop::kNone);
  EXPECT_TRUE(h.peer_id.is_undefined());
  EXPECT_EQ(h.packet_id, 1u);
}

TEST(DataPacket, EpochHeaderRoundTrip) {
  struct Case {
    unsigned key_id;
    uint32_t peer_id;
    uint16_t epoch;
    uint64_t counter;
  };
  const Case cases[] = {{0, 0, 1, 1},
                        {3, 0x123456, 0x1234, 0x0000abcdef012345},
                        {7, PeerId::kMax, 0xFFFF, kEpochCounterMax}};
  for (const Case& c : cases) {
    std::vector<uint8_t> wire(kDataV2EpochOverhead, 0);
    write_data_v2_epoch_header(wire.data(), *KeyId::make(c.key_id), *PeerId::make(c.peer_id),
                               c.epoch, c.counter);
    DataV2Header h;
    ASSERT_EQ(parse_data_v2_epoch(wire, h), Drop::kNone);
    EXPECT_EQ(h.key_id.value(), c.key_id);
    EXPECT_EQ(h.peer_id.value(), c.peer_id);
    EXPECT_EQ(h.packet_id >> 48, c.epoch);
    EXPECT_EQ(h.packet_id & kEpochCounterMax, c.counter);
    EXPECT_EQ(parse_data_v2_epoch(std::span(wire).first(kDataV2EpochOverhead - 1), h),
              Drop::kMalformed);
  }
  // A counter wider than 48 bits does not spill into the epoch.
  uint8_t header[kDataV2EpochHeaderSize];
  write_data_v2_epoch_header(header, KeyId{}, *PeerId::make(1), 2, ~uint64_t{0});
  EXPECT_EQ(header[4], 0x00);
  EXPECT_EQ(header[5], 0x02);
  EXPECT_EQ(header[6], 0xFF);
  EXPECT_EQ(header[11], 0xFF);
}

TEST(DataPacket, Ping) {
  EXPECT_TRUE(is_ping(kPingPayload));
  std::vector<uint8_t> p(std::begin(kPingPayload), std::end(kPingPayload));
  p[15] ^= 1;
  EXPECT_FALSE(is_ping(p));
  p[15] ^= 1;
  p.push_back(0);
  EXPECT_FALSE(is_ping(p));
  EXPECT_FALSE(is_ping(std::span(kPingPayload).first(15)));
  EXPECT_FALSE(is_ping({}));
}

}  // namespace
}  // namespace ovpn::proto
