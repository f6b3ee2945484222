// Reading configuration files, includes, inline blocks and the command line (see
// config_reader.h).

#include "config/config_reader.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "config/option_errors.h"
#include "config/tokenizer.h"

namespace ovpn::config {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Hands out the lines of a text one by one, without their "\n" or "\r\n".
class LineCursor {
 public:
  LineCursor(std::string_view text, int first_line) : text_(text), line_(first_line - 1) {}

  std::optional<std::string_view> next() {
    if (pos_ >= text_.size()) return std::nullopt;
    size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    std::string_view line = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    ++line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }
  int line() const { return line_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int line_;
};

enum class Context : uint8_t { kFile, kConnectionBlock };

bool starts_with_dashes(std::string_view word) {
  return word.size() >= 2 && word.substr(0, 2) == "--";
}

// "<name>" alone on a line opens an inline block; returns the name.
std::optional<std::string> inline_open_tag(const std::vector<std::string>& words) {
  if (words.size() != 1) return std::nullopt;
  const std::string& w = words[0];
  if (w.size() < 3 || w.front() != '<' || w.back() != '>' || w[1] == '/') return std::nullopt;
  return w.substr(1, w.size() - 2);
}

class Reader {
 public:
  explicit Reader(FileSystem& fs) : fs_(fs) {}

  Status read_file(const std::string& path, const SourceLocation* included_from) {
    const std::string resolved = resolve_path(base_dir_, path);
    if (std::find(stack_.begin(), stack_.end(), resolved) != stack_.end()) {
      return include_error(included_from, resolved +
                                              " includes itself (directly or through "
                                              "other config files)");
    }
    if (stack_.size() >= static_cast<size_t>(kMaxIncludeDepth)) {
      return include_error(included_from, "more than " + std::to_string(kMaxIncludeDepth) +
                                              " nested config files, at " + resolved);
    }
    auto text = fs_.read_file(resolved, kMaxFileBytes);
    if (!text) {
      return include_error(included_from,
                           "cannot read configuration file: " + text.error().message);
    }
    stack_.push_back(resolved);
    Status s = read_text(*text, resolved);
    stack_.pop_back();
    return s;
  }

  Status read_text(std::string_view text, const std::string& name) {
    total_bytes_ += text.size();
    if (total_bytes_ > kMaxTotalBytes) {
      return make_error(Errc::kExhausted, name + ": more than " + std::to_string(kMaxTotalBytes) +
                                              " bytes of configuration in all");
    }
    if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
    return read_lines(text, name, 1, Context::kFile, out_);
  }

  Status read_command_line(std::span<const std::string> args) {
    if (args.size() == 1 && !starts_with_dashes(args[0])) return read_file(args[0], nullptr);
    size_t i = 0;
    while (i < args.size()) {
      if (!starts_with_dashes(args[i])) {
        return make_error(Errc::kInvalidArgument,
                          "command line: I'm trying to parse " + quoted(args[i]) +
                              " as an --option parameter but I don't see a leading '--'");
      }
      Option option;
      option.name = args[i].substr(2);
      if (option.name.empty()) {
        return make_error(Errc::kInvalidArgument, "command line: \"--\" is not an option");
      }
      for (++i; i < args.size() && !starts_with_dashes(args[i]); ++i) {
        if (option.args.size() + 1 == kMaxWords) {
          return option_error(option,
                              "too many parameters (" + std::to_string(kMaxWords) + " max)");
        }
        option.args.push_back(args[i]);
      }
      if (Status s = add(std::move(option), Context::kFile, out_); !s) return s;
    }
    return {};
  }

  OptionList take() { return std::move(out_); }

 private:
  Unexpected<Error> include_error(const SourceLocation* from, const std::string& what) {
    if (from == nullptr) return make_error(Errc::kInvalidArgument, what);
    return make_error(Errc::kInvalidArgument, from->to_string() + ": config: " + what);
  }

