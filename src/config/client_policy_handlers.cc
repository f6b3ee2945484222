// Options of how a server admits its clients and what it runs for them: client-config-dir,
// duplicate-cn, max-clients, client-to-client, rate limits, certificate and user/password checks,
// client-connect / client-disconnect / tls-crypt-v2-verify scripts and the per-client inactivity
// timeout.

#include "config/server_handlers.h"

namespace ovpn::config {
namespace {

using H = OptionHandler<ClientPolicy>;

constexpr uint32_t kMaxPeerId = 0xFFFFFF;  // peer-ids are 24 bits, and 0xFFFFFF means "none"

Status set_flag(bool& flag) {
  flag = true;
  return {};
}

Status set_command(const Option& o, std::string& into) {
  if (o.args[0].empty()) return option_error(o, "the command is empty");
  into = o.args[0];
  return {};
}

// N SECS, both at least 1.
Expected<std::pair<uint32_t, uint32_t>> rate(const Option& o) {
  auto n = arg_uint(o, 0, 1, 0x7fffffff);
  if (!n) return forward_error(std::move(n));
  auto secs = arg_uint(o, 1, 1, 86400);
  if (!secs) return forward_error(std::move(secs));
  return std::make_pair(*n, *secs);
}

const H kTable[] = {
    {"client-config-dir", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ClientPolicy& c) -> Status {
       c.client_config_dir = resolve_path(o.base_dir, o.args[0]);
       return {};
     }},
    {"ccd-exclusive", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, ClientPolicy& c) { return set_flag(c.ccd_exclusive); }},
    {"duplicate-cn", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, ClientPolicy& c) { return set_flag(c.duplicate_cn); }},
    {"client-to-client", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, ClientPolicy& c) { return set_flag(c.client_to_client); }},
    {"username-as-common-name", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, ClientPolicy& c) {
       return set_flag(c.username_as_common_name);
     }},
    {"max-clients", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ClientPolicy& c) -> Status {
       auto n = arg_uint(o, 0, 1, kMaxPeerId - 1);
       if (!n) return forward_error(std::move(n));
       c.max_clients = *n;
       return {};
     }},
    {"connect-freq", 2, 2, Inline::kNo,
     [](const Option& o, OptionContext&, ClientPolicy& c) -> Status {
       auto r = rate(o);
       if (!r) return forward_error(std::move(r));
       c.connect_freq = *r;
       return {};
     }},
    {"connect-freq-initial", 2, 2, Inline::kNo,
     [](const Option& o, OptionContext&, ClientPolicy& c) -> Status {
       auto r = rate(o);
       if (!r) return forward_error(std::move(r));
       c.connect_freq_initial = *r;
       return {};
     }},
    {"verify-client-cert", 0, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ClientPolicy& c) -> Status {
       c.verify_client_cert = VerifyClientCert::kRequire;  // OpenVPN: no argument is require
       if (o.args.empty()) return {};
       auto k = arg_keyword(o, 0, {"none", "optional", "require"});
       if (!k) return forward_error(std::move(k));
       c.verify_client_cert = static_cast<VerifyClientCert>(*k);
       return {};
     }},
    {"auth-user-pass-verify", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, ClientPolicy& c) -> Status {
       if (o.args.size() != 2) {
         return option_error(o, "needs its method after the command: via-env or via-file");
       }
       auto k = arg_keyword(o, 1, {"via-env", "via-file"});
       if (!k) return forward_error(std::move(k));
       c.auth_verify_method = *k == 0 ? AuthVerifyMethod::kViaEnv : AuthVerifyMethod::kViaFile;
       return set_command(o, c.auth_user_pass_verify);
     }},
    {"client-connect", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ClientPolicy& c) {
       return set_command(o, c.client_connect);
     }},
    {"client-disconnect", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ClientPolicy& c) {
       return set_command(o, c.client_disconnect);
     }},
    {"tls-crypt-v2-verify", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ClientPolicy& c) {
       return set_command(o, c.tls_crypt_v2_verify);
     }},
    {"inactive", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, ClientPolicy& c) -> Status {
       auto n = arg_uint(o, 0, 0, 0x7fffffff);
       if (!n) return forward_error(std::move(n));
       uint64_t bytes = 0;
       if (o.args.size() == 2) {
         auto b = arg_u64(o, 1, 0, UINT64_MAX / 2);
         if (!b) return forward_error(std::move(b));
         bytes = *b;
       }
       c.inactive_s = *n;
       c.inactive_bytes = bytes;
       return {};
     }},
    {"tmp-dir", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ClientPolicy& c) -> Status {
       c.tmp_dir = resolve_path(o.base_dir, o.args[0]);
       return {};
     }},
};

}  // namespace

std::span<const OptionHandler<ClientPolicy>> client_policy_handlers() { return kTable; }

}  // namespace ovpn::config
