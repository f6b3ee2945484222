// ovpn_tun_read_probe: would an io_uring backend read small packets from TUN more cheaply than
// the engine's epoll + read(2) loop? (issue 6: "an io_uring backend if, and only if, the
// benchmark shows it wins".)
//
// Why TUN reads: on the small-packet path they are the engine's only system call per packet —
// the UDP side already moves a batch per call (recvmmsg / sendmmsg) and TUN writes are coalesced
// (USO). A TUN device has no batched read, so the one thing io_uring could take away is the
// system call around each read: many reads queued, one io_uring_enter(2) per batch. On the bulk
// path every read is a 64 KiB super-packet and the system call is noise.
//
//   ovpn_tun_read_probe [--seconds 2] [--rounds 3] [--size 64] [--rate PPS]      (as root)
//
// The probe moves into a network namespace of its own (unshare; it disappears with the
// process), creates a TUN device with 10.211.0.1/24, and runs a generator thread that sends UDP
// datagrams of --size bytes to 10.211.0.2 with sendmmsg, paced to --rate (default: as fast as it
// can): the kernel routes them into the TUN device. A reader thread drains the device for
// --seconds per run with:
//   read   epoll_wait, then read(2) until EAGAIN or 64 reads (what Shard::pump_tun does);
//   uring  64 reads queued in an io_uring (liburing), one io_uring_submit_and_wait per batch of
//          completions, each consumed buffer's read queued again (the queue is blocking, so a
//          read without data waits in the ring, armed on the device's poll);
//   mshot  one multishot read (IORING_OP_READ_MULTISHOT, Linux 6.7) over a ring of 64 provided
//          buffers, each given back once counted: one poll arming for many packets.
// Each reader has its own queue of the device, the only one attached while it runs. The modes
// alternate for --rounds rounds; per run: packets read per second, and CPU time per packet of
// the reader (the process but the generator thread: io_uring workers, if any, count) and of the
// whole process. The second is the one that decides: io_uring may do part of a read in the
// context of the task that wakes it (here the generator; in a VPN, whatever sends into the
// tunnel), and at a paced --rate the generator's own work per packet is the same in every mode.
// Threads: main (setup, reporting), one generator, one reader at a time.

#include <arpa/inet.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr size_t kBatch = 64;
constexpr size_t kBufferSize = 2048;
constexpr const char* kDevice = "ovprobe0";

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "ovpn_tun_read_probe: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(2);
}

uint64_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

int open_tun(bool nonblocking) {
  const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0));
  if (fd < 0) die("open /dev/net/tun");
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
  std::strncpy(ifr.ifr_name, kDevice, IFNAMSIZ - 1);
  if (::ioctl(fd, TUNSETIFF, &ifr) != 0) die("TUNSETIFF");
  return fd;
}

void set_queue(int fd, short flags) {
  ifreq ifr{};
  ifr.ifr_flags = flags;
  if (::ioctl(fd, TUNSETQUEUE, &ifr) != 0) die("TUNSETQUEUE");
}

// Runs on the generator thread until `stop`.
void generate(size_t size, double rate, const std::atomic<bool>& stop) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  ::inet_pton(AF_INET, "10.211.0.2", &to.sin_addr);
  std::vector<uint8_t> payload(size, 0x5a);
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> msgs{};
  for (size_t i = 0; i < kBatch; ++i) {
    iov[i] = {payload.data(), payload.size()};
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = sizeof to;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  // Paced: batch n leaves at n * kBatch / rate seconds (late batches leave at once).
  const double batch_ns = rate > 0 ? 1e9 * static_cast<double>(kBatch) / rate : 0;
  const uint64_t start = clock_ns(CLOCK_MONOTONIC);
  for (uint64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
    if (batch_ns > 0) {
      const uint64_t due = start + static_cast<uint64_t>(static_cast<double>(n) * batch_ns);
      timespec at{static_cast<time_t>(due / 1000000000ULL), static_cast<long>(due % 1000000000ULL)};
      ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
    }
    ::sendmmsg(fd, msgs.data(), kBatch, 0);  // the device drops what the reader cannot take
  }
  ::close(fd);
}

struct RunResult {
  double pps = 0;
  double cpu_ns_per_packet = 0;    // the reader's (and any io_uring worker's)
  double total_ns_per_packet = 0;  // the whole process's, the generator's included
};

// The generator thread's CPU clock, set before the first run.
clockid_t generator_clock = CLOCK_THREAD_CPUTIME_ID;

// CPU time of the process but the generator: the reader and any io_uring worker.
uint64_t reader_cpu_ns() { return clock_ns(CLOCK_PROCESS_CPUTIME_ID) - clock_ns(generator_clock); }

struct Start {
  uint64_t wall = clock_ns(CLOCK_MONOTONIC);
  uint64_t reader = reader_cpu_ns();
  uint64_t process = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
};

