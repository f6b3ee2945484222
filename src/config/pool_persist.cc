// Reading and writing OpenVPN's ifconfig-pool-persist file (see pool_persist.h).

#include "config/pool_persist.h"

namespace ovpn::config {
namespace {

constexpr size_t kMaxLineBytes = 255;  // OpenVPN reads each line into 256 bytes

// An address field: digits, hex letters, ':' and '.' only (so that nothing after a NUL or a
// blank is taken for part of it).
std::optional<IpAddress> parse_address(std::string_view field) {
  if (field.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
    return std::nullopt;
  }
  return IpAddress::parse(field);
}

bool writable_name(std::string_view cn) {
  if (cn.empty() || cn.front() == '#' || cn.front() == ';') return false;
  return cn.find_first_of(std::string_view(",\r\n\0", 4)) == std::string_view::npos;
}

}  // namespace

PoolPersistFile parse_pool_persist(std::string_view text, std::string_view name) {
  PoolPersistFile out;
  int line_number = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    auto warn = [&](const std::string& what) {
      out.warnings.push_back(std::string(name) + ":" + std::to_string(line_number) + ": " + what);
    };
    if (line.size() > kMaxLineBytes) {
      warn("line longer than " + std::to_string(kMaxLineBytes) + " bytes, skipped");
      continue;
    }
    const size_t first = line.find(',');
    if (first == std::string_view::npos) {
      warn(quoted(line) + " is not CN,IPV4[,IPV6], skipped");
      continue;
    }
    PoolPersistEntry entry;
    entry.common_name = std::string(line.substr(0, first));
    std::string_view rest = line.substr(first + 1);
    const size_t second = rest.find(',');
    const std::string_view v4 = rest.substr(0, second);
    // Fields after the third are ignored, as OpenVPN does.
    const std::string_view v6 =
        second == std::string_view::npos
            ? std::string_view()
            : rest.substr(second + 1, rest.find(',', second + 1) - (second + 1));
    if (entry.common_name.empty()) {
      warn("empty common name, skipped");
      continue;
    }
    if (!v4.empty()) {
      const auto a = parse_address(v4);
      if (a && a->is_v4()) {
        entry.ipv4 = *a;
      } else {
        warn(quoted(v4) + " is not an IPv4 address (common name " + quoted(entry.common_name) +
             ")");
      }
    }
    if (!v6.empty()) {
      const auto a = parse_address(v6);
      if (a && a->is_v6()) {
        entry.ipv6 = *a;
      } else {
        warn(quoted(v6) + " is not an IPv6 address (common name " + quoted(entry.common_name) +
             ")");
      }
    }
    if (!entry.ipv4 && !entry.ipv6) {
      if (v4.empty() && v6.empty())
        warn("no address for " + quoted(entry.common_name) + ", skipped");
      continue;
    }
    out.entries.push_back(std::move(entry));
  }
  return out;
}

std::string format_pool_persist(std::span<const PoolPersistEntry> entries) {
  std::string out;
  for (const PoolPersistEntry& e : entries) {
    if (!writable_name(e.common_name) || (!e.ipv4 && !e.ipv6)) continue;
    if ((e.ipv4 && !e.ipv4->is_v4()) || (e.ipv6 && !e.ipv6->is_v6())) continue;
    std::string line = e.common_name + ',';
    if (e.ipv4) line += e.ipv4->to_string();
    line += ',';
    if (e.ipv6) line += e.ipv6->to_string();
    if (line.size() > kMaxLineBytes) continue;
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace ovpn::config
