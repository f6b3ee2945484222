#pragma once
// What every fuzz target includes: the entry-point macro, the invariant check, and helpers.
//
// A target is written once and built two ways:
//   * libFuzzer (OVPN_FUZZ=ON): OVPN_FUZZ_TARGET(name) is LLVMFuzzerTestOneInput, one binary per
//     target (ovpn_fuzz_<name>).
//   * corpus replay (always, OVPN_FUZZ_REPLAY defined): OVPN_FUZZ_TARGET(name) is a file-local
//     function that registers itself under `name`; ovpn_fuzz_replay (replay_main.cc) links every
//     target and runs each over fuzz/corpus/<name>/.
//
// FUZZ_CHECK(cond) traps when an invariant does not hold: libFuzzer reports a crash with the
// input, and the replay test dies with the name of the corpus file.
// FUZZ_REACHED("target/event") counts, in the replay build only, that a seed got somewhere (for
// example past a tag check): the replay test fails when an expected event never happens, i.e.
// when the fixed keys in fuzz_keys.h no longer match the corpus.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <stdexcept>
#include <vector>

namespace ovpn::fuzz {

// The corpus file being replayed (replay build), for the message of a failed check.
inline const char* g_current_input = nullptr;

[[noreturn]] inline void check_failed(const char* expr, const char* file, int line) noexcept {
  std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed%s%s\n", file, line, expr,
               g_current_input != nullptr ? " on input " : "",
               g_current_input != nullptr ? g_current_input : "");
  std::fflush(stderr);
  __builtin_trap();
}

// Decodes a hex string literal at compile time: hex_bytes<32>("00ff...") (bad hex or a wrong
// length does not compile).
template <size_t N, size_t M>
consteval std::array<uint8_t, N> hex_bytes(const char (&text)[M]) {
  static_assert(M == 2 * N + 1, "hex literal of the wrong length");
  auto nibble = [](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
    throw std::invalid_argument("not a hex digit");
  };
  std::array<uint8_t, N> out{};
  for (size_t i = 0; i < N; ++i) {
    out[i] = static_cast<uint8_t>((nibble(text[2 * i]) << 4) | nibble(text[2 * i + 1]));
  }
  return out;
}

inline bool same_bytes(std::span<const uint8_t> a, std::span<const uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// True when `inner` lies within `outer` (both may be empty).
inline bool within(std::span<const uint8_t> inner, std::span<const uint8_t> outer) noexcept {
  if (inner.empty()) return true;
  const auto in = reinterpret_cast<uintptr_t>(inner.data());
  const auto out = reinterpret_cast<uintptr_t>(outer.data());
  return in >= out && in - out <= outer.size() && inner.size() <= outer.size() - (in - out);
}

// The session targets' input after their first byte: frames of step (1) || length (2,
// big-endian) || bytes, where a length past the end takes what is left; at most `max` frames.
class StepFrames {
 public:
  StepFrames(const uint8_t* data, size_t size, size_t max) noexcept
      : data_(data), size_(size), left_(max) {}
  bool next(uint8_t& step, std::span<const uint8_t>& bytes) noexcept {
    if (size_ - pos_ < 3 || left_ == 0) return false;
    --left_;
    step = data_[pos_];
    const size_t len = size_t{data_[pos_ + 1]} << 8 | data_[pos_ + 2];
    pos_ += 3;
    const size_t n = len < size_ - pos_ ? len : size_ - pos_;
    bytes = std::span<const uint8_t>(data_ + pos_, n);
    pos_ += n;
    return true;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  size_t left_;
};

// The offload targets' input after the vnet header: packets each after a 2-byte big-endian
// length (a length past the end takes what is left); at most `max` packets.
inline std::vector<std::vector<uint8_t>> length_framed(std::span<const uint8_t> in, size_t max) {
  std::vector<std::vector<uint8_t>> packets;
  for (size_t at = 0; at + 2 <= in.size() && packets.size() < max;) {
    const size_t len = std::min<size_t>(size_t{in[at]} << 8 | in[at + 1], in.size() - at - 2);
    packets.emplace_back(in.begin() + static_cast<std::ptrdiff_t>(at + 2),
                         in.begin() + static_cast<std::ptrdiff_t>(at + 2 + len));
    at += 2 + len;
  }
  return packets;
}

#if defined(OVPN_FUZZ_REPLAY)
using OneInput = int (*)(const uint8_t* data, size_t size);
// Both defined in replay_main.cc.
bool register_target(const char* name, OneInput fn);
void note_reached(const char* event);
#endif

}  // namespace ovpn::fuzz

#define FUZZ_CHECK(cond)                                     \
  do {                                                       \
    if (!(cond)) [[unlikely]]                                \
      ::ovpn::fuzz::check_failed(#cond, __FILE__, __LINE__); \
  } while (0)

#if defined(OVPN_FUZZ_REPLAY)
#define FUZZ_REACHED(event) ::ovpn::fuzz::note_reached(event)
#define OVPN_FUZZ_TARGET(name)                                             \
  static int ovpn_fuzz_one_input_##name(const uint8_t* data, size_t size); \
  [[maybe_unused]] static const bool ovpn_fuzz_registered_##name =         \
      ::ovpn::fuzz::register_target(#name, &ovpn_fuzz_one_input_##name);   \
  static int ovpn_fuzz_one_input_##name(const uint8_t* data, size_t size)
#else
#define FUZZ_REACHED(event) static_cast<void>(event)
#define OVPN_FUZZ_TARGET(name) \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
#endif
