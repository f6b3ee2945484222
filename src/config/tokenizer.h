#pragma once
// Splits one configuration line into words, with OpenVPN's quoting rules (its parse_line()).
//
//   * Words are separated by whitespace. A word that starts with '#' or ';' starts a comment
//     that runs to the end of the line ("remote a 1194 # x" has three words; "a#b" is a word).
//   * "double quotes" group a word; inside them \" is a quote, \\ a backslash, "\ " a space.
//   * 'single quotes' group a word and take everything literally (no escapes at all).
//   * Outside quotes a backslash escapes the next character, which must be a backslash, a
//     double quote or whitespace ("a\ b" is one word); any other escape is an error, as in
//     OpenVPN ("Bad backslash ('\') usage").
//   * A closing quote ends the word ("a"b is two words); a missing one is an error.
//
// Differences from OpenVPN, on purpose: a backslash as the last character of a line is an
// error (OpenVPN escapes the line end into the word), and more than kMaxWords words is an
// error (OpenVPN silently drops the extra ones). A NUL byte ends the line, as in C.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ovpn::config {

// OpenVPN's limits: OPTION_PARM_SIZE and MAX_PARMS.
inline constexpr size_t kMaxWordBytes = 256;
inline constexpr size_t kMaxWords = 16;

// The words of `line` (which has no line end, or one that counts as whitespace). Blank and
// comment-only lines give no words. Errors are Errc::kMalformed with a message that does not
// say where the line is (the caller adds that).
// Thread: any (pure).
Expected<std::vector<std::string>> tokenize_line(std::string_view line);

}  // namespace ovpn::config
