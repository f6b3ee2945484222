#include "proto/tcp_frame.h"

#include <cstring>

namespace ovpn::proto {

TcpFrame scan_tcp_frame(std::span<uint8_t> stream) noexcept {
  TcpFrame frame;
  if (stream.size() < kTcpFrameHeader) return frame;
  const size_t size = (size_t{stream[0]} << 8) | stream[1];
  if (size == 0) {
    frame.scan = FrameScan::kInvalid;
    return frame;
  }
  if (stream.size() < kTcpFrameHeader + size) return frame;
  frame.scan = FrameScan::kFrame;
  frame.packet = stream.subspan(kTcpFrameHeader, size);
  frame.consumed = kTcpFrameHeader + size;
  return frame;
}

std::optional<std::span<uint8_t>> FrameReassembler::next_packet() noexcept {
  if (broken_) return std::nullopt;
  const TcpFrame frame = scan_tcp_frame(std::span(buf_).subspan(begin_, end_ - begin_));
  if (frame.scan == FrameScan::kInvalid) broken_ = true;
  if (frame.scan != FrameScan::kFrame) return std::nullopt;
  begin_ += frame.consumed;
  return frame.packet;
}

void FrameReassembler::compact() noexcept {
  if (begin_ == 0) return;
  std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
}

}  // namespace ovpn::proto