RunResult finish(uint64_t packets, const Start& start) {
  const double wall = static_cast<double>(clock_ns(CLOCK_MONOTONIC) - start.wall);
  const double reader = static_cast<double>(reader_cpu_ns() - start.reader);
  const double process = static_cast<double>(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - start.process);
  RunResult r;
  if (packets == 0) return r;
  r.pps = static_cast<double>(packets) * 1e9 / wall;
  r.cpu_ns_per_packet = reader / static_cast<double>(packets);
  r.total_ns_per_packet = process / static_cast<double>(packets);
  return r;
}

// Thread: the reader of this run.
RunResult read_with_epoll(int fd, double seconds) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  if (ep < 0 || ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll");
  std::vector<uint8_t> buffer(kBatch * kBufferSize);
  const Start start;
  const auto end = start.wall + static_cast<uint64_t>(seconds * 1e9);
  uint64_t packets = 0;
  while (clock_ns(CLOCK_MONOTONIC) < end) {
    epoll_event out{};
    if (::epoll_wait(ep, &out, 1, 100) <= 0) continue;
    for (size_t i = 0; i < kBatch; ++i) {
      if (::read(fd, buffer.data() + i * kBufferSize, kBufferSize) <= 0) break;
      ++packets;
    }
  }
  ::close(ep);
  return finish(packets, start);
}

// A liburing call's negative errno as a fatal error.
void check(int rc, const char* what) {
  if (rc >= 0) return;
  errno = -rc;
  die(what);
}

void init_ring(io_uring& ring) {
  check(io_uring_queue_init(2 * kBatch, &ring, 0), "io_uring_queue_init");
}

// Submits what was queued and waits for a completion, or 100 ms (so that the caller sees the
// end of its run). Thread: the ring's owner.
void submit_and_wait(io_uring& ring) {
  __kernel_timespec tick{0, 100'000'000};
  io_uring_cqe* cqe = nullptr;
  const int rc = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &tick, nullptr);
  if (rc != -ETIME && rc != -EINTR) check(rc, "io_uring_submit_and_wait");
}

// A free submission slot (the rings are sized for every read a mode queues at once).
io_uring_sqe& next_sqe(io_uring& ring) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (sqe == nullptr) {
    errno = EBUSY;
    die("io_uring_get_sqe");
  }
  return *sqe;
}

// Thread: the reader of this run.
RunResult read_with_uring(int fd, double seconds) {
  io_uring ring{};
  init_ring(ring);
  std::vector<uint8_t> buffer(kBatch * kBufferSize);
  auto queue_read = [&](size_t i) {
    io_uring_sqe& sqe = next_sqe(ring);
    io_uring_prep_read(&sqe, fd, buffer.data() + i * kBufferSize, kBufferSize, 0);
    io_uring_sqe_set_data64(&sqe, i);
  };
  for (size_t i = 0; i < kBatch; ++i) queue_read(i);
  const Start start;
  const auto end = start.wall + static_cast<uint64_t>(seconds * 1e9);
  uint64_t packets = 0;
  while (clock_ns(CLOCK_MONOTONIC) < end) {
    submit_and_wait(ring);
    io_uring_cqe* cqe = nullptr;
    unsigned head = 0;
    unsigned seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      if (cqe->res > 0) ++packets;
      queue_read(static_cast<size_t>(io_uring_cqe_get_data64(cqe)));
    }
    io_uring_cq_advance(&ring, seen);
  }
  const RunResult r = finish(packets, start);
  io_uring_queue_exit(&ring);  // cancels the reads still queued
  return r;
}

// IORING_OP_READ_MULTISHOT (Linux 6.7), the opcode after IORING_OP_SENDMSG_ZC; liburing 2.3
// (Debian 12) predates it.
constexpr uint8_t kOpReadMultishot = IORING_OP_SENDMSG_ZC + 1;

