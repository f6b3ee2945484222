// Runs the user's hooks: OpenVPN's argv splitting, script-security, fork/execve with exactly
// the built environment, and a kill after the timeout.

#include "app/script_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "config/tokenizer.h"

namespace ovpn::app {
namespace {

// OpenVPN's SCRIPT_SECURITY_WARNING.
constexpr const char* kScriptSecurityWarning =
    "WARNING: External program may not be called unless '--script-security 2' or higher is "
    "enabled. See --help text or man page for detailed info.";

// Owns a descriptor for the parent side of the run.
class OwnedFd {
 public:
  explicit OwnedFd(int fd = -1) : fd_(fd) {}
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Closes every descriptor from `from` up, except `keep`. Async-signal-safe.
void close_from(int from, int keep, long max_fd) {
#ifdef SYS_close_range
  const auto first = static_cast<unsigned>(from);
  const auto kept = static_cast<unsigned>(keep);
  bool ok = true;
  if (kept > first) ok = syscall(SYS_close_range, first, kept - 1, 0) == 0;
  if (ok && syscall(SYS_close_range, kept + 1, ~0U, 0) == 0) return;
#endif
  for (long fd = from; fd < max_fd; ++fd) {
    if (fd != keep) ::close(static_cast<int>(fd));
  }
}

// The child between fork and execve: only async-signal-safe calls. Reports a failure as its
// errno on `error_fd` and exits 127.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, const char* working_dir,
                             int error_fd, long max_fd) {
  setpgid(0, 0);  // its own group, so that a timeout kills what it started too
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  close_from(3, error_fd, max_fd);
  if (working_dir == nullptr || chdir(working_dir) == 0) execve(argv[0], argv, envp);
  const int err = errno;
  ssize_t ignored = write(error_fd, &err, sizeof err);
  (void)ignored;
  _exit(127);
}

ScriptResult result_of(int status, bool timed_out) {
  ScriptResult r;
  r.timed_out = timed_out;
  if (WIFEXITED(status)) {
    r.exited = true;
    r.exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.term_signal = WTERMSIG(status);
  }
  return r;
}

// Waits for `pid` until `timeout_ms`: its wait status, nullopt when it is still running then,
// or an error when its status is lost (a process that ignores SIGCHLD has its children reaped
// by the kernel).
Expected<std::optional<int>> wait_with_timeout(pid_t pid, uint32_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  OwnedFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return std::optional<int>(status);
    if (done < 0 && errno != EINTR) {
      return make_error(Errc::kIo, std::string("waitpid: ") + std::strerror(errno));
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::optional<int>();
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    if (pidfd.get() >= 0) {
      pollfd p{pidfd.get(), POLLIN, 0};
      poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 60000)));
    } else {  // kernel without pidfd_open: poll the child
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(left, 5)));
    }
  }
}

}  // namespace

Status check_script_security(uint32_t level, ProgramKind kind, std::string_view option) {
  const uint32_t needed =
      kind == ProgramKind::kUserScript ? kScriptSecurityScripts : kScriptSecurityBuiltIn;
  if (level >= needed) return {};
  return make_error(Errc::kInvalidArgument, std::string(kScriptSecurityWarning) + " (--" +
                                                std::string(option) + " needs --script-security " +
                                                std::to_string(needed) + ", configured " +
                                                std::to_string(level) + ")");
}

Expected<std::vector<std::string>> split_command(std::string_view command) {
  auto words = config::tokenize_line(command);
  if (!words) return forward_error(std::move(words));
  if (words->empty()) return make_error(Errc::kMalformed, "empty command");
  return words;
}

Expected<ScriptResult> run_script(const ScriptRun& run, uint32_t script_security) {
  if (Status s = check_script_security(script_security, run.kind, run.option); !s) {
    return Unexpected<Error>(s.error());
  }
  auto words = split_command(run.command);
  if (!words) {
    return make_error(words.error().code, "--" + run.option + " command: " + words.error().message);
  }
  // Everything the child needs is built before fork: it may not allocate.
  std::vector<std::string> argv_strings = std::move(*words);
  argv_strings.insert(argv_strings.end(), run.args.begin(), run.args.end());
  std::vector<std::string> env_lines = env_strings(run.env);
  const std::vector<char*> argv = c_strings(argv_strings);
  const std::vector<char*> envp = c_strings(env_lines);
  const char* working_dir = run.working_dir.empty() ? nullptr : run.working_dir.c_str();
  const long max_fd = sysconf(_SC_OPEN_MAX) > 0 ? sysconf(_SC_OPEN_MAX) : 1024;

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return make_error(Errc::kIo, std::string("pipe2: ") + std::strerror(errno));
  }
  OwnedFd error_read(pipe_fds[0]);
  OwnedFd error_write(pipe_fds[1]);
  const pid_t pid = fork();
  if (pid < 0) return make_error(Errc::kIo, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) exec_child(argv.data(), envp.data(), working_dir, error_write.get(), max_fd);
  setpgid(pid, pid);  // also from here, so that the group exists before any kill
  error_write.reset();

  int child_errno = 0;
  ssize_t got = 0;
  do {
    got = read(error_read.get(), &child_errno, sizeof child_errno);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof child_errno)) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return make_error(Errc::kIo, "--" + run.option + ": cannot run '" + argv_strings[0] +
                                     "': " + std::strerror(child_errno));
  }

  auto waited = wait_with_timeout(pid, run.timeout_ms);
  if (!waited) {
    return make_error(Errc::kIo, "--" + run.option + ": " + waited.error().message);
  }
  if (*waited) return result_of(**waited, false);
  kill(-pid, SIGKILL);
  kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return result_of(status, true);
}

}  // namespace ovpn::app
