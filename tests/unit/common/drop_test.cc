#include "common/drop.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace ovpn {
namespace {

TEST(Drop, EveryReasonHasADistinctName) {
  std::set<std::string> names;
  for (size_t i = 0; i < kDropReasonCount; ++i) {
    const std::string name = drop_name(static_cast<Drop>(i));
    EXPECT_FALSE(name.empty()) << i;
    EXPECT_NE(name, "unknown") << i;
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
  }
  EXPECT_EQ(names.size(), kDropReasonCount);
  EXPECT_STREQ(drop_name(Drop::kNone), "none");
  EXPECT_STREQ(drop_name(Drop::kCount), "unknown");
}

}  // namespace
}  // namespace ovpn
