// AddressPool: OpenVPN 2.6's client address leases -- one address per client (subnet), a /30
// per client (net30), IPv6 by the same index, a common name's own lease again, the lowest free
// lease otherwise, exhaustion, and the ifconfig-pool-persist round trip.

#include "app/address_pool.h"

#include <gtest/gtest.h>

namespace ovpn::app {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

config::ServerNetwork subnet(const char* start, const char* end) {
  config::ServerNetwork n;
  n.topology = config::Topology::kSubnet;
  n.pool = config::Ipv4Pool{ip(start), ip(end), ip("255.255.255.0")};
  return n;
}

TEST(AddressPoolTest, SubnetLeasesOneAddressEachLowestFirst) {
  auto pool = AddressPool::create(subnet("10.8.0.2", "10.8.0.4"));
  ASSERT_TRUE(pool);
  EXPECT_EQ(pool->capacity(), 3u);
  auto a = pool->acquire("alice");
  auto b = pool->acquire("bob");
  auto c = pool->acquire("carol");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->ipv4, ip("10.8.0.2"));
  EXPECT_EQ(b->ipv4, ip("10.8.0.3"));
  EXPECT_EQ(c->ipv4, ip("10.8.0.4"));
  EXPECT_FALSE(a->ipv4_peer);
  EXPECT_FALSE(pool->acquire("dave"));  // exhausted
  EXPECT_EQ(pool->in_use(), 3u);
  pool->release(b->index);
  auto d = pool->acquire("dave");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->ipv4, ip("10.8.0.3"));
}

TEST(AddressPoolTest, AReturningNameGetsItsLeaseWhileFree) {
  auto pool = AddressPool::create(subnet("10.8.0.2", "10.8.0.20"));
  ASSERT_TRUE(pool);
  auto a = pool->acquire("alice");
  auto b = pool->acquire("bob");
  pool->release(a->index);
  // A newcomer takes a lease nobody is waiting for, not alice's.
  auto c = pool->acquire("carol");
  EXPECT_EQ(c->ipv4, ip("10.8.0.4"));
  auto again = pool->acquire("alice");
  EXPECT_EQ(again->ipv4, ip("10.8.0.2"));
  // duplicate-cn: names do not pick leases.
  pool->release(again->index);
  auto anon = pool->acquire("bob", false);
  EXPECT_EQ(anon->ipv4, ip("10.8.0.5"));
  static_cast<void>(b);
}

TEST(AddressPoolTest, Net30GivesEachClientASlash30) {
  config::ServerNetwork n;
  n.topology = config::Topology::kNet30;
  n.pool = config::Ipv4Pool{ip("10.8.0.4"), ip("10.8.0.251"), std::nullopt};
  auto pool = AddressPool::create(n);
  ASSERT_TRUE(pool);
  EXPECT_EQ(pool->capacity(), 62u);
  auto a = pool->acquire("alice");
  auto b = pool->acquire("bob");
  EXPECT_EQ(a->ipv4, ip("10.8.0.6"));
  EXPECT_EQ(a->ipv4_peer, ip("10.8.0.5"));
  EXPECT_EQ(b->ipv4, ip("10.8.0.10"));
  EXPECT_EQ(b->ipv4_peer, ip("10.8.0.9"));
}

TEST(AddressPoolTest, Ipv6FollowsTheSameIndex) {
  auto n = subnet("10.8.0.2", "10.8.0.200");
  n.pool_ipv6 = config::Ipv6Pool{ip("fd88::1000"), 64};
  auto pool = AddressPool::create(n);
  ASSERT_TRUE(pool);
  auto a = pool->acquire("alice");
  auto b = pool->acquire("bob");
  EXPECT_EQ(a->ipv6, ip("fd88::1000"));
  EXPECT_EQ(b->ipv6, ip("fd88::1001"));
  // Carry across a byte.
  const auto far = pool->lease(0x1ff);
  EXPECT_EQ(far.ipv6, ip("fd88::11ff"));
}

TEST(AddressPoolTest, Ipv6OnlyPool) {
  config::ServerNetwork n;
  n.pool_ipv6 = config::Ipv6Pool{ip("fd00::ff"), 120};
  auto pool = AddressPool::create(n);
  ASSERT_TRUE(pool);
  auto a = pool->acquire("a");
  auto b = pool->acquire("b");
  EXPECT_FALSE(a->ipv4);
  EXPECT_EQ(a->ipv6, ip("fd00::ff"));
  EXPECT_EQ(b->ipv6, ip("fd00::100"));
}

TEST(AddressPoolTest, PersistRoundTripKeepsNamesToLeases) {
  auto n = subnet("10.8.0.2", "10.8.0.50");
  n.pool_ipv6 = config::Ipv6Pool{ip("fd88::1000"), 64};
  auto first = AddressPool::create(n);
  ASSERT_TRUE(first);
  first->acquire("alice");
  first->acquire("bob");
  const auto entries = first->persist_entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].common_name, "bob");
  EXPECT_EQ(entries[1].ipv4, ip("10.8.0.3"));
  EXPECT_EQ(entries[1].ipv6, ip("fd88::1001"));

  auto second = AddressPool::create(n);
  ASSERT_TRUE(second);
  second->restore(entries);
  auto carol = second->acquire("carol");  // not alice's or bob's
  EXPECT_EQ(carol->ipv4, ip("10.8.0.4"));
  auto bob = second->acquire("bob");
  EXPECT_EQ(bob->ipv4, ip("10.8.0.3"));
  // Entries outside the pool, or a second name for one lease, are ignored.
  second->restore({{"eve", ip("192.168.1.1"), std::nullopt}, {"mallory", ip("10.8.0.2"), {}}});
  auto alice = second->acquire("alice");
  EXPECT_EQ(alice->ipv4, ip("10.8.0.2"));
}

TEST(AddressPoolTest, Net30PersistNamesTheBlock) {
  config::ServerNetwork n;
  n.topology = config::Topology::kNet30;
  n.pool = config::Ipv4Pool{ip("10.8.0.4"), ip("10.8.0.251"), std::nullopt};
  auto pool = AddressPool::create(n);
  pool->acquire("x");
  pool->acquire("alice");
  const auto entries = pool->persist_entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].ipv4, ip("10.8.0.8"));
  auto again = AddressPool::create(n);
  again->restore(entries);
  EXPECT_EQ(again->acquire("alice")->ipv4, ip("10.8.0.10"));
}

TEST(AddressPoolTest, NoPoolIsAnError) {
  EXPECT_FALSE(AddressPool::create(config::ServerNetwork{}));
}

}  // namespace
}  // namespace ovpn::app
