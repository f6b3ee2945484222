// OpenVPN's TCP length framing: scan_tcp_frame on the bytes received so far, and the
// reassembler across reads.

#include "proto/tcp_frame.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace ovpn::proto {
namespace {

std::vector<uint8_t> framed(const std::vector<std::vector<uint8_t>>& packets) {
  std::vector<uint8_t> out;
  for (const auto& p : packets) {
    uint8_t header[kTcpFrameHeader];
    write_tcp_frame_header(header, p.size());
    out.insert(out.end(), header, header + kTcpFrameHeader);
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

TEST(TcpFrame, ScansWholeIncompleteAndZeroLength) {
  std::vector<uint8_t> stream = framed({{0x38, 1, 2}});
  for (size_t cut = 0; cut < stream.size(); ++cut) {
    EXPECT_EQ(scan_tcp_frame(std::span(stream.data(), cut)).scan, FrameScan::kIncomplete) << cut;
  }
  const TcpFrame f = scan_tcp_frame(stream);
  ASSERT_EQ(f.scan, FrameScan::kFrame);
  EXPECT_EQ(f.consumed, 5u);
  EXPECT_EQ(std::vector<uint8_t>(f.packet.begin(), f.packet.end()),
            (std::vector<uint8_t>{0x38, 1, 2}));
  std::vector<uint8_t> zero = {0, 0, 0x38};
  EXPECT_EQ(scan_tcp_frame(zero).scan, FrameScan::kInvalid);
}

TEST(TcpFrame, HeaderIsBigEndian) {
  uint8_t h[2];
  write_tcp_frame_header(h, 0x1234);
  EXPECT_EQ(h[0], 0x12);
  EXPECT_EQ(h[1], 0x34);
  write_tcp_frame_header(h, kTcpFrameMax);
  EXPECT_EQ(h[0], 0xff);
  EXPECT_EQ(h[1], 0xff);
}

// Every way of cutting a stream of three packets (one of the largest size) in two reads gives
// the same packets.
TEST(FrameReassembler, SameBytesHoweverTheStreamIsCut) {
  std::vector<uint8_t> big(kTcpFrameMax, 0x5a);
  big[0] = 0x48;
  const std::vector<std::vector<uint8_t>> packets = {{0x38, 1}, big, {0x28, 9, 9, 9}};
  const std::vector<uint8_t> stream = framed(packets);
  for (size_t cut : {size_t{0}, size_t{1}, size_t{3}, size_t{4}, size_t{5}, size_t{6}, size_t{100},
                     stream.size() - 7, stream.size() - 1}) {
    FrameReassembler rx;
    std::vector<std::vector<uint8_t>> got;
    for (const auto piece : {std::span(stream).first(cut), std::span(stream).subspan(cut)}) {
      auto room = rx.writable();
      ASSERT_GE(room.size(), piece.size());
      std::copy(piece.begin(), piece.end(), room.begin());
      rx.commit(piece.size());
      while (auto p = rx.next_packet()) got.emplace_back(p->begin(), p->end());
      rx.compact();
    }
    EXPECT_EQ(got, packets) << "cut at " << cut;
    EXPECT_FALSE(rx.broken());
  }
}

TEST(FrameReassembler, ZeroLengthBreaksTheStreamForGood) {
  std::vector<uint8_t> stream = framed({{0x38, 1}});
  stream.insert(stream.end(), {0, 0});
  const std::vector<uint8_t> after = framed({{0x38, 2}});
  stream.insert(stream.end(), after.begin(), after.end());
  FrameReassembler rx;
  std::copy(stream.begin(), stream.end(), rx.writable().begin());
  rx.commit(stream.size());
  ASSERT_TRUE(rx.next_packet());
  EXPECT_FALSE(rx.next_packet());
  EXPECT_TRUE(rx.broken());
  EXPECT_FALSE(rx.next_packet()) << "nothing after the break";
}

}  // namespace
}  // namespace ovpn::proto
