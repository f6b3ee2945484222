// Addresses, prefixes and endpoints: parsing, printing, prefix matching, and the v4-mapped
// IPv6 form a dual-stack socket reports.

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <unordered_set>

#include "common/ip_address.h"

namespace ovpn {
namespace {

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
  EXPECT_EQ(IpAddress::parse("10.8.0.1")->to_string(), "10.8.0.1");
  EXPECT_TRUE(IpAddress::parse("10.8.0.1")->is_v4());
  EXPECT_EQ(IpAddress::parse("FD00:0::1")->to_string(), "fd00::1");
  EXPECT_TRUE(IpAddress::parse("fd00::1")->is_v6());
  for (const char* bad : {"", "10.8.0", "10.8.0.256", "fd00:::1", "[fd00::1]", "host"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
  EXPECT_EQ(IpAddress::v4(0x0a080001u), *IpAddress::parse("10.8.0.1"));
  EXPECT_NE(*IpAddress::parse("0.0.0.0"), *IpAddress::parse("::"));
  EXPECT_TRUE(IpAddress::parse("::")->is_unspecified());
  // inet_pton() would stop at the NUL.
  EXPECT_FALSE(IpAddress::parse(std::string_view("1.2.3.4\0junk", 12)));
  EXPECT_FALSE(IpAddress::parse(std::string_view("fd00::1\0", 8)));
}

TEST(IpPrefix, ClearsHostBitsAndMatches) {
  const auto p = *IpPrefix::parse("10.8.3.77/22");
  EXPECT_EQ(p.to_string(), "10.8.0.0/22");
  EXPECT_TRUE(p.contains(*IpAddress::parse("10.8.3.255")));
  EXPECT_FALSE(p.contains(*IpAddress::parse("10.8.4.0")));
  EXPECT_FALSE(p.contains(*IpAddress::parse("::a08:1")));
  EXPECT_TRUE(IpPrefix::parse("0.0.0.0/0")->contains(*IpAddress::parse("1.2.3.4")));
  const auto v6 = *IpPrefix::parse("fd00:1:2::/47");
  EXPECT_TRUE(v6.contains(*IpAddress::parse("fd00:1:3::9")));
  EXPECT_FALSE(v6.contains(*IpAddress::parse("fd00:1:4::9")));
  EXPECT_EQ(IpPrefix::parse("fd00::1")->length, 128);
  for (const char* bad : {"10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/x", "/8"}) {
    EXPECT_FALSE(IpPrefix::parse(bad)) << bad;
  }
}

TEST(Endpoint, ParsesAndPrints) {
  EXPECT_EQ(Endpoint::parse("192.0.2.1:1194")->to_string(), "192.0.2.1:1194");
  EXPECT_EQ(Endpoint::parse("[2001:db8::1]:443")->to_string(), "[2001:db8::1]:443");
  for (const char* bad : {"192.0.2.1", "192.0.2.1:", "192.0.2.1:65536", "2001:db8::1:443",
                          "[2001:db8::1]", "[2001:db8::1]443", "host:1"}) {
    EXPECT_FALSE(Endpoint::parse(bad)) << bad;
  }
}

TEST(Endpoint, SockaddrRoundTripAndV4Mapped) {
  const auto v4 = *Endpoint::parse("192.0.2.1:1194");
  sockaddr_storage ss;
  socklen_t len = v4.to_sockaddr(ss);
  EXPECT_EQ(ss.ss_family, AF_INET);
  EXPECT_EQ(Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len), v4);

  // From a dual-stack socket: sent as ::ffff:192.0.2.1, read back as plain IPv4.
  len = v4.to_sockaddr(ss, /*v6_socket=*/true);
  EXPECT_EQ(ss.ss_family, AF_INET6);
  EXPECT_EQ(Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len), v4);

  const auto v6 = *Endpoint::parse("[fd00::2]:51820");
  len = v6.to_sockaddr(ss);
  EXPECT_EQ(Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len), v6);
  EXPECT_FALSE(Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), 8));
}

TEST(Endpoint, HashesAsAKey) {
  std::unordered_set<Endpoint> set;
  set.insert(*Endpoint::parse("10.0.0.1:1"));
  set.insert(*Endpoint::parse("10.0.0.1:2"));
  set.insert(*Endpoint::parse("10.0.0.1:1"));
  EXPECT_EQ(set.size(), 2u);
}

}  // namespace
}  // namespace ovpn
