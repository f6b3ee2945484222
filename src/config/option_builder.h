#pragma once
// The chassis the client and server option models share: applying options in order, where an
// option that came through `setenv opt` turns its error into a warning; setenv with its forms;
// ignore-unknown-option and `setenv FORWARD_COMPATIBLE 1` deciding whether an unknown option
// is an error or a warning (as OpenVPN does); and trying the option tables in turn.
//
// Thread: any (a builder is used by one thread).

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "config/file_system.h"
#include "config/option.h"
#include "config/option_errors.h"
#include "config/option_handler.h"

namespace ovpn::config {

class OptionBuilder {
 public:
  explicit OptionBuilder(FileSystem& fs) : ctx_{fs, warnings_} {}
  virtual ~OptionBuilder() = default;
  OptionBuilder(const OptionBuilder&) = delete;
  OptionBuilder& operator=(const OptionBuilder&) = delete;

  // `lenient`: errors become warnings (the option came through "setenv opt").
  Status apply(const Option& o, bool lenient = false);

 protected:
  virtual Status apply_strict(const Option& o, bool lenient) = 0;

  // setenv NAME [VALUE] (appended to `into`), setenv FORWARD_COMPATIBLE 1, setenv opt OPTION
  // ARGS... (applied leniently).
  Status apply_setenv(const Option& o, std::vector<std::pair<std::string, std::string>>& into);
  // ignore-unknown-option NAME...
  Status ignore_unknown(const Option& o);
  // An option no table took: a warning when ignorable, else OpenVPN's error.
  Status unknown_option(const Option& o, bool lenient);

  // Tries one table unless an earlier one took the option.
  template <class Target>
  Status try_table(std::span<const OptionHandler<Target>> table, const Option& o, Target& target,
                   bool& handled) {
    if (handled) return {};
    auto r = apply_from(table, o, ctx_, target);
    if (!r) return forward_error(std::move(r));
    handled = *r;
    return {};
  }

  Warnings warnings_;
  OptionContext ctx_;

 private:
  std::vector<std::string> ignore_unknown_;
  bool forward_compatible_ = false;
};

}  // namespace ovpn::config
