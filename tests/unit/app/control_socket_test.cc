// The control socket of ovpnd --dco-only, served over the fake DCO on a thread of its own, as
// the control thread serves it: JSON lines, a descriptor passed with a request (SCM_RIGHTS)
// reaching the DCO or closed (never leaked), and the socket root-only.

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "app/control_socket.h"
#include "dco/dco_json.h"
#include "fakes/fake_dco.h"
#include "io/fd.h"

namespace ovpn::app {
namespace {

using dco::Json;
using namespace std::chrono_literals;

constexpr const char* kTcpPeer =
    R"({"cmd":"peer_new","peer":{"id":1,"transport":"tcp","vpn_ipv4":"10.8.0.2"}})"
    "\n";

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// `sent` goes to the control socket; `peer` sees end of stream once every copy is closed.
struct Pair {
  io::Fd sent, peer;
};

Pair socket_pair() {
  int sv[2] = {-1, -1};
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  return Pair{io::Fd(sv[0]), io::Fd(sv[1])};
}

bool sees_eof(int fd) {
  pollfd p{fd, POLLIN, 0};
  char c;
  return ::poll(&p, 1, 2000) == 1 && ::recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

bool still_open(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 100) == 0;
}

class Client {
 public:
  explicit Client(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    EXPECT_EQ(::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const timeval timeout{5, 0};
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }

  // One sendmsg of `bytes`, with `fds` attached.
  void send(std::string bytes, const std::vector<int>& fds = {}) {
    iovec iov{bytes.data(), bytes.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
    if (!fds.empty()) {
      msg.msg_control = control.data();
      msg.msg_controllen = control.size();
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      ASSERT_NE(c, nullptr);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
      std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    EXPECT_EQ(::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }

  // The next reply line (null when none comes).
  Json receive() {
    size_t nl;
    while ((nl = in_.find('\n')) == std::string::npos) {
      char buf[4096];
      const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
      if (n <= 0) return Json();
      in_.append(buf, static_cast<size_t>(n));
    }
    Json reply = Json::parse(in_.substr(0, nl), nullptr, false);
    in_.erase(0, nl + 1);
    return reply;
  }

  Json request(const std::string& line) {
    send(line + "\n");
    return receive();
  }

 private:
  io::Fd fd_;
  std::string in_;
};

class ControlSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fds_at_start_ = open_fds();
    char dir[] = "/tmp/ovpn_control_test.XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/run/dco.sock";
    auto fake = dco::FakeDco::create(dco::Mode::kMultiPeer);
    ASSERT_TRUE(fake);
    dco_ = std::move(*fake);
    auto control = ControlSocket::listen(path_);
    ASSERT_TRUE(control) << control.error().message;
    control_.emplace(std::move(*control));
    stop_.reset(::eventfd(0, EFD_CLOEXEC));
    ASSERT_TRUE(stop_.valid());
    thread_ = std::thread([this] { status_ = control_->run(*dco_, stop_.get()); });
  }

  void TearDown() override {
    stop();
    control_.reset();
    dco_.reset();
    stop_.reset();
    ::rmdir((dir_ + "/run").c_str());
    ::rmdir(dir_.c_str());
    EXPECT_EQ(open_fds(), fds_at_start_) << "a descriptor leaked";
  }

  // Ends run(); afterwards the test thread may use dco_.
  void stop() {
    if (!thread_.joinable()) return;
    const uint64_t one = 1;
    EXPECT_EQ(::write(stop_.get(), &one, sizeof one), 8);
    thread_.join();
    EXPECT_TRUE(status_);
  }

  size_t fds_at_start_ = 0;
  std::string dir_, path_;
  std::unique_ptr<dco::FakeDco> dco_;
  std::optional<ControlSocket> control_;
  io::Fd stop_;
  std::thread thread_;
  Status status_;
};

TEST_F(ControlSocketTest, IsRootOnly) {
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // connect needs write permission
  ASSERT_EQ(::stat((dir_ + "/run").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
  Client c(path_);
  EXPECT_EQ(c.request(R"({"cmd":"peer_get"})")["ok"], true);
}

// The socket passed with a tcp peer_new reaches the DCO, which holds it until the peer goes.
TEST_F(ControlSocketTest, TcpPeerNewPassesItsSocketToTheDco) {
  Client c(path_);
  Pair a = socket_pair();
  c.send(kTcpPeer, {a.sent.get()});
  a.sent.reset();
  EXPECT_EQ(c.receive(), (Json{{"ok", true}}));
  EXPECT_EQ(c.request(R"({"cmd":"peer_get","id":1})")["peer"]["transport"], "tcp");
  EXPECT_TRUE(still_open(a.peer.get())) << "the DCO holds the socket";
  EXPECT_EQ(c.request(R"({"cmd":"peer_del","id":1})")["ok"], true);
  EXPECT_TRUE(sees_eof(a.peer.get())) << "deleting the peer closed it";
}

TEST_F(ControlSocketTest, DescriptorsNoRequestTakesAreClosed) {
  Client c(path_);
  std::string tcp = kTcpPeer;
  const Json none = c.request(tcp.substr(0, tcp.size() - 1));
  EXPECT_EQ(none["ok"], false);
  EXPECT_NE(none.value("error", "").find("SCM_RIGHTS"), std::string::npos) << none.dump();

  Pair rejected = socket_pair();  // a TCP peer's remote comes from its socket
  c.send(R"({"cmd":"peer_new","peer":{"id":1,"transport":"tcp","remote":"192.0.2.1:1194",)"
         R"("vpn_ipv4":"10.8.0.2"}})"
         "\n",
         {rejected.sent.get()});
  rejected.sent.reset();
  EXPECT_EQ(c.receive()["ok"], false);
  EXPECT_TRUE(sees_eof(rejected.peer.get()));

  Pair unused = socket_pair();
  c.send(R"({"cmd":"peer_get"})"
         "\n",
         {unused.sent.get()});
  unused.sent.reset();
  EXPECT_EQ(c.receive()["ok"], true);
  EXPECT_TRUE(sees_eof(unused.peer.get()));

  Pair first = socket_pair(), extra = socket_pair();  // one per request: the first is taken
  c.send(kTcpPeer, {first.sent.get(), extra.sent.get()});
  first.sent.reset();
  extra.sent.reset();
  EXPECT_EQ(c.receive()["ok"], true);
  EXPECT_TRUE(sees_eof(extra.peer.get()));
  EXPECT_TRUE(still_open(first.peer.get()));

  Pair taken_id = socket_pair();
  c.send(kTcpPeer, {taken_id.sent.get()});
  taken_id.sent.reset();
  EXPECT_EQ(c.receive()["code"], "already exists");
  EXPECT_TRUE(sees_eof(taken_id.peer.get()));

  Pair hung_up = socket_pair();  // its line never completes: the client goes away
  {
    Client gone(path_);
    gone.send(R"({"cmd":"peer_new",)", {hung_up.sent.get()});
    hung_up.sent.reset();
  }
  EXPECT_TRUE(sees_eof(hung_up.peer.get()));

  stop();
  dco_.reset();
  EXPECT_TRUE(sees_eof(first.peer.get())) << "the DCO closes what it holds when it goes";
}

TEST_F(ControlSocketTest, LinesSplitOrBackToBack) {
  Client c(path_);
  const std::string get = R"({"cmd":"peer_get"})";
  c.send(get.substr(0, 7));
  std::this_thread::sleep_for(50ms);
  c.send(get.substr(7) + "\n");
  EXPECT_EQ(c.receive()["ok"], true);

  // The descriptor goes with the first bytes of its line; the rest follows.
  Pair split = socket_pair();
  const std::string tcp = kTcpPeer;
  c.send(tcp.substr(0, 20), {split.sent.get()});
  split.sent.reset();
  std::this_thread::sleep_for(50ms);
  c.send(tcp.substr(20));
  EXPECT_EQ(c.receive()["ok"], true);

  // A line without one just before: the descriptor is the second line's.
  Pair second = socket_pair();
  c.send(R"({"cmd":"device"})"
         "\n");
  c.send(R"({"cmd":"peer_new","peer":{"id":2,"transport":"tcp","vpn_ipv4":"10.8.0.3"}})"
         "\n",
         {second.sent.get()});
  second.sent.reset();
  EXPECT_EQ(c.receive()["ok"], true);
  EXPECT_EQ(c.receive()["ok"], true);
  EXPECT_EQ(c.request(R"({"cmd":"peer_get"})")["peers"].size(), 2u);
  EXPECT_TRUE(still_open(split.peer.get()));
  EXPECT_TRUE(still_open(second.peer.get()));
}

}  // namespace
}  // namespace ovpn::app
