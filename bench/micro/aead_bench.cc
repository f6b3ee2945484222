// ovpn_bench_aead: the data channel's per-packet crypto, DataAead::seal and ::open, next to two
// baselines that run the least OpenSSL can be asked to do for the same bytes (bare_aead.h: same
// P_DATA_V2 layout, in place, context created and keyed once): through the provider's functions
// (bare_provider: DataAead's floor; the ratio is DataAead's own overhead) and through EVP
// (bare_evp: what the same calls cost a program that uses EVP_CIPHER_CTX).
//
// Both open variants first copy the sealed packet into the work buffer (open decrypts in place),
// so their times include the same memcpy. Each benchmark reports bytes/s of payload.
//
//   ovpn_bench_aead --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bare_aead.h"
#include "common/byteorder.h"
#include "crypto/cipher_alg.h"
#include "crypto/control_wrap.h"
#include "crypto/data_aead.h"
#include "crypto/tls_crypt.h"
#include "proto/control_packet.h"
#include "proto/data_packet.h"
#include "proto/static_key.h"

namespace {

using ovpn::bench::BareEvpAead;
using ovpn::bench::BareProviderAead;
using ovpn::crypto::CipherAlg;
using ovpn::crypto::DataAead;
namespace proto = ovpn::proto;

constexpr size_t kSizes[] = {64, 512, 1400, 9000};
constexpr CipherAlg kAlgs[] = {CipherAlg::kAes128Gcm, CipherAlg::kAes256Gcm,
                               CipherAlg::kChaCha20Poly1305};
constexpr size_t kOverhead = proto::kDataV2Overhead;
constexpr std::array<uint8_t, 8> kImplicitIv = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "ovpn_bench_aead: %s\n", what);
  std::abort();
}

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(seed + i * 7);
  return out;
}

std::vector<uint8_t> key_for(CipherAlg alg) {
  return pattern(ovpn::crypto::cipher_key_size(alg), 0x42);
}

DataAead make_aead(CipherAlg alg) {
  auto aead = DataAead::create_v2(alg, key_for(alg), kImplicitIv);
  if (!aead) die(aead.error().message.c_str());
  return std::move(*aead);
}

// A P_DATA_V2 packet of `payload` bytes: header || tag || payload.
std::vector<uint8_t> make_packet(size_t payload, uint32_t packet_id) {
  std::vector<uint8_t> packet = pattern(kOverhead + payload, 0x5a);
  proto::write_data_v2_header(packet.data(), ovpn::KeyId{}, ovpn::PeerId::from_wire(7), packet_id);
  return packet;
}

void finish(benchmark::State& state, size_t payload) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(payload));
}

void seal_data_aead(benchmark::State& state, CipherAlg alg, size_t payload) {
  DataAead aead = make_aead(alg);
  std::vector<uint8_t> packet = make_packet(payload, 1);
  uint32_t packet_id = 1;
  for (auto _ : state) {
    ovpn::store_be32(packet.data() + 4, packet_id++);
    if (!aead.seal(packet)) [[unlikely]] {
      state.SkipWithError("seal failed");
      break;
    }
    benchmark::DoNotOptimize(packet.data());
    benchmark::ClobberMemory();
  }
  finish(state, payload);
}

template <class Bare>
Bare make_bare(CipherAlg alg, bool encrypt) {
  return Bare(alg, key_for(alg), kImplicitIv, encrypt);
}

template <class Bare>
void seal_bare(benchmark::State& state, CipherAlg alg, size_t payload) {
  Bare bare = make_bare<Bare>(alg, true);
  std::vector<uint8_t> packet = make_packet(payload, 1);
  uint32_t packet_id = 1;
  for (auto _ : state) {
    ovpn::store_be32(packet.data() + 4, packet_id++);
    if (!bare.seal(packet.data(), packet.size())) [[unlikely]] {
      state.SkipWithError("seal failed");
      break;
    }
    benchmark::DoNotOptimize(packet.data());
    benchmark::ClobberMemory();
  }
  finish(state, payload);
}

// A packet sealed by DataAead, to be opened again and again.
std::vector<uint8_t> sealed_packet(CipherAlg alg, size_t payload) {
  DataAead aead = make_aead(alg);
  std::vector<uint8_t> packet = make_packet(payload, 1);
  if (!aead.seal(packet)) die("seal failed");
  return packet;
}

