#include "io/tun.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstring>

// UDP segmentation offload (Linux 6.2); Debian 12's headers predate it.
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

namespace ovpn::io {
namespace {

// Opens one queue. `name` is the requested name going in and the kernel's name coming out.
Expected<Fd> open_queue(std::string& name, bool vnet_hdr) {
  Fd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return errno_error(errno, "open /dev/net/tun");

  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
  if (vnet_hdr) ifr.ifr_flags |= IFF_VNET_HDR;
  std::memcpy(ifr.ifr_name, name.data(), name.size());  // size checked by open(), NUL-padded
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
    return errno_error(errno, "TUNSETIFF " + name);
  }
  name.assign(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
  return fd;
}

enum class Offloads { kNone, kTso, kTsoUso };

// The header size and the offloads, for the whole device. kNone when the kernel refuses: the
// device must then be reopened without IFF_VNET_HDR.
Offloads enable_offloads(int fd, bool uso) {
  int size = static_cast<int>(VnetHeader::kSize);
  if (::ioctl(fd, TUNSETVNETHDRSZ, &size) < 0) return Offloads::kNone;
  const unsigned tso = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
  // A kernel refuses the whole set when it does not know one flag (EINVAL): then without USO.
  if (uso && ::ioctl(fd, TUNSETOFFLOAD, tso | TUN_F_USO4 | TUN_F_USO6) == 0) {
    return Offloads::kTsoUso;
  }
  return ::ioctl(fd, TUNSETOFFLOAD, tso) == 0 ? Offloads::kTso : Offloads::kNone;
}

// Sets the interface's txqueuelen when `wanted` is not 0, then reads it back (0 if it cannot be
// read). The interface-wide ioctls go through any socket of the namespace the interface is in.
uint32_t apply_tx_queue_len(const std::string& name, uint32_t wanted) {
  Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return 0;
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name.data(), name.size());  // the kernel's name, < IFNAMSIZ
  if (wanted != 0) {
    ifr.ifr_qlen = static_cast<int>(wanted);
    (void)::ioctl(sock.get(), SIOCSIFTXQLEN, &ifr);  // refused: the read-back tells
  }
  if (::ioctl(sock.get(), SIOCGIFTXQLEN, &ifr) < 0) return 0;
  return static_cast<uint32_t>(ifr.ifr_qlen);
}

}  // namespace

Expected<TunDevice> TunDevice::open(const TunOptions& options) {
  if (options.vnet_hdr) {
    auto device = open_device(options);
    if (device) return device;
    // A kernel without these offloads: the same device without them.
  }
  TunOptions plain = options;
  plain.vnet_hdr = false;
  return open_device(plain);
}

Expected<TunDevice> TunDevice::open_device(const TunOptions& options) {
  if (options.queues == 0 || options.queues > kMaxTunQueues) {
    return make_error(Errc::kInvalidArgument, "TUN " + options.name + ": queue count must be 1.." +
                                                  std::to_string(kMaxTunQueues));
  }
  if (options.name.empty() || options.name.size() >= IFNAMSIZ) {
    return make_error(Errc::kInvalidArgument,
                      "TUN name must be 1.." + std::to_string(IFNAMSIZ - 1) + " characters");
  }

  std::string name = options.name;
  std::vector<Fd> queues;
  queues.reserve(options.queues);
  Offloads offloads = Offloads::kNone;
  for (size_t i = 0; i < options.queues; ++i) {
    // The first queue creates the interface and resolves "%d"; the others attach by that name.
    auto fd = open_queue(name, options.vnet_hdr);
    if (!fd) return forward_error(std::move(fd));
    if (i == 0 && options.vnet_hdr) {
      offloads = enable_offloads(fd->get(), options.uso);
      if (offloads == Offloads::kNone) {
        return make_error(Errc::kUnsupported, "TUN " + name + ": offloads refused");
      }
    }
    queues.push_back(std::move(*fd));
  }

  const unsigned ifindex = ::if_nametoindex(name.c_str());
  if (ifindex == 0) return errno_error(errno, "ifindex of " + name);
  const uint32_t tx_queue_len = apply_tx_queue_len(name, options.tx_queue_len);
  return TunDevice(std::move(name), static_cast<int>(ifindex), std::move(queues), options.vnet_hdr,
                   offloads == Offloads::kTsoUso, tx_queue_len);
}