  Status read_lines(std::string_view text, const std::string& name, int first_line, Context context,
                    OptionList& dest) {
    LineCursor lines(text, first_line);
    while (const auto line = lines.next()) {
      const SourceLocation where{name, lines.line(), context == Context::kConnectionBlock};
      if (line->size() >= kMaxLineBytes) {
        return syntax_error(where, "maximum option line length (" + std::to_string(kMaxLineBytes) +
                                       " bytes) exceeded");
      }
      auto words = tokenize_line(*line);
      if (!words) return syntax_error(where, words.error().message);
      if (words->empty()) continue;
      Option option;
      option.where = where;
      if (const auto tag = inline_open_tag(*words)) {
        option.name = *tag;
        auto body = read_inline_body(lines, *tag, where);
        if (!body) return forward_error(std::move(body));
        option.inline_body = std::move(*body);
      } else {
        option.name = std::move(words->front());
        if (starts_with_dashes(option.name) && option.name.size() >= 3) option.name.erase(0, 2);
        option.args.assign(std::make_move_iterator(words->begin() + 1),
                           std::make_move_iterator(words->end()));
        // A quoted empty word ("" or '') first on the line: no option has that name.
        if (option.name.empty()) return syntax_error(where, "empty option name");
      }
      if (Status s = add(std::move(option), context, dest); !s) return s;
    }
    return {};
  }

  Expected<std::string> read_inline_body(LineCursor& lines, const std::string& tag,
                                         const SourceLocation& opened_at) {
    const std::string close_tag = "</" + tag + ">";
    std::string body;
    while (const auto line = lines.next()) {
      const size_t start = line->find_first_not_of(" \t\v\f\r");
      if (start != std::string_view::npos && line->substr(start, close_tag.size()) == close_tag) {
        return body;
      }
      body += *line;
      body += '\n';
    }
    return syntax_error(opened_at, "<" + tag + "> has no end tag " + close_tag);
  }

  Status add(Option option, Context context, OptionList& dest) {
    if (++option_count_ > kMaxOptions) {
      return option_error(option, "more than " + std::to_string(kMaxOptions) + " options");
    }
    option.base_dir = base_dir_;
    const bool in_block = context == Context::kConnectionBlock;
    if (option.name == "config" || option.name == "cd") {
      if (in_block) return option_error(option, "not allowed in a <connection> block");
      if (option.is_inline() || option.args.size() != 1) {
        return option_error(option, "expects exactly one argument, a " +
                                        std::string(option.name == "cd" ? "directory" : "file"));
      }
      if (option.name == "cd") {
        base_dir_ = resolve_path(base_dir_, option.args[0]);
        dest.push_back(std::move(option));
        return {};
      }
      return read_file(option.args[0], &option.where);
    }
    if (option.name == "connection" && option.is_inline()) {
      if (in_block) return option_error(option, "<connection> blocks cannot be nested");
      const std::string body = *option.inline_body;
      if (Status s = read_lines(body, option.where.file, option.where.line + 1,
                                Context::kConnectionBlock, option.children);
          !s) {
        return s;
      }
    }
    dest.push_back(std::move(option));
    return {};
  }

  FileSystem& fs_;
  OptionList out_;
  std::string base_dir_;
  std::vector<std::string> stack_;  // the files being read, outermost first
  size_t total_bytes_ = 0;
  size_t option_count_ = 0;
};

}  // namespace

Expected<OptionList> read_config_file(const std::string& path, FileSystem& fs) {
  Reader reader(fs);
  if (Status s = reader.read_file(path, nullptr); !s) return forward_error(std::move(s));
  return reader.take();
}

Expected<OptionList> read_config_text(std::string_view text, const std::string& name,
                                      FileSystem& fs) {
  Reader reader(fs);
  if (Status s = reader.read_text(text, name); !s) return forward_error(std::move(s));
  return reader.take();
}

Expected<OptionList> read_command_line(std::span<const std::string> args, FileSystem& fs) {
  Reader reader(fs);
  if (Status s = reader.read_command_line(args); !s) return forward_error(std::move(s));
  return reader.take();
}

}  // namespace ovpn::config
