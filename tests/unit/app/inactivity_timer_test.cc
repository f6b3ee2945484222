// inactive N [BYTES]: without BYTES any traffic restarts the window; with BYTES only reaching
// that many bytes since the last restart does.

#include "app/inactivity_timer.h"

#include <gtest/gtest.h>

namespace ovpn::app {
namespace {

TEST(InactivityTimer, AnyTrafficKeepsTheClient) {
  InactivityTimer t(10, 0, 1000);
  EXPECT_FALSE(t.expired(0, 5000));
  EXPECT_FALSE(t.expired(100, 10999));  // traffic at 11 s: the window restarts
  EXPECT_FALSE(t.expired(100, 20998));
  EXPECT_TRUE(t.expired(100, 20999));
}

TEST(InactivityTimer, FewerBytesThanTheThresholdIsInactive) {
  InactivityTimer t(10, 1000, 0);
  EXPECT_FALSE(t.expired(400, 5000));
  EXPECT_FALSE(t.expired(999, 9999));
  EXPECT_TRUE(t.expired(999, 10000));  // 999 bytes in 10 s: below 1000
  InactivityTimer u(10, 1000, 0);
  EXPECT_FALSE(u.expired(1000, 9000));   // 1000 bytes: the window restarts at 9 s
  EXPECT_FALSE(u.expired(1500, 18999));  // 500 more: not enough, but the window is not over
  EXPECT_TRUE(u.expired(1500, 19000));
}

TEST(InactivityTimer, ZeroSecondsIsOff) {
  InactivityTimer t(0, 0, 0);
  EXPECT_FALSE(t.expired(0, 1'000'000'000));
}

}  // namespace
}  // namespace ovpn::app
