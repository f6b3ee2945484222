// The management socket, served in the test's thread as the daemon's poll loop serves it: a
// unix socket in a temporary directory (mode 0600, the greeting, commands and real-time lines,
// a stale socket replaced, a live one or a file refused, at most kMaxConnections, quit, a line
// too long) and loopback TCP with a password (the prompt, a wrong password closes).

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/management_server.h"
#include "common/clock.h"
#include "io/fd.h"

namespace ovpn::app::management {
namespace {

class FakeHandler : public Handler {
 public:
  std::vector<std::string> status_lines(uint32_t version) override {
    return {"TITLE,fake " + std::to_string(version),
            "CLIENT_LIST,client1,10.77.0.2:40000,10.8.0.2,,10,20", "END"};
  }
  std::vector<ClientBytes> client_bytes() override { return {{0, in, out}}; }
  size_t kill_by_common_name(std::string_view cn) override { return cn == "client1" ? 1 : 0; }
  size_t kill_by_address(const Endpoint&, LinkProto) override { return 0; }
  size_t kill_by_client_id(uint32_t, std::string_view) override { return 0; }
  void raise_signal(int) override {}
  uint64_t in = 10;
  uint64_t out = 20;
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ovpnd-mgmt-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

io::Fd connect_unix(const std::string& path) {
  io::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

io::Fd connect_tcp(const Endpoint& to) {
  io::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_storage ss{};
  const socklen_t len = to.to_sockaddr(ss);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len), 0);
  return fd;
}

// The daemon's loop turn: poll the server's descriptors, then service them.
void turn(Server& server, int timeout_ms) {
  std::vector<pollfd> fds;
  server.add_pollfds(fds);
  ::poll(fds.data(), fds.size(), timeout_ms);
  server.service(fds, monotonic_ms());
}

// Runs the server until `fd` has received text containing `want` (or 3 s pass); returns all
// that arrived. `eof` is set when the server closed the connection.
std::string read_until(Server& server, int fd, std::string_view want, bool* eof = nullptr) {
  std::string got;
  const uint64_t end = monotonic_ms() + 3000;
  while (monotonic_ms() < end) {
    turn(server, 10);
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) {
      if (eof != nullptr) *eof = true;
      break;
    }
    if (n > 0) got.append(buf, static_cast<size_t>(n));
    if (!want.empty() && got.find(want) != std::string::npos) break;
  }
  return got;
}

std::string ask(Server& server, int fd, const std::string& line, std::string_view want) {
  const std::string bytes = line + "\n";
  EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size()));
  return read_until(server, fd, want);
}

config::ManagementOptions unix_options(const std::string& path) {
  config::ManagementOptions o;
  o.unix_socket = true;
  o.address = path;
  return o;
}

constexpr std::string_view kGreetingLine =
    ">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info\r\n";

