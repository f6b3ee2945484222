// The ifconfig-pool-persist file: OpenVPN 2.6's and 2.4's lines, lenient reading of bad lines,
// and writing back what reads back.

#include "config/pool_persist.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ovpn::config {
namespace {

using Strings = std::vector<std::string>;

IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

TEST(PoolPersist, ReadsEveryForm) {
  const PoolPersistFile f = parse_pool_persist(
      "alice,10.8.0.2,fd00::1000\nbob,10.8.0.3,\r\ncarol,,fd00::1002\n# comment\n; comment\n\n"
      "dave,10.8.0.5\nerin,10.8.0.6,fd00::1004,extra\n",
      "ipp.txt");
  EXPECT_TRUE(f.warnings.empty()) << f.warnings.front();
  const std::vector<PoolPersistEntry> expected = {
      {"alice", ip("10.8.0.2"), ip("fd00::1000")}, {"bob", ip("10.8.0.3"), std::nullopt},
      {"carol", std::nullopt, ip("fd00::1002")},   {"dave", ip("10.8.0.5"), std::nullopt},
      {"erin", ip("10.8.0.6"), ip("fd00::1004")},
  };
  EXPECT_EQ(f.entries, expected);
}

TEST(PoolPersist, BadLinesAreSkippedWithAWarning) {
  const PoolPersistFile f = parse_pool_persist(
      "justaname\n,10.8.0.2\nfrank,10.8.0.300,fd00::1\ngrace,fd00::1,\nheidi,,\nivan,10.8.0.9,x\n" +
          std::string(300, 'a') + ",10.8.0.10\n" + std::string("judy,10.8.0.4\0junk\n", 19),
      "ipp.txt");
  EXPECT_EQ(f.entries, (std::vector<PoolPersistEntry>{{"frank", std::nullopt, ip("fd00::1")},
                                                      {"ivan", ip("10.8.0.9"), std::nullopt}}));
  EXPECT_EQ(f.warnings,
            (Strings{"ipp.txt:1: \"justaname\" is not CN,IPV4[,IPV6], skipped",
                     "ipp.txt:2: empty common name, skipped",
                     "ipp.txt:3: \"10.8.0.300\" is not an IPv4 address (common name \"frank\")",
                     "ipp.txt:4: \"fd00::1\" is not an IPv4 address (common name \"grace\")",
                     "ipp.txt:5: no address for \"heidi\", skipped",
                     "ipp.txt:6: \"x\" is not an IPv6 address (common name \"ivan\")",
                     "ipp.txt:7: line longer than 255 bytes, skipped",
                     "ipp.txt:8: \"10.8.0.4?junk\" is not an IPv4 address (common name "
                     "\"judy\")"}));
}

TEST(PoolPersist, WritesAsOpenVpn26) {
  const std::vector<PoolPersistEntry> entries = {
      {"alice", ip("10.8.0.2"), ip("fd00::1000")}, {"bob", ip("10.8.0.3"), std::nullopt},
      {"carol", std::nullopt, ip("fd00::1002")},   {"", ip("10.8.0.4"), std::nullopt},  // no name
      {"a,b", ip("10.8.0.5"), std::nullopt},        // would split
      {"#x", ip("10.8.0.6"), std::nullopt},         // would be a comment
      {"line\nend", ip("10.8.0.7"), std::nullopt},  // would split
      {"noaddr", std::nullopt, std::nullopt},      {"swapped", ip("fd00::1"), std::nullopt},
  };
  const std::string text = format_pool_persist(entries);
  EXPECT_EQ(text, "alice,10.8.0.2,fd00::1000\nbob,10.8.0.3,\ncarol,,fd00::1002\n");
  const PoolPersistFile back = parse_pool_persist(text, "ipp.txt");
  EXPECT_TRUE(back.warnings.empty());
  EXPECT_EQ(back.entries, (std::vector<PoolPersistEntry>(entries.begin(), entries.begin() + 3)));
  EXPECT_EQ(format_pool_persist({}), "");
  // A line that would be longer than a reader takes is left out (fuzz: regress-long-line).
  const std::vector<PoolPersistEntry> long_name = {
      {std::string(246, 'n'), ip("10.8.0.4"), std::nullopt}};
  EXPECT_EQ(format_pool_persist(long_name), "");
  EXPECT_TRUE(parse_pool_persist("", "ipp.txt").entries.empty());
}

}  // namespace
}  // namespace ovpn::config
