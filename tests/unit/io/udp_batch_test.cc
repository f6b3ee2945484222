#include "io/udp_batch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/packet_pool.h"
#include "io/netlink.h"
#include "io/udp_socket.h"
#include "io_test_util.h"

namespace ovpn::io {
namespace {

using test::bytes_of;

constexpr size_t kHeadroom = 64;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

// Datagram i of a test batch: its own size (1 .. 1450 bytes) and its own contents.
std::vector<uint8_t> payload(size_t i) {
  std::vector<uint8_t> p(1 + i * 23);
  for (size_t j = 0; j < p.size(); ++j) p[j] = static_cast<uint8_t>(i * 7 + j);
  return p;
}

struct Received {
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<UdpRecvMeta> meta;
  size_t calls = 0;  // recv() calls that returned datagrams
};

class UdpBatchTest : public ::testing::Test {
 protected:
  UdpSocket open(const char* address, const UdpSocketOptions& options = {}) {
    auto s = UdpSocket::open(Endpoint(ip(address), 0), options);
    EXPECT_TRUE(s) << s.error().message;
    return std::move(*s);
  }

  static Endpoint local(const UdpSocket& s) { return *s.local_endpoint(); }

  // Receives with `batch` until `count` datagrams arrived or the time is up.
  Received receive(UdpBatch& batch, const UdpSocket& s, size_t count) {
    Received out;
    std::vector<PacketBuf> bufs(batch.capacity());
    std::vector<UdpRecvMeta> meta(batch.capacity());
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(test::kTimeoutMs);
    while (out.bytes.size() < count && std::chrono::steady_clock::now() < deadline) {
      if (!test::wait_readable(s.fd(), 100)) continue;
      for (auto& b : bufs) EXPECT_TRUE(pool_.get(b));
      const IoResult r = batch.recv(s, bufs, meta);
      EXPECT_TRUE(r || r.would_block()) << "recvmmsg: " << r.error();
      for (size_t i = 0; i < r.value(); ++i) {
        EXPECT_EQ(bufs[i].headroom(), kHeadroom);  // written at data(), headroom kept
        out.bytes.emplace_back(bufs[i].span().begin(), bufs[i].span().end());
        out.meta.push_back(meta[i]);
      }
      if (r.value() > 0) ++out.calls;
      for (auto& b : bufs) pool_.put(b);
    }
    return out;
  }

