#include "engine/tcp_link.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cstring>

#include "io/io_result.h"

namespace ovpn::engine {
namespace {

// Frames per sendmsg: an iovec for each header and each packet.
constexpr size_t kMaxFramesPerWrite = 64;

std::optional<Endpoint> address_of(int fd, bool peer) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  auto* sa = reinterpret_cast<sockaddr*>(&ss);
  if ((peer ? ::getpeername(fd, sa, &len) : ::getsockname(fd, sa, &len)) != 0) return {};
  return Endpoint::from_sockaddr(sa, len);
}

// A reset or a write after the other side closed is its disconnect; anything else is ours.
dco::DeleteReason reason_for(int error) {
  return error == ECONNRESET || error == EPIPE ? dco::DeleteReason::kTransportDisconnect
                                               : dco::DeleteReason::kTransportError;
}

}  // namespace

Expected<std::shared_ptr<TcpLink>> TcpLink::adopt(int fd, int epoll_fd, uint64_t tag) {
  int type = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) {
    return io::errno_error(errno, "TCP peer socket");
  }
  if (type != SOCK_STREAM) {
    return make_error(Errc::kInvalidArgument, "a TCP peer's socket must be a stream socket");
  }
  sockaddr_storage ss{};
  len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return io::errno_error(errno, "TCP peer socket", "it must be connected");
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    return io::errno_error(errno, "TCP peer socket: O_NONBLOCK");
  }
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  // Small packets (control, pings, interactive traffic) must not wait for Nagle. Fails
  // harmlessly on a non-TCP stream.
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::shared_ptr<TcpLink> link(new TcpLink(io::Fd(fd), epoll_fd, tag));
  link->remote_ = address_of(fd, true);
  link->local_ = address_of(fd, false);
  if (auto st = link->watch(); !st) {
    link->fd_.release();  // failed: the caller keeps its socket
    return forward_error(std::move(st));
  }
  return link;
}

TcpLink::TcpLink(io::Fd fd, int epoll_fd, uint64_t tag) noexcept
    : fd_(std::move(fd)), epoll_fd_(epoll_fd), tag_(tag) {}

TcpLink::~TcpLink() { unwatch(); }

Status TcpLink::watch() {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = tag_;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd_.get(), &ev) != 0) {
    return io::errno_error(errno, "epoll_ctl (TCP peer)");
  }
  watched_.store(true);
  return {};
}

void TcpLink::unwatch() noexcept {
  if (watched_.exchange(false)) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd_.get(), nullptr);
}

void TcpLink::close() noexcept {
  unwatch();
  ::shutdown(fd_.get(), SHUT_RDWR);
}

void TcpLink::fail(dco::DeleteReason reason) noexcept {
  uint8_t none = kNoFailure;
  failure_.compare_exchange_strong(none, static_cast<uint8_t>(reason), std::memory_order_acq_rel);
  // Level-triggered polling would report the dead socket forever.
  unwatch();
}

void TcpLink::set_writable_interest_locked(bool want) noexcept {
  if (want == want_writable_ || !watched_.load()) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  if (want) ev.events |= EPOLLOUT;
  ev.data.u64 = tag_;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd_.get(), &ev) == 0) want_writable_ = want;
}

size_t TcpLink::send(std::span<const std::span<const uint8_t>> packets) noexcept {
  std::lock_guard<std::mutex> lock(tx_mu_);
  if (failed()) return 0;
  size_t taken = 0;
  // Nothing waiting: straight to the socket, in chunks of kMaxFramesPerWrite frames.
  while (backlog_head_ == backlog_.size() && taken < packets.size()) {
    const size_t count = std::min(kMaxFramesPerWrite, packets.size() - taken);
    uint8_t headers[kMaxFramesPerWrite][proto::kTcpFrameHeader];
    iovec iov[2 * kMaxFramesPerWrite];
    size_t total = 0;
    for (size_t i = 0; i < count; ++i) {
      const auto packet = packets[taken + i];
      proto::write_tcp_frame_header(headers[i], packet.size());
      iov[2 * i] = {headers[i], proto::kTcpFrameHeader};
      iov[2 * i + 1] = {const_cast<uint8_t*>(packet.data()), packet.size()};
      total += proto::kTcpFrameHeader + packet.size();
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2 * count;
    const ssize_t n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      fail(reason_for(errno));
      return taken;
    }
    size_t written = n > 0 ? static_cast<size_t>(n) : 0;
    if (written == total) {
      taken += count;
      continue;
    }
    // The socket is full: keep the rest of this chunk, from the first unwritten byte.
    backlog_.clear();
    backlog_head_ = 0;
    for (size_t i = 0; i < 2 * count; ++i) {
      const size_t len = iov[i].iov_len;
      if (written >= len) {
        written -= len;
        continue;
      }
      const auto* base = static_cast<const uint8_t*>(iov[i].iov_base);
      backlog_.insert(backlog_.end(), base + written, base + len);
      written = 0;
    }
    taken += count;
  }
  // Something is waiting: append whole frames while there is room.
  for (; taken < packets.size(); ++taken) {
    const auto packet = packets[taken];
    if (backlog_.size() - backlog_head_ + proto::kTcpFrameHeader + packet.size() > kMaxBacklog) {
      break;
    }
    uint8_t header[proto::kTcpFrameHeader];
    proto::write_tcp_frame_header(header, packet.size());
    backlog_.insert(backlog_.end(), header, header + sizeof header);
    backlog_.insert(backlog_.end(), packet.begin(), packet.end());
  }
  write_backlog_locked();
  return taken;
}

void TcpLink::flush() noexcept {
  std::lock_guard<std::mutex> lock(tx_mu_);
  write_backlog_locked();
}

void TcpLink::write_backlog_locked() noexcept {
  while (backlog_head_ < backlog_.size()) {
    const ssize_t n = ::send(fd_.get(), backlog_.data() + backlog_head_,
                             backlog_.size() - backlog_head_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        fail(reason_for(errno));
        return;
      }
      break;
    }
    backlog_head_ += static_cast<size_t>(n);
  }
  if (backlog_head_ == backlog_.size()) {
    backlog_.clear();  // keeps its capacity: a link that backed up once will again
    backlog_head_ = 0;
    set_writable_interest_locked(false);
  } else {
    set_writable_interest_locked(true);
  }
}

bool TcpLink::receive() noexcept {
  const auto room = rx_.writable();
  if (failed() || room.empty()) return false;
  const ssize_t n = ::recv(fd_.get(), room.data(), room.size(), MSG_DONTWAIT);
  if (n > 0) {
    rx_.commit(static_cast<size_t>(n));
    return true;
  }
  if (n == 0) {
    fail(dco::DeleteReason::kTransportDisconnect);
  } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    fail(reason_for(errno));
  }
  return false;
}

std::optional<std::span<uint8_t>> TcpLink::next_packet() noexcept {
  if (failed()) return std::nullopt;
  auto packet = rx_.next_packet();
  if (rx_.broken()) fail(dco::DeleteReason::kTransportError);
  return packet;
}

}  // namespace ovpn::engine
