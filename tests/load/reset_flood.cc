// reset_flood: paced P_CONTROL_HARD_RESET_CLIENT_V2 packets (V3 with tls-crypt-v2) at a
// server, for the reset-flood test (tests/load/reset_flood.sh).
//
// Each packet is what a new 2.6 client sends first: a fresh random session id, message id 0,
// no ACKs, an empty payload, wrapped as the client config says (tls-auth, tls-crypt,
// tls-crypt-v2 with the client's WKc, or plain), with the first replay id of a new wrap
// context. Every packet comes from another source port: they are built with their IPv4 and UDP
// headers and sent on a raw socket (CAP_NET_RAW), sendmmsg in batches. --bad-every N spoils the
// HMAC / tag of every Nth packet.
//
// Pacing: on every 1 ms tick the packets due by then (rate x elapsed, minus those sent) go out,
// at most kMaxBatch per call. The summary line gives what was achieved:
//   flood: sent=N bad=B errors=E seconds=S pps=P
// Bounded: --duration at most 60 s, --rate at most 200000.
//
// Thread: main only.

#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "app/client_setup.h"
#include "common/clock.h"
#include "config/client_options.h"
#include "config/config_reader.h"
#include "config/file_system.h"
#include "io/fd.h"
#include "load_target.h"
#include "proto/control_packet.h"
#include "proto/inet_checksum.h"

namespace {

constexpr const char* kUsage =
    "usage: reset_flood --config CLIENT.CONF [--rate PPS] [--duration S] [--bad-every N]\n"
    "  --rate PPS       packets per second (default 10000, at most 200000)\n"
    "  --duration S     seconds to send (default 5, at most 60)\n"
    "  --bad-every N    every Nth packet has a bad HMAC / tag (default 0: none)\n";

constexpr size_t kMaxBatch = 64;
constexpr size_t kIpHeader = 20;
constexpr size_t kUdpHeader = 8;
constexpr size_t kMaxPacket = 1500;
constexpr uint16_t kFirstPort = 10000;
constexpr uint16_t kPortCount = 50000;

struct Args {
  std::string config;
  uint64_t rate = 10000;
  uint64_t duration_s = 5;
  uint64_t bad_every = 0;
};

bool parse_number(const std::string& text, uint64_t max, uint64_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out <= max;
}

bool parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    bool ok = true;
    if (k == "--config") {
      a.config = v;
    } else if (k == "--rate") {
      ok = parse_number(v, 200000, a.rate) && a.rate > 0;
    } else if (k == "--duration") {
      ok = parse_number(v, 60, a.duration_s) && a.duration_s > 0;
    } else if (k == "--bad-every") {
      ok = parse_number(v, 1000000, a.bad_every);
    } else {
      ok = false;
    }
    if (!ok) return false;
  }
  return argc % 2 == 1 && !a.config.empty();
}

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// The address the kernel would send from to reach `server`.
std::optional<ovpn::IpAddress> source_for(const ovpn::Endpoint& server) {
  ovpn::io::Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_storage ss;
  const socklen_t len = server.to_sockaddr(ss);
  if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) return {};
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return {};
  const auto e = ovpn::Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&local), local_len);
  if (!e) return {};
  return e->address();
}

// Builds resets: IPv4 | UDP | the wrapped reset.
class ResetBuilder {
 public:
  ResetBuilder(ovpn::control::TlsWrapContext context, const ovpn::IpAddress& source,
               const ovpn::Endpoint& server, uint64_t bad_every)
      : context_(std::move(context)), source_(source), server_(server), bad_every_(bad_every) {
    // Every packet is the first of a new client: the first replay id of a fresh context.
    if (auto first = context_.send.next()) replay_ = *first;
    op_ = context_.wrap->mode() == ovpn::proto::ControlWrapMode::kTlsCryptV2
              ? ovpn::proto::Opcode::kControlHardResetClientV3
              : ovpn::proto::Opcode::kControlHardResetClientV2;
    port_ = static_cast<uint16_t>(rng_() % kPortCount);
  }