TEST(ManagementServer, UnixSocketIsRootOnlyAndAnswers) {
  TempDir dir;
  const std::string path = dir.file("mgmt.sock");
  FakeHandler handler;
  auto server = Server::listen(unix_options(path), handler);
  ASSERT_TRUE(server) << server.error().message;
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, ::geteuid());

  io::Fd c = connect_unix(path);
  EXPECT_EQ(read_until(**server, c.get(), kGreetingLine), kGreetingLine);
  EXPECT_EQ(ask(**server, c.get(), "version", "END\r\n").find("Management Version: 5\r\nEND\r\n") !=
                std::string::npos,
            true);
  EXPECT_EQ(ask(**server, c.get(), "status 2", "END\r\n"),
            "TITLE,fake 2\r\nCLIENT_LIST,client1,10.77.0.2:40000,10.8.0.2,,10,20\r\nEND\r\n");
  EXPECT_EQ(ask(**server, c.get(), "kill client1", "\r\n"),
            "SUCCESS: common name 'client1' found, 1 client(s) killed\r\n");
  EXPECT_EQ(ask(**server, c.get(), "kill nobody", "\r\n"),
            "ERROR: common name 'nobody' not found\r\n");
  EXPECT_EQ(ask(**server, c.get(), "what", "\r\n"),
            "ERROR: unknown command, enter 'help' for more options\r\n");
  EXPECT_EQ(ask(**server, c.get(), "pid", "\r\n"),
            "SUCCESS: pid=" + std::to_string(::getpid()) + "\r\n");

  // Real time: >STATE: after "state on", >BYTECOUNT_CLI once a second after "bytecount 1".
  EXPECT_EQ(ask(**server, c.get(), "state on", "\r\n"),
            "SUCCESS: real-time state notification set to ON\r\n");
  StateEntry e;
  e.time = 1700000000;
  e.name = "CONNECTED";
  e.description = "SUCCESS";
  (*server)->set_state(e);
  EXPECT_EQ(read_until(**server, c.get(), "\r\n"), ">STATE:1700000000,CONNECTED,SUCCESS,,,,,,\r\n");
  EXPECT_EQ(ask(**server, c.get(), "state", "END\r\n"),
            "1700000000,CONNECTED,SUCCESS,,,,,,\r\nEND\r\n");
  EXPECT_EQ(ask(**server, c.get(), "bytecount 1", "\r\n"),
            "SUCCESS: bytecount interval changed\r\n");
  EXPECT_LE((*server)->next_timeout_ms(), monotonic_ms() + 1000);
  EXPECT_EQ(read_until(**server, c.get(), "\r\n"), ">BYTECOUNT_CLI:0,10,20\r\n");
  handler.in = 11;
  EXPECT_EQ(read_until(**server, c.get(), "\r\n"), ">BYTECOUNT_CLI:0,11,20\r\n");
  EXPECT_EQ(ask(**server, c.get(), "bytecount 0", "\r\n"),
            "SUCCESS: bytecount interval changed\r\n");

  // Several commands in one write are answered in order; quit closes.
  bool eof = false;
  const std::string two = "pid\nquit\npid\n";
  ASSERT_EQ(::send(c.get(), two.data(), two.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(two.size()));
  EXPECT_EQ(read_until(**server, c.get(), "", &eof),
            "SUCCESS: pid=" + std::to_string(::getpid()) + "\r\n");
  EXPECT_TRUE(eof);
  turn(**server, 0);
  EXPECT_EQ((*server)->connections(), 0u);

  server->reset();  // removes the socket
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ManagementServer, StaleSocketReplacedLiveOneAndFilesRefused) {
  TempDir dir;
  const std::string path = dir.file("mgmt.sock");
  {
    // A socket left behind by a daemon that died: bound, never unlinked.
    io::Fd stale(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    ASSERT_EQ(::bind(stale.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }
  FakeHandler handler;
  auto server = Server::listen(unix_options(path), handler);
  ASSERT_TRUE(server) << server.error().message;
  io::Fd c = connect_unix(path);
  EXPECT_EQ(read_until(**server, c.get(), kGreetingLine), kGreetingLine);

  // A second daemon on the same path: refused, and the first keeps its socket.
  auto second = Server::listen(unix_options(path), handler);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("in use"), std::string::npos) << second.error().message;
  EXPECT_TRUE(std::filesystem::exists(path));

  const std::string file = dir.file("not-a-socket");
  std::ofstream(file) << "keep me\n";
  auto on_file = Server::listen(unix_options(file), handler);
  ASSERT_FALSE(on_file);
  EXPECT_NE(on_file.error().message.find("is not a socket"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(file));
}

TEST(ManagementServer, AtMostEightConnections) {
  TempDir dir;
  const std::string path = dir.file("mgmt.sock");
  FakeHandler handler;
  auto server = Server::listen(unix_options(path), handler);
  ASSERT_TRUE(server);
  std::vector<io::Fd> open;
  for (size_t i = 0; i < kMaxConnections; ++i) {
    open.push_back(connect_unix(path));
    EXPECT_EQ(read_until(**server, open.back().get(), kGreetingLine), kGreetingLine);
  }
  io::Fd extra = connect_unix(path);
  bool eof = false;
  EXPECT_EQ(read_until(**server, extra.get(), "", &eof),
            "ERROR: too many management connections\r\n");
  EXPECT_TRUE(eof);
  EXPECT_EQ((*server)->connections(), kMaxConnections);
  // One leaves: room for another.
  open.pop_back();
  turn(**server, 10);
  turn(**server, 10);
  EXPECT_EQ((*server)->connections(), kMaxConnections - 1);
  io::Fd again = connect_unix(path);
  EXPECT_EQ(read_until(**server, again.get(), kGreetingLine), kGreetingLine);
}

TEST(ManagementServer, LineTooLongCloses) {
  TempDir dir;
  FakeHandler handler;
  auto server = Server::listen(unix_options(dir.file("m.sock")), handler);
  ASSERT_TRUE(server);
  io::Fd c = connect_unix(dir.file("m.sock"));
  read_until(**server, c.get(), kGreetingLine);
  const std::string junk(kMaxLine + 100, 'x');
  ASSERT_EQ(::send(c.get(), junk.data(), junk.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(junk.size()));
  bool eof = false;
  EXPECT_EQ(read_until(**server, c.get(), "", &eof), "ERROR: command too long\r\n");
  EXPECT_TRUE(eof);
}

TEST(ManagementServer, LoopbackTcpWithPassword) {
  config::ManagementOptions o;
  o.address = "127.0.0.1";
  o.port = 0;  // the kernel picks; where() tells
  o.password = "s3cret";
  FakeHandler handler;
  auto server = Server::listen(o, handler);
  ASSERT_TRUE(server) << server.error().message;
  const auto at = Endpoint::parse((*server)->where());
  ASSERT_TRUE(at) << (*server)->where();
  ASSERT_NE(at->port(), 0);

  // A wrong password: refused and closed, no command is served.
  io::Fd wrong = connect_tcp(*at);
  EXPECT_EQ(read_until(**server, wrong.get(), "ENTER PASSWORD:"), "ENTER PASSWORD:");
  const std::string bad = "guess\r\npid\r\n";
  ASSERT_EQ(::send(wrong.get(), bad.data(), bad.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bad.size()));
  bool eof = false;
  EXPECT_EQ(read_until(**server, wrong.get(), "", &eof), "ERROR: bad password\r\n");
  EXPECT_TRUE(eof);

  io::Fd right = connect_tcp(*at);
  EXPECT_EQ(read_until(**server, right.get(), "ENTER PASSWORD:"), "ENTER PASSWORD:");
  EXPECT_EQ(ask(**server, right.get(), "s3cret", kGreetingLine),
            "SUCCESS: password is correct\r\n" + std::string(kGreetingLine));
  EXPECT_EQ(ask(**server, right.get(), "pid", "\r\n"),
            "SUCCESS: pid=" + std::to_string(::getpid()) + "\r\n");
}

TEST(ManagementServer, TcpOnlyOnLoopbackAndWithAPassword) {
  FakeHandler handler;
  config::ManagementOptions o;
  o.address = "192.0.2.1";
  o.port = 7505;
  o.password = "x";
  auto remote = Server::listen(o, handler);
  ASSERT_FALSE(remote);
  EXPECT_NE(remote.error().message.find("not a loopback address"), std::string::npos);
  o.address = "127.0.0.1";
  o.password.clear();
  auto open = Server::listen(o, handler);
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message.find("needs a password"), std::string::npos);
}

}  // namespace
}  // namespace ovpn::app::management
