// Argument-count checks shared by every option table (see option_handler.h).

#include "config/option_handler.h"

#include <string>

namespace ovpn::config {

Status check_arity(const Option& option, uint8_t min_args, uint8_t max_args, Inline inline_use) {
  if (option.is_inline()) {
    if (inline_use == Inline::kNo) {
      return option_error(option, "cannot be given as an inline <" + option.name + "> block");
    }
    return {};
  }
  // An option that takes a file may also take its inline block, so it needs no argument then;
  // written as a line, it needs at least its file name.
  const size_t n = option.args.size();
  if (n >= min_args && n <= max_args) return {};
  std::string expected;
  if (min_args == max_args) {
    expected = std::to_string(min_args) + (min_args == 1 ? " argument" : " arguments");
  } else {
    expected = std::to_string(min_args) + " to " + std::to_string(max_args) + " arguments";
  }
  return option_error(option, "expects " + expected + ", got " + std::to_string(n));
}

}  // namespace ovpn::config
