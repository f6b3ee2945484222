#pragma once
// What both load tools start from: a client configuration file, read as `ovpnd --config FILE`
// reads it, whose first remote is UDP to an IP address (the server under load).

#include <string>

#include "common/ip_address.h"
#include "common/result.h"
#include "config/client_options.h"

namespace ovpn::load {

struct LoadTarget {
  config::ClientOptions options;
  Endpoint server;  // the first remote
};

// Thread: any (reads the file system).
Expected<LoadTarget> read_load_target(const std::string& config_path);

}  // namespace ovpn::load
