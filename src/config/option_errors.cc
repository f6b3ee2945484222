// Formatting of option errors and warnings (see option_errors.h).

#include "config/option_errors.h"

namespace ovpn::config {

std::string SourceLocation::to_string() const {
  if (file.empty()) return "command line";
  return file + ":" + std::to_string(line);
}

std::string describe(const Option& option, std::string_view what) {
  std::string out = option.where.to_string();
  out += ": ";
  out += option.name;
  out += ": ";
  out += what;
  return out;
}

Unexpected<Error> option_error(const Option& option, std::string_view what) {
  return make_error(Errc::kInvalidArgument, describe(option, what));
}

Unexpected<Error> option_unsupported(const Option& option, std::string_view what) {
  return make_error(Errc::kUnsupported, describe(option, what));
}

Unexpected<Error> syntax_error(const SourceLocation& where, std::string_view what) {
  std::string out = where.to_string();
  out += ": ";
  out += what;
  return make_error(Errc::kMalformed, std::move(out));
}

std::string quoted(std::string_view value) {
  constexpr size_t kMaxShown = 64;
  std::string out = "\"";
  for (size_t i = 0; i < value.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (value.size() > kMaxShown) out += "...";
  out += '"';
  return out;
}

}  // namespace ovpn::config
