#include "io/tun.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include <cstring>

namespace ovpn::io {
namespace {

// Opens one queue. `name` is the requested name going in and the kernel's name coming out.
Expected<Fd> open_queue(std::string& name) {
  Fd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return errno_error(errno, "open /dev/net/tun");

  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
  std::memcpy(ifr.ifr_name, name.data(), name.size());  // size checked by open(), NUL-padded
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
    return errno_error(errno, "TUNSETIFF " + name);
  }
  name.assign(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
  return fd;
}

}  // namespace

Expected<TunDevice> TunDevice::open(const TunOptions& options) {
  if (options.vnet_hdr) {
    return make_error(Errc::kUnsupported,
                      "TUN " + options.name + ": vnet header not supported yet");
  }
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
  for (size_t i = 0; i < options.queues; ++i) {
    // The first queue creates the interface and resolves "%d"; the others attach by that name.
    auto fd = open_queue(name);
    if (!fd) return forward_error(std::move(fd));
    queues.push_back(std::move(*fd));
  }

  const unsigned ifindex = ::if_nametoindex(name.c_str());
  if (ifindex == 0) return errno_error(errno, "ifindex of " + name);
  return TunDevice(std::move(name), static_cast<int>(ifindex), std::move(queues));
}

int TunDevice::queue_fd(size_t queue) const noexcept {
  return queue < queues_.size() ? queues_[queue].get() : -1;
}

IoResult TunDevice::read(size_t queue, PacketBuf& buf) noexcept {
  if (queue >= queues_.size()) return IoResult::fail(EBADF);
  const size_t room = buf.size() + buf.tailroom();
  // The kernel cuts a packet larger than the room and returns the length it copied, so a cut
  // packet would look like one that fits exactly. One spare byte tells them apart.
  uint8_t spill;
  iovec iov[2] = {{buf.data(), room}, {&spill, 1}};
  const ssize_t n = ::readv(queues_[queue].get(), iov, 2);
  if (n < 0) return IoResult::fail(errno);
  if (static_cast<size_t>(n) > room) return IoResult::fail(EMSGSIZE);
  buf.trim(0);
  buf.put(static_cast<size_t>(n));
  return IoResult::ok(static_cast<size_t>(n));
}

IoResult TunDevice::write(size_t queue, std::span<const uint8_t> packet) noexcept {
  if (queue >= queues_.size()) return IoResult::fail(EBADF);
  return IoResult::from_syscall(::write(queues_[queue].get(), packet.data(), packet.size()));
}

}  // namespace ovpn::io
