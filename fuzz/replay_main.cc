// ovpn_fuzz_replay: runs every fuzz target over its seed corpus, fuzz/corpus/<target>/, in any
// build (no libFuzzer needed). Each file is run as is, truncated (to n - 1, n / 2 and 0 bytes),
// and with one bit flipped, so that the failure paths behind each check are replayed as well.
//
//   ovpn_fuzz_replay [gtest flags] [corpus dir]     (default: the source tree's fuzz/corpus)
//
// A failed FUZZ_CHECK traps, after naming the corpus file. The test also fails when a corpus
// directory has no target or a target no corpus, or when the seeds no longer reach the events a
// target marks with FUZZ_REACHED (e.g. the fixed keys and the corpus disagree).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace ovpn::fuzz {
namespace {

struct Target {
  std::string name;
  OneInput fn;
};

std::vector<Target>& targets() {
  static std::vector<Target> t;
  return t;
}

std::map<std::string, size_t>& reached() {
  static std::map<std::string, size_t> r;
  return r;
}

// Events the unmodified seeds must reach: proof that the fixed keys match the corpus.
constexpr const char* kExpectedEvents[] = {
    "ccd_parse/built",
    "ccd_parse/push_list",
    "config_parse/built",
    "client_session/plain_started",
    "client_session/restart",
    "client_session/tls_crypt_started",
    "control_request/ok",
    "control_channel/plain_delivered",
    "control_channel/tls_crypt_delivered",
    "control_message/known",
    "control_message/push_reply",
    "control_packet/body",
    "control_packet/plain_unwrapped",
    "control_packet/wkc",
    "data_v2/opened",
    "key_method2_parse/client",
    "key_method2_parse/server",
    "key_state/failed",
    "key_state/plain_started",
    "key_state/tls_crypt_started",
    "net_plan/plan",
    "pool_persist/entries",
    "push_options/push_reply",
    "replay_window/accepted",
    "replay_window/expired",
    "script_env/applied",
    "server_config/built",
    "server_session/after_cookie",
    "server_session/ended",
    "server_session/stateful",
    "server_config/pushed",
    "stateless_reset/bad_cookie",
    "stateless_reset/created",
    "stateless_reset/created_tls_crypt_v2",
    "stateless_reset/reply_early_negotiation",
    "stateless_reset/reply_plain",
    "stateless_reset/reply_tls_auth",
    "stateless_reset/reply_tls_crypt",
    "stateless_reset/stateful",
    "static_key_parse/client_key",
    "static_key_parse/server_key",
    "static_key_parse/static_key",
    "tcp_handshake/handover",
    "tcp_handshake/packet",
    "tcp_offload/merged",
    "tcp_stream/packet",
    "tls_auth_verify/client_sha1",
    "tls_auth_verify/client_sha256",
    "tls_auth_verify/nodir_sha1",
    "tls_auth_verify/server_sha1",
    "tls_auth_verify/server_sha256",
    "tls_crypt_unwrap/client",
    "tls_crypt_unwrap/server",
    "tls_crypt_v2_unwrap/kc_client",
    "tls_crypt_v2_unwrap/kc_server",
    "tls_crypt_v2_unwrap/wkc_server",
    "tls_crypt_v2_unwrap/wkc_unwrapped",
    "udp_offload/merged",
    "udp_offload/split",
};

std::filesystem::path g_corpus_dir = OVPN_FUZZ_CORPUS_DIR;

std::vector<std::filesystem::path> corpus_files(const std::string& target) {
  std::vector<std::filesystem::path> files;
  const auto dir = g_corpus_dir / target;
  if (!std::filesystem::is_directory(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs `fn` on `bytes` (copied into a buffer of exactly their size, so that ASan sees overruns).
void run_one(OneInput fn, const std::vector<uint8_t>& bytes, const std::string& label) {
  const std::vector<uint8_t> copy(bytes);
  g_current_input = label.c_str();
  EXPECT_EQ(fn(copy.empty() ? nullptr : copy.data(), copy.size()), 0) << label;
  g_current_input = nullptr;
}

class ReplayTest : public testing::Test {
 public:
  explicit ReplayTest(Target target) : target_(std::move(target)) {}

  void TestBody() override {
    const auto files = corpus_files(target_.name);
    ASSERT_FALSE(files.empty()) << "no corpus in " << (g_corpus_dir / target_.name);
    // The seeds as they are first, so that the events they reach are counted on their own.
    for (const auto& path : files) run_one(target_.fn, read_bytes(path), path.string());
    for (const auto& path : files) {
      const auto bytes = read_bytes(path);
      const size_t n = bytes.size();
      const std::string name = path.string();
      if (n > 0) {
        run_one(target_.fn, {bytes.begin(), bytes.end() - 1}, name + " [n-1]");
        auto flipped = bytes;
        flipped[n / 2] = static_cast<uint8_t>(flipped[n / 2] ^ 0x10);
        run_one(target_.fn, flipped, name + " [bit flip]");
      }
      run_one(target_.fn, {bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n / 2)},
              name + " [n/2]");
    }
    run_one(target_.fn, {}, target_.name + " [empty]");
  }

 private:
  Target target_;
};

TEST(FuzzCorpus, EveryCorpusDirectoryHasATarget) {
  ASSERT_TRUE(std::filesystem::is_directory(g_corpus_dir)) << g_corpus_dir;
  for (const auto& entry : std::filesystem::directory_iterator(g_corpus_dir)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    const bool known = std::any_of(targets().begin(), targets().end(),
                                   [&](const Target& t) { return t.name == name; });
    EXPECT_TRUE(known) << "corpus directory without a fuzz target: " << entry.path();
  }
}

// Replays the unmodified seeds of every target and checks the events they reach.
class ExpectedEventsTest : public testing::Test {
 public:
  void TestBody() override {
    reached().clear();
    for (const Target& target : targets()) {
      for (const auto& path : corpus_files(target.name)) {
        run_one(target.fn, read_bytes(path), path.string());
      }
    }
    for (const char* event : kExpectedEvents) {
      EXPECT_GT(reached()[event], 0u) << "no seed reached " << event;
    }
    for (const auto& [event, count] : reached()) {
      std::printf("  %-40s %zu\n", event.c_str(), count);
    }
  }
};

}  // namespace

bool register_target(const char* name, OneInput fn) {
  targets().push_back(Target{name, fn});
  return true;
}

void note_reached(const char* event) { ++reached()[event]; }

}  // namespace ovpn::fuzz

int main(int argc, char** argv) {
  using ovpn::fuzz::Target;
  testing::InitGoogleTest(&argc, argv);
  if (argc > 1) ovpn::fuzz::g_corpus_dir = argv[1];
  auto& targets = ovpn::fuzz::targets();
  std::sort(targets.begin(), targets.end(),
            [](const Target& a, const Target& b) { return a.name < b.name; });
  for (const Target& target : targets) {
    testing::RegisterTest(
        "FuzzCorpus", target.name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
        [target]() -> testing::Test* { return new ovpn::fuzz::ReplayTest(target); });
  }
  testing::RegisterTest("FuzzCorpus", "SeedsReachExpectedEvents", nullptr, nullptr, __FILE__,
                        __LINE__,
                        []() -> testing::Test* { return new ovpn::fuzz::ExpectedEventsTest(); });
  return RUN_ALL_TESTS();
}
