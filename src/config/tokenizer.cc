// OpenVPN's word splitting for configuration lines (see tokenizer.h).

#include "config/tokenizer.h"

namespace ovpn::config {
namespace {

enum class State : uint8_t { kBetweenWords, kUnquoted, kDoubleQuoted, kSingleQuoted };

constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

Expected<std::vector<std::string>> tokenize_line(std::string_view line) {
  // A NUL ends the line, as it ends OpenVPN's C string.
  if (const size_t nul = line.find('\0'); nul != std::string_view::npos) {
    line = line.substr(0, nul);
  }
  std::vector<std::string> words;
  std::string word;
  State state = State::kBetweenWords;
  bool escaped = false;

  auto finish_word = [&]() -> Status {
    if (words.size() == kMaxWords) {
      return make_error(Errc::kMalformed,
                        "too many parameters (" + std::to_string(kMaxWords) + " max)");
    }
    words.push_back(std::move(word));
    word.clear();
    state = State::kBetweenWords;
    return {};
  };

  for (const char in : line) {
    if (!escaped && in == '\\' && state != State::kSingleQuoted) {
      escaped = true;
      continue;
    }
    bool keep = false;  // whether `in` becomes part of the current word
    switch (state) {
      case State::kBetweenWords:
        if (is_space(in)) break;  // an escaped space here is dropped, as in OpenVPN
        if (in == '#' || in == ';') return words;
        if (!escaped && in == '"') {
          state = State::kDoubleQuoted;
        } else if (!escaped && in == '\'') {
          state = State::kSingleQuoted;
        } else {
          keep = true;
          state = State::kUnquoted;
        }
        break;
      case State::kUnquoted:
        if (!escaped && is_space(in)) {
          if (Status s = finish_word(); !s) return forward_error(std::move(s));
        } else {
          keep = true;
        }
        break;
      case State::kDoubleQuoted:
        if (!escaped && in == '"') {
          if (Status s = finish_word(); !s) return forward_error(std::move(s));
        } else {
          keep = true;
        }
        break;
      case State::kSingleQuoted:
        if (in == '\'') {
          if (Status s = finish_word(); !s) return forward_error(std::move(s));
        } else {
          keep = true;
        }
        break;
    }
    if (escaped && keep && !(in == '\\' || in == '"' || is_space(in))) {
      return make_error(Errc::kMalformed,
                        "bad backslash ('\\') usage: only \\\\, \\\" and \"\\ \" are escapes; "
                        "write a literal backslash as \\\\");
    }
    escaped = false;
    if (keep) {
      if (word.size() == kMaxWordBytes) {
        return make_error(Errc::kMalformed,
                          "parameter too long (" + std::to_string(kMaxWordBytes) + " bytes max)");
      }
      word += in;
    }
  }
  if (escaped) return make_error(Errc::kMalformed, "backslash at the end of the line");
  if (state == State::kDoubleQuoted)
    return make_error(Errc::kMalformed, "no closing quotation (\")");
  if (state == State::kSingleQuoted) {
    return make_error(Errc::kMalformed, "no closing single quotation (')");
  }
  if (state == State::kUnquoted) {
    if (Status s = finish_word(); !s) return forward_error(std::move(s));
  }
  return words;
}

}  // namespace ovpn::config
