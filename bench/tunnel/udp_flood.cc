// ovpn_udp_flood: the small-packet load of bench/tunnel — numbered UDP datagrams sent in batches
// (sendmmsg) and counted in batches (recvmmsg).
//
//   ovpn_udp_flood recv --bind ADDR:PORT [--idle-ms 1000] [--timeout SECONDS]
//   ovpn_udp_flood send --to ADDR:PORT --seconds S [--size 64] [--batch 32] [--rate PPS]
//
// Why not iperf3 alone: iperf3 writes one datagram per write(2) and reads one per read(2) after a
// select(2), about 3 µs of a core each; on a 2-core machine that also runs both tunnel ends, the
// generator then takes half the machine and caps even plain veth near 260 kpps, so iperf3's
// figure says more about iperf3 than about the tunnel. Batching removes the per-datagram system
// call on both sides; every datagram is still its own packet through the sockets, the TUN device
// and the tunnel (no UDP_SEGMENT, no UDP_GRO), as a VoIP or game client's packets are.
//
// The sender sends for --seconds (as fast as it can, or paced to --rate), then prints one JSON
// object: packets, bytes, errors, seconds. The receiver waits for the first datagram, counts
// until none has come for --idle-ms (or --timeout passes), then prints packets, bytes, seconds
// (first to last datagram), the highest sequence number seen and how many came out of order.
// Single-threaded; every function runs on the main thread.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr size_t kMaxBatch = 256;
constexpr size_t kMaxSize = 65000;
constexpr int kReceiveBuffer = 4 << 20;

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "ovpn_udp_flood: %s\n", what.c_str());
  std::exit(2);
}

[[noreturn]] void die_errno(const std::string& what) { die(what + ": " + std::strerror(errno)); }

sockaddr_in parse_endpoint(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) die("want ADDR:PORT, got '" + std::string(text) + "'");
  const std::string host(text.substr(0, colon));
  const int port = std::atoi(std::string(text.substr(colon + 1)).c_str());
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (port <= 0 || port > 65535 || inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1)
    die("not an IPv4 ADDR:PORT: '" + std::string(text) + "'");
  return sa;
}

struct Options {
  std::string mode, endpoint;
  double seconds = 10, timeout = 60;
  size_t size = 64, batch = 32;
  uint64_t rate = 0;  // datagrams per second; 0: as fast as possible
  int idle_ms = 1000;
};

uint64_t parse_number(const char* text, const char* name) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0') die(std::string(name) + " wants a whole number");
  return v;
}

Options parse_options(int argc, char** argv) {
  if (argc < 2) die("usage: ovpn_udp_flood send|recv ... (see the source's header)");
  Options o;
  o.mode = argv[1];
  for (int i = 2; i < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) die("missing value for " + std::string(flag));
    const char* value = argv[i + 1];
    if (flag == "--bind" || flag == "--to") {
      o.endpoint = value;
    } else if (flag == "--seconds") {
      o.seconds = static_cast<double>(parse_number(value, "--seconds"));
    } else if (flag == "--timeout") {
      o.timeout = static_cast<double>(parse_number(value, "--timeout"));
    } else if (flag == "--size") {
      o.size = parse_number(value, "--size");
    } else if (flag == "--batch") {
      o.batch = parse_number(value, "--batch");
    } else if (flag == "--rate") {
      o.rate = parse_number(value, "--rate");
    } else if (flag == "--idle-ms") {
      o.idle_ms = static_cast<int>(parse_number(value, "--idle-ms"));
    } else {
      die("unknown option " + std::string(flag));
    }
  }
  if (o.mode != "send" && o.mode != "recv") die("mode is send or recv, not " + o.mode);
  if (o.endpoint.empty()) die(o.mode == "send" ? "send wants --to" : "recv wants --bind");
  if (o.size < sizeof(uint64_t) || o.size > kMaxSize) die("--size is 8 to 65000 bytes");
  if (o.batch < 1 || o.batch > kMaxBatch) die("--batch is 1 to 256");
  return o;
}

int open_socket() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die_errno("socket");
  return fd;
}

