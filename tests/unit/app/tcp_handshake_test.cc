// TcpHandshakeDco over a socketpair, with FakeDco as the engine: framed control packets out to
// the endpoint, whole frames in however the bytes arrive, never a partial frame left behind at
// the handover, the socket's ownership passing to the engine, everything else passed through.
// start_tcp_connect / finish_tcp_connect against 127.0.0.1 (a listener, and a closed port).

#include "app/tcp_handshake.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "fakes/fake_dco.h"
#include "io/io_result.h"

namespace ovpn::app {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes bytes_of(size_t size, uint8_t first) {
  Bytes b(size);
  for (size_t i = 0; i < size; ++i) b[i] = static_cast<uint8_t>(first + i);
  return b;
}

Bytes frame(const Bytes& packet) {
  Bytes f{static_cast<uint8_t>(packet.size() >> 8), static_cast<uint8_t>(packet.size())};
  f.insert(f.end(), packet.begin(), packet.end());
  return f;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const Endpoint kServer = *Endpoint::parse("192.0.2.1:443");

PeerId pid(uint32_t value) { return *PeerId::make(value); }

class TcpHandshakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    client_fd_ = fds[0];
    server_.reset(fds[1]);
    auto engine = dco::FakeDco::create(dco::Mode::kPointToPoint);
    ASSERT_TRUE(engine) << engine.error().message;
    engine_ = std::move(*engine);
    dco_ = std::make_unique<TcpHandshakeDco>(*engine_, io::Fd(client_fd_), kServer);
  }