int TunDevice::queue_fd(size_t queue) const noexcept {
  return queue < queues_.size() ? queues_[queue].get() : -1;
}

IoResult TunDevice::read(size_t queue, PacketBuf& buf, VnetHeader* header) noexcept {
  if (queue >= queues_.size()) return IoResult::fail(EBADF);
  const size_t room = buf.size() + buf.tailroom();
  // The kernel cuts a packet larger than the room and returns the length it copied, so a cut
  // packet would look like one that fits exactly. One spare byte tells them apart.
  uint8_t vnet[VnetHeader::kSize];
  uint8_t spill;
  ssize_t n;
  const size_t vnet_size = vnet_hdr_ ? sizeof vnet : 0;
  if (room > kLargestPacket && buf.headroom() >= vnet_size) {
    // The engine's buffers are larger than any packet, so no spare byte is needed: one read(2)
    // into the headroom and the buffer (readv's iovec import cost ~5% of a small packet's read).
    n = ::read(queues_[queue].get(), buf.data() - vnet_size, vnet_size + room);
    if (n >= 0 && vnet_size != 0) std::memcpy(vnet, buf.data() - vnet_size, vnet_size);
  } else {
    iovec iov[3] = {{vnet, sizeof vnet}, {buf.data(), room}, {&spill, 1}};
    const size_t skip = vnet_hdr_ ? 0 : 1;
    n = ::readv(queues_[queue].get(), iov + skip, static_cast<int>(3 - skip));
  }
  if (n < 0) return IoResult::fail(errno);
  if (vnet_hdr_) {
    if (static_cast<size_t>(n) < sizeof vnet) return IoResult::fail(EPROTO);
    n -= static_cast<ssize_t>(sizeof vnet);
    if (header != nullptr) *header = VnetHeader::parse(vnet);
  } else if (header != nullptr) {
    *header = VnetHeader{};
  }
  // readv: the spare byte was written. read: the packet filled a buffer larger than any packet.
  if (static_cast<size_t>(n) > room || static_cast<size_t>(n) > kLargestPacket) {
    return IoResult::fail(EMSGSIZE);
  }
  buf.trim(0);
  buf.put(static_cast<size_t>(n));
  return IoResult::ok(static_cast<size_t>(n));
}

IoResult TunDevice::write(size_t queue, std::span<const uint8_t> packet) noexcept {
  if (queue >= queues_.size()) return IoResult::fail(EBADF);
  if (!vnet_hdr_) {
    return IoResult::from_syscall(::write(queues_[queue].get(), packet.data(), packet.size()));
  }
  // An empty header: one whole packet, its checksums complete.
  uint8_t vnet[VnetHeader::kSize] = {};
  iovec iov[2] = {{vnet, sizeof vnet}, {const_cast<uint8_t*>(packet.data()), packet.size()}};
  const ssize_t n = ::writev(queues_[queue].get(), iov, 2);
  if (n < 0) return IoResult::fail(errno);
  return IoResult::ok(static_cast<size_t>(n) - std::min(static_cast<size_t>(n), sizeof vnet));
}

IoResult TunDevice::write_gso(size_t queue, const uint8_t* vnet, std::span<const uint8_t> headers,
                              std::span<const std::span<const uint8_t>> payloads) noexcept {
  if (queue >= queues_.size() || !vnet_hdr_) return IoResult::fail(EBADF);
  if (payloads.size() > kMaxWritePieces) return IoResult::fail(EMSGSIZE);
  iovec iov[kMaxWritePieces + 2];
  iov[0] = {const_cast<uint8_t*>(vnet), VnetHeader::kSize};
  iov[1] = {const_cast<uint8_t*>(headers.data()), headers.size()};
  for (size_t i = 0; i < payloads.size(); ++i) {
    iov[i + 2] = {const_cast<uint8_t*>(payloads[i].data()), payloads[i].size()};
  }
  return IoResult::from_syscall(
      ::writev(queues_[queue].get(), iov, static_cast<int>(payloads.size() + 2)));
}

}  // namespace ovpn::io
