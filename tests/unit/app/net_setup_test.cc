// NetSetup over a fake NetOps that keeps a table and can fail on cue: the order of the steps,
// EEXIST not claimed, rollback on a failure midway, teardown in reverse, idempotent, tolerant
// of what someone else removed.

#include "app/net_setup.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace ovpn::app {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }
IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }

// Records every request as a line; addresses and routes live in sets keyed by that text.
class FakeOps final : public NetOps {
 public:
  Status link_set_up(int ifindex, bool up) override {
    return step("link " + std::to_string(ifindex) + (up ? " up" : " down"));
  }
  Status link_set_mtu(int ifindex, uint32_t mtu) override {
    return step("mtu " + std::to_string(ifindex) + " " + std::to_string(mtu));
  }
  Status addr_new(int, const PlannedAddress& a) override { return add("addr " + key(a)); }
  Status addr_del(int, const PlannedAddress& a) override { return del("addr " + key(a)); }
  Status route_new(const io::Route& r) override { return add("route " + key(r)); }
  Status route_del(const io::Route& r) override { return del("route " + key(r)); }

  static std::string key(const PlannedAddress& a) {
    return a.address.to_string() + "/" + std::to_string(a.prefix_len);
  }
  static std::string key(const io::Route& r) { return r.destination.to_string(); }

  std::vector<std::string> log;
  std::vector<std::string> table;  // "addr ..." and "route ..." present now
  std::optional<std::string> fail_on;

 private:
  Status step(const std::string& what) {
    log.push_back(what);
    if (fail_on == what) return make_error(Errc::kIo, what + ": Operation not permitted");
    return {};
  }
  Status add(const std::string& what) {
    if (auto s = step("new " + what); !s) return s;
    if (std::find(table.begin(), table.end(), what) != table.end()) {
      return make_error(Errc::kExists, what + ": File exists");
    }
    table.push_back(what);
    return {};
  }
  Status del(const std::string& what) {
    if (auto s = step("del " + what); !s) return s;
    auto it = std::find(table.begin(), table.end(), what);
    if (it == table.end()) return make_error(Errc::kNotFound, what + ": No such process");
    table.erase(it);
    return {};
  }
};

NetPlan sample_plan() {
  NetPlan plan;
  plan.ifindex = 7;
  plan.mtu = 1400;
  plan.addresses.push_back({ip("10.8.0.2"), 24, std::nullopt});
  plan.addresses.push_back({ip("fd00:8::2"), 64, std::nullopt});
  plan.routes.push_back({prefix("198.51.100.7/32"), 2, ip("192.0.2.1"), std::nullopt});
  plan.routes.push_back({prefix("0.0.0.0/1"), 7, ip("10.8.0.1"), std::nullopt});
  plan.routes.push_back({prefix("128.0.0.0/1"), 7, ip("10.8.0.1"), std::nullopt});
  return plan;
}

TEST(NetSetup, AppliesInOrderAndTearsDownInReverse) {
  FakeOps ops;
  NetSetup setup(ops);
  ASSERT_TRUE(setup.apply(sample_plan()));
  EXPECT_EQ(ops.log, (std::vector<std::string>{
                         "mtu 7 1400",
                         "link 7 up",
                         "new addr 10.8.0.2/24",
                         "new addr fd00:8::2/64",
                         "new route 198.51.100.7/32",
                         "new route 0.0.0.0/1",
                         "new route 128.0.0.0/1",
                     }));
  EXPECT_EQ(setup.changes().size(), 6u);
  ops.log.clear();
  ASSERT_TRUE(setup.teardown());
  EXPECT_EQ(ops.log, (std::vector<std::string>{
                         "del route 128.0.0.0/1",
                         "del route 0.0.0.0/1",
                         "del route 198.51.100.7/32",
                         "del addr fd00:8::2/64",
                         "del addr 10.8.0.2/24",
                         "link 7 down",
                     }));
  EXPECT_TRUE(ops.table.empty());
  ops.log.clear();
  EXPECT_TRUE(setup.teardown());  // twice: nothing left to do
  EXPECT_TRUE(ops.log.empty());
}

TEST(NetSetup, WhatExistedBeforeIsNotClaimed) {
  FakeOps ops;
  ops.table = {"route 198.51.100.7/32", "addr 10.8.0.2/24"};
  NetSetup setup(ops);
  ASSERT_TRUE(setup.apply(sample_plan()));
  EXPECT_EQ(setup.notes().size(), 2u);
  ASSERT_TRUE(setup.teardown());
  EXPECT_EQ(ops.table, (std::vector<std::string>{"route 198.51.100.7/32", "addr 10.8.0.2/24"}));
}

TEST(NetSetup, FailureMidwayRollsBack) {
  FakeOps ops;
  ops.fail_on = "new route 0.0.0.0/1";
  NetSetup setup(ops);
  auto status = setup.apply(sample_plan());
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("0.0.0.0/1"), std::string::npos);
  EXPECT_TRUE(ops.table.empty());
  EXPECT_TRUE(setup.changes().empty());
  EXPECT_EQ(ops.log.back(), "link 7 down");
}

TEST(NetSetup, FailureBeforeAnyChangeLeavesNothing) {
  FakeOps ops;
  ops.fail_on = "mtu 7 1400";
  NetSetup setup(ops);
  EXPECT_FALSE(setup.apply(sample_plan()));
  EXPECT_EQ(ops.log, std::vector<std::string>{"mtu 7 1400"});
}

TEST(NetSetup, RoutesRemovedBySomeoneElseAreNotATeardownError) {
  FakeOps ops;
  NetSetup setup(ops);
  ASSERT_TRUE(setup.apply(sample_plan()));
  ops.table.erase(std::find(ops.table.begin(), ops.table.end(), "route 0.0.0.0/1"));
  EXPECT_TRUE(setup.teardown());
  EXPECT_TRUE(ops.table.empty());
}

TEST(NetSetup, TeardownTriesEveryStepAndReportsTheFirstFailure) {
  FakeOps ops;
  NetSetup setup(ops);
  ASSERT_TRUE(setup.apply(sample_plan()));
  ops.fail_on = "del route 0.0.0.0/1";
  auto status = setup.teardown();
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("0.0.0.0/1"), std::string::npos);
  EXPECT_EQ(ops.table, std::vector<std::string>{"route 0.0.0.0/1"});
  EXPECT_TRUE(setup.changes().empty());
}

TEST(NetSetup, ASecondApplyIsRefused) {
  FakeOps ops;
  NetSetup setup(ops);
  ASSERT_TRUE(setup.apply(sample_plan()));
  EXPECT_FALSE(setup.apply(sample_plan()));
  EXPECT_TRUE(setup.teardown());
}

}  // namespace
}  // namespace ovpn::app