  // The server side writes `bytes` in one call.
  void server_write(const Bytes& bytes) {
    ASSERT_EQ(::send(server_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }

  // What the server side can read now (without blocking).
  Bytes server_read() {
    Bytes out(70000);
    const ssize_t n = ::recv(server_.get(), out.data(), out.size(), MSG_DONTWAIT);
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return out;
  }

  std::vector<Bytes> read() {
    std::vector<Bytes> out;
    const Status st = dco_->read_packets(out);
    EXPECT_TRUE(st) << st.error().message;
    return out;
  }

  dco::PeerConfig tcp_peer(int fd) {
    dco::PeerConfig c;
    c.id = pid(0);
    c.transport = dco::Transport::kTcp;
    c.tcp_fd = fd;
    return c;
  }

  int client_fd_ = -1;
  io::Fd server_;
  std::unique_ptr<dco::FakeDco> engine_;
  std::unique_ptr<TcpHandshakeDco> dco_;
};

TEST_F(TcpHandshakeTest, OwnsTheSocketUntilTheHandover) {
  EXPECT_EQ(dco_->socket_fd(), client_fd_);
  EXPECT_FALSE(dco_->handed_over());
  EXPECT_EQ(dco_->mode(), engine_->mode());
  EXPECT_EQ(dco_->notification_fd(), engine_->notification_fd());
}

TEST_F(TcpHandshakeTest, SendControlToTheEndpointWritesOneFrame) {
  const Bytes packet = bytes_of(300, 7);
  ASSERT_TRUE(dco_->send_control(kServer, packet));
  EXPECT_EQ(server_read(), frame(packet));
  EXPECT_TRUE(engine_->take_sent().empty());
  // One byte and the largest packet a frame carries.
  ASSERT_TRUE(dco_->send_control(kServer, Bytes{0x42}));
  EXPECT_EQ(server_read(), (Bytes{0x00, 0x01, 0x42}));
  const Bytes largest = bytes_of(0xffff, 5);
  ASSERT_TRUE(dco_->send_control(kServer, largest));
  EXPECT_EQ(server_read(), frame(largest));
}

TEST_F(TcpHandshakeTest, SendControlRefusesEmptyAndOversizedPackets) {
  EXPECT_EQ(dco_->send_control(kServer, Bytes{}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(dco_->send_control(kServer, Bytes(0x10000)).error().code, Errc::kInvalidArgument);
  EXPECT_TRUE(server_read().empty());
}

TEST_F(TcpHandshakeTest, SendControlToAPeerGoesToTheEngine) {
  const Bytes packet = bytes_of(20, 1);
  // The fake checks the peer exists; a UDP peer is the simplest one it takes.
  dco::PeerConfig udp;
  udp.id = pid(3);
  udp.remote = kServer;
  ASSERT_TRUE(dco_->peer_new(udp));
  ASSERT_TRUE(dco_->send_control(pid(3), packet));
  const auto sent = engine_->take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(std::get<PeerId>(sent[0].target), pid(3));
  EXPECT_EQ(sent[0].bytes, packet);
  EXPECT_TRUE(server_read().empty());
}

TEST_F(TcpHandshakeTest, ReadsSeveralFramesFromOneWrite) {
  const Bytes a = bytes_of(10, 0), b = bytes_of(1, 0x80), c = bytes_of(1000, 3);
  server_write(concat({frame(a), frame(b), frame(c)}));
  EXPECT_EQ(read(), (std::vector<Bytes>{a, b, c}));
  EXPECT_TRUE(read().empty());
}

TEST_F(TcpHandshakeTest, ReadsFramesArrivingOneByteAtATime) {
  const Bytes a = bytes_of(5, 0x10), b = bytes_of(300, 0x20);
  const Bytes stream = concat({frame(a), frame(b)});
  std::vector<Bytes> got;
  for (size_t i = 0; i < stream.size(); ++i) {
    server_write(Bytes{stream[i]});
    auto out = read();
    // A packet comes out exactly when its last byte has arrived.
    const bool ends_a = i == frame(a).size() - 1;
    const bool ends_b = i == stream.size() - 1;
    EXPECT_EQ(out.size(), (ends_a || ends_b) ? 1u : 0u) << "byte " << i;
    got.insert(got.end(), out.begin(), out.end());
  }
  EXPECT_EQ(got, (std::vector<Bytes>{a, b}));
}

TEST_F(TcpHandshakeTest, ReadsAFrameWhoseHeaderIsSplit) {
  const Bytes packet = bytes_of(0x123, 9);
  const Bytes f = frame(packet);
  server_write(Bytes{f[0]});
  EXPECT_TRUE(read().empty());
  server_write(Bytes(f.begin() + 1, f.begin() + 100));
  EXPECT_TRUE(read().empty());
  server_write(Bytes(f.begin() + 100, f.end()));
  EXPECT_EQ(read(), std::vector<Bytes>{packet});
}

TEST_F(TcpHandshakeTest, ReadsTheLargestFrame) {
  const Bytes packet = bytes_of(0xffff, 0);
  const Bytes f = frame(packet);
  // In pieces the socket buffer takes, read as they come.
  std::vector<Bytes> got;
  for (size_t at = 0; at < f.size(); at += 4096) {
    server_write(Bytes(f.begin() + static_cast<ptrdiff_t>(at),
                       f.begin() + static_cast<ptrdiff_t>(std::min(f.size(), at + 4096))));
    auto out = read();
    got.insert(got.end(), out.begin(), out.end());
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], packet);
}

TEST_F(TcpHandshakeTest, ZeroLengthFrameIsMalformed) {
  server_write(Bytes{0x00, 0x00, 0x00, 0x01, 0xaa});
  std::vector<Bytes> out;
  const Status st = dco_->read_packets(out);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kMalformed);
  EXPECT_TRUE(out.empty());
}

TEST_F(TcpHandshakeTest, EndOfStreamIsAnError) {
  const Bytes a = bytes_of(4, 1);
  server_write(frame(a));
  server_.reset();
  std::vector<Bytes> out;
  const Status st = dco_->read_packets(out);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kIo);
  EXPECT_NE(st.error().message.find(kServer.to_string()), std::string::npos);
  // The whole frame before the end was still delivered.
  EXPECT_EQ(out, std::vector<Bytes>{a});
}

TEST_F(TcpHandshakeTest, EndOfStreamInsideAFrameIsAnError) {
  server_write(Bytes{0x00, 0x08, 1, 2, 3});
  server_.reset();
  std::vector<Bytes> out;
  const Status st = dco_->read_packets(out);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kIo);
  EXPECT_TRUE(out.empty());
}

