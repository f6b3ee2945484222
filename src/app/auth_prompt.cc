#include "app/auth_prompt.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "io/fd.h"
#include "io/io_result.h"

namespace ovpn::app {

Expected<std::string> prompt_line(const std::string& prompt, bool echo) {
  io::Fd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (!tty.valid()) {
    return make_error(Errc::kNotFound,
                      "auth-user-pass: no terminal to ask on; give a file with the username and "
                      "password");
  }
  if (::write(tty.get(), prompt.data(), prompt.size()) < 0) return io::errno_error(errno, "tty");
  termios saved{};
  const bool restore = !echo && ::tcgetattr(tty.get(), &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(tty.get(), TCSAFLUSH, &quiet);
  }
  std::string line;
  char c = 0;
  while (line.size() < 4096) {
    const ssize_t n = ::read(tty.get(), &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    line.push_back(c);
  }
  if (restore) {
    ::tcsetattr(tty.get(), TCSAFLUSH, &saved);
    (void)!::write(tty.get(), "\n", 1);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace ovpn::app
