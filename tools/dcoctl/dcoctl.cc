// dcoctl: drives an ovpnd engine (--dco-only) by hand through its control socket, as
// ovpn-cli drives the Linux ovpn module. Every command is one JSON request (see
// src/dco/dco_rpc.h); `show` prints the engine's offloads and counters, then its peers, the way
// `wg show` prints the interface before the peers; `--json` prints the replies (`show`: the
// peer_get reply with the engine_get reply's "engine" added).
// peer-new with --tcp-connect/--tcp-accept passes the TCP socket it made with the request.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/hex.h"
#include "crypto/data_keys.h"
#include "dco/dco_json.h"
#include "proto/static_key.h"
#include "tcp_peer.h"

namespace {

using ovpn::dco::Json;

constexpr const char* kUsage =
    "usage: dcoctl [--socket PATH] [--json] COMMAND ...\n"
    "  show [PEER]                               the engine's offloads and their counters\n"
    "                                            (without PEER), peers, keys, counters, drops\n"
    "  engine                                    the engine's offloads and their counters\n"
    "  peer-new ID [remote ADDR:PORT] [vpn-ipv4 A] [vpn-ipv6 A] [route PREFIX]...\n"
    "           [keepalive INTERVAL TIMEOUT] [tx-id ID] [local ADDR]\n"
    "           [--tcp-connect ADDR:PORT [--tcp-bind ADDR[:PORT]] | --tcp-accept ADDR:PORT]\n"
    "           [--timeout SECONDS]              a TCP peer: dcoctl connects or accepts one\n"
    "                                            connection (in 30 s) and passes the socket\n"
    "  peer-set ID [remote ADDR:PORT] [keepalive I T] [route PREFIX]...\n"
    "  peer-del ID\n"
    "  genkey                                    print a fresh random key2 block (hex)\n"
    "  key-new PEER SLOT KEY-ID CIPHER KEYFILE client|server\n"
    "                                            install the keys of one side of KEYFILE\n"
    "  key-get PEER [SLOT]    key-swap PEER    key-del PEER SLOT\n"
    "  device                                    drops that belong to no peer, by reason\n"
    "  monitor                                   print notifications as they arrive\n"
    "  raw JSON                                  send one request as is\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "dcoctl: %s\n", message.c_str());
  return 1;
}

