#include "app/client_status.h"

#include <cstdio>
#include <ctime>

#include "io/io_result.h"

namespace ovpn::app {

std::vector<std::string> status_lines(const ClientStatus& s) {
  const time_t now = ::time(nullptr);
  tm parts{};
  localtime_r(&now, &parts);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &parts);
  auto line = [](const char* name, uint64_t value) {
    return std::string(name) + "," + std::to_string(value);
  };
  uint64_t drops = 0;
  for (uint64_t d : s.stats.drops) drops += d;
  return {
      "OpenVPN STATISTICS",
      std::string("Updated,") + stamp,
      // vpn_tx: read from the tun device and sent; vpn_rx: received and written to it.
      line("TUN/TAP read bytes", s.stats.vpn_tx.bytes),
      line("TUN/TAP write bytes", s.stats.vpn_rx.bytes),
      line("TCP/UDP read bytes", s.stats.link_rx.bytes),
      line("TCP/UDP write bytes", s.stats.link_tx.bytes),
      line("Auth read bytes", s.stats.link_rx.bytes),
      line("Dropped packets", drops),
      std::string("Connected,") + (s.connected ? "1" : "0") + (s.remote.empty() ? "" : ",") +
          s.remote,
      "END",
  };
}

Status write_status_file(const std::string& path, const ClientStatus& s) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return io::errno_error(errno, "status", tmp);
  for (const std::string& line : status_lines(s)) std::fprintf(f, "%s\n", line.c_str());
  if (std::fclose(f) != 0) return io::errno_error(errno, "status", tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return io::errno_error(errno, "status", path);
  return {};
}

}  // namespace ovpn::app
