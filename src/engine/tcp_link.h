#pragma once
// A peer's TCP transport: one connected stream socket, owned, carrying OpenVPN's length-framed
// packets (proto/tcp_frame.h) both ways.
//
// Receive belongs to one shard, the link's owner: it alone reads the socket, reassembles frames
// in the link's buffer and opens them there, in place. Send is open to every thread (each
// shard's TUN queue, the control thread's send_control, housekeeping's pings) and serialised
// by a mutex taken once per batch: frames go straight to the socket with one sendmsg; what
// the socket does not take waits in a bounded backlog that the owner flushes when the socket
// becomes writable (EPOLLOUT, armed only while there is a backlog). A full backlog drops
// packets, as a full UDP send queue would; an error or end of stream fails the link, and the
// engine deletes the peer with the reason it records.
//
// The socket is closed when the last reference goes, so a shard still holding an old peer
// snapshot never reads a reused descriptor; removal shuts it down at once.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"
#include "dco/dco.h"
#include "io/fd.h"
#include "proto/tcp_frame.h"

namespace ovpn::engine {

class TcpLink {
 public:
  // How much may wait for the socket before packets are dropped.
  static constexpr size_t kMaxBacklog = 512 * 1024;

  // Takes `fd` (a connected stream socket) on success; on failure the caller keeps it. The
  // link's events go to `epoll_fd` (its owner shard's) tagged `tag`. Thread: control.
  static Expected<std::shared_ptr<TcpLink>> adopt(int fd, int epoll_fd, uint64_t tag);
  ~TcpLink();

  int fd() const noexcept { return fd_.get(); }
  uint64_t tag() const noexcept { return tag_; }
  // The socket's addresses (unset for a non-IP stream, e.g. a socketpair in tests).
  const std::optional<Endpoint>& remote() const noexcept { return remote_; }
  const std::optional<Endpoint>& local() const noexcept { return local_; }

  // Stops the owner's polling (adopt() started it). Thread: any.
  void unwatch() noexcept;
  // Shuts the connection down (both ways) and stops polling; the fd stays open until the
  // last reference is gone. Thread: control.
  void close() noexcept;

  // Frames and sends `packets` in order. Returns how many were taken (sent or in the backlog);
  // the rest are dropped: the backlog is full or the link has failed. Thread: any.
  size_t send(std::span<const std::span<const uint8_t>> packets) noexcept;
  // Writes out the backlog. Thread: the owner shard, on EPOLLOUT.
  void flush() noexcept;

  // Reads what the socket has into the receive buffer. Returns false when nothing more can be
  // read now (would block, or the link failed). Thread: the owner shard.
  bool receive() noexcept;
  // The next whole packet in the receive buffer, opened in place by the caller; nullopt when
  // none is complete. Thread: the owner shard.
  std::optional<std::span<uint8_t>> next_packet() noexcept;
  // Moves a partial frame to the front once the whole ones are handled. Thread: the owner.
  void compact() noexcept { rx_.compact(); }

  // Thread: any. Set once, by the first failure; the engine then deletes the peer.
  bool failed() const noexcept { return failure_.load(std::memory_order_acquire) != kNoFailure; }
  dco::DeleteReason failure() const noexcept {
    return static_cast<dco::DeleteReason>(failure_.load(std::memory_order_acquire));
  }

 private:
  static constexpr uint8_t kNoFailure = 0xff;
  TcpLink(io::Fd fd, int epoll_fd, uint64_t tag) noexcept;
  Status watch();
  // With tx_mu_ held.
  void write_backlog_locked() noexcept;
  void set_writable_interest_locked(bool want) noexcept;
  void fail(dco::DeleteReason reason) noexcept;

  io::Fd fd_;
  const int epoll_fd_;
  const uint64_t tag_;
  std::optional<Endpoint> remote_, local_;
  std::atomic<uint8_t> failure_{kNoFailure};
  std::atomic<bool> watched_{false};

  std::mutex tx_mu_;              // guards the fields below it, up to rx_
  std::vector<uint8_t> backlog_;  // framed bytes the socket has not taken yet
  size_t backlog_head_ = 0;       // bytes of backlog_ already written
  bool want_writable_ = false;

  proto::FrameReassembler rx_;  // receive side: only the owner shard
};

}  // namespace ovpn::engine
