// The main of ovpn_unit_io. Every test runs in a private network namespace, made here before any
// test (or thread) starts, so that the tests create interfaces, addresses and routes without
// touching the host and parallel runs never see each other. Loopback starts down in a new
// namespace; it is brought up with the code under test.
//
// Without the privilege to make a namespace (not root, or a container without CAP_SYS_ADMIN)
// every test is skipped, with "skipped: needs root" in the output (CTest reports it as skipped).

#include <sched.h>

#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

#include "io/netlink.h"

namespace {

class PrivateNetns : public ::testing::Environment {
 public:
  void SetUp() override {
    if (::unshare(CLONE_NEWNET) != 0) {
      const int error = errno;
      if (error == EPERM) {
        GTEST_SKIP() << "skipped: needs root (unshare(CLONE_NEWNET): " << std::strerror(error)
                     << ")";
      }
      FAIL() << "unshare(CLONE_NEWNET): " << std::strerror(error);
    }
    auto nl = ovpn::io::NetlinkSocket::open();
    ASSERT_TRUE(nl) << nl.error().message;
    auto lo = nl->link_index("lo");
    ASSERT_TRUE(lo) << lo.error().message;
    auto up = nl->link_set_up(*lo, true);
    ASSERT_TRUE(up) << up.error().message;
  }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new PrivateNetns);  // gtest owns it
  return RUN_ALL_TESTS();
}
