#include "proto/opcode.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace ovpn::proto {
namespace {

TEST(OpByte, EncodeDecodeEveryOpcodeAndKeyId) {
  for (uint8_t op = kMinOpcode; op <= kMaxOpcode; ++op) {
    for (unsigned kid = 0; kid <= KeyId::kMax; ++kid) {
      const auto opcode = static_cast<Opcode>(op);
      const uint8_t byte = encode_op_byte(opcode, *KeyId::make(kid));
      EXPECT_EQ(byte, (op << 3) | kid);
      const auto decoded = decode_op_byte(byte);
      ASSERT_TRUE(decoded) << int{byte};
      EXPECT_EQ(decoded->opcode, opcode);
      EXPECT_EQ(decoded->key_id.value(), kid);
    }
  }
}

TEST(OpByte, UndefinedOpcodesAreRejected) {
  for (unsigned op = 0; op < 32; ++op) {
    if (op >= kMinOpcode && op <= kMaxOpcode) continue;
    for (unsigned kid = 0; kid < 8; ++kid) {
      EXPECT_FALSE(decode_op_byte(static_cast<uint8_t>(op << 3 | kid))) << op << "/" << kid;
    }
  }
}

TEST(OpByte, KnownWireBytes) {
  EXPECT_EQ(encode_op_byte(Opcode::kControlHardResetClientV2, KeyId{}), 0x38);
  EXPECT_EQ(encode_op_byte(Opcode::kDataV2, KeyId{}), 0x48);
  EXPECT_EQ(encode_op_byte(Opcode::kControlHardResetClientV3, KeyId{}), 0x50);
  EXPECT_EQ(encode_op_byte(Opcode::kControlSoftResetV1, *KeyId::make(1)), 0x19);
}

TEST(Opcode, Classes) {
  for (uint8_t op = kMinOpcode; op <= kMaxOpcode; ++op) {
    const auto opcode = static_cast<Opcode>(op);
    const bool data = op == 6 || op == 9;
    EXPECT_EQ(is_data(opcode), data) << int{op};
    EXPECT_EQ(is_control(opcode), !data) << int{op};
    EXPECT_EQ(carries_wkc(opcode), op == 10 || op == 11) << int{op};
    EXPECT_EQ(has_message_id(opcode), op != 5) << int{op};
  }
}

TEST(Opcode, NamesAreDistinct) {
  std::set<std::string> names;
  for (uint8_t op = kMinOpcode; op <= kMaxOpcode; ++op) {
    const std::string name = opcode_name(static_cast<Opcode>(op));
    EXPECT_EQ(name.rfind("P_", 0), 0u) << name;
    EXPECT_NE(name, "P_UNKNOWN");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_STREQ(opcode_name(Opcode::kDataV2), "P_DATA_V2");
}

}  // namespace
}  // namespace ovpn::proto
