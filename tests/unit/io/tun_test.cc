#include "io/tun.h"

#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "io/netlink.h"
#include "io/udp_socket.h"
#include "io_test_util.h"

namespace ovpn::io {
namespace {

using test::bytes_of;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

class TunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/net/tun";
    auto nl = NetlinkSocket::open();
    ASSERT_TRUE(nl) << nl.error().message;
    nl_.emplace(std::move(*nl));
  }

  // A TUN with `queues` queues, up, with 10.9.0.1/24 and fd09::1/64; none on failure.
  std::optional<TunDevice> open_configured(const char* name, size_t queues, bool vnet = false) {
    auto tun = TunDevice::open({.name = name, .queues = queues, .vnet_hdr = vnet});
    if (!tun) {
      ADD_FAILURE() << tun.error().message;
      return std::nullopt;
    }
    const int ifindex = tun->ifindex();
    for (const auto& st :
         {nl_->link_set_up(ifindex, true), nl_->addr_new(ifindex, ip("10.9.0.1"), 24),
          nl_->addr_new(ifindex, ip("fd09::1"), 64)}) {
      if (!st) {
        ADD_FAILURE() << st.error().message;
        return std::nullopt;
      }
    }
    return std::move(*tun);
  }

  std::optional<NetlinkSocket> nl_;
};

TEST_F(TunTest, OpensQueuesWithTheRequestedName) {
  auto tun = TunDevice::open({.name = "ovpn0", .queues = 2});
  ASSERT_TRUE(tun) << tun.error().message;
  EXPECT_EQ(tun->name(), "ovpn0");
  EXPECT_EQ(tun->ifindex(), static_cast<int>(::if_nametoindex("ovpn0")));
  auto by_netlink = nl_->link_index("ovpn0");
  ASSERT_TRUE(by_netlink) << by_netlink.error().message;
  EXPECT_EQ(tun->ifindex(), *by_netlink);

  ASSERT_EQ(tun->queue_count(), 2u);
  EXPECT_NE(tun->queue_fd(0), tun->queue_fd(1));
  for (size_t q = 0; q < 2; ++q) {
    const int fd = tun->queue_fd(q);
    ASSERT_GE(fd, 0);
    EXPECT_TRUE(::fcntl(fd, F_GETFL) & O_NONBLOCK) << "queue " << q;
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC) << "queue " << q;
  }
  EXPECT_EQ(tun->queue_fd(2), -1);
}

TEST_F(TunTest, NamePatternLetsTheKernelNumber) {
  auto first = TunDevice::open({.name = "iot%d"});
  ASSERT_TRUE(first) << first.error().message;
  auto second = TunDevice::open({.name = "iot%d"});
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(first->name(), "iot0");
  EXPECT_EQ(second->name(), "iot1");
  EXPECT_NE(first->ifindex(), second->ifindex());
}

TEST_F(TunTest, InterfaceGoesAwayWithItsQueues) {
  { auto tun = TunDevice::open({.name = "gone0", .queues = 3}); }
  EXPECT_EQ(::if_nametoindex("gone0"), 0u);
  auto again = TunDevice::open({.name = "gone0", .queues = 3});
  EXPECT_TRUE(again) << again.error().message;
}

// The interface's txqueuelen as the kernel reports it, asked independently of TunDevice.
int kernel_tx_queue_len(const std::string& name) {
  const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  const int rc = ::ioctl(sock, SIOCGIFTXQLEN, &ifr);
  ::close(sock);
  return rc == 0 ? ifr.ifr_qlen : -1;
}

TEST_F(TunTest, TxQueueLengthDefaultsDeeperThanTheKernelsAndCanBeSet) {
  auto deep = TunDevice::open({.name = "qlen0", .queues = 2});
  ASSERT_TRUE(deep) << deep.error().message;
  EXPECT_EQ(deep->tx_queue_len(), kDefaultTxQueueLen);
  EXPECT_EQ(kernel_tx_queue_len("qlen0"), static_cast<int>(kDefaultTxQueueLen));

  auto set = TunDevice::open({.name = "qlen1", .tx_queue_len = 1234});
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->tx_queue_len(), 1234u);
  EXPECT_EQ(kernel_tx_queue_len("qlen1"), 1234);

  // 0 leaves the kernel's own default (500 for TUN).
  auto kept = TunDevice::open({.name = "qlen2", .tx_queue_len = 0});
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(static_cast<int>(kept->tx_queue_len()), kernel_tx_queue_len("qlen2"));
  EXPECT_NE(kept->tx_queue_len(), kDefaultTxQueueLen);
}

TEST_F(TunTest, RefusesBadOptions) {
  auto none = TunDevice::open({.name = "bad0", .queues = 0});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kInvalidArgument);
  auto many = TunDevice::open({.name = "bad0", .queues = kMaxTunQueues + 1});
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().code, Errc::kInvalidArgument);
  auto long_name = TunDevice::open({.name = "a-name-too-long-for-linux"});
  ASSERT_FALSE(long_name);
  EXPECT_EQ(long_name.error().code, Errc::kInvalidArgument);
}