TEST_F(TcpHandshakeTest, HandsTheSocketOverOnlyAtAFrameBoundary) {
  const Bytes one = bytes_of(50, 1), two = bytes_of(60, 2), three = bytes_of(70, 3);
  const Bytes f2 = frame(two);
  // Frame 1 whole, frame 2 half written.
  server_write(concat({frame(one), Bytes(f2.begin(), f2.begin() + 20)}));
  EXPECT_EQ(read(), std::vector<Bytes>{one});
  // The reader holds the partial frame: no handover now, and the socket stays ours.
  const Status refused = dco_->peer_new(tcp_peer(client_fd_));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kInvalidArgument);
  EXPECT_FALSE(dco_->handed_over());
  EXPECT_EQ(dco_->socket_fd(), client_fd_);
  EXPECT_TRUE(engine_->peer_get_all().empty());

  server_write(Bytes(f2.begin() + 20, f2.end()));
  EXPECT_EQ(read(), std::vector<Bytes>{two});
  ASSERT_TRUE(dco_->peer_new(tcp_peer(client_fd_)));
  EXPECT_TRUE(dco_->handed_over());
  EXPECT_EQ(dco_->socket_fd(), -1);
  ASSERT_EQ(engine_->peer_get_all().size(), 1u);

  // The next frame is left in the socket for the engine, from its first byte.
  server_write(frame(three));
  std::vector<Bytes> out;
  ASSERT_TRUE(dco_->read_packets(out));
  EXPECT_TRUE(out.empty());
  const io::Fd peek(::dup(client_fd_));
  ASSERT_TRUE(peek.valid());
  Bytes pending(1000);
  const ssize_t n = ::recv(peek.get(), pending.data(), pending.size(), MSG_PEEK | MSG_DONTWAIT);
  ASSERT_GT(n, 0);
  pending.resize(static_cast<size_t>(n));
  EXPECT_EQ(pending, frame(three));
}

TEST_F(TcpHandshakeTest, NothingIsReadAheadOfTheLastWholeFrame) {
  const Bytes one = bytes_of(8, 1);
  server_write(frame(one));
  EXPECT_EQ(read(), std::vector<Bytes>{one});
  ASSERT_TRUE(dco_->peer_new(tcp_peer(client_fd_)));
  const io::Fd peek(::dup(client_fd_));
  uint8_t byte = 0;
  EXPECT_EQ(::recv(peek.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT), -1);
  EXPECT_EQ(errno, EAGAIN);
}

TEST_F(TcpHandshakeTest, AfterTheHandoverTheEngineOwnsTheSocket) {
  ASSERT_TRUE(dco_->peer_new(tcp_peer(client_fd_)));
  // Control packets now go through the engine, even to an endpoint.
  ASSERT_TRUE(dco_->send_control(pid(0), Bytes{1, 2, 3}));
  ASSERT_TRUE(dco_->send_control(kServer, Bytes{4, 5}));
  EXPECT_EQ(engine_->take_sent().size(), 2u);
  EXPECT_TRUE(server_read().empty());
  // Destroying the decorator does not close the engine's socket.
  dco_.reset();
  EXPECT_NE(::fcntl(client_fd_, F_GETFD), -1);
  server_write(Bytes{9});  // still connected
  // FakeDco closes it with the peer.
  ASSERT_TRUE(engine_->peer_del(pid(0)));
  EXPECT_EQ(::fcntl(client_fd_, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
}

TEST_F(TcpHandshakeTest, FailedHandoverKeepsTheSocket) {
  dco::PeerConfig bad = tcp_peer(client_fd_);
  bad.id = PeerId::undefined();  // the engine refuses it
  EXPECT_FALSE(dco_->peer_new(bad));
  EXPECT_FALSE(dco_->handed_over());
  EXPECT_EQ(dco_->socket_fd(), client_fd_);
  ASSERT_TRUE(dco_->send_control(kServer, Bytes{7}));
  EXPECT_EQ(server_read(), (Bytes{0, 1, 7}));
}

TEST_F(TcpHandshakeTest, OtherPeersPassThrough) {
  dco::PeerConfig udp;
  udp.id = pid(1);
  udp.remote = kServer;
  ASSERT_TRUE(dco_->peer_new(udp));
  EXPECT_FALSE(dco_->handed_over());
  EXPECT_EQ(dco_->socket_fd(), client_fd_);
  ASSERT_TRUE(dco_->peer_get(pid(1)));

  // Another TCP socket is not ours to hand over (the fake owns and closes it).
  int other[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, other), 0);
  const io::Fd other_end(other[1]);
  ASSERT_TRUE(dco_->peer_new(tcp_peer(other[0])));
  EXPECT_FALSE(dco_->handed_over());
  EXPECT_EQ(dco_->socket_fd(), client_fd_);
  EXPECT_EQ(dco_->peer_get_all().size(), 1u);  // point-to-point: the new peer replaced it
  ASSERT_TRUE(dco_->peer_del(pid(0)));
  EXPECT_TRUE(dco_->peer_get_all().empty());
  // Our socket still works.
  ASSERT_TRUE(dco_->send_control(kServer, Bytes{1}));
  EXPECT_EQ(server_read(), (Bytes{0, 1, 1}));
}

// --- connecting --------------------------------------------------------------------------------

const IpAddress kLoopback = *IpAddress::parse("127.0.0.1");

// A listening (or, with listen_too false, only bound) TCP socket on 127.0.0.1; its port.
io::Fd loopback_socket(bool listen_too, uint16_t& port) {
  io::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(fd.valid());
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  if (listen_too) {
    EXPECT_EQ(::listen(fd.get(), 4), 0);
  }
  socklen_t len = sizeof sa;
  EXPECT_EQ(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len), 0);
  port = ntohs(sa.sin_port);
  return fd;
}

