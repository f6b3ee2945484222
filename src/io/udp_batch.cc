#include "io/udp_batch.h"

#include <netinet/in.h>
#include <netinet/udp.h>

#include <algorithm>
#include <cstring>

namespace ovpn::io {
namespace {

// An address as the kernel reports it in IPv6 form, v4-mapped addresses as IPv4 (as
// Endpoint::from_sockaddr does).
IpAddress address_of(const in6_addr& a) noexcept {
  if (IN6_IS_ADDR_V4MAPPED(&a)) {
    in_addr v4;
    std::memcpy(&v4.s_addr, a.s6_addr + 12, 4);
    return IpAddress::v4(v4);
  }
  return IpAddress::v6(a);
}

// The sender of a received datagram, written in place: what Endpoint::from_sockaddr returns,
// or Endpoint{} for an address it does not take.
void read_source(const sockaddr_storage& sa, socklen_t len, Endpoint& out) noexcept {
  if (sa.ss_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6;
    std::memcpy(&in6, &sa, sizeof in6);
    out = Endpoint(address_of(in6.sin6_addr), ntohs(in6.sin6_port));
  } else if (sa.ss_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in4;
    std::memcpy(&in4, &sa, sizeof in4);
    out = Endpoint(IpAddress::v4(in4.sin_addr), ntohs(in4.sin_port));
  } else {
    out = Endpoint{};
  }
}

// The local address, interface and GRO segment size from the control messages of one received
// datagram; `meta`'s fields for them were reset by the caller.
// (CMSG_NXTHDR takes a non-const msghdr; nothing is written.)
void read_control(msghdr& msg, UdpRecvMeta& meta) noexcept {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
        c->cmsg_len >= CMSG_LEN(sizeof(in_pktinfo))) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      // ipi_addr is the header's destination, the address the peer sent to.
      meta.local = IpAddress::v4(info.ipi_addr);
      meta.ifindex = info.ipi_ifindex;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
               c->cmsg_len >= CMSG_LEN(sizeof(in6_pktinfo))) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      meta.local = address_of(info.ipi6_addr);
      meta.ifindex = static_cast<int>(info.ipi6_ifindex);
    } else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
               c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int size;
      std::memcpy(&size, CMSG_DATA(c), sizeof size);
      meta.segment_size = size > 0 ? static_cast<size_t>(size) : 0;
    }
  }
}

// Errors after which the following datagrams would fail the same way: stop and report the rest
// as not tried.
bool is_queue_full(int error) noexcept {
  return error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS;
}

}  // namespace

UdpBatch::UdpBatch(size_t capacity)
    : msgs_(std::max<size_t>(capacity, 1)),
      msg_first_(msgs_.size()),
      msg_count_(msgs_.size()),
      iovs_(msgs_.size()),
      addrs_(msgs_.size()),
      controls_(msgs_.size()) {
  failed_.reserve(msgs_.size());
  // Receive message i always uses iovec, address and control buffer i (vector storage does
  // not move, not even when the batch does).
  recv_msgs_.resize(msgs_.size());
  for (size_t i = 0; i < recv_msgs_.size(); ++i) {
    msghdr& h = recv_msgs_[i].msg_hdr;
    h.msg_name = &addrs_[i];
    h.msg_iov = &iovs_[i];
    h.msg_iovlen = 1;
    h.msg_control = controls_[i].bytes;
  }
}

