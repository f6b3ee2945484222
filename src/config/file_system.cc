// Real and in-memory file reading for the configuration reader (see file_system.h).

#include "config/file_system.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ovpn::config {

Expected<std::string> RealFileSystem::read_file(const std::string& path, size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return make_error(err == ENOENT ? Errc::kNotFound : Errc::kIo,
                      "cannot open " + path + ": " + std::strerror(err));
  }
  std::string content;
  char chunk[8192];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return make_error(Errc::kIo, "cannot read " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    if (content.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      return make_error(Errc::kExhausted,
                        path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    content.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

Expected<std::string> MemoryFileSystem::read_file(const std::string& path, size_t max_bytes) {
  const auto it = files_.find(path);
  if (it == files_.end()) {
    return make_error(Errc::kNotFound, "cannot open " + path + ": No such file or directory");
  }
  if (it->second.size() > max_bytes) {
    return make_error(Errc::kExhausted,
                      path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  return it->second;
}

std::string resolve_path(std::string_view base_dir, std::string_view path) {
  if (base_dir.empty() || (!path.empty() && path.front() == '/')) return std::string(path);
  std::string out(base_dir);
  if (out.back() != '/') out += '/';
  out += path;
  return out;
}

}  // namespace ovpn::config
