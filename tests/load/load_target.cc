#include "load_target.h"

#include <vector>

#include "config/config_reader.h"
#include "config/file_system.h"

namespace ovpn::load {

Expected<LoadTarget> read_load_target(const std::string& config_path) {
  config::RealFileSystem fs;
  const std::vector<std::string> cli = {"--config", config_path};
  auto list = config::read_command_line(cli, fs);
  if (!list) return forward_error(std::move(list));
  auto built = config::build_client_options(*list, fs);
  if (!built) return forward_error(std::move(built));
  const auto& entry = built->options.connection.entries.front();
  const auto address = IpAddress::parse(entry.remote_host);
  if (entry.proto != config::TransportProto::kUdp || !address) {
    return make_error(Errc::kInvalidArgument, "the first remote must be UDP to an IP address");
  }
  return LoadTarget{std::move(built->options), Endpoint(*address, entry.remote_port)};
}

}  // namespace ovpn::load
