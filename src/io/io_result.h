#pragma once
// IoResult: what one non-blocking system call on the data path returns, a count or an errno.
//
// Unlike Expected's Error it carries no message and never allocates, so per-packet code can
// return it freely. would_block() separates "the queue is empty (or full): poll and come back"
// from real errors [ENVOY IoCallResult]. At the edges, errno_error() turns an errno into the
// Error of an Expected, with a message that names what failed.

#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ovpn::io {

class [[nodiscard]] IoResult {
 public:
  static IoResult ok(size_t count) noexcept { return IoResult(count, 0); }
  static IoResult fail(int error) noexcept { return IoResult(0, error != 0 ? error : EIO); }
  // From a system call's return value: >= 0 is a count, < 0 takes errno.
  static IoResult from_syscall(ssize_t rc) noexcept {
    return rc >= 0 ? ok(static_cast<size_t>(rc)) : fail(errno);
  }

  bool has_value() const noexcept { return error_ == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  // The count (bytes or messages); 0 on failure.
  size_t value() const noexcept { return count_; }
  // The errno; 0 on success.
  int error() const noexcept { return error_; }
  bool would_block() const noexcept { return error_ == EAGAIN || error_ == EWOULDBLOCK; }

 private:
  IoResult(size_t count, int error) noexcept : count_(count), error_(error) {}

  size_t count_;
  int error_;
};

// Thread: any. The text of an errno ("File exists"), thread-safe.
std::string errno_text(int error);

// Thread: any. "<what>: <errno text>", or "<what>: <errno text> (<detail>)", with the code
// mapped from the errno (EEXIST: kExists; ENOENT, ENODEV, ESRCH, EADDRNOTAVAIL: kNotFound;
// EINVAL: kInvalidArgument; else kIo).
Unexpected<Error> errno_error(int error, std::string_view what, std::string_view detail = {});

}  // namespace ovpn::io
