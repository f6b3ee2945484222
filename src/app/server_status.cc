#include "app/server_status.h"

#include <cstdio>
#include <ctime>

#include "io/io_result.h"

namespace ovpn::app {
namespace {

std::string local_time(int64_t t) {
  const time_t when = static_cast<time_t>(t);
  tm parts{};
  localtime_r(&when, &parts);
  char text[32];
  strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &parts);
  return text;
}

std::string join(const std::vector<std::string>& fields, char sep) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += sep;
    out += fields[i];
  }
  return out;
}

std::string or_undef(const std::string& s) { return s.empty() ? "UNDEF" : s; }

}  // namespace

std::vector<std::string> server_status_lines(const ServerStatus& s, uint32_t version) {
  std::vector<std::string> out;
  const std::string updated = local_time(s.updated);
  if (version != 2 && version != 3) {
    out.push_back("OpenVPN CLIENT LIST");
    out.push_back("Updated," + updated);
    out.push_back("Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since");
    for (const auto& c : s.clients) {
      out.push_back(join({or_undef(c.common_name), c.real_address, std::to_string(c.bytes_received),
                          std::to_string(c.bytes_sent), local_time(c.connected_since)},
                         ','));
    }
    out.push_back("ROUTING TABLE");
    out.push_back("Virtual Address,Common Name,Real Address,Last Ref");
    for (const auto& c : s.clients) {
      for (const std::string& v : {c.virtual_address, c.virtual_ipv6}) {
        if (v.empty()) continue;
        out.push_back(join({v, or_undef(c.common_name), c.real_address, updated}, ','));
      }
    }
    out.push_back("GLOBAL STATS");
    out.push_back("Max bcast/mcast queue length,0");
    out.push_back("END");
    return out;
  }
  const char sep = version == 3 ? '\t' : ',';
  out.push_back(join({"TITLE", s.title}, sep));
  out.push_back(join({"TIME", updated, std::to_string(s.updated)}, sep));
  out.push_back(
      join({"HEADER", "CLIENT_LIST", "Common Name", "Real Address", "Virtual Address",
            "Virtual IPv6 Address", "Bytes Received", "Bytes Sent", "Connected Since",
            "Connected Since (time_t)", "Username", "Client ID", "Peer ID", "Data Channel Cipher"},
           sep));
  for (const auto& c : s.clients) {
    out.push_back(join(
        {"CLIENT_LIST", or_undef(c.common_name), c.real_address, c.virtual_address, c.virtual_ipv6,
         std::to_string(c.bytes_received), std::to_string(c.bytes_sent),
         local_time(c.connected_since), std::to_string(c.connected_since), or_undef(c.username),
         std::to_string(c.client_id), std::to_string(c.peer_id), c.cipher},
        sep));
  }
  out.push_back(join({"HEADER", "ROUTING_TABLE", "Virtual Address", "Common Name", "Real Address",
                      "Last Ref", "Last Ref (time_t)"},
                     sep));
  for (const auto& c : s.clients) {
    for (const std::string& v : {c.virtual_address, c.virtual_ipv6}) {
      if (v.empty()) continue;
      out.push_back(join({"ROUTING_TABLE", v, or_undef(c.common_name), c.real_address, updated,
                          std::to_string(s.updated)},
                         sep));
    }
  }
  out.push_back(join({"GLOBAL_STATS", "Max bcast/mcast queue length", "0"}, sep));
  out.push_back("END");
  return out;
}

Status write_server_status_file(const std::string& path, const ServerStatus& status,
                                uint32_t version) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return io::errno_error(errno, "status", tmp);
  for (const std::string& line : server_status_lines(status, version)) {
    std::fprintf(f, "%s\n", line.c_str());
  }
  if (std::fclose(f) != 0) return io::errno_error(errno, "status", tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return io::errno_error(errno, "status", path);
  return {};
}

}  // namespace ovpn::app