// With the virtio-net header: a routed datagram is read with an empty or checksum-pending
// header in front (taken off by read()), and a written packet needs no header from the caller.
// Both ways of reading: a small buffer without headroom (readv with a spare byte) and one of the
// engine's buffers, larger than any packet, with headroom (one read(2)).
TEST_F(TunTest, VnetHeaderIsReadAndWrittenAroundThePacket) {
  auto tun = open_configured("vn0", 1, true);
  ASSERT_TRUE(tun);
  ASSERT_TRUE(tun->vnet_hdr()) << "this kernel has TUN offloads";
  auto sender = UdpSocket::open(Endpoint(ip("0.0.0.0"), 0));
  ASSERT_TRUE(sender) << sender.error().message;
  struct Shape {
    size_t capacity, headroom;
  };
  for (const Shape shape : {Shape{2048, 0}, Shape{TunDevice::kLargestPacket + 128, 64}}) {
    SCOPED_TRACE(shape.capacity);
    ASSERT_EQ(test::send_to(sender->fd(), Endpoint(ip("10.9.0.2"), 7777), bytes_of("vnet")), 0);
    ASSERT_TRUE(test::wait_readable(tun->queue_fd(0)));
    std::vector<uint8_t> storage(shape.capacity, 0xee);
    bool seen = false;
    while (!seen && test::wait_readable(tun->queue_fd(0), 200)) {
      PacketBuf buf(storage.data(), storage.size(), shape.headroom);
      VnetHeader header;
      const IoResult r = tun->read(0, buf, &header);
      ASSERT_TRUE(r) << r.error();
      EXPECT_EQ(r.value(), buf.size());
      EXPECT_EQ(buf.headroom(), shape.headroom);
      if (buf.size() != 20 + 8 + 4 || buf.data()[9] != 17) continue;  // not our datagram
      seen = true;
      EXPECT_EQ(buf.data()[0] >> 4, 4) << "the IP header comes first: the vnet header is off";
      EXPECT_EQ(std::string(buf.data() + 28, buf.data() + 32), "vnet");
      EXPECT_FALSE(header.is_gso());
    }
    EXPECT_TRUE(seen);
  }
}

// With UDP segmentation offload, what an application sends with UDP_SEGMENT is read as one UDP
// super-packet (the engine cuts it); without, the kernel cuts it before the device.
TEST_F(TunTest, UdpSegmentSendIsOneSuperPacketWithUso) {
  for (const bool uso : {true, false}) {
    SCOPED_TRACE(uso ? "USO" : "no USO");
    auto tun = TunDevice::open({.name = "uso0", .queues = 1, .vnet_hdr = true, .uso = uso});
    ASSERT_TRUE(tun) << tun.error().message;
    ASSERT_TRUE(tun->vnet_hdr());
    if (uso && !tun->uso()) GTEST_SKIP() << "this kernel has no TUN USO (Linux 6.2+)";
    EXPECT_EQ(tun->uso(), uso);
    const int ifindex = tun->ifindex();
    ASSERT_TRUE(nl_->link_set_up(ifindex, true));
    ASSERT_TRUE(nl_->addr_new(ifindex, ip("10.9.0.1"), 24));
    auto sender = UdpSocket::open(Endpoint(ip("10.9.0.1"), 0));
    ASSERT_TRUE(sender) << sender.error().message;
    const int segment = 300;
    ASSERT_EQ(::setsockopt(sender->fd(), SOL_UDP, UDP_SEGMENT, &segment, sizeof segment), 0);
    const std::vector<uint8_t> payload(1000, 0x5a);
    ASSERT_EQ(test::send_to(sender->fd(), Endpoint(ip("10.9.0.2"), 7777), payload), 0);

    std::vector<uint8_t> storage(70000);
    size_t bytes = 0, packets = 0;
    while (bytes < payload.size() && test::wait_readable(tun->queue_fd(0), 500)) {
      PacketBuf buf(storage.data(), storage.size(), 0);
      VnetHeader h;
      ASSERT_TRUE(tun->read(0, buf, &h));
      const auto p = buf.span();
      if (p.size() < 28 || p[0] != 0x45 || p[9] != 17 || ((p[22] << 8) | p[23]) != 7777) continue;
      ++packets;
      bytes += p.size() - 28;
      if (uso) {
        EXPECT_EQ(h.gso_type, VIRTIO_NET_HDR_GSO_UDP_L4);
        EXPECT_EQ(h.gso_size, segment);
        EXPECT_TRUE(h.needs_csum());
        EXPECT_EQ(h.csum_start, 20);
        EXPECT_EQ(h.csum_offset, 6);
        EXPECT_EQ(p.size(), 28 + payload.size());
      } else {
        EXPECT_FALSE(h.is_gso());
      }
    }
    EXPECT_EQ(bytes, payload.size());
    EXPECT_EQ(packets, uso ? 1u : 4u);
  }
}