// Thread: the reader of this run.
RunResult read_with_uring_multishot(int fd, double seconds) {
  io_uring ring{};
  init_ring(ring);
  // The buffers the kernel picks from, one per completion, given back once counted.
  void* ring_memory = nullptr;
  if (posix_memalign(&ring_memory, 4096, kBatch * sizeof(io_uring_buf)) != 0) die("memory");
  auto* buffers = static_cast<io_uring_buf_ring*>(ring_memory);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(buffers);
  reg.ring_entries = kBatch;
  reg.bgid = 0;
  check(io_uring_register_buf_ring(&ring, &reg, 0), "io_uring_register_buf_ring");
  io_uring_buf_ring_init(buffers);
  const int mask = io_uring_buf_ring_mask(kBatch);
  std::vector<uint8_t> storage(kBatch * kBufferSize);
  for (size_t i = 0; i < kBatch; ++i) {
    io_uring_buf_ring_add(buffers, storage.data() + i * kBufferSize, kBufferSize,
                          static_cast<unsigned short>(i), mask, static_cast<int>(i));
  }
  io_uring_buf_ring_advance(buffers, kBatch);
  auto arm = [&] {
    io_uring_sqe& sqe = next_sqe(ring);
    io_uring_prep_rw(kOpReadMultishot, &sqe, fd, nullptr, 0, 0);
    sqe.flags |= IOSQE_BUFFER_SELECT;
    sqe.buf_group = 0;
  };
  arm();
  const Start start;
  const auto end = start.wall + static_cast<uint64_t>(seconds * 1e9);
  uint64_t packets = 0;
  while (clock_ns(CLOCK_MONOTONIC) < end) {
    submit_and_wait(ring);
    io_uring_cqe* cqe = nullptr;
    unsigned head = 0;
    unsigned seen = 0;
    int returned = 0;
    bool rearm = false;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      if (cqe->res < 0 && cqe->res != -ENOBUFS && cqe->res != -EAGAIN) {
        errno = -cqe->res;
        die("multishot read");
      }
      if (cqe->res > 0) {
        ++packets;
        const auto id = static_cast<unsigned short>(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
        io_uring_buf_ring_add(buffers, storage.data() + id * kBufferSize, kBufferSize, id, mask,
                              returned++);
      }
      if ((cqe->flags & IORING_CQE_F_MORE) == 0) rearm = true;
    }
    io_uring_cq_advance(&ring, seen);
    io_uring_buf_ring_advance(buffers, returned);
    if (rearm) arm();
  }
  const RunResult r = finish(packets, start);
  io_uring_queue_exit(&ring);
  std::free(ring_memory);
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2;
  int rounds = 3;
  size_t size = 64;
  double rate = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds") {
      seconds = std::atof(argv[i + 1]);
    } else if (flag == "--rounds") {
      rounds = std::atoi(argv[i + 1]);
    } else if (flag == "--size") {
      size = static_cast<size_t>(std::atoi(argv[i + 1]));
    } else if (flag == "--rate") {
      rate = std::atof(argv[i + 1]);
    } else {
      std::fprintf(stderr,
                   "usage: ovpn_tun_read_probe [--seconds S] [--rounds N] [--size B] "
                   "[--rate PPS]\n");
      return 2;
    }
  }
  if (::unshare(CLONE_NEWNET) != 0) die("unshare(CLONE_NEWNET) (run as root)");
  // Two queues of one device: the reader of a mode opens its own, blocking for io_uring (so
  // that a read without data waits in the ring) and non-blocking for epoll; the other queue is
  // detached while it runs.
  const int epoll_fd = open_tun(true);
  const int uring_fd = open_tun(false);
  const int multishot_fd = open_tun(true);
  const std::string setup = std::string("ip addr add 10.211.0.1/24 dev ") + kDevice +
                            " && ip link set " + kDevice + " up";
  if (std::system(setup.c_str()) != 0) die("ip (iproute2)");

  int attached = epoll_fd;
  set_queue(uring_fd, IFF_DETACH_QUEUE);
  set_queue(multishot_fd, IFF_DETACH_QUEUE);

  std::atomic<bool> stop{false};
  std::thread generator(generate, size, rate, std::cref(stop));
  if (pthread_getcpuclockid(generator.native_handle(), &generator_clock) != 0) die("cpu clock");
  constexpr int kModes = 3;
  std::vector<double> pps[kModes], cpu[kModes], total[kModes];
  const char* names[kModes] = {"read", "uring", "mshot"};
  const int fds[kModes] = {epoll_fd, uring_fd, multishot_fd};
  for (int round = 0; round < rounds; ++round) {
    for (int mode = 0; mode < kModes; ++mode) {
      // Only the reading queue is attached, so that every packet goes to it.
      const int reading = fds[mode];
      if (reading != attached) {
        set_queue(attached, IFF_DETACH_QUEUE);
        set_queue(reading, IFF_ATTACH_QUEUE);
        attached = reading;
      }
      RunResult r;
      std::thread reader([&] {
        r = mode == 0   ? read_with_epoll(reading, seconds)
            : mode == 1 ? read_with_uring(reading, seconds)
                        : read_with_uring_multishot(reading, seconds);
      });
      reader.join();
      pps[mode].push_back(r.pps);
      cpu[mode].push_back(r.cpu_ns_per_packet);
      total[mode].push_back(r.total_ns_per_packet);
      std::printf("round %d %-5s %9.0f packets/s  CPU per packet: reader %7.1f ns, all %7.1f ns\n",
                  round + 1, names[mode], r.pps, r.cpu_ns_per_packet, r.total_ns_per_packet);
      std::fflush(stdout);
    }
  }
  stop.store(true);
  generator.join();
  for (int mode = 0; mode < kModes; ++mode) {
    std::printf("median  %-5s %9.0f packets/s  CPU per packet: reader %7.1f ns, all %7.1f ns\n",
                names[mode], median(pps[mode]), median(cpu[mode]), median(total[mode]));
  }
  return 0;
}
