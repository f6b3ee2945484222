#include "app/client_scripts.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "app/script_runner.h"
#include "config/config_reader.h"
#include "config/file_system.h"
#include "io/io_result.h"

namespace ovpn::app {
namespace {

// A file only we can read, removed when this goes.
class TempFile {
 public:
  static Expected<TempFile> create(const std::string& tmp_dir, const char* stem,
                                   std::span<const uint8_t> contents) {
    TempFile f;
    f.path_ = (tmp_dir.empty() ? std::string("/tmp") : tmp_dir) + "/" + stem + "_XXXXXX";
    const int fd = ::mkstemp(f.path_.data());
    if (fd < 0) {
      const int e = errno;
      f.path_.clear();
      return io::errno_error(e, "temporary file", tmp_dir.empty() ? "/tmp" : tmp_dir);
    }
    const bool written = contents.empty() || ::write(fd, contents.data(), contents.size()) ==
                                                 static_cast<ssize_t>(contents.size());
    ::close(fd);
    if (!written) return make_error(Errc::kIo, "cannot write the temporary file " + f.path_);
    return f;
  }
  TempFile(TempFile&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const std::string& path() const noexcept { return path_; }

 private:
  TempFile() = default;
  std::string path_;
};

Status run_checked(ScriptRun run, const ClientScriptSettings& settings) {
  run.working_dir = settings.working_dir;
  auto result = run_script(run, settings.script_security);
  if (!result) return forward_error(std::move(result));
  if (!result->succeeded()) {
    std::string how = result->timed_out ? "timed out"
                      : result->exited ? "exited with status " + std::to_string(result->exit_status)
                                       : "killed by signal " + std::to_string(result->term_signal);
    return make_error(Errc::kAuthFailed, run.option + " command " + how);
  }
  return {};
}

}  // namespace

Status run_user_pass_verify(const std::string& command, config::AuthVerifyMethod method,
                            const ClientScriptFacts& facts, const std::string& password,
                            const ClientScriptSettings& settings) {
  ScriptRun run;
  run.option = "auth-user-pass-verify";
  run.command = command;
  run.env = build_client_script_env(ClientScript::kConnect, facts);
  for (const char* name : {"trusted_ip", "trusted_ip6", "trusted_port", "ifconfig_pool_remote_ip",
                           "ifconfig_pool_netmask", "ifconfig_pool_local_ip",
                           "ifconfig_pool_remote_ip6", "client_connect_config_file"}) {
    run.env.erase(name);
  }
  run.env["script_type"] = "user-pass-verify";
  std::optional<TempFile> file;
  if (method == config::AuthVerifyMethod::kViaEnv) {
    // script-security 3 (SSEC_PW_ENV) is what lets passwords into scripts' environments.
    if (settings.script_security >= 3) run.env["password"] = script_env_safe_value(password);
  } else {
    const std::string text = facts.username + "\n" + password + "\n";
    auto made =
        TempFile::create(settings.tmp_dir, "ovpnd_up",
                         std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    if (!made) return forward_error(std::move(made));
    file.emplace(std::move(*made));
    run.args.push_back(file->path());
  }
  if (auto st = run_checked(std::move(run), settings); !st) {
    if (st.error().code == Errc::kAuthFailed) {
      return make_error(Errc::kAuthFailed, "Auth Username/Password verification failed");
    }
    return st;
  }
  return {};
}

Expected<std::optional<config::ClientConfig>> run_client_connect(
    const std::string& command, ClientScriptFacts facts, const ClientScriptSettings& settings) {
  auto file = TempFile::create(settings.tmp_dir, "ovpnd_cc", {});
  if (!file) return forward_error(std::move(file));
  facts.connect_config_file = file->path();
  ScriptRun run;
  run.option = "client-connect";
  run.command = command;
  run.args.push_back(file->path());
  run.env = build_client_script_env(ClientScript::kConnect, facts);
  if (auto st = run_checked(std::move(run), settings); !st) return forward_error(std::move(st));
  config::RealFileSystem fs;
  auto text = fs.read_file(file->path(), config::kMaxFileBytes);
  if (!text) return forward_error(std::move(text));
  if (text->empty()) return std::optional<config::ClientConfig>();
  auto parsed = config::read_client_config(*text, "client-connect file", fs);
  if (!parsed) return forward_error(std::move(parsed));
  return std::optional<config::ClientConfig>(std::move(*parsed));
}

Status run_client_disconnect(const std::string& command, const ClientScriptFacts& facts,
                             const ClientScriptSettings& settings) {
  ScriptRun run;
  run.option = "client-disconnect";
  run.command = command;
  run.env = build_client_script_env(ClientScript::kDisconnect, facts);
  return run_checked(std::move(run), settings);
}

Status run_tls_crypt_v2_verify(const std::string& command, std::span<const uint8_t> metadata,
                               const ClientScriptSettings& settings) {
  if (metadata.empty()) return make_error(Errc::kMalformed, "tls-crypt-v2 key without metadata");
  // The file holds the metadata without its type byte, which is metadata_type.
  auto file = TempFile::create(settings.tmp_dir, "ovpnd_v2md", metadata.subspan(1));
  if (!file) return forward_error(std::move(file));
  ScriptRun run;
  run.option = "tls-crypt-v2-verify";
  run.command = command;
  run.env = build_tls_crypt_v2_verify_env(metadata[0], file->path());
  return run_checked(std::move(run), settings);
}

}  // namespace ovpn::app
