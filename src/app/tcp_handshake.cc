#include "app/tcp_handshake.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "io/io_result.h"
#include "proto/tcp_frame.h"

namespace ovpn::app {

Expected<io::Fd> start_tcp_connect(const Endpoint& remote, const std::optional<Endpoint>& local) {
  const int family = remote.is_v4() ? AF_INET : AF_INET6;
  io::Fd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd.valid()) return io::errno_error(errno, "socket");
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (local) {
    if (local->is_v4() != remote.is_v4()) {
      return make_error(Errc::kInvalidArgument,
                        "local " + local->to_string() + ": not of the server's address family");
    }
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss;
    const socklen_t len = local->to_sockaddr(ss);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      return io::errno_error(errno, "bind", local->to_string());
    }
  }
  sockaddr_storage ss;
  const socklen_t len = remote.to_sockaddr(ss);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    return io::errno_error(errno, "connect", remote.to_string());
  }
  return fd;
}

Status finish_tcp_connect(int fd, const Endpoint& remote) {
  int err = 0;
  socklen_t err_len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
  if (err != 0) return io::errno_error(err, "connect", remote.to_string());
  return {};
}

TcpHandshakeDco::TcpHandshakeDco(dco::Dco& engine, io::Fd socket, const Endpoint& remote)
    : engine_(engine), socket_(std::move(socket)), remote_(remote) {
  frame_.reserve(proto::kTcpFrameMax + 2);
}

Status TcpHandshakeDco::read_packets(std::vector<std::vector<uint8_t>>& out) {
  if (handed_over_) return {};
  for (;;) {
    // Exactly the rest of the current header or body: the engine must find the stream at a
    // frame boundary when it takes the socket over.
    const size_t have = frame_.size();
    frame_.resize(have + need_);
    const ssize_t n = ::recv(socket_.get(), frame_.data() + have, need_, MSG_DONTWAIT);
    if (n < 0) {
      frame_.resize(have);
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {};
      if (errno == EINTR) continue;
      return io::errno_error(errno, "recv", remote_.to_string());
    }
    if (n == 0) {
      frame_.resize(have);
      return make_error(Errc::kIo, "connection closed by " + remote_.to_string());
    }
    frame_.resize(have + static_cast<size_t>(n));
    need_ -= static_cast<size_t>(n);
    if (need_ > 0) continue;
    if (!in_body_) {
      need_ = size_t{frame_[0]} << 8 | frame_[1];
      if (need_ == 0) return make_error(Errc::kMalformed, "zero-length frame from the server");
      in_body_ = true;
      continue;
    }
    out.emplace_back(frame_.begin() + 2, frame_.end());
    frame_.clear();
    need_ = 2;
    in_body_ = false;
  }
}

Status TcpHandshakeDco::peer_new(dco::PeerConfig config) {
  const bool ours = !handed_over_ && config.transport == dco::Transport::kTcp &&
                    config.tcp_fd == socket_.get() && socket_.valid();
  if (ours && (in_body_ || !frame_.empty())) {
    // A partial frame read here would be lost to the engine; read_packets() never leaves one
    // unless the server stopped mid-frame, which the caller sees as a handshake failure.
    return make_error(Errc::kInvalidArgument, "a partial frame is still being read");
  }
  auto st = engine_.peer_new(std::move(config));
  if (st && ours) {
    (void)socket_.release();  // the engine owns it now
    handed_over_ = true;
  }
  return st;
}

Status TcpHandshakeDco::send_control(const dco::ControlTarget& target,
                                     std::span<const uint8_t> bytes) {
  if (handed_over_ || std::holds_alternative<PeerId>(target)) {
    return engine_.send_control(target, bytes);
  }
  if (bytes.empty() || bytes.size() > proto::kTcpFrameMax) {
    return make_error(Errc::kInvalidArgument, "control packet size");
  }
  uint8_t header[2];
  proto::write_tcp_frame_header(header, bytes.size());
  iovec iov[2] = {{header, sizeof header}, {const_cast<uint8_t*>(bytes.data()), bytes.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  // A control packet is small and the socket's buffer nearly empty during a handshake; if it
  // ever does not fit whole, the stream would be cut mid-frame, so refuse before writing
  // anything (the reliability layer sends it again).
  int queued = 0;
  int space = 0;
  socklen_t len = sizeof space;
  if (::getsockopt(socket_.get(), SOL_SOCKET, SO_SNDBUF, &space, &len) == 0 &&
      ::ioctl(socket_.get(), TIOCOUTQ, &queued) == 0 &&
      space - queued < static_cast<int>(bytes.size() + 2) * 2) {
    return make_error(Errc::kExhausted, "send buffer full");
  }
  const ssize_t n = ::sendmsg(socket_.get(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n < 0) return io::errno_error(errno, "send", remote_.to_string());
  if (static_cast<size_t>(n) != bytes.size() + 2) {
    return make_error(Errc::kIo, "short write on the TCP connection to " + remote_.to_string());
  }
  return {};
}

}  // namespace ovpn::app
