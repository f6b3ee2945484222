#include "config/option_builder.h"

#include <algorithm>

namespace ovpn::config {

Status OptionBuilder::apply(const Option& o, bool lenient) {
  Status s = apply_strict(o, lenient);
  if (!s && lenient) {
    warnings_.push_back(s.error().message + " (ignored: setenv opt)");
    return {};
  }
  return s;
}

Status OptionBuilder::apply_setenv(const Option& o,
                                   std::vector<std::pair<std::string, std::string>>& into) {
  if (o.is_inline()) return check_arity(o, 1, 2, Inline::kNo);
  if (!o.args.empty() && o.args[0] == "opt") {
    if (o.args.size() < 2) return option_error(o, "setenv opt needs an option after it");
    Option inner = o;
    inner.name = o.args[1];
    inner.args.assign(o.args.begin() + 2, o.args.end());
    return apply(inner, /*lenient=*/true);
  }
  if (Status s = check_arity(o, 1, 2, Inline::kNo); !s) return s;
  const std::string value = o.args.size() == 2 ? o.args[1] : "";
  if (o.args[0] == "FORWARD_COMPATIBLE" && value == "1") forward_compatible_ = true;
  into.emplace_back(o.args[0], value);
  return {};
}

Status OptionBuilder::ignore_unknown(const Option& o) {
  if (Status s = check_arity(o, 1, 15, Inline::kNo); !s) return s;
  ignore_unknown_.insert(ignore_unknown_.end(), o.args.begin(), o.args.end());
  return {};
}

Status OptionBuilder::unknown_option(const Option& o, bool lenient) {
  const bool ignorable =
      lenient || forward_compatible_ ||
      std::find(ignore_unknown_.begin(), ignore_unknown_.end(), o.name) != ignore_unknown_.end();
  if (ignorable) {
    ctx_.warn(o, "unrecognized option, ignored");
    return {};
  }
  return option_error(o, "unrecognized option or missing or extra parameter(s)");
}

}  // namespace ovpn::config