// Waits for the connect to finish; the poll events.
short wait_writable(int fd) {
  pollfd p{fd, POLLOUT, 0};
  EXPECT_EQ(::poll(&p, 1, 5000), 1);
  return p.revents;
}

TEST(TcpConnectTest, ConnectsToALoopbackListener) {
  uint16_t port = 0;
  const io::Fd listener = loopback_socket(true, port);
  const Endpoint remote(kLoopback, port);
  auto fd = start_tcp_connect(remote, std::nullopt);
  ASSERT_TRUE(fd) << fd.error().message;
  EXPECT_NE(::fcntl(fd->get(), F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_TRUE(wait_writable(fd->get()) & POLLOUT);
  const Status st = finish_tcp_connect(fd->get(), remote);
  EXPECT_TRUE(st) << st.error().message;
  const io::Fd accepted(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(accepted.valid());

  // The handshake path works over it: a frame each way.
  auto engine = dco::FakeDco::create(dco::Mode::kPointToPoint);
  ASSERT_TRUE(engine);
  TcpHandshakeDco dco(**engine, std::move(*fd), remote);
  ASSERT_TRUE(dco.send_control(remote, Bytes{1, 2, 3}));
  Bytes got(16);
  ASSERT_EQ(::recv(accepted.get(), got.data(), got.size(), 0), 5);
  got.resize(5);
  EXPECT_EQ(got, (Bytes{0, 3, 1, 2, 3}));
  const Bytes reply{0, 2, 8, 9};
  ASSERT_EQ(::send(accepted.get(), reply.data(), reply.size(), MSG_NOSIGNAL), 4);
  pollfd p{dco.socket_fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  std::vector<Bytes> out;
  ASSERT_TRUE(dco.read_packets(out));
  EXPECT_EQ(out, (std::vector<Bytes>{Bytes{8, 9}}));
}

TEST(TcpConnectTest, BindsToTheLocalAddress) {
  uint16_t port = 0;
  const io::Fd listener = loopback_socket(true, port);
  auto fd = start_tcp_connect(Endpoint(kLoopback, port), Endpoint(kLoopback, 0));
  ASSERT_TRUE(fd) << fd.error().message;
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ASSERT_EQ(::getsockname(fd->get(), reinterpret_cast<sockaddr*>(&sa), &len), 0);
  EXPECT_EQ(ntohl(sa.sin_addr.s_addr), INADDR_LOOPBACK);
  wait_writable(fd->get());
  EXPECT_TRUE(finish_tcp_connect(fd->get(), Endpoint(kLoopback, port)));
}

TEST(TcpConnectTest, LocalAddressOfTheOtherFamilyIsRefused) {
  auto fd = start_tcp_connect(Endpoint(kLoopback, 1194), *Endpoint::parse("[::1]:0"));
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().code, Errc::kInvalidArgument);
}

TEST(TcpConnectTest, ClosedPortIsRefused) {
  // Bound but not listening: nothing accepts on this port while the test runs.
  uint16_t port = 0;
  const io::Fd bound = loopback_socket(false, port);
  const Endpoint remote(kLoopback, port);
  auto fd = start_tcp_connect(remote, std::nullopt);
  if (!fd) {
    // The refusal may already be known when connect() returns.
    EXPECT_NE(fd.error().message.find(io::errno_text(ECONNREFUSED)), std::string::npos);
    return;
  }
  wait_writable(fd->get());
  const Status st = finish_tcp_connect(fd->get(), remote);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kIo);
  EXPECT_NE(st.error().message.find(io::errno_text(ECONNREFUSED)), std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find(remote.to_string()), std::string::npos);
}

}  // namespace
}  // namespace ovpn::app