TEST_F(TunTest, EmptyQueueWouldBlock) {
  auto tun = TunDevice::open({.name = "empty0", .queues = 2});
  ASSERT_TRUE(tun) << tun.error().message;
  std::vector<uint8_t> storage(2048);
  PacketBuf buf(storage.data(), storage.size(), 0);
  const IoResult r = tun->read(0, buf);
  EXPECT_FALSE(r);
  EXPECT_TRUE(r.would_block()) << r.error();
  EXPECT_EQ(tun->read(5, buf).error(), EBADF);
}

TEST_F(TunTest, RoutedPacketIsReadFromAQueue) {
  auto tun = open_configured("rd0", 2);
  ASSERT_TRUE(tun);
  auto sender = UdpSocket::open(Endpoint(ip("0.0.0.0"), 0));
  ASSERT_TRUE(sender) << sender.error().message;
  const Endpoint to(ip("10.9.0.2"), 7777);
  ASSERT_EQ(test::send_to(sender->fd(), to, bytes_of("hello tun")), 0);

  auto packet = test::read_udp_from_tun(*tun, to);
  ASSERT_TRUE(packet) << "no packet to " << to.to_string() << " on " << tun->name();
  EXPECT_EQ(packet->source.address(), ip("10.9.0.1"));  // the route's preferred source
  EXPECT_EQ(packet->payload, bytes_of("hello tun"));
}

TEST_F(TunTest, PacketTooBigForTheBufferIsEmsgsizeAndExactFitIsWhole) {
  auto tun = open_configured("big0", 1);
  ASSERT_TRUE(tun);
  auto sender = UdpSocket::open(Endpoint(ip("0.0.0.0"), 0));
  ASSERT_TRUE(sender) << sender.error().message;
  ASSERT_EQ(test::send_to(sender->fd(), Endpoint(ip("10.9.0.2"), 7777), bytes_of("0123456789")), 0);
  ASSERT_TRUE(test::wait_readable(tun->queue_fd(0)));
  std::vector<uint8_t> storage(20);  // an IP header at most
  PacketBuf buf(storage.data(), storage.size(), 0);
  const IoResult r = tun->read(0, buf);
  EXPECT_EQ(r.error(), EMSGSIZE);

  // A packet that fills the buffer exactly is whole: 20 (IPv4) + 8 (UDP) + 10 bytes.
  ASSERT_EQ(test::send_to(sender->fd(), Endpoint(ip("10.9.0.2"), 7777), bytes_of("0123456789")), 0);
  std::vector<uint8_t> exact(38);
  bool found = false;
  while (!found && test::wait_readable(tun->queue_fd(0))) {
    PacketBuf b(exact.data(), exact.size(), 0);
    const IoResult e = tun->read(0, b);
    if (!e) continue;  // something bigger (IPv6 router solicitation, MLD)
    auto udp = test::parse_ip_udp(b.span());
    found = udp && udp->destination.port() == 7777;
    if (found) {
      EXPECT_EQ(udp->payload, bytes_of("0123456789"));
    }
  }
  EXPECT_TRUE(found);
}

// A packet written into the TUN is received by the host as if it came from the tunnel.
void expect_written_packet_delivered(TunDevice& tun, size_t queue, const Endpoint& from,
                                     const IpAddress& local) {
  auto receiver = UdpSocket::open(Endpoint(local, 0));
  ASSERT_TRUE(receiver) << receiver.error().message;
  auto bound = receiver->local_endpoint();
  ASSERT_TRUE(bound) << bound.error().message;

  const auto payload = bytes_of("from the tunnel");
  const auto packet = test::ip_udp_packet(from, *bound, payload);
  // The kernel installs the local route of a new IPv6 address from a work queue, a moment after
  // the netlink ack; a packet that comes in before is dropped (Ip6InAddrErrors). So write
  // again until one arrives, as a peer's retransmission would.
  std::optional<test::Datagram> got;
  for (int attempt = 0; attempt < 20 && !got; ++attempt) {
    const IoResult w = tun.write(queue, packet);
    ASSERT_TRUE(w) << "write: " << w.error();
    EXPECT_EQ(w.value(), packet.size());
    if (test::wait_readable(receiver->fd(), 100)) got = test::recv_from(receiver->fd());
  }
  ASSERT_TRUE(got) << "nothing received on " << bound->to_string();
  EXPECT_EQ(got->source, from);
  EXPECT_EQ(got->bytes, payload);
}

TEST_F(TunTest, WrittenIpv4PacketReachesALocalSocket) {
  auto tun = open_configured("wr0", 2);
  ASSERT_TRUE(tun);
  expect_written_packet_delivered(*tun, 1, Endpoint(ip("10.9.0.2"), 5555), ip("10.9.0.1"));
}

TEST_F(TunTest, WrittenIpv6PacketReachesALocalSocket) {
  auto tun = open_configured("wr6", 2);
  ASSERT_TRUE(tun);
  expect_written_packet_delivered(*tun, 0, Endpoint(ip("fd09::2"), 5555), ip("fd09::1"));
}

}  // namespace
}  // namespace ovpn::io