// Sends numbered datagrams for o.seconds; returns after printing the totals.
int run_sender(const Options& o) {
  const int fd = open_socket();
  const sockaddr_in to = parse_endpoint(o.endpoint);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) die_errno("connect");

  std::vector<std::vector<char>> buffers(o.batch, std::vector<char>(o.size, 0x5a));
  std::vector<iovec> iov(o.batch);
  std::vector<mmsghdr> msgs(o.batch);
  for (size_t i = 0; i < o.batch; ++i) {
    iov[i] = {buffers[i].data(), o.size};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }

  uint64_t seq = 0, errors = 0;
  const uint64_t start = now_ns();
  const uint64_t end = start + static_cast<uint64_t>(o.seconds * 1e9);
  for (uint64_t now = start; now < end; now = now_ns()) {
    if (o.rate != 0) {
      // Paced: the batch that starts with datagram `seq` is due at start + seq / rate.
      const uint64_t due = start + seq * 1000000000ULL / o.rate;
      if (due > now) {
        const timespec ts{static_cast<time_t>(due / 1000000000ULL),
                          static_cast<long>(due % 1000000000ULL)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
      }
    }
    for (size_t i = 0; i < o.batch; ++i) {
      const uint64_t n = seq + i;
      std::memcpy(buffers[i].data(), &n, sizeof n);
    }
    const int sent = sendmmsg(fd, msgs.data(), static_cast<unsigned>(o.batch), 0);
    if (sent < 0) {
      // ENOBUFS from a full queue, ECONNREFUSED from an ICMP error: counted, never fatal.
      ++errors;
      continue;
    }
    seq += static_cast<uint64_t>(sent);
  }
  const double seconds = static_cast<double>(now_ns() - start) / 1e9;
  std::printf("{\"packets\": %llu, \"bytes\": %llu, \"errors\": %llu, \"seconds\": %.6f}\n",
              static_cast<unsigned long long>(seq), static_cast<unsigned long long>(seq * o.size),
              static_cast<unsigned long long>(errors), seconds);
  close(fd);
  return 0;
}

// Counts datagrams until o.idle_ms pass without one (after the first) or o.timeout passes.
int run_receiver(const Options& o) {
  const int fd = open_socket();
  const sockaddr_in at = parse_endpoint(o.endpoint);
  // Room for a burst: a tunnel that coalesces hands the socket dozens of datagrams at once.
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer, sizeof kReceiveBuffer) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof kReceiveBuffer);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0) die_errno("bind");

  constexpr size_t kBatch = 64;
  std::vector<std::vector<char>> buffers(kBatch, std::vector<char>(kMaxSize));
  std::vector<iovec> iov(kBatch);
  std::vector<mmsghdr> msgs(kBatch);

  uint64_t packets = 0, bytes = 0, max_seq = 0, out_of_order = 0, first = 0, last = 0;
  const uint64_t deadline = now_ns() + static_cast<uint64_t>(o.timeout * 1e9);
  for (;;) {
    for (size_t i = 0; i < kBatch; ++i) {
      iov[i] = {buffers[i].data(), kMaxSize};
      msgs[i].msg_hdr = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int got = recvmmsg(fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (got > 0) {
      const uint64_t now = now_ns();
      if (packets == 0) first = now;
      last = now;
      for (int i = 0; i < got; ++i) {
        ++packets;
        bytes += msgs[i].msg_len;
        if (msgs[i].msg_len < sizeof(uint64_t)) continue;
        uint64_t seq = 0;
        std::memcpy(&seq, buffers[i].data(), sizeof seq);
        if (seq < max_seq) ++out_of_order;
        if (seq > max_seq) max_seq = seq;
      }
      continue;
    }
    if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) die_errno("recvmmsg");
    const uint64_t now = now_ns();
    if (now >= deadline) break;
    int wait_ms = static_cast<int>((deadline - now) / 1000000ULL) + 1;
    if (packets != 0) wait_ms = std::min(wait_ms, o.idle_ms);
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, wait_ms) == 0 && packets != 0) break;  // idle: the sender has finished
  }
  std::printf(
      "{\"packets\": %llu, \"bytes\": %llu, \"seconds\": %.6f, \"max_seq\": %llu, "
      "\"out_of_order\": %llu}\n",
      static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes),
      static_cast<double>(last - first) / 1e9, static_cast<unsigned long long>(max_seq),
      static_cast<unsigned long long>(out_of_order));
  close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  return o.mode == "send" ? run_sender(o) : run_receiver(o);
}
