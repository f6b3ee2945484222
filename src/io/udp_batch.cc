#include "io/udp_batch.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace ovpn::io {
namespace {

// The local address and interface from the pktinfo control messages of one received datagram.
void read_pktinfo(msghdr& msg, UdpRecvMeta& meta) noexcept {
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
      // Reuse the sockaddr conversion so a v4-mapped destination becomes IPv4.
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_addr = info.ipi6_addr;
      const auto local = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
      if (local) meta.local = local->address();
      meta.ifindex = static_cast<int>(info.ipi6_ifindex);
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
      iovs_(msgs_.size()),
      addrs_(msgs_.size()),
      controls_(msgs_.size()) {
  failed_.reserve(msgs_.size());
}

IoResult UdpBatch::recv(const UdpSocket& socket, std::span<PacketBuf> bufs,
                        std::span<UdpRecvMeta> meta) noexcept {
  const size_t n = std::min({bufs.size(), meta.size(), capacity()});
  if (n == 0) return IoResult::ok(0);
  for (size_t i = 0; i < n; ++i) {
    iovs_[i].iov_base = bufs[i].data();
    iovs_[i].iov_len = bufs[i].size() + bufs[i].tailroom();
    msghdr& h = msgs_[i].msg_hdr;
    h.msg_name = &addrs_[i];
    h.msg_namelen = sizeof addrs_[i];
    h.msg_iov = &iovs_[i];
    h.msg_iovlen = 1;
    h.msg_control = controls_[i].bytes;
    h.msg_controllen = sizeof controls_[i].bytes;
    h.msg_flags = 0;
    msgs_[i].msg_len = 0;
  }

  int rc;
  do {
    rc = ::recvmmsg(socket.fd(), msgs_.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return IoResult::fail(errno);

  const auto count = static_cast<size_t>(rc);
  for (size_t i = 0; i < count; ++i) {
    msghdr& h = msgs_[i].msg_hdr;
    UdpRecvMeta& m = meta[i];
    m = UdpRecvMeta{};
    const auto source =
        Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&addrs_[i]), h.msg_namelen);
    if (source) m.source = *source;
    m.truncated = (h.msg_flags & MSG_TRUNC) != 0;
    read_pktinfo(h, m);
    bufs[i].trim(0);
    bufs[i].put(std::min<size_t>(msgs_[i].msg_len, iovs_[i].iov_len));
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

UdpSendResult UdpBatch::send(const UdpSocket& socket, std::span<const UdpSendItem> items) noexcept {
  UdpSendResult result;
  failed_.clear();
  for (size_t base = 0; base < items.size(); base += capacity()) {
    const size_t n = std::min(items.size() - base, capacity());
    for (size_t i = 0; i < n; ++i) {
      const UdpSendItem& item = items[base + i];
      // sendmsg takes a non-const iovec; the kernel only reads through it.
      iovs_[i].iov_base = const_cast<uint8_t*>(item.bytes.data());
      iovs_[i].iov_len = item.bytes.size();
      msghdr& h = msgs_[i].msg_hdr;
      h.msg_name = &addrs_[i];
      h.msg_namelen = item.destination.to_sockaddr(addrs_[i], socket.is_v6());
      h.msg_iov = &iovs_[i];
      h.msg_iovlen = 1;
      h.msg_flags = 0;
      const size_t control_len = put_source(i, item);
      h.msg_control = control_len != 0 ? controls_[i].bytes : nullptr;
      h.msg_controllen = control_len;
      msgs_[i].msg_len = 0;
    }

    // sendmmsg stops at the first failing message; a permanent failure skips that message and
    // goes on with the next, a full queue ends the whole send.
    size_t done = 0;
    while (done < n) {
      const int rc = ::sendmmsg(socket.fd(), msgs_.data() + done, static_cast<unsigned>(n - done),
                                MSG_DONTWAIT);
      if (rc > 0) {
        result.sent += static_cast<size_t>(rc);
        done += static_cast<size_t>(rc);
        continue;
      }
      const int error = rc < 0 ? errno : EIO;
      if (error == EINTR) continue;
      result.last_error = error;
      if (is_queue_full(error)) return result;
      ++result.failed;
      failed_.push_back(base + done);
      ++done;
    }
  }
  return result;
}

}  // namespace ovpn::io
