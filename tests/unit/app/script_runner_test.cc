// Running the user's hooks: the command splitter, a real script (written to a temporary
// directory) that dumps its arguments and environment, exit status, timeout kill, descriptors
// not leaked, exec failures and script-security refusals.

#include "app/script_runner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace ovpn::app {
namespace {

namespace fs = std::filesystem;

class ScriptRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ovpn_script_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_script(const std::string& name, const std::string& body) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0755);
    return path.string();
  }
  std::string read(const std::string& name) {
    std::ifstream in(dir_ / name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path dir_;
};

TEST(SplitCommand, QuotesAndEscapesAsOpenVpn) {
  auto words = split_command(R"(/etc/openvpn/up.sh 'a b' "c \"d\"" e\ f)");
  ASSERT_TRUE(words) << words.error().message;
  EXPECT_EQ(*words, (std::vector<std::string>{"/etc/openvpn/up.sh", "a b", "c \"d\"", "e f"}));
  EXPECT_FALSE(split_command(""));
  EXPECT_FALSE(split_command("   "));
  EXPECT_FALSE(split_command("\"unterminated"));
  EXPECT_FALSE(split_command(R"(bad\q)"));
}

TEST(ScriptSecurity, LevelsAsOpenVpn) {
  EXPECT_FALSE(check_script_security(0, ProgramKind::kBuiltIn, "route"));
  EXPECT_TRUE(check_script_security(1, ProgramKind::kBuiltIn, "route"));
  EXPECT_TRUE(check_script_security(2, ProgramKind::kUserScript, "up"));
  EXPECT_TRUE(check_script_security(3, ProgramKind::kUserScript, "up"));
  const Status refused = check_script_security(1, ProgramKind::kUserScript, "up");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("WARNING: External program may not be called unless "
                                         "'--script-security 2' or higher is enabled."),
            std::string::npos);
  EXPECT_NE(refused.error().message.find("--up needs --script-security 2, configured 1"),
            std::string::npos);
}

TEST_F(ScriptRunnerTest, RunsWithExactlyTheEnvironmentAndArguments) {
  setenv("OVPN_TEST_LEAK", "should-not-be-seen", 1);
  const std::string script =
      write_script("dump.sh",
                   "out=\"$(dirname \"$0\")/out.txt\"\n"
                   "for a in \"$@\"; do echo \"ARG=[$a]\"; done > \"$out\"\n"
                   "env | grep -v '^PWD=' | grep -v '^SHLVL=' | grep -v '^_=' | sort >> \"$out\"\n"
                   "ls /proc/self/fd | sort -n | tr '\\n' ' ' >> \"$out\"\n");
  ScriptRun run;
  run.option = "up";
  run.command = "'" + script + "' 'x y'";
  run.args = {"tun0", "1500", "0", "10.8.0.2", "255.255.255.0", "init"};
  run.env = {
      {"dev", "tun0"}, {"script_type", "up"}, {"foreign_option_1", "dhcp-option DNS 1.1.1.1"}};
  const int extra_fd = open("/dev/null", O_RDONLY);  // not CLOEXEC: must still not leak
  auto result = run_script(run, kScriptSecurityScripts);
  close(extra_fd);
  unsetenv("OVPN_TEST_LEAK");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->succeeded());
  EXPECT_EQ(read("out.txt"),
            "ARG=[x y]\nARG=[tun0]\nARG=[1500]\nARG=[0]\nARG=[10.8.0.2]\nARG=[255.255.255.0]\n"
            "ARG=[init]\n"
            "dev=tun0\nforeign_option_1=dhcp-option DNS 1.1.1.1\nscript_type=up\n"
            "0 1 2 3 ");  // 3: the directory ls itself reads
}

TEST_F(ScriptRunnerTest, WorkingDirectoryAndRelativeCommand) {
  write_script("rel.sh", "pwd > out.txt\n");
  ScriptRun run;
  run.option = "route-up";
  run.command = "./rel.sh";
  run.working_dir = dir_.string();
  auto result = run_script(run, kScriptSecurityScripts);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->succeeded());
  EXPECT_EQ(read("out.txt"), fs::canonical(dir_).string() + "\n");
}

TEST_F(ScriptRunnerTest, NonZeroExitIsAResultNotAnError) {
  ScriptRun run;
  run.option = "down";
  run.command = write_script("fail.sh", "exit 3\n");
  auto result = run_script(run, kScriptSecurityScripts);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->exited);
  EXPECT_EQ(result->exit_status, 3);
  EXPECT_FALSE(result->succeeded());
  EXPECT_FALSE(result->timed_out);
}

TEST_F(ScriptRunnerTest, TimeoutKillsTheScriptAndWhatItStarted) {
  ScriptRun run;
  run.option = "up";
  // The background sleep holds the marker's writer; it is in the script's process group.
  run.command = write_script("slow.sh",
                             "sleep 30 &\necho $! > \"$(dirname \"$0\")/child\"\n"
                             "sleep 30\n");
  run.timeout_ms = 300;
  const auto start = std::chrono::steady_clock::now();
  auto result = run_script(run, kScriptSecurityScripts);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->timed_out);
  EXPECT_FALSE(result->exited);
  EXPECT_EQ(result->term_signal, SIGKILL);
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  const pid_t child = std::stoi(read("child"));
  // The background sleep got SIGKILL too (it may linger as a zombie of init for a moment).
  for (int i = 0; i < 100 && kill(child, 0) == 0; ++i) {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string pid, comm, state;
    stat >> pid >> comm >> state;
    if (state == "Z" || !stat) break;
    usleep(10000);
  }
  std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
  std::string pid, comm, state;
  if (stat >> pid >> comm >> state) {
    EXPECT_EQ(state, "Z");
  }
}

TEST_F(ScriptRunnerTest, ProgramThatCannotStartIsAnError) {
  ScriptRun run;
  run.option = "up";
  run.command = (dir_ / "missing.sh").string();
  auto result = run_script(run, kScriptSecurityScripts);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kIo);
  EXPECT_NE(result.error().message.find("No such file or directory"), std::string::npos);

  const std::string not_executable = (dir_ / "plain.txt").string();
  std::ofstream(not_executable) << "echo hi\n";
  run.command = not_executable;
  result = run_script(run, kScriptSecurityScripts);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("Permission denied"), std::string::npos);
}

TEST_F(ScriptRunnerTest, ScriptSecurityRefusesBeforeRunning) {
  const std::string script = write_script("touch.sh", "touch \"$(dirname \"$0\")/ran\"\n");
  ScriptRun run;
  run.option = "up";
  run.command = script;
  for (uint32_t level : {0u, 1u}) {
    auto result = run_script(run, level);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, Errc::kInvalidArgument);
    EXPECT_NE(result.error().message.find("--script-security 2"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(dir_ / "ran"));
  run.kind = ProgramKind::kBuiltIn;
  EXPECT_FALSE(run_script(run, 0));
  auto built_in = run_script(run, 1);
  ASSERT_TRUE(built_in) << built_in.error().message;
  EXPECT_TRUE(fs::exists(dir_ / "ran"));
}

TEST_F(ScriptRunnerTest, MalformedCommandIsAnError) {
  ScriptRun run;
  run.option = "up";
  run.command = "'unterminated";
  auto result = run_script(run, kScriptSecurityScripts);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kMalformed);
  EXPECT_NE(result.error().message.find("--up command"), std::string::npos);
}

}  // namespace
}  // namespace ovpn::app
