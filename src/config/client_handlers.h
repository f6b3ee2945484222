#pragma once
// The option tables of the client model, one per option group (see option_handler.h). The TLS,
// data-channel, timer, script and logging tables work on structs a server model shares.

#include <span>
#include <string_view>

#include "config/client_options.h"
#include "config/option_handler.h"

namespace ovpn::config {

std::span<const OptionHandler<TlsOptions>> tls_handlers();
std::span<const OptionHandler<DataChannelOptions>> data_channel_handlers();
std::span<const OptionHandler<TunRouteOptions>> tun_route_handlers();
std::span<const OptionHandler<TimerOptions>> timer_handlers();
std::span<const OptionHandler<AuthOptions>> auth_handlers();
std::span<const OptionHandler<ScriptOptions>> script_handlers();
std::span<const OptionHandler<LoggingOptions>> logging_handlers();

// Sets the control-channel wrapping to `mode` with the key in the file or inline block of
// `option`, which must hold a PEM block starting with `pem_marker`; another wrapping already set
// is an error. (The server's tls-crypt-v2 takes a server key through this.)
Status set_control_wrap(const Option& option, OptionContext& ctx, TlsOptions& tls, TlsWrapMode mode,
                        std::string_view pem_marker);

// Options of one connection entry: the global template, or a <connection> block's entry.
struct EntryTarget {
  ConnectionEntry& entry;
  bool in_block = false;
  bool remote_seen = false;  // a <connection> block's `remote`
};
std::span<const OptionHandler<EntryTarget>> connection_entry_handlers();

}  // namespace ovpn::config