IoResult UdpBatch::recv(const UdpSocket& socket, std::span<PacketBuf> bufs,
                        std::span<UdpRecvMeta> meta) noexcept {
  const size_t n = std::min({bufs.size(), meta.size(), capacity()});
  if (n == 0) return IoResult::ok(0);
  // Only what the kernel overwrites (the lengths) or the caller chose (the buffers) changes;
  // msg_flags and msg_len are outputs.
  for (size_t i = 0; i < n; ++i) {
    iovs_[i].iov_base = bufs[i].data();
    iovs_[i].iov_len = bufs[i].size() + bufs[i].tailroom();
    msghdr& h = recv_msgs_[i].msg_hdr;
    h.msg_namelen = sizeof addrs_[i];
    h.msg_controllen = sizeof controls_[i].bytes;
  }

  int rc;
  do {
    rc =
        ::recvmmsg(socket.fd(), recv_msgs_.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return IoResult::fail(errno);

  const auto count = static_cast<size_t>(rc);
  for (size_t i = 0; i < count; ++i) {
    msghdr& h = recv_msgs_[i].msg_hdr;
    UdpRecvMeta& m = meta[i];
    read_source(addrs_[i], h.msg_namelen, m.source);
    m.local.reset();
    m.ifindex = 0;
    m.truncated = (h.msg_flags & MSG_TRUNC) != 0;
    m.segment_size = 0;
    read_control(h, m);
    bufs[i].trim(0);
    bufs[i].put(std::min<size_t>(recv_msgs_[i].msg_len, iovs_[i].iov_len));
  }
  return IoResult::ok(count);
}

size_t UdpBatch::put_source(size_t i, const UdpSendItem& item) noexcept {
  if (!item.source || item.source->family() != item.destination.address().family()) return 0;
  msghdr& h = msgs_[i].msg_hdr;
  h.msg_control = controls_[i].bytes;
  h.msg_controllen = sizeof controls_[i].bytes;
  cmsghdr* c = CMSG_FIRSTHDR(&h);
  if (item.source->is_v4()) {
    // Also right on a dual-stack socket: the kernel takes IP_PKTINFO for v4-mapped destinations.
    in_pktinfo info{};
    info.ipi_spec_dst = item.source->to_in_addr();
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    return CMSG_SPACE(sizeof info);
  }
  in6_pktinfo info{};
  info.ipi6_addr = item.source->to_in6_addr();
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof info);
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  return CMSG_SPACE(sizeof info);
}

size_t UdpBatch::put_segment_size(size_t i, size_t used, uint16_t size) noexcept {
  msghdr& h = msgs_[i].msg_hdr;
  h.msg_control = controls_[i].bytes;
  h.msg_controllen = used + CMSG_SPACE(sizeof size);
  // Right after the pktinfo message, if any: CMSG_SPACE keeps `used` aligned.
  auto* c = reinterpret_cast<cmsghdr*>(controls_[i].bytes + used);
  c->cmsg_level = SOL_UDP;
  c->cmsg_type = UDP_SEGMENT;
  c->cmsg_len = CMSG_LEN(sizeof size);
  std::memcpy(CMSG_DATA(c), &size, sizeof size);
  return used + CMSG_SPACE(sizeof size);
}

size_t UdpBatch::run_length(std::span<const UdpSendItem> items, size_t first,
                            size_t limit) noexcept {
  const UdpSendItem& head = items[first];
  const size_t size = head.bytes.size();
  size_t total = size;
  size_t n = 1;
  while (n < limit && first + n < items.size()) {
    const UdpSendItem& next = items[first + n];
    // Every datagram but the last must be exactly the segment size.
    if (next.bytes.size() > size || next.bytes.empty() || total + next.bytes.size() > 65000 ||
        next.destination != head.destination || next.source != head.source) {
      break;
    }
    total += next.bytes.size();
    ++n;
    if (next.bytes.size() < size) break;
  }
  return n;
}

UdpSendResult UdpBatch::send(const UdpSocket& socket, std::span<const UdpSendItem> items) noexcept {
  UdpSendResult result;
  failed_.clear();
  const bool gso = socket.gso() && !gso_refused_;
  for (size_t base = 0; base < items.size(); base += capacity()) {
    const size_t n = std::min(items.size() - base, capacity());
    // Messages over items [base, base + n): one item each, or a run under UDP_SEGMENT.
    size_t messages = 0;
    for (size_t first = 0; first < n;) {
      const size_t count =
          gso ? run_length(items.subspan(0, base + n), base + first, kMaxSegments) : 1;
      const UdpSendItem& head = items[base + first];
      for (size_t k = 0; k < count; ++k) {
        const UdpSendItem& item = items[base + first + k];
        // sendmsg takes a non-const iovec; the kernel only reads through it.
        iovs_[first + k].iov_base = const_cast<uint8_t*>(item.bytes.data());
        iovs_[first + k].iov_len = item.bytes.size();
      }
      const size_t m = messages++;
      msghdr& h = msgs_[m].msg_hdr;
      h.msg_name = &addrs_[m];
      h.msg_namelen = head.destination.to_sockaddr(addrs_[m], socket.is_v6());
      h.msg_iov = &iovs_[first];
      h.msg_iovlen = count;
      h.msg_flags = 0;
      size_t control_len = put_source(m, head);
      if (count > 1) {
        control_len = put_segment_size(m, control_len, static_cast<uint16_t>(head.bytes.size()));
      }
      h.msg_control = control_len != 0 ? controls_[m].bytes : nullptr;
      h.msg_controllen = control_len;
      msgs_[m].msg_len = 0;
      msg_first_[m] = base + first;
      msg_count_[m] = count;
      first += count;
    }

    // sendmmsg stops at the first failing message; a permanent failure skips that message and
    // goes on with the next, a full queue ends the whole send.
    size_t done = 0;
    while (done < messages) {
      const int rc = ::sendmmsg(socket.fd(), msgs_.data() + done,
                                static_cast<unsigned>(messages - done), MSG_DONTWAIT);
      if (rc > 0) {
        for (size_t m = done; m < done + static_cast<size_t>(rc); ++m) result.sent += msg_count_[m];
        done += static_cast<size_t>(rc);
        continue;
      }
      const int error = rc < 0 ? errno : EIO;
      if (error == EINTR) continue;
      result.last_error = error;
      if (is_queue_full(error)) return result;
      if (msg_count_[done] > 1) {
        // The kernel would not segment this run (EIO: no checksum offload on the way out, or
        // EINVAL): stop asking it to, and send this run one datagram at a time.
        gso_refused_ = true;
        send_singly(socket, items, msg_first_[done], msg_count_[done], result);
      } else {
        ++result.failed;
        failed_.push_back(msg_first_[done]);
      }
      ++done;
    }
  }
  return result;
}

void UdpBatch::send_singly(const UdpSocket& socket, std::span<const UdpSendItem> items,
                           size_t first, size_t count, UdpSendResult& result) noexcept {
  // Message slot 0 is free again: the messages before the failed one were sent.
  for (size_t k = first; k < first + count; ++k) {
    const UdpSendItem& item = items[k];
    iovec iov{const_cast<uint8_t*>(item.bytes.data()), item.bytes.size()};
    msghdr& h = msgs_[0].msg_hdr;
    h.msg_name = &addrs_[0];
    h.msg_namelen = item.destination.to_sockaddr(addrs_[0], socket.is_v6());
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    const size_t control_len = put_source(0, item);
    h.msg_control = control_len != 0 ? controls_[0].bytes : nullptr;
    h.msg_controllen = control_len;
    ssize_t rc;
    do {
      rc = ::sendmsg(socket.fd(), &h, MSG_DONTWAIT);
    } while (rc < 0 && errno == EINTR);
    if (rc >= 0) {
      ++result.sent;
    } else {
      result.last_error = errno;
      ++result.failed;
      failed_.push_back(k);
    }
  }
}

}  // namespace ovpn::io