void open_data_aead(benchmark::State& state, CipherAlg alg, size_t payload) {
  DataAead aead = make_aead(alg);
  const std::vector<uint8_t> sealed = sealed_packet(alg, payload);
  std::vector<uint8_t> work(sealed.size());
  for (auto _ : state) {
    std::memcpy(work.data(), sealed.data(), sealed.size());
    if (!aead.open(work)) [[unlikely]] {
      state.SkipWithError("open failed");
      break;
    }
    benchmark::DoNotOptimize(work.data());
    benchmark::ClobberMemory();
  }
  finish(state, payload);
}

template <class Bare>
void open_bare(benchmark::State& state, CipherAlg alg, size_t payload) {
  Bare bare = make_bare<Bare>(alg, false);
  const std::vector<uint8_t> sealed = sealed_packet(alg, payload);
  std::vector<uint8_t> work(sealed.size());
  for (auto _ : state) {
    std::memcpy(work.data(), sealed.data(), sealed.size());
    if (!bare.open(work.data(), work.size())) [[unlikely]] {
      state.SkipWithError("open failed");
      break;
    }
    benchmark::DoNotOptimize(work.data());
    benchmark::ClobberMemory();
  }
  finish(state, payload);
}

// tls-crypt wrap of a 100-byte control body (a typical ACK-carrying P_CONTROL_V1).
void tls_crypt_wrap(benchmark::State& state) {
  const std::vector<uint8_t> key_bytes = pattern(proto::kKey2Size, 0x17);
  const proto::Key2 key(
      std::span<const uint8_t, proto::kKey2Size>(key_bytes.data(), proto::kKey2Size));
  auto tc = ovpn::crypto::TlsCrypt::create(key, proto::Role::kServer);
  if (!tc) die(tc.error().message.c_str());
  const std::vector<uint8_t> body = pattern(100, 0x33);
  std::vector<uint8_t> out((*tc)->overhead(proto::Opcode::kControlV1) + body.size());
  ovpn::crypto::WrapHeader header{{proto::Opcode::kControlV1, ovpn::KeyId{}}, {}, {1, 1700000000}};
  for (auto _ : state) {
    ++header.replay.id;
    auto n = (*tc)->wrap(header, body, out);
    if (!n) [[unlikely]] {
      state.SkipWithError("wrap failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  finish(state, body.size());
}

// DataAead and a baseline must do the same work: each opens what the other sealed.
template <class Bare>
void cross_check(const char* baseline) {
  for (CipherAlg alg : kAlgs) {
    for (size_t payload : kSizes) {
      DataAead aead = make_aead(alg);
      Bare bare_seal = make_bare<Bare>(alg, true);
      Bare bare_open = make_bare<Bare>(alg, false);
      std::vector<uint8_t> a = make_packet(payload, 42);
      std::vector<uint8_t> b = a;
      if (!aead.seal(a) || !bare_seal.seal(b.data(), b.size()) || a != b) {
        die((std::string("DataAead and the ") + baseline + " baseline seal differently").c_str());
      }
      if (!bare_open.open(a.data(), a.size()) || !aead.open(b)) {
        die((std::string("DataAead and the ") + baseline +
             " baseline do not open each other's packets")
                .c_str());
      }
    }
  }
}

void register_all() {
  using Fn = void (*)(benchmark::State&, CipherAlg, size_t);
  struct Variant {
    const char* op;
    const char* impl;
    Fn fn;
  };
  constexpr Variant kVariants[][3] = {
      {{"seal", "DataAead", seal_data_aead},
       {"seal", "bare_provider", seal_bare<BareProviderAead>},
       {"seal", "bare_evp", seal_bare<BareEvpAead>}},
      {{"open", "DataAead", open_data_aead},
       {"open", "bare_provider", open_bare<BareProviderAead>},
       {"open", "bare_evp", open_bare<BareEvpAead>}},
  };
  for (const auto& pair : kVariants) {
    for (CipherAlg alg : kAlgs) {
      for (size_t payload : kSizes) {
        for (const Variant& v : pair) {
          const std::string name = std::string(v.op) + "/" + ovpn::crypto::cipher_name(alg) + "/" +
                                   std::to_string(payload) + "/" + v.impl;
          benchmark::RegisterBenchmark(name.c_str(), v.fn, alg, payload);
        }
      }
    }
  }
  benchmark::RegisterBenchmark("tls_crypt_wrap/100", tls_crypt_wrap);
}

}  // namespace

int main(int argc, char** argv) {
  cross_check<BareProviderAead>("provider");
  cross_check<BareEvpAead>("EVP");
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
