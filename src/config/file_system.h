#pragma once
// The file-reading seam of the configuration reader: configuration files, `config` includes and
// the files that options name (ca, cert, key, tls-auth, auth-user-pass ...) are all read through
// a FileSystem, so that tests inject files and the parser itself does no I/O of its own.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ovpn::config {

// The largest file the reader accepts: a configuration file with inline PEM blocks, or a
// certificate chain. Anything larger is an error, not a truncation.
inline constexpr size_t kMaxFileBytes = 1024 * 1024;

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // The whole content of `path`. Errors: Errc::kNotFound, Errc::kIo, and Errc::kExhausted when
  // the file is larger than `max_bytes`.
  virtual Expected<std::string> read_file(const std::string& path, size_t max_bytes) = 0;
};

// Reads real files with the process's current directory as the base of relative paths.
// Thread: any (no shared state).
class RealFileSystem final : public FileSystem {
 public:
  Expected<std::string> read_file(const std::string& path, size_t max_bytes) override;
};

// Files held in memory, by exact path (after resolve_path). For tests and fuzzing.
class MemoryFileSystem final : public FileSystem {
 public:
  void add(std::string path, std::string content) { files_[std::move(path)] = std::move(content); }
  Expected<std::string> read_file(const std::string& path, size_t max_bytes) override;

 private:
  std::map<std::string, std::string> files_;
};

// `path` as seen from `base_dir` (the directory of the last `cd`, "" for the process's own):
// absolute paths and an empty base stay as they are, others become "base_dir/path".
std::string resolve_path(std::string_view base_dir, std::string_view path);

}  // namespace ovpn::config
