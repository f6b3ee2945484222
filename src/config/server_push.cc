// Checking the option text of a server's push lines (see server_push.h).

#include "config/server_push.h"

#include <initializer_list>
#include <string_view>

#include "config/option_errors.h"
#include "config/pushed_options.h"
#include "config/tokenizer.h"

namespace ovpn::config {
namespace {

constexpr size_t kMaxPushedOptionBytes = 255;  // a client parses each option in 256 bytes

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  for (const auto n : names) {
    if (name == n) return true;
  }
  return false;
}

// Why `name` cannot be pushed as a configured option, or "" when it can.
std::string_view refusal(std::string_view name) {
  if (one_of(name, {"fragment", "mtu-test"})) {
    return "the data channel runs in the offload engine, which (like the kernel DCO) does not "
           "fragment";
  }
  if (one_of(name, {"ifconfig", "ifconfig-ipv6"})) {
    return "a client's own address comes from the pool, or from ifconfig-push / "
           "ifconfig-ipv6-push in its client-config-dir file";
  }
  if (one_of(name, {"peer-id", "cipher", "protocol-flags", "key-derivation", "auth-token",
                    "auth-token-user", "push-continuation"})) {
    return "the server sends it itself, for each client";
  }
  return {};
}

}  // namespace

Expected<std::string> push_option_text(const Option& push) {
  if (push.is_inline()) {
    return option_error(push, "cannot be given as an inline <" + push.name + "> block");
  }
  if (push.args.size() != 1) {
    return option_error(push,
                        "expects one option in quotes (push \"route 10.1.0.0 255.255.0.0\"), "
                        "got " +
                            std::to_string(push.args.size()) + " arguments");
  }
  const std::string& text = push.args[0];
  auto cannot = [&](std::string_view why) {
    return option_error(push, "cannot push " + quoted(text) + ": " + std::string(why));
  };
  if (text.size() > kMaxPushedOptionBytes) {
    return cannot("longer than " + std::to_string(kMaxPushedOptionBytes) + " bytes");
  }
  if (text.find(',') != std::string::npos) {
    return cannot("a client splits the pushed options at ',' (give each its own push line)");
  }
  auto words = tokenize_line(text);
  if (!words) return cannot(words.error().message);
  if (words->empty()) return cannot("no option");
  Option inner;
  inner.name = words->front();
  inner.args.assign(words->begin() + 1, words->end());
  inner.where = push.where;
  if (const auto why = refusal(inner.name); !why.empty()) {
    if (inner.name == "fragment" || inner.name == "mtu-test") {
      return option_unsupported(push, "cannot push " + quoted(text) + ": " + std::string(why));
    }
    return cannot(why);
  }
  auto checked = check_pushable_option(inner);
  if (!checked) {
    // The client's message names the option after the location; keep that part.
    std::string why = checked.error().message;
    const std::string where = push.where.to_string() + ": ";
    if (why.rfind(where, 0) == 0) why.erase(0, where.size());
    if (checked.error().code == Errc::kUnsupported) {
      return option_unsupported(push, "cannot push " + quoted(text) + ": " + why);
    }
    return cannot(why);
  }
  return text;
}

}  // namespace ovpn::config
