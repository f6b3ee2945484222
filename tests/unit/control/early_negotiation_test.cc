// Early-negotiation TLVs in a hard reset's payload: the captured stock server's RESEND_WKC,
// unknown types skipped, truncation rejected.

#include "control/early_negotiation.h"

#include <gtest/gtest.h>

#include "support/vectors.h"

namespace ovpn::control {
namespace {

using test::hex;

TEST(EarlyNegotiation, EmptyPayloadHasNoFlags) {
  auto parsed = parse_early_negotiation({});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->flags, 0);
  EXPECT_FALSE(parsed->resend_wkc());
}

TEST(EarlyNegotiation, StockServerResetAsksForTheWkc) {
  const auto doc = test::load_vectors("tls-crypt-v2.json");
  const auto& reset = doc["vectors"][1];
  ASSERT_EQ(reset["opcode_name"], "P_CONTROL_HARD_RESET_SERVER_V2");
  const auto payload = hex(reset["payload"]);
  EXPECT_EQ(payload, hex("000100020001"));
  auto parsed = parse_early_negotiation(payload);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->resend_wkc());
}

TEST(EarlyNegotiation, UnknownTypesAreSkipped) {
  auto parsed = parse_early_negotiation(hex("7777000301020300010002000100090000"));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->resend_wkc());
}

TEST(EarlyNegotiation, MalformedIsAnError) {
  for (const char* bad :
       {"00", "000100", "00010002", "0001000200", "000100030000ff", "000100010001", "0009000500"}) {
    SCOPED_TRACE(bad);
    auto parsed = parse_early_negotiation(hex(bad));
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, Errc::kMalformed);
  }
}

}  // namespace
}  // namespace ovpn::control