  // One packet into `out`; its size, 0 on a wrap error.
  size_t build(std::span<uint8_t> out) {
    ovpn::crypto::WrapHeader header;
    header.op = {op_, ovpn::KeyId{}};
    const uint64_t sid = rng_() | 1;  // never all zeros
    std::memcpy(header.session_id.data(), &sid, sizeof sid);
    header.replay = replay_;
    ovpn::proto::ControlBody body;
    body.has_message_id = true;
    body.message_id = 0;
    std::array<uint8_t, 16> p{};
    const size_t p_size = ovpn::proto::write_control_body(body, p);
    uint8_t* udp = out.data() + kIpHeader;
    auto wrapped = context_.wrap->wrap(header, std::span(p.data(), p_size),
                                       out.subspan(kIpHeader + kUdpHeader));
    if (!wrapped) return 0;
    ++count_;
    // The auth field follows op || sid in every wrapped mode (tls-auth HMAC; tls-crypt's
    // replay id, then its tag, is covered by the tag).
    if (bad_every_ != 0 && count_ % bad_every_ == 0 && *wrapped > ovpn::proto::kOpSidSize) {
      udp[kUdpHeader + ovpn::proto::kOpSidSize] ^= 0x5a;
      ++bad_;
    }
    const size_t udp_len = kUdpHeader + *wrapped;
    uint8_t* ip = out.data();
    std::memset(ip, 0, kIpHeader + kUdpHeader);
    ip[0] = 0x45;
    put16(ip + 2, static_cast<uint16_t>(kIpHeader + udp_len));
    put16(ip + 4, static_cast<uint16_t>(count_));
    ip[8] = 64;
    ip[9] = IPPROTO_UDP;
    std::memcpy(ip + 12, source_.bytes(), 4);
    std::memcpy(ip + 16, server_.address().bytes(), 4);
    put16(ip + 10, ovpn::proto::ipv4_header_checksum(std::span(ip, kIpHeader)));
    port_ = static_cast<uint16_t>((port_ + 1) % kPortCount);
    put16(udp, static_cast<uint16_t>(kFirstPort + port_));
    put16(udp + 2, server_.port());
    put16(udp + 4, static_cast<uint16_t>(udp_len));
    const auto ip_span = std::span<const uint8_t>(ip, kIpHeader + udp_len);
    uint64_t sum = ovpn::proto::pseudo_header_sum(ip_span, IPPROTO_UDP, udp_len);
    sum = ovpn::proto::checksum_add(std::span<const uint8_t>(udp, udp_len), sum);
    uint16_t csum = ovpn::proto::checksum_finish(sum);
    put16(udp + 6, csum == 0 ? 0xffff : csum);
    return kIpHeader + udp_len;
  }

  uint64_t bad() const noexcept { return bad_; }

 private:
  ovpn::control::TlsWrapContext context_;
  ovpn::IpAddress source_;
  ovpn::Endpoint server_;
  uint64_t bad_every_;
  ovpn::proto::ReplayId replay_;
  ovpn::proto::Opcode op_;
  std::mt19937_64 rng_{std::random_device{}()};
  uint16_t port_ = 0;
  uint64_t count_ = 0;
  uint64_t bad_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, args)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto target = ovpn::load::read_load_target(args.config);
  if (!target || !target->server.is_v4()) {
    std::fprintf(
        stderr, "reset_flood: %s\n",
        target ? "the first remote must be an IPv4 address" : target.error().message.c_str());
    return 2;
  }
  const ovpn::Endpoint& server = target->server;
  const auto source = source_for(server);
  auto keys = ovpn::app::ClientWrapKeys::create(target->options.tls);
  auto context =
      keys ? keys->make(static_cast<uint32_t>(::time(nullptr)))
           : ovpn::Expected<ovpn::control::TlsWrapContext>(ovpn::forward_error(std::move(keys)));
  if (!context || !source) {
    std::fprintf(stderr, "reset_flood: %s\n",
                 context ? "no route to the server" : context.error().message.c_str());
    return 2;
  }
  ovpn::io::Fd raw(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
  if (!raw.valid()) {
    std::fprintf(stderr, "reset_flood: raw socket: %s\n", std::strerror(errno));
    return 2;
  }
  ResetBuilder builder(std::move(*context), *source, server, args.bad_every);

  sockaddr_storage to;
  const socklen_t to_len = server.to_sockaddr(to);
  std::vector<std::array<uint8_t, kMaxPacket>> bufs(kMaxBatch);
  std::array<iovec, kMaxBatch> iov{};
  std::array<mmsghdr, kMaxBatch> msgs{};
  uint64_t sent = 0, errors = 0;
  const uint64_t t0 = ovpn::monotonic_ns();
  const uint64_t end = t0 + args.duration_s * 1000000000ULL;
  timespec tick{};
  ::clock_gettime(CLOCK_MONOTONIC, &tick);
  for (uint64_t now = t0; now < end; now = ovpn::monotonic_ns()) {
    const auto due = static_cast<uint64_t>(static_cast<double>(now - t0) * 1e-9 *
                                           static_cast<double>(args.rate));
    while (sent + errors < due) {
      const size_t n = std::min<uint64_t>(due - sent - errors, kMaxBatch);
      for (size_t i = 0; i < n; ++i) {
        const size_t size = builder.build(bufs[i]);
        iov[i] = {bufs[i].data(), size};
        msgs[i].msg_hdr = {};
        msgs[i].msg_hdr.msg_name = &to;
        msgs[i].msg_hdr.msg_namelen = to_len;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      const int r = ::sendmmsg(raw.get(), msgs.data(), static_cast<unsigned>(n), 0);
      if (r < 0) {
        errors += n;  // counted as attempted, so that a full queue does not stall the pacing
      } else {
        sent += static_cast<uint64_t>(r);
        errors += n - static_cast<uint64_t>(r);
      }
    }
    // The next 1 ms tick, absolute: a late wake-up catches up instead of drifting.
    tick.tv_nsec += 1000000;
    if (tick.tv_nsec >= 1000000000) {
      tick.tv_nsec -= 1000000000;
      ++tick.tv_sec;
    }
    ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, nullptr);
  }
  const double seconds = static_cast<double>(ovpn::monotonic_ns() - t0) * 1e-9;
  std::printf("flood: sent=%llu bad=%llu errors=%llu seconds=%.2f pps=%.0f\n",
              static_cast<unsigned long long>(sent), static_cast<unsigned long long>(builder.bad()),
              static_cast<unsigned long long>(errors), seconds,
              static_cast<double>(sent) / seconds);
  return 0;
}
