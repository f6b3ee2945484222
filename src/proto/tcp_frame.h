#pragma once
// OpenVPN over TCP: every packet travels as a 16-bit big-endian length followed by that many
// bytes (protocol reference, "TCP framing"). The stream is parsed in place: scan_tcp_frame()
// looks at the bytes received so far and says whether a whole packet is there, and
// FrameReassembler keeps a connection's receive buffer, so that packets are opened where they
// were received, without a copy.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ovpn::proto {

inline constexpr size_t kTcpFrameHeader = 2;
inline constexpr size_t kTcpFrameMax = 0xffff;  // the largest packet a frame can carry

enum class FrameScan : uint8_t {
  kFrame,       // a whole packet: `packet` and `consumed` are set
  kIncomplete,  // more bytes are needed
  kInvalid,     // a zero length: no OpenVPN packet is empty, the stream is broken
};

struct TcpFrame {
  FrameScan scan = FrameScan::kIncomplete;
  std::span<uint8_t> packet;  // inside the scanned bytes
  size_t consumed = 0;        // header + packet
};

// The first frame in `stream` (bytes received, oldest first).
TcpFrame scan_tcp_frame(std::span<uint8_t> stream) noexcept;

// Writes the 2-byte header of a frame for a packet of `size` bytes (1 .. kTcpFrameMax).
inline void write_tcp_frame_header(uint8_t* out, size_t size) noexcept {
  out[0] = static_cast<uint8_t>(size >> 8);
  out[1] = static_cast<uint8_t>(size);
}

// The receive side of one connection. Allocates its buffer once: room for a whole frame of the
// largest size plus one read's worth, so a read always has room after compact().
class FrameReassembler {
 public:
  static constexpr size_t kReadSize = 65536;
  FrameReassembler() : buf_(kTcpFrameHeader + kTcpFrameMax + kReadSize) {}

  // Where the next read goes, and how many bytes it brought.
  std::span<uint8_t> writable() noexcept { return std::span(buf_).subspan(end_); }
  void commit(size_t n) noexcept { end_ += n < buf_.size() - end_ ? n : buf_.size() - end_; }

  // The next whole packet (mutable: it is opened in place), or nullopt when none is complete
  // or the stream is broken (then broken() is true and stays true).
  std::optional<std::span<uint8_t>> next_packet() noexcept;
  bool broken() const noexcept { return broken_; }
  // Moves a partial frame to the front once the whole ones are handled. Invalidates the spans
  // next_packet() returned.
  void compact() noexcept;

 private:
  std::vector<uint8_t> buf_;
  size_t begin_ = 0, end_ = 0;
  bool broken_ = false;
};

}  // namespace ovpn::proto