  PacketPool pool_{kBatchSize, 2048, kHeadroom};
  UdpBatch batch_;
};

class UdpBatchFamilyTest : public UdpBatchTest,
                           public ::testing::WithParamInterface<const char*> {};

TEST_P(UdpBatchFamilyTest, FullBatchArrivesWithSourcesAndLocalAddress) {
  const IpAddress loopback = ip(GetParam());
  UdpSocket sender = open(GetParam());
  UdpSocket receiver = open(GetParam(), {.rcvbuf = 1 << 20});
  const Endpoint to = local(receiver);

  std::vector<std::vector<uint8_t>> payloads;
  std::vector<UdpSendItem> items;
  for (size_t i = 0; i < kBatchSize; ++i) payloads.push_back(payload(i));
  for (const auto& p : payloads) items.push_back({.bytes = p, .destination = to});
  const UdpSendResult sent = batch_.send(sender, items);
  EXPECT_EQ(sent.sent, kBatchSize);
  EXPECT_EQ(sent.failed, 0u);
  EXPECT_EQ(sent.last_error, 0);

  const Received got = receive(batch_, receiver, kBatchSize);
  ASSERT_EQ(got.bytes.size(), kBatchSize);
  for (size_t i = 0; i < kBatchSize; ++i) {
    EXPECT_EQ(got.bytes[i], payloads[i]) << "datagram " << i;
    EXPECT_EQ(got.meta[i].source, local(sender)) << "datagram " << i;
    ASSERT_TRUE(got.meta[i].local) << "datagram " << i;
    EXPECT_EQ(*got.meta[i].local, loopback) << "datagram " << i;
    EXPECT_EQ(got.meta[i].ifindex, 1) << "datagram " << i;  // lo
    EXPECT_FALSE(got.meta[i].truncated) << "datagram " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Loopback, UdpBatchFamilyTest, ::testing::Values("127.0.0.1", "::1"),
                         [](const auto& p) {
                           return std::string(p.param[0] == ':' ? "Ipv6" : "Ipv4");
                         });

TEST_F(UdpBatchTest, DualStackSocketTalksToIpv4AndIpv6Peers) {
  UdpSocket dual = open("::");
  const uint16_t port = local(dual).port();
  UdpSocket client4 = open("127.0.0.1");
  UdpSocket client6 = open("::1");
  ASSERT_EQ(test::send_to(client4.fd(), Endpoint(ip("127.0.0.1"), port), bytes_of("four")), 0);
  ASSERT_EQ(test::send_to(client6.fd(), Endpoint(ip("::1"), port), bytes_of("six")), 0);

  const Received got = receive(batch_, dual, 2);
  ASSERT_EQ(got.bytes.size(), 2u);
  // A v4-mapped source and local address are reported as plain IPv4.
  EXPECT_EQ(got.bytes[0], bytes_of("four"));
  EXPECT_EQ(got.meta[0].source, local(client4));
  EXPECT_EQ(got.meta[0].local, ip("127.0.0.1"));
  EXPECT_EQ(got.bytes[1], bytes_of("six"));
  EXPECT_EQ(got.meta[1].source, local(client6));
  EXPECT_EQ(got.meta[1].local, ip("::1"));

  // Replies go back from the address each peer sent to; IPv4 leaves v4-mapped.
  const auto reply4 = bytes_of("re: four");
  const auto reply6 = bytes_of("re: six");
  const std::vector<UdpSendItem> replies = {
      {.bytes = reply4, .destination = got.meta[0].source, .source = got.meta[0].local},
      {.bytes = reply6, .destination = got.meta[1].source, .source = got.meta[1].local},
  };
  const UdpSendResult sent = batch_.send(dual, replies);
  EXPECT_EQ(sent.sent, 2u) << "errno " << sent.last_error;

  auto at4 = test::recv_from(client4.fd());
  ASSERT_TRUE(at4);
  EXPECT_EQ(at4->source, Endpoint(ip("127.0.0.1"), port));
  EXPECT_EQ(at4->bytes, reply4);
  auto at6 = test::recv_from(client6.fd());
  ASSERT_TRUE(at6);
  EXPECT_EQ(at6->source, Endpoint(ip("::1"), port));
  EXPECT_EQ(at6->bytes, reply6);
}

TEST_F(UdpBatchTest, SourceAddressChoosesTheLocalAddress) {
  // Two more local IPv6 addresses; all of 127.0.0.0/8 is local already.
  auto nl = NetlinkSocket::open();
  ASSERT_TRUE(nl) << nl.error().message;
  for (const char* a : {"fd0f::1", "fd0f::2"}) {
    auto st = nl->addr_new(1, ip(a), 128);
    ASSERT_TRUE(st || st.error().code == Errc::kExists) << st.error().message;
  }

  UdpSocket receiver4 = open("127.0.0.1");
  UdpSocket receiver6 = open("fd0f::1");
  UdpSocket sender4 = open("0.0.0.0");
  UdpSocket dual = open("::");
  const auto data = bytes_of("x");

  struct Case {
    const UdpSocket& from;
    const UdpSocket& to;
    const char* source;
  };
  for (const Case& c : {Case{sender4, receiver4, "127.0.0.2"}, Case{dual, receiver4, "127.0.0.3"},
                        Case{dual, receiver6, "fd0f::2"}}) {
    const UdpSendItem item{.bytes = data, .destination = local(c.to), .source = ip(c.source)};
    // The local route of a new IPv6 address appears a moment after the netlink ack (the kernel
    // adds it from a work queue); until then the datagram is dropped on input. Send again.
    std::optional<test::Datagram> got;
    for (int attempt = 0; attempt < 20 && !got; ++attempt) {
      const UdpSendResult sent = batch_.send(c.from, {&item, 1});
      ASSERT_EQ(sent.sent, 1u) << c.source << ": errno " << sent.last_error;
      if (test::wait_readable(c.to.fd(), 100)) got = test::recv_from(c.to.fd());
    }
    ASSERT_TRUE(got) << c.source;
    EXPECT_EQ(got->source, Endpoint(ip(c.source), local(c.from).port()));
  }
}

TEST_F(UdpBatchTest, PermanentFailureSkipsOnlyThatDatagram) {
  UdpSocket sender = open("127.0.0.1");
  UdpSocket receiver = open("127.0.0.1");
  std::vector<std::vector<uint8_t>> payloads;
  for (size_t i = 0; i < 5; ++i) payloads.push_back(payload(i));
  std::vector<UdpSendItem> items;
  for (const auto& p : payloads) items.push_back({.bytes = p, .destination = local(receiver)});
  items[2].destination = Endpoint(ip("::1"), 9);  // an IPv6 destination on an IPv4 socket

  const UdpSendResult sent = batch_.send(sender, items);
  EXPECT_EQ(sent.sent, 4u);
  EXPECT_EQ(sent.failed, 1u);
  EXPECT_EQ(sent.last_error, EAFNOSUPPORT);
  ASSERT_EQ(batch_.failed_items().size(), 1u);
  EXPECT_EQ(batch_.failed_items()[0], 2u);

  const Received got = receive(batch_, receiver, 4);
  ASSERT_EQ(got.bytes.size(), 4u);
  EXPECT_EQ(got.bytes[0], payloads[0]);
  EXPECT_EQ(got.bytes[1], payloads[1]);
  EXPECT_EQ(got.bytes[2], payloads[3]);
  EXPECT_EQ(got.bytes[3], payloads[4]);
}

TEST_F(UdpBatchTest, MoreThanCapacityTakesSeveralCalls) {
  UdpBatch small(8);
  ASSERT_EQ(small.capacity(), 8u);
  UdpSocket sender = open("::1");
  UdpSocket receiver = open("::1", {.rcvbuf = 1 << 20});
  std::vector<std::vector<uint8_t>> payloads;
  for (size_t i = 0; i < 20; ++i) payloads.push_back(payload(i));
  std::vector<UdpSendItem> items;
  for (const auto& p : payloads) items.push_back({.bytes = p, .destination = local(receiver)});
  items[13].destination = Endpoint(ip("::1"), 0);  // port 0: EINVAL, in the second call

  const UdpSendResult sent = small.send(sender, items);
  EXPECT_EQ(sent.sent, 19u);
  EXPECT_EQ(sent.failed, 1u);
  EXPECT_EQ(sent.last_error, EINVAL);
  ASSERT_EQ(small.failed_items().size(), 1u);
  EXPECT_EQ(small.failed_items()[0], 13u);

  const Received got = receive(small, receiver, 19);
  ASSERT_EQ(got.bytes.size(), 19u);
  EXPECT_GE(got.calls, 3u);
  for (size_t i = 0, j = 0; i < 20; ++i) {
    if (i == 13) continue;
    EXPECT_EQ(got.bytes[j++], payloads[i]) << "datagram " << i;
  }
}

TEST_F(UdpBatchTest, TruncatedDatagramIsFlagged) {
  UdpSocket sender = open("127.0.0.1");
  UdpSocket receiver = open("127.0.0.1");
  const auto big = payload(10);  // 231 bytes
  ASSERT_EQ(test::send_to(sender.fd(), local(receiver), big), 0);
  ASSERT_TRUE(test::wait_readable(receiver.fd()));

  std::vector<uint8_t> storage(100);
  PacketBuf bufs[1] = {PacketBuf(storage.data(), storage.size(), 10)};
  UdpRecvMeta meta[1];
  const IoResult r = batch_.recv(receiver, bufs, meta);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r.value(), 1u);
  EXPECT_TRUE(meta[0].truncated);
  EXPECT_EQ(bufs[0].size(), 90u);
}

// recv() rewrites every field of the metadata it returns, whatever the slot held before, and a
// moved batch keeps working (its receive headers point into storage that moved with it).
TEST_F(UdpBatchTest, MetadataIsRewrittenOnEveryReceive) {
  UdpSocket sender = open("127.0.0.1");
  UdpSocket with_pktinfo = open("127.0.0.1");
  UdpSocket without_pktinfo = open("127.0.0.1", {.pktinfo = false});
  const auto big = payload(10);  // 231 bytes
  const auto small = payload(2);
  ASSERT_EQ(test::send_to(sender.fd(), local(with_pktinfo), big), 0);
  ASSERT_EQ(test::send_to(sender.fd(), local(without_pktinfo), small), 0);

  UdpBatch moved(std::move(batch_));
  std::vector<uint8_t> storage(100);
  PacketBuf bufs[1] = {PacketBuf(storage.data(), storage.size(), 0)};
  UdpRecvMeta meta[1];
  ASSERT_TRUE(test::wait_readable(with_pktinfo.fd()));
  ASSERT_EQ(moved.recv(with_pktinfo, bufs, meta).value(), 1u);
  EXPECT_TRUE(meta[0].truncated);
  EXPECT_EQ(meta[0].local, ip("127.0.0.1"));
  EXPECT_EQ(meta[0].ifindex, 1);

  meta[0].segment_size = 1234;  // as a coalesced receive would have left it
  bufs[0].reset(0);
  ASSERT_TRUE(test::wait_readable(without_pktinfo.fd()));
  ASSERT_EQ(moved.recv(without_pktinfo, bufs, meta).value(), 1u);
  EXPECT_EQ(std::vector<uint8_t>(bufs[0].span().begin(), bufs[0].span().end()), small);
  EXPECT_EQ(meta[0].source, local(sender));
  EXPECT_FALSE(meta[0].truncated);
  EXPECT_FALSE(meta[0].local);
  EXPECT_EQ(meta[0].ifindex, 0);
  EXPECT_EQ(meta[0].segment_size, 0u);
}

TEST_F(UdpBatchTest, NothingQueuedWouldBlock) {
  UdpSocket receiver = open("127.0.0.1");
  std::vector<uint8_t> storage(2048);
  PacketBuf bufs[1] = {PacketBuf(storage.data(), storage.size(), 0)};
  UdpRecvMeta meta[1];
  const IoResult r = batch_.recv(receiver, bufs, meta);
  EXPECT_FALSE(r);
  EXPECT_TRUE(r.would_block());
  EXPECT_EQ(batch_.send(receiver, {}).sent, 0u);
}

// Runs of equal datagrams leave as UDP_SEGMENT messages (one per run: destination, size and
// the 64-segment limit end a run); a UDP_GRO receiver may get them coalesced, a plain one gets
// them one by one; either way every datagram arrives whole and in order.
TEST_F(UdpBatchTest, SegmentationOffloadKeepsEveryDatagram) {
  UdpSocket sender = open("127.0.0.1", {.offload = true});
  if (!sender.gso()) GTEST_SKIP() << "kernel without UDP_SEGMENT";
  UdpSocket gro = open("127.0.0.1", {.rcvbuf = 4 << 20, .offload = true});
  UdpSocket plain = open("127.0.0.1", {.rcvbuf = 4 << 20});
  ASSERT_TRUE(gro.gro());
  std::vector<std::vector<uint8_t>> to_gro, to_plain;
  std::vector<UdpSendItem> items;
  auto add = [](auto& list, size_t size, uint8_t tag) {
    std::vector<uint8_t> p(size);
    for (size_t j = 0; j < size; ++j) p[j] = static_cast<uint8_t>(tag + j);
    list.push_back(std::move(p));
  };
  // 70 of 1000 bytes (a run split at 64), a short tail, then other sizes, then the other socket.
  for (uint8_t i = 0; i < 70; ++i) add(to_gro, 1000, i);
  add(to_gro, 300, 200);
  for (uint8_t i = 0; i < 5; ++i) add(to_gro, 1200, static_cast<uint8_t>(100 + i));
  for (uint8_t i = 0; i < 10; ++i) add(to_plain, 800, i);
  for (const auto& p : to_gro) items.push_back({.bytes = p, .destination = local(gro)});
  for (const auto& p : to_plain) items.push_back({.bytes = p, .destination = local(plain)});

  UdpBatch batch(128);
  const UdpSendResult sent = batch.send(sender, items);
  EXPECT_EQ(sent.sent, items.size()) << "errno " << sent.last_error;
  EXPECT_EQ(sent.failed, 0u);

  // Receives into 64 KiB buffers (room for a coalesced run) until `count` datagrams are in.
  size_t coalesced = 0;
  auto receive_all = [&coalesced](const UdpSocket& s, size_t count, bool expect_segments) {
    std::vector<std::vector<uint8_t>> out;
    std::vector<std::vector<uint8_t>> storage(8, std::vector<uint8_t>(kMaxCoalesced + 1));
    UdpBatch rx(8);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
      if (!test::wait_readable(s.fd(), 100)) continue;
      std::vector<PacketBuf> bufs;
      for (auto& st : storage) bufs.emplace_back(st.data(), st.size(), 0);
      std::vector<UdpRecvMeta> meta(bufs.size());
      const IoResult r = rx.recv(s, bufs, meta);
      for (size_t i = 0; i < r.value(); ++i) {
        EXPECT_FALSE(meta[i].truncated);
        if (!expect_segments) {
          EXPECT_EQ(meta[i].segment_size, 0u);
        }
        if (meta[i].segment_size != 0 && meta[i].segment_size < bufs[i].size()) ++coalesced;
        const size_t seg = meta[i].segment_size != 0 ? meta[i].segment_size : bufs[i].size();
        for (size_t off = 0; off < bufs[i].size(); off += seg) {
          const auto d = bufs[i].span().subspan(off, std::min(seg, bufs[i].size() - off));
          out.emplace_back(d.begin(), d.end());
        }
      }
    }
    return out;
  };
  const auto got_gro = receive_all(gro, to_gro.size(), true);
  const auto got_plain = receive_all(plain, to_plain.size(), false);
  EXPECT_GT(coalesced, 0u) << "loopback carries a UDP_SEGMENT run to a UDP_GRO socket whole";
  EXPECT_EQ(got_gro, to_gro);
  EXPECT_EQ(got_plain, to_plain);
}

}  // namespace
}  // namespace ovpn::io
