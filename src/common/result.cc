#include "common/result.h"

namespace ovpn {

const char* errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::kInvalidArgument:
      return "invalid argument";
    case Errc::kMalformed:
      return "malformed";
    case Errc::kUnsupported:
      return "unsupported";
    case Errc::kAuthFailed:
      return "authentication failed";
    case Errc::kReplay:
      return "replay";
    case Errc::kCrypto:
      return "crypto library error";
    case Errc::kIo:
      return "i/o error";
    case Errc::kNotFound:
      return "not found";
    case Errc::kExists:
      return "already exists";
    case Errc::kExhausted:
      return "exhausted";
    case Errc::kInternal:
      return "internal error";
  }
  return "unknown";
}

}  // namespace ovpn
