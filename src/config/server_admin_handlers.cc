// Options of the server's administrative interfaces: the status file format (status-version;
// status FILE [SECS] is in the logging table) and the management socket.
//
// The management interface can kill clients and read their addresses, so ovpnd takes it only on
// a unix socket (made root-only) or on a loopback address with a password file.

#include "config/server_handlers.h"

namespace ovpn::config {
namespace {

using H = OptionHandler<ServerOptions>;

constexpr size_t kMaxPasswordFileBytes = 4096;

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  const auto a = IpAddress::parse(host);
  if (!a) return false;
  if (a->is_v4()) return a->bytes()[0] == 127;
  return *a == *IpAddress::parse("::1");
}

// The first line of the password file, without its line end.
Expected<std::string> read_password(const Option& o, OptionContext& ctx, size_t index) {
  if (o.args[index] == "stdin") {
    return option_error(o, "a password from stdin cannot be asked for by a daemon; give a file");
  }
  Option file = o;
  file.args = {o.args[index]};
  auto text = file_or_inline(file, ctx, kMaxPasswordFileBytes);
  if (!text) return forward_error(std::move(text));
  std::string_view line = text->text;
  line = line.substr(0, line.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty())
    return option_error(o, text->origin + ": the first line (the password) is empty");
  return std::string(line);
}

Status set_management(const Option& o, OptionContext& ctx, ServerOptions& s) {
  ManagementOptions m;
  m.unix_socket = o.args[1] == "unix";
  if (m.unix_socket) {
    m.address = resolve_path(o.base_dir, o.args[0]);
  } else {
    m.address = o.args[0];
    auto port = arg_port(o, 1);
    if (!port) return forward_error(std::move(port));
    m.port = *port;
    if (!is_loopback(m.address)) {
      return option_error(o, quoted(m.address) +
                                 " is not a loopback address: the management interface is not "
                                 "encrypted, so ovpnd listens for it only on 127.0.0.1, ::1 or a "
                                 "unix socket");
    }
    if (o.args.size() < 3) {
      return option_error(o,
                          "a TCP management socket needs a password file (management IP PORT "
                          "PWFILE); or use a unix socket (management PATH unix)");
    }
  }
  if (o.args.size() == 3) {
    auto password = read_password(o, ctx, 2);
    if (!password) return forward_error(std::move(password));
    m.password = std::move(*password);
  }
  s.management = std::move(m);
  return {};
}

const H kTable[] = {
    {"status-version", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ServerOptions& s) -> Status {
       auto v = arg_uint(o, 0, 1, 3);
       if (!v) return forward_error(std::move(v));
       s.status_version = *v;
       return {};
     }},
    {"management", 2, 3, Inline::kNo, set_management},
};

}  // namespace

std::span<const OptionHandler<ServerOptions>> server_admin_handlers() { return kTable; }

}  // namespace ovpn::config
