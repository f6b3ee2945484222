#include "common/strong_id.h"

#include <gtest/gtest.h>

namespace ovpn {
namespace {

TEST(PeerId, MakeAcceptsOnlyRealIds) {
  ASSERT_TRUE(PeerId::make(0));
  EXPECT_EQ(PeerId::make(0)->value(), 0u);
  ASSERT_TRUE(PeerId::make(0xFFFFFE));
  EXPECT_EQ(PeerId::make(0xFFFFFE)->value(), 0xFFFFFEu);
  EXPECT_FALSE(PeerId::make(0xFFFFFE)->is_undefined());

  EXPECT_FALSE(PeerId::make(0xFFFFFF));  // the wire's "undefined" value
  EXPECT_FALSE(PeerId::make(0x1000000));
  EXPECT_FALSE(PeerId::make(0xFFFFFFFF));
}

TEST(PeerId, FromWireKeeps24Bits) {
  EXPECT_EQ(PeerId::from_wire(0x123456).value(), 0x123456u);
  EXPECT_EQ(PeerId::from_wire(0xAB123456).value(), 0x123456u);
  EXPECT_TRUE(PeerId::from_wire(0xFFFFFF).is_undefined());
  EXPECT_TRUE(PeerId::from_wire(0xFFFFFFFF).is_undefined());
  EXPECT_EQ(PeerId::from_wire(0xFFFFFF), PeerId::undefined());
}

TEST(PeerId, Undefined) {
  EXPECT_TRUE(PeerId::undefined().is_undefined());
  EXPECT_EQ(PeerId::undefined().value(), PeerId::kUndefinedValue);
  EXPECT_LT(*PeerId::make(1), *PeerId::make(2));
}

TEST(KeyId, NextCyclesOneToSeven) {
  KeyId k;
  EXPECT_EQ(k.value(), 0);
  const uint8_t expected[] = {1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7, 1};
  for (uint8_t e : expected) {
    k = k.next();
    EXPECT_EQ(k.value(), e);
  }
}

TEST(KeyId, MakeAndFromWire) {
  for (unsigned v = 0; v <= 7; ++v) {
    ASSERT_TRUE(KeyId::make(v));
    EXPECT_EQ(KeyId::make(v)->value(), v);
  }
  EXPECT_FALSE(KeyId::make(8));
  EXPECT_FALSE(KeyId::make(255));
  EXPECT_EQ(KeyId::from_wire(0x4B).value(), 3);  // opcode 9, key id 3
  EXPECT_EQ(KeyId::from_wire(0xFF).value(), 7);
}

}  // namespace
}  // namespace ovpn
