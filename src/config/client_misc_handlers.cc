// Options of the keepalive timers, user/password authentication, scripts and logging.

#include "config/client_handlers.h"

namespace ovpn::config {
namespace {

constexpr size_t kMaxAuthFileBytes = 8192;

Status set_flag(bool& flag) {
  flag = true;
  return {};
}

template <class T>
Status set_uint(const Option& o, uint32_t min, uint32_t max, T& into) {
  auto v = arg_uint(o, 0, min, max);
  if (!v) return forward_error(std::move(v));
  into = *v;
  return {};
}

Status set_string(const Option& o, std::string& into) {
  into = o.args[0];
  return {};
}

// --- timers -------------------------------------------------------------------------------------

const OptionHandler<TimerOptions> kTimers[] = {
    {"keepalive", 2, 2, Inline::kNo,
     [](const Option& o, OptionContext&, TimerOptions& t) -> Status {
       auto ping = arg_uint(o, 0, 1, 86400);
       if (!ping) return forward_error(std::move(ping));
       auto restart = arg_uint(o, 1, 1, 86400 * 7);
       if (!restart) return forward_error(std::move(restart));
       if (*restart < 2 * *ping) {
         return option_error(o, "the restart timeout (" + std::to_string(*restart) +
                                    ") must be at least twice the ping interval (" +
                                    std::to_string(*ping) + ")");
       }
       t.keepalive.emplace(*ping, *restart);
       return {};
     }},
    {"ping", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TimerOptions& t) {
       return set_uint(o, 0, 86400, t.ping_s);
     }},
    {"ping-restart", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TimerOptions& t) {
       return set_uint(o, 0, 86400 * 7, t.ping_restart_s);
     }},
    {"ping-exit", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TimerOptions& t) {
       return set_uint(o, 0, 86400 * 7, t.ping_exit_s);
     }},
    {"ping-timer-rem", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, TimerOptions& t) { return set_flag(t.ping_timer_rem); }},
};

// --- auth ---------------------------------------------------------------------------------------

// The user name on the first line, the password (optional) on the second.
Status read_credentials(const Option& o, OptionContext& ctx, AuthOptions& a) {
  auto text = file_or_inline(o, ctx, kMaxAuthFileBytes);
  if (!text) return forward_error(std::move(text));
  std::string_view rest = text->text;
  auto next_line = [&rest]() {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    return line;
  };
  const std::string_view user = next_line();
  const std::string_view pass = next_line();
  if (user.empty())
    return option_error(o, text->origin + ": the first line (the user name) is empty");
  a.username = std::string(user);
  if (!pass.empty()) a.password = std::string(pass);
  return {};
}

const OptionHandler<AuthOptions> kAuth[] = {
    {"auth-user-pass", 0, 1, Inline::kAllowed,
     [](const Option& o, OptionContext& c, AuthOptions& a) -> Status {
       a.auth_user_pass = true;
       a.username.clear();
       a.password.reset();
       if (o.args.empty() && !o.is_inline()) return {};  // ask for both
       return read_credentials(o, c, a);
     }},
    {"auth-nocache", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, AuthOptions& a) { return set_flag(a.auth_nocache); }},
    {"auth-retry", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, AuthOptions& a) -> Status {
       auto k = arg_keyword(o, 0, {"none", "nointeract", "interact"});
       if (!k) return forward_error(std::move(k));
       a.auth_retry = static_cast<AuthRetry>(*k);
       return {};
     }},
};

// --- scripts ------------------------------------------------------------------------------------

const OptionHandler<ScriptOptions> kScripts[] = {
    {"script-security", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ScriptOptions& s) {
       return set_uint(o, 0, 3, s.script_security);
     }},
    {"up", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ScriptOptions& s) { return set_string(o, s.up); }},
    {"down", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ScriptOptions& s) { return set_string(o, s.down); }},
    {"route-up", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ScriptOptions& s) { return set_string(o, s.route_up); }},
    {"route-pre-down", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ScriptOptions& s) {
       return set_string(o, s.route_pre_down);
     }},
    {"ipchange", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ScriptOptions& s) { return set_string(o, s.ipchange); }},
    {"up-restart", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, ScriptOptions& s) { return set_flag(s.up_restart); }},
    {"setenv-safe", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, ScriptOptions& s) -> Status {
       s.setenv_safe.emplace_back(o.args[0], o.args.size() == 2 ? o.args[1] : "");
       return {};
     }},
    {"user", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ScriptOptions& s) { return set_string(o, s.user); }},
    {"group", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ScriptOptions& s) { return set_string(o, s.group); }},
};

// --- logging ------------------------------------------------------------------------------------

const OptionHandler<LoggingOptions> kLogging[] = {
    {"verb", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, LoggingOptions& l) { return set_uint(o, 0, 11, l.verb); }},
    {"mute", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, LoggingOptions& l) {
       return set_uint(o, 0, 0x7fffffff, l.mute);
     }},
    {"log", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, LoggingOptions& l) -> Status {
       l.log_append = false;
       return set_string(o, l.log_file);
     }},
    {"log-append", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, LoggingOptions& l) -> Status {
       l.log_append = true;
       return set_string(o, l.log_file);
     }},
    {"status", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, LoggingOptions& l) -> Status {
       if (o.args.size() == 2) {
         auto n = arg_uint(o, 1, 0, 86400);
         if (!n) return forward_error(std::move(n));
         l.status_interval_s = *n;
       }
       return set_string(o, l.status_file);
     }},
    {"writepid", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, LoggingOptions& l) { return set_string(o, l.writepid); }},
    {"daemon", 0, 1, Inline::kNo,
     [](const Option& o, OptionContext&, LoggingOptions& l) -> Status {
       l.daemon = true;
       if (!o.args.empty()) l.daemon_name = o.args[0];
       return {};
     }},
    {"machine-readable-output", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, LoggingOptions& l) {
       return set_flag(l.machine_readable_output);
     }},
    {"suppress-timestamps", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, LoggingOptions& l) {
       return set_flag(l.suppress_timestamps);
     }},
    {"nice", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, LoggingOptions& l) -> Status {
       const std::string& a = o.args[0];
       const bool negative = !a.empty() && a[0] == '-';
       Option magnitude = o;
       magnitude.args = {negative ? a.substr(1) : a};
       auto v = arg_uint(magnitude, 0, 0, negative ? 20 : 19);
       if (!v) return option_error(o, quoted(a) + " is not a number from -20 to 19");
       l.nice = negative ? -static_cast<int>(*v) : static_cast<int>(*v);
       return {};
     }},
};

}  // namespace

std::span<const OptionHandler<TimerOptions>> timer_handlers() { return kTimers; }
std::span<const OptionHandler<AuthOptions>> auth_handlers() { return kAuth; }
std::span<const OptionHandler<ScriptOptions>> script_handlers() { return kScripts; }
std::span<const OptionHandler<LoggingOptions>> logging_handlers() { return kLogging; }

}  // namespace ovpn::config
