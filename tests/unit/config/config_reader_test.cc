// Reading files, inline blocks, includes, `cd` and the command line into an OptionList.

#include "config/config_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ovpn::config {
namespace {

std::string error_of(Expected<OptionList> r) {
  EXPECT_FALSE(r.has_value());
  return r ? "" : r.error().message;
}

TEST(ConfigReader, LinesWithLocations) {
  MemoryFileSystem fs;
  auto r = read_config_text("# c\n\nclient\r\n--dev tun\nremote a 1194 # x\n", "c.conf", fs);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].name, "client");
  EXPECT_EQ((*r)[0].where.to_string(), "c.conf:3");
  EXPECT_EQ((*r)[1].name, "dev");  // the leading "--" is dropped in files too
  EXPECT_EQ((*r)[1].args, std::vector<std::string>{"tun"});
  EXPECT_EQ((*r)[2].args, (std::vector<std::string>{"a", "1194"}));
  EXPECT_EQ((*r)[2].where.line, 5);
}

// Found by the fuzzer: a quoted empty word first on a line is no option name.
TEST(ConfigReader, EmptyOptionNameIsAnError) {
  MemoryFileSystem fs;
  auto r = read_config_text("client\n\"\" remote\n", "c.conf", fs);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("c.conf:2"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("empty option name"), std::string::npos);
  const std::vector<std::string> args = {"--client", "--", "x"};
  auto cl = read_command_line(args, fs);
  EXPECT_FALSE(cl);
}

TEST(ConfigReader, SkipsUtf8Bom) {
  MemoryFileSystem fs;
  auto r = read_config_text(
      "\xEF\xBB\xBF"
      "client\n",
      "c.conf", fs);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at(0).name, "client");
}

TEST(ConfigReader, InlineBlocks) {
  MemoryFileSystem fs;
  auto r = read_config_text("<ca>\r\n-----BEGIN CERTIFICATE-----\r\nAAAA\r\n  </ca>\nverb 3\n",
                            "c.conf", fs);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(r->at(0).name, "ca");
  ASSERT_TRUE(r->at(0).is_inline());
  EXPECT_EQ(*r->at(0).inline_body, "-----BEGIN CERTIFICATE-----\nAAAA\n");
  EXPECT_EQ(r->at(0).where.line, 1);
  EXPECT_EQ(r->at(1).where.line, 5);
}

TEST(ConfigReader, MissingEndTag) {
  MemoryFileSystem fs;
  EXPECT_EQ(error_of(read_config_text("client\n<key>\nxxx\n</ca>\n", "c.conf", fs)),
            "c.conf:2: <key> has no end tag </key>");
}

TEST(ConfigReader, ConnectionBlocksAreParsed) {
  MemoryFileSystem fs;
  auto r = read_config_text(
      "client\n<connection>\nremote a 1194\nproto tcp\n</connection>\nverb 1\n", "c.conf", fs);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  const Option& block = r->at(1);
  EXPECT_EQ(block.name, "connection");
  ASSERT_EQ(block.children.size(), 2u);
  EXPECT_EQ(block.children[1].name, "proto");
  EXPECT_EQ(block.children[1].where.to_string(), "c.conf:4");
  EXPECT_EQ(error_of(read_config_text("<connection>\nconfig x\n</connection>\n", "c.conf", fs)),
            "c.conf:2: config: not allowed in a <connection> block");
}

TEST(ConfigReader, LongLinesAreErrors) {
  MemoryFileSystem fs;
  EXPECT_TRUE(read_config_text("verb " + std::string(249, '1') + "\n", "c.conf", fs));
  EXPECT_EQ(error_of(read_config_text("verb " + std::string(250, '1') + "\n", "c.conf", fs)),
            "c.conf:1: maximum option line length (255 bytes) exceeded");
}

TEST(ConfigReader, SyntaxErrorsNameTheLine) {
  MemoryFileSystem fs;
  EXPECT_EQ(error_of(read_config_text("client\nremote \"a\n", "c.conf", fs)),
            "c.conf:2: no closing quotation (\")");
}

TEST(ConfigReader, IncludesAndCd) {
  MemoryFileSystem fs;
  fs.add("main.conf", "client\ncd /etc/openvpn\nconfig common.conf\nverb 4\n");
  fs.add("/etc/openvpn/common.conf", "ca ca.crt\nconfig /abs.conf\n");
  fs.add("/abs.conf", "verb 3\n");
  auto r = read_config_file("main.conf", fs);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 5u);  // client, cd, ca, verb 3, verb 4
  EXPECT_EQ(r->at(2).name, "ca");
  EXPECT_EQ(r->at(2).where.to_string(), "/etc/openvpn/common.conf:1");
  EXPECT_EQ(r->at(2).base_dir, "/etc/openvpn");  // ca.crt is /etc/openvpn/ca.crt
  EXPECT_EQ(r->at(3).where.file, "/abs.conf");
  EXPECT_EQ(r->at(4).args, std::vector<std::string>{"4"});
}

TEST(ConfigReader, IncludeLoopsAndDepth) {
  MemoryFileSystem fs;
  fs.add("a.conf", "config b.conf\n");
  fs.add("b.conf", "config a.conf\n");
  EXPECT_EQ(error_of(read_config_file("a.conf", fs)),
            "b.conf:1: config: a.conf includes itself (directly or through other config files)");
  for (int i = 0; i < 12; ++i) {
    fs.add("d" + std::to_string(i) + ".conf", "config d" + std::to_string(i + 1) + ".conf\n");
  }
  fs.add("d12.conf", "verb 1\n");
  EXPECT_NE(error_of(read_config_file("d0.conf", fs)).find("more than 10 nested config files"),
            std::string::npos);
  EXPECT_NE(error_of(read_config_file("missing.conf", fs)).find("cannot read configuration file"),
            std::string::npos);
}

TEST(ConfigReader, CommandLineInOrderWithConfigInline) {
  MemoryFileSystem fs;
  fs.add("client.conf", "verb 3\nproto udp\n");
  const std::vector<std::string> args = {"--verb",      "1",        "--config",
                                         "client.conf", "--proto",  "tcp-client",
                                         "--route",     "10.0.0.0", "255.0.0.0"};
  auto r = read_command_line(args, fs);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ(r->at(0).where.to_string(), "command line");
  EXPECT_EQ(r->at(1).where.to_string(), "client.conf:1");
  EXPECT_EQ(r->at(4).args, (std::vector<std::string>{"10.0.0.0", "255.0.0.0"}));
}

TEST(ConfigReader, CommandLineSingleFileAndErrors) {
  MemoryFileSystem fs;
  fs.add("client.conf", "verb 3\n");
  const std::vector<std::string> one = {"client.conf"};
  auto r = read_command_line(one, fs);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at(0).name, "verb");
  const std::vector<std::string> bad = {"--verb", "1", "oops", "--x"};
  auto b = read_command_line(std::span<const std::string>(bad).subspan(2), fs);
  EXPECT_EQ(error_of(std::move(b)),
            "command line: I'm trying to parse \"oops\" as an --option parameter but I don't "
            "see a leading '--'");
}

}  // namespace
}  // namespace ovpn::config
