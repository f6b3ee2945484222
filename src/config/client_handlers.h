#pragma once
// The option tables of the client model, one per option group (see option_handler.h). The TLS,
// data-channel, timer, script and logging tables work on structs a server model shares.

#include <span>

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

// Options of one connection entry: the global template, or a <connection> block's entry.
struct EntryTarget {
  ConnectionEntry& entry;
  bool in_block = false;
  bool remote_seen = false;  // a <connection> block's `remote`
};
std::span<const OptionHandler<EntryTarget>> connection_entry_handlers();

}  // namespace ovpn::config
