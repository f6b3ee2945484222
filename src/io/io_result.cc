#include "io/io_result.h"

#include <cstring>

namespace ovpn::io {
namespace {

Errc errc_of(int error) noexcept {
  switch (error) {
    case EEXIST:
      return Errc::kExists;
    case ENOENT:
    case ENODEV:
    case ESRCH:
    case EADDRNOTAVAIL:
      return Errc::kNotFound;
    case EINVAL:
      return Errc::kInvalidArgument;
    default:
      return Errc::kIo;
  }
}

}  // namespace

std::string errno_text(int error) {
  char buf[128];
  // The GNU strerror_r (g++ defines _GNU_SOURCE): returns the text, maybe not in `buf`.
  return ::strerror_r(error, buf, sizeof buf);
}

Unexpected<Error> errno_error(int error, std::string_view what, std::string_view detail) {
  std::string message(what);
  message += ": ";
  message += errno_text(error);
  if (!detail.empty()) {
    message += " (";
    message += detail;
    message += ")";
  }
  return make_error(errc_of(error), std::move(message));
}

}  // namespace ovpn::io
