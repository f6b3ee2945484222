// The client's status as OpenVPN 2.6 writes it (--status, SIGUSR2): the lines and their
// counters, and the file replaced atomically. Also the daemon log's verb -> level mapping (the
// sink itself is process-global and not installed here).

#include "app/client_status.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "app/daemon_log.h"

namespace ovpn::app {
namespace {

ClientStatus sample() {
  ClientStatus s;
  s.connected = true;
  s.remote = "10.0.0.1:1194";
  s.stats.vpn_tx = {1000, 10};  // read from tun, sent
  s.stats.vpn_rx = {2000, 20};  // received, written to tun
  s.stats.link_rx = {3000, 30};
  s.stats.link_tx = {4000, 40};
  s.stats.drops[static_cast<size_t>(Drop::kReplay)] = 2;
  s.stats.drops[static_cast<size_t>(Drop::kBadTag)] = 3;
  return s;
}

TEST(ClientStatusTest, LinesAsOpenVpnWritesThem) {
  const auto lines = status_lines(sample());
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_EQ(lines[0], "OpenVPN STATISTICS");
  // 2.6's time_string(): local time, "%Y-%m-%d %H:%M:%S".
  EXPECT_TRUE(std::regex_match(lines[1], std::regex(R"(Updated,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")))
      << lines[1];
  EXPECT_EQ(lines[2], "TUN/TAP read bytes,1000");   // vpn_tx
  EXPECT_EQ(lines[3], "TUN/TAP write bytes,2000");  // vpn_rx
  EXPECT_EQ(lines[4], "TCP/UDP read bytes,3000");
  EXPECT_EQ(lines[5], "TCP/UDP write bytes,4000");
  EXPECT_EQ(lines[6], "Auth read bytes,3000");
  EXPECT_EQ(lines[7], "Dropped packets,5");
  EXPECT_EQ(lines[8], "Connected,1,10.0.0.1:1194");
  EXPECT_EQ(lines.back(), "END");
}

TEST(ClientStatusTest, NotConnected) {
  const auto lines = status_lines(ClientStatus{});
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_EQ(lines[2], "TUN/TAP read bytes,0");
  EXPECT_EQ(lines[5], "TCP/UDP write bytes,0");
  EXPECT_EQ(lines[7], "Dropped packets,0");
  EXPECT_EQ(lines[8], "Connected,0");
  EXPECT_EQ(lines.back(), "END");
}

TEST(ClientStatusTest, LargeCountersAreWrittenWhole) {
  ClientStatus s;
  s.stats.link_tx.bytes = UINT64_MAX;
  EXPECT_EQ(status_lines(s)[5], "TCP/UDP write bytes,18446744073709551615");
}

class StatusFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ovpn-status-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::filesystem::path dir_;
};

TEST_F(StatusFileTest, WritesTheLinesOnePerLine) {
  const auto path = dir_ / "status";
  ASSERT_TRUE(write_status_file(path.string(), sample()));
  std::istringstream text(read(path));
  std::vector<std::string> lines;
  for (std::string line; std::getline(text, line);) lines.push_back(line);
  const auto expected = status_lines(sample());
  ASSERT_EQ(lines.size(), expected.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i == 1) continue;  // the clock may have ticked
    EXPECT_EQ(lines[i], expected[i]);
  }
  EXPECT_EQ(read(path).back(), '\n');
  // Nothing else is left in the directory.
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST_F(StatusFileTest, ReplacesTheFileByRenaming) {
  const auto path = dir_ / "status";
  { std::ofstream(path) << "an older and much longer status file\n" << std::string(500, 'x'); }
  // A reader that has the old file open keeps reading the old file: it was replaced, not
  // rewritten in place.
  std::ifstream reader(path);
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);

  ASSERT_TRUE(write_status_file(path.string(), ClientStatus{}));
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);
  const std::string now = read(path);
  EXPECT_TRUE(now.starts_with("OpenVPN STATISTICS\n")) << now;
  EXPECT_TRUE(now.ends_with("END\n")) << now;
  std::string old_first;
  std::getline(reader, old_first);
  EXPECT_EQ(old_first, "an older and much longer status file");
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
}

TEST_F(StatusFileTest, ErrorsNameThePath) {
  const auto path = dir_ / "missing" / "status";
  const Status st = write_status_file(path.string(), sample());
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find(path.string()), std::string::npos) << st.error().message;
}

TEST(DaemonLogTest, LevelForVerb) {
  EXPECT_EQ(level_for_verb(0), LogLevel::kError);
  for (uint32_t verb : {1u, 2u, 3u}) EXPECT_EQ(level_for_verb(verb), LogLevel::kInfo) << verb;
  EXPECT_EQ(level_for_verb(4), LogLevel::kDebug);
  for (uint32_t verb : {5u, 7u, 11u, UINT32_MAX}) {
    EXPECT_EQ(level_for_verb(verb), LogLevel::kTrace) << verb;
  }
}

}  // namespace
}  // namespace ovpn::app
