// Longest-prefix match over IPv4 and IPv6: hosts beat subnets, subnets beat wider subnets, and
// the families never mix.

#include <gtest/gtest.h>

#include "engine/route_table.h"

namespace ovpn::engine {
namespace {

IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }
IpAddress ip(const char* text) { return *IpAddress::parse(text); }

TEST(RouteTable, LongestPrefixWins) {
  RouteTable<int> t;
  EXPECT_TRUE(t.empty());
  t.insert(prefix("10.8.0.0/16"), 1);
  t.insert(prefix("10.8.7.0/24"), 2);
  t.insert(prefix("10.8.7.9/32"), 3);
  t.insert(prefix("0.0.0.0/0"), 4);
  EXPECT_EQ(*t.lookup(ip("10.8.7.9")), 3);
  EXPECT_EQ(*t.lookup(ip("10.8.7.10")), 2);
  EXPECT_EQ(*t.lookup(ip("10.8.1.1")), 1);
  EXPECT_EQ(*t.lookup(ip("192.0.2.1")), 4);
  EXPECT_EQ(t.lookup(ip("fd00::1")), nullptr);  // no IPv6 default
}

TEST(RouteTable, Ipv6AndReplacement) {
  RouteTable<int> t;
  t.insert(prefix("fd00::/64"), 1);
  t.insert(prefix("fd00::5/128"), 2);
  t.insert(prefix("fd00:0:0:1::/64"), 3);
  EXPECT_EQ(*t.lookup(ip("fd00::5")), 2);
  EXPECT_EQ(*t.lookup(ip("fd00::6")), 1);
  EXPECT_EQ(*t.lookup(ip("fd00:0:0:1::6")), 3);
  EXPECT_EQ(t.lookup(ip("fd01::1")), nullptr);
  EXPECT_EQ(t.lookup(ip("10.0.0.1")), nullptr);
  t.insert(prefix("fd00::5/128"), 7);
  EXPECT_EQ(*t.lookup(ip("fd00::5")), 7);
}

}  // namespace
}  // namespace ovpn::engine