class Connection {
 public:
  bool open(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (fd_ < 0 || path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Sends one request line; `pass_fd`, if any, goes with it (SCM_RIGHTS) in the same sendmsg,
  // as the control socket requires.
  bool send(const Json& request, int pass_fd = -1) {
    std::string line = request.dump() + "\n";
    iovec iov{line.data(), line.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (pass_fd >= 0) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    return ::sendmsg(fd_, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(line.size());
  }
  // The next line, or nullopt when the connection closed.
  std::optional<Json> receive() {
    for (;;) {
      const size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        Json j = Json::parse(buffer_.substr(0, nl), nullptr, false);
        buffer_.erase(0, nl + 1);
        return j;
      }
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return std::nullopt;
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

bool parse_u32(const std::string& s, uint32_t& out) {
  char* end = nullptr;
  const unsigned long v = std::strtoul(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v > 0xffffffffUL) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

// peer-new / peer-set arguments after the id.
std::optional<Json> peer_fields(const std::vector<std::string>& a, size_t i, Json peer) {
  Json routes = Json::array();
  while (i < a.size()) {
    const std::string& k = a[i];
    auto need = [&](size_t n) { return i + n < a.size(); };
    if ((k == "remote" || k == "vpn-ipv4" || k == "vpn-ipv6" || k == "local") && need(1)) {
      std::string field = k == "remote"     ? "remote"
                          : k == "local"    ? "local"
                          : k == "vpn-ipv4" ? "vpn_ipv4"
                                            : "vpn_ipv6";
      peer[field] = a[i + 1];
      i += 2;
    } else if (k == "route" && need(1)) {
      routes.push_back(a[i + 1]);
      i += 2;
    } else if (k == "tx-id" && need(1)) {
      uint32_t v;
      if (!parse_u32(a[i + 1], v)) return std::nullopt;
      peer["tx_id"] = v;
      i += 2;
    } else if (k == "keepalive" && need(2)) {
      uint32_t interval, timeout;
      if (!parse_u32(a[i + 1], interval) || !parse_u32(a[i + 2], timeout)) return std::nullopt;
      peer["keepalive"] = {{"interval", interval}, {"timeout", timeout}};
      i += 3;
    } else {
      return std::nullopt;
    }
  }
  if (!routes.empty()) peer["routes"] = routes;
  return peer;
}

// Takes dcoctl's own TCP options out of peer-new's arguments.
bool take_tcp_options(std::vector<std::string>& a, ovpn::dcoctl::TcpOptions& o) {
  for (size_t i = 2; i < a.size();) {
    const std::string& k = a[i];
    if (k != "--tcp-connect" && k != "--tcp-bind" && k != "--tcp-accept" && k != "--timeout") {
      ++i;
      continue;
    }
    if (i + 1 >= a.size()) return false;
    const std::string v = a[i + 1];
    if (k == "--timeout") {
      uint32_t s;
      if (!parse_u32(v, s) || s == 0 || s > 86400) return false;
      o.timeout_s = static_cast<int>(s);
    } else {
      (k == "--tcp-connect" ? o.connect : k == "--tcp-bind" ? o.bind : o.accept) = v;
    }
    a.erase(a.begin() + static_cast<std::ptrdiff_t>(i),
            a.begin() + static_cast<std::ptrdiff_t>(i) + 2);
  }
  return true;
}

// key-new: the keys of one side of a key2 file, as TLS-EKM would have produced them.
std::optional<Json> key_from_file(const std::vector<std::string>& a, std::string& error) {
  uint32_t peer, key_id;
  if (a.size() != 7 || !parse_u32(a[1], peer) || !parse_u32(a[3], key_id)) {
    error = "key-new PEER SLOT KEY-ID CIPHER KEYFILE client|server";
    return std::nullopt;
  }
  const auto alg = ovpn::crypto::cipher_from_name(a[4]);
  if (!alg) {
    error = "unknown cipher " + a[4];
    return std::nullopt;
  }
  std::ifstream in(a[5]);
  std::stringstream text;
  text << in.rdbuf();
  auto bytes = ovpn::from_hex(text.str().substr(0, text.str().find_last_not_of(" \n\r\t") + 1));
  if (!in || !bytes || bytes->size() != ovpn::proto::kKey2Size) {
    error = a[5] + ": not a 256-byte hex key (dcoctl genkey)";
    return std::nullopt;
  }
  const ovpn::proto::Key2 key2(std::span<const uint8_t, 256>(bytes->data(), 256));
  ovpn::secure_wipe(bytes->data(), bytes->size());
  const auto role = a[6] == "server" ? ovpn::proto::Role::kServer : ovpn::proto::Role::kClient;
  const auto keys = ovpn::crypto::data_keys_from_key2(key2, role, *alg);
  auto dir = [](const ovpn::crypto::DirectionKey& k) {
    return Json{{"key", ovpn::to_hex(k.cipher_key)}, {"nonce_tail", ovpn::to_hex(k.implicit_iv)}};
  };
  return Json{{"peer", peer},
              {"slot", a[2]},
              {"key_id", key_id},
              {"cipher", a[4]},
              {"encrypt", dir(keys.send)},
              {"decrypt", dir(keys.receive)}};
}

std::string size_text(uint64_t bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else if (bytes < (1ULL << 20)) {
    std::snprintf(buf, sizeof buf, "%.2f KiB", static_cast<double>(bytes) / 1024.0);
  } else if (bytes < (1ULL << 30)) {
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / 1048576.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / 1073741824.0);
  }
  return buf;
}

const char* on_off(bool on) { return on ? "on" : "off"; }

unsigned long long ull(uint64_t n) { return n; }

// The engine's block of `show`, before the peers (as `wg show` prints its interface lines).
void print_engine(const Json& j) {
  auto info = ovpn::dco::engine_info_from_json(j);
  if (!info) {
    std::fprintf(stderr, "dcoctl: engine: %s\n", info.error().message.c_str());
    return;
  }
  const auto& o = info->offloads;
  std::printf("engine: %s, %u threads", info->ifname.c_str(), info->threads);
  if (info->local) std::printf(", listening on %s", info->local->to_string().c_str());
  if (info->tun_tx_queue_len != 0) std::printf(", TUN queue %u packets", info->tun_tx_queue_len);
  std::printf("\n  offloads: TUN TSO %s, USO %s; UDP GSO %s, GRO %s; crypto fan-out %s\n",
              on_off(o.tun_tso), on_off(o.tun_uso), on_off(o.udp_gso), on_off(o.udp_gro),
              on_off(o.fanout));
  if (o.tun_vnet_hdr) {
    const auto& t = info->tun;
    std::printf("  tun reads: %llu TCP super-packets (%llu segments), %llu UDP (%llu segments)\n",
                ull(t.tso_reads), ull(t.tso_segments), ull(t.uso_reads), ull(t.uso_segments));
    std::printf(
        "  tun writes: %llu TCP super-packets (%llu packets), %llu UDP (%llu packets); %llu "
        "refused\n",
        ull(t.tcp_gso_writes), ull(t.tcp_gso_packets), ull(t.udp_gso_writes),
        ull(t.udp_gso_packets), ull(t.gso_refused));
  }
  if (o.fanout) {
    const auto& f = info->fanout;
    std::printf("  fan-out: %llu jobs, %llu packets (%llu by helpers), %llu wakes\n", ull(f.jobs),
                ull(f.items), ull(f.helped_items), ull(f.wakes));
  }
}

void print_peer(const Json& p) {
  std::printf("peer %u (%s)\n", p.value("id", 0u), p.value("remote", std::string("tcp")).c_str());
  std::string vpn;
  for (const char* f : {"vpn_ipv4", "vpn_ipv6"}) {
    if (p.contains(f)) vpn += (vpn.empty() ? "" : ", ") + p[f].get<std::string>();
  }
  if (!vpn.empty()) std::printf("  vpn addresses: %s\n", vpn.c_str());
  std::string routes;
  if (p.contains("routes") && p["routes"].is_array()) {
    for (const auto& r : p["routes"]) routes += (routes.empty() ? "" : ", ") + r.get<std::string>();
  }
  if (!routes.empty()) std::printf("  routes: %s\n", routes.c_str());
  const Json ka = p.value("keepalive", Json::object());
  if (ka.value("interval", 0u) != 0) {
    std::printf("  keepalive: every %u s, timeout %u s\n", ka.value("interval", 0u),
                ka.value("timeout", 0u));
  }
  const Json keys = p.value("keys", Json::array());
  for (const auto& k : keys) {
    std::printf("  key %s: id %u, %s\n", k.value("slot", std::string()).c_str(),
                k.value("key_id", 0u), k.value("cipher", std::string()).c_str());
  }
  const Json s = p.value("stats", Json::object());
  std::printf("  transfer: %s received, %s sent (link %s / %s)\n",
              size_text(s.value("vpn_rx_bytes", 0ULL)).c_str(),
              size_text(s.value("vpn_tx_bytes", 0ULL)).c_str(),
              size_text(s.value("link_rx_bytes", 0ULL)).c_str(),
              size_text(s.value("link_tx_bytes", 0ULL)).c_str());
  std::string drops;
  const Json drop_counts = s.value("drops", Json::object());
  for (const auto& [name, count] : drop_counts.items()) {
    if (count.get<uint64_t>() != 0) {
      drops += (drops.empty() ? "" : ", ") + name + " " + std::to_string(count.get<uint64_t>());
    }
  }
  if (!drops.empty()) std::printf("  drops: %s\n", drops.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  std::string socket_path = "/run/ovpnd/dco.sock";
  bool json = false;
  while (!a.empty() && a[0].rfind("--", 0) == 0) {
    if (a[0] == "--json") {
      json = true;
      a.erase(a.begin());
    } else if (a[0] == "--socket" && a.size() > 1) {
      socket_path = a[1];
      a.erase(a.begin(), a.begin() + 2);
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (a.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string& cmd = a[0];
  if (cmd == "genkey") {
    std::vector<uint8_t> key(ovpn::proto::kKey2Size);
    std::ifstream random("/dev/urandom", std::ios::binary);
    random.read(reinterpret_cast<char*>(key.data()), static_cast<std::streamsize>(key.size()));
    if (!random) return fail("cannot read /dev/urandom");
    std::printf("%s\n", ovpn::to_hex(key).c_str());
    ovpn::secure_wipe(key.data(), key.size());
    return 0;
  }

  Json request;
  uint32_t id = 0;
  ovpn::dcoctl::TcpOptions tcp;
  if (cmd == "show") {
    request = {{"cmd", "peer_get"}};
    if (a.size() > 1) {
      if (!parse_u32(a[1], id)) return fail("show: not a peer id: " + a[1]);
      request["id"] = id;
    }
  } else if ((cmd == "peer-new" || cmd == "peer-set") && a.size() >= 2 && parse_u32(a[1], id)) {
    if (cmd == "peer-new" && !take_tcp_options(a, tcp)) return fail(cmd + ": bad TCP options");
    Json fields{{"id", id}};
    if (tcp.any()) fields["transport"] = "tcp";
    auto peer = peer_fields(a, 2, fields);
    if (!peer) return fail(cmd + ": bad arguments (see dcoctl --help)");
    request = {{"cmd", cmd == "peer-new" ? "peer_new" : "peer_set"}, {"peer", *peer}};
  } else if (cmd == "peer-del" && a.size() == 2 && parse_u32(a[1], id)) {
    request = {{"cmd", "peer_del"}, {"id", id}};
  } else if (cmd == "key-new") {
    std::string error;
    auto key = key_from_file(a, error);
    if (!key) return fail(error);
    request = {{"cmd", "key_new"}, {"key", *key}};
  } else if ((cmd == "key-get" || cmd == "key-swap" || cmd == "key-del") && a.size() >= 2 &&
             parse_u32(a[1], id)) {
    request = {{"cmd", cmd == "key-get"    ? "key_get"
                       : cmd == "key-swap" ? "key_swap"
                                           : "key_del"},
               {"peer", id}};
    if (a.size() > 2) request["slot"] = a[2];
  } else if (cmd == "device") {
    request = {{"cmd", "device"}};
  } else if (cmd == "engine") {
    request = {{"cmd", "engine_get"}};
  } else if (cmd == "monitor") {
    request = {{"cmd", "subscribe"}};
  } else if (cmd == "raw" && a.size() == 2) {
    request = Json::parse(a[1], nullptr, false);
    if (request.is_discarded()) return fail("raw: not JSON");
  } else {
    std::fputs(kUsage, stderr);
    return 2;
  }

  Connection conn;
  if (!conn.open(socket_path))
    return fail("cannot connect to " + socket_path + ": " + std::strerror(errno));
  ovpn::io::Fd tcp_fd;  // ours closes after the send: the engine holds its own
  if (tcp.any()) {
    std::string error;
    tcp_fd = ovpn::dcoctl::open_tcp(tcp, error);
    if (!tcp_fd.valid()) return fail(error);
    std::fprintf(stderr, "dcoctl: tcp %s\n", ovpn::dcoctl::tcp_description(tcp_fd.get()).c_str());
  }
  // `show` without a peer: the engine first, on the same connection. An engine that has no
  // engine_get (or a DCO without engine-wide state) only leaves the block out.
  std::optional<Json> engine;
  if (cmd == "show" && !request.contains("id")) {
    if (!conn.send(Json{{"cmd", "engine_get"}})) return fail("send failed");
    engine = conn.receive();
    if (!engine || engine->is_discarded()) return fail("no reply from the engine");
    if (!engine->value("ok", false) || !engine->contains("engine")) engine.reset();
  }
  if (!conn.send(request, tcp_fd.get())) return fail("send failed");
  tcp_fd.reset();
  auto reply = conn.receive();
  if (!reply || reply->is_discarded()) return fail("no reply from the engine");
  if (!reply->value("ok", false)) return fail(reply->value("error", std::string("failed")));
  if (cmd == "monitor") {
    while (auto event = conn.receive()) {
      std::printf("%s\n", event->dump().c_str());
      std::fflush(stdout);
    }
    return 0;
  }
  if (json) {
    if (engine) (*reply)["engine"] = (*engine)["engine"];
    std::printf("%s\n", reply->dump(2).c_str());
  } else if (cmd == "engine") {
    print_engine((*reply)["engine"]);
  } else if (cmd == "show") {
    if (engine) {
      print_engine((*engine)["engine"]);
      std::printf("\n");
    }
    if (reply->contains("peer")) print_peer((*reply)["peer"]);
    const Json peers = reply->value("peers", Json::array());
    for (const auto& p : peers) print_peer(p);
  } else if (cmd == "device") {
    const Json& d = (*reply)["device"];
    std::printf("device (%s)\n", d.value("mode", std::string()).c_str());
    const Json drops = d.value("drops", Json::object());
    for (const auto& [name, count] : drops.items()) {
      if (count.get<uint64_t>() != 0)
        std::printf("  drop %s: %llu\n", name.c_str(),
                    static_cast<unsigned long long>(count.get<uint64_t>()));
    }
  } else if (cmd == "key-get") {
    const Json& k = (*reply)["key"];
    std::printf("%s: key id %u, %s\n", k.value("slot", std::string()).c_str(),
                k.value("key_id", 0u), k.value("cipher", std::string()).c_str());
  }
  return 0;
}
