// MSS clamping: SYNs announcing too large an MSS get the tunnel's, with a TCP checksum that is
// still right (recomputed from scratch here); everything else passes untouched.

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "common/byteorder.h"
#include "common/ip_address.h"
#include "engine/mss_clamp.h"

namespace ovpn::engine {
namespace {

uint32_t sum16(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += load_be16(p + i);
  if (n % 2) sum += uint32_t{p[n - 1]} << 8;
  return sum;
}
uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// TCP checksum over the pseudo-header; 0 means a packet's checksum is right.
uint16_t tcp_check(const std::vector<uint8_t>& p) {
  const bool v4 = (p[0] >> 4) == 4;
  const size_t ip = v4 ? 20 : 40;
  const size_t len = p.size() - ip;
  uint32_t sum = v4 ? sum16(&p[12], 8) : sum16(&p[8], 32);
  sum += 6 + static_cast<uint32_t>(len);
  return fold(sum16(&p[ip], len, sum));
}

// A SYN (or not) with `options` after the 20-byte TCP header, checksummed.
std::vector<uint8_t> tcp_packet(bool v4, std::vector<uint8_t> options, uint8_t flags = 0x02) {
  while (options.size() % 4) options.push_back(0);
  const size_t ip = v4 ? 20 : 40;
  const size_t tcp_len = 20 + options.size();
  std::vector<uint8_t> p(ip + tcp_len, 0);
  if (v4) {
    p[0] = 0x45;
    store_be16(&p[2], static_cast<uint16_t>(p.size()));
    p[8] = 64;
    p[9] = 6;
    std::memcpy(&p[12], IpAddress::parse("10.8.0.2")->bytes(), 4);
    std::memcpy(&p[16], IpAddress::parse("10.8.0.1")->bytes(), 4);
  } else {
    p[0] = 0x60;
    store_be16(&p[4], static_cast<uint16_t>(tcp_len));
    p[6] = 6;
    p[7] = 64;
    std::memcpy(&p[8], IpAddress::parse("fd08::2")->bytes(), 16);
    std::memcpy(&p[24], IpAddress::parse("fd08::1")->bytes(), 16);
  }
  store_be16(&p[ip], 40000);
  store_be16(&p[ip + 2], 5201);
  p[ip + 12] = static_cast<uint8_t>((tcp_len / 4) << 4);
  p[ip + 13] = flags;
  store_be16(&p[ip + 14], 64240);
  std::copy(options.begin(), options.end(), p.begin() + static_cast<long>(ip + 20));
  store_be16(&p[ip + 16], tcp_check(p));
  EXPECT_EQ(tcp_check(p), 0);
  return p;
}

std::vector<uint8_t> mss_option(uint16_t mss) {
  return {2, 4, static_cast<uint8_t>(mss >> 8), static_cast<uint8_t>(mss)};
}

TEST(MssClamp, ClampsIpv4AndIpv6SynsKeepingTheChecksumRight) {
  for (bool v4 : {true, false}) {
    SCOPED_TRACE(v4 ? "IPv4" : "IPv6");
    // Typical Linux SYN options: MSS, SACK permitted, timestamps, NOP, window scale.
    auto options = mss_option(1460);
    options.insert(options.end(), {4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7});
    auto p = tcp_packet(v4, options);
    ASSERT_TRUE(clamp_mss(p, 1380));
    const size_t at = (v4 ? 20 : 40) + 20;
    EXPECT_EQ(load_be16(&p[at + 2]), v4 ? 1380 : 1360);
    EXPECT_EQ(tcp_check(p), 0);
  }
}

TEST(MssClamp, FindsTheOptionAfterNops) {
  std::vector<uint8_t> options = {1, 1, 3, 3, 7};
  auto mss = mss_option(8960);
  options.insert(options.end(), mss.begin(), mss.end());
  auto p = tcp_packet(true, options);
  ASSERT_TRUE(clamp_mss(p, 1380));
  EXPECT_EQ(tcp_check(p), 0);
}

TEST(MssClamp, LeavesOtherPacketsAlone) {
  auto small = tcp_packet(true, mss_option(1200));
  auto copy = small;
  EXPECT_FALSE(clamp_mss(small, 1380));
  EXPECT_EQ(small, copy);

  auto ack = tcp_packet(true, mss_option(1460), 0x10);  // not a SYN
  EXPECT_FALSE(clamp_mss(ack, 1380));

  auto fragment = tcp_packet(true, mss_option(1460));
  store_be16(&fragment[6], 0x2000);  // more fragments
  EXPECT_FALSE(clamp_mss(fragment, 1380));

  auto off = tcp_packet(true, mss_option(1460));
  EXPECT_FALSE(clamp_mss(off, 0));
}

TEST(MssClamp, SurvivesMalformedHeaders) {
  const auto good = tcp_packet(true, mss_option(1460));
  for (size_t len = 0; len < good.size(); ++len) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<long>(len));
    clamp_mss(cut, 1380);  // must not read past the end (ASan)
  }
  auto bad_option = tcp_packet(true, {2, 40, 5, 180});  // length past the header
  EXPECT_FALSE(clamp_mss(bad_option, 1380));
  auto zero_length = tcp_packet(true, {9, 0, 2, 4, 5, 180});
  EXPECT_FALSE(clamp_mss(zero_length, 1380));
}

}  // namespace
}  // namespace ovpn::engine
