#pragma once
// The baselines the micro-benchmarks hold DataAead and the engine against: the least OpenSSL can
// be asked to do per P_DATA_V2 packet (header || tag || payload, in place, on a context keyed
// once): set the nonce, the AAD (the 8-byte header), the payload, final, get or set the tag.
//
//   BareAead<Via::kEvp>       through EVP_CIPHER_CTX, as most programs (and OpenVPN) do
//   BareAead<Via::kProvider>  through the provider's cipher functions (crypto/provider_aead.h),
//                             as DataAead does: the floor for the engine's own overhead

#include <openssl/evp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>

#include "crypto/cipher_alg.h"
#include "crypto/evp.h"
#include "crypto/provider_aead.h"
#include "proto/data_packet.h"

namespace ovpn::bench {

enum class Via { kEvp, kProvider };

template <Via kVia>
class BareAead {
 public:
  BareAead(crypto::CipherAlg alg, std::span<const uint8_t> key,
           std::span<const uint8_t, 8> implicit_iv, bool encrypt) {
    std::memcpy(implicit_iv_, implicit_iv.data(), sizeof implicit_iv_);
    const EVP_CIPHER* cipher = crypto::evp_cipher(alg);
    if constexpr (kVia == Via::kEvp) {
      ctx_.reset(EVP_CIPHER_CTX_new());
      if (!ctx_ || EVP_CipherInit_ex(ctx_.get(), cipher, nullptr, key.data(), nullptr,
                                     encrypt ? 1 : 0) != 1) {
        fail("EVP_CipherInit_ex");
      }
    } else {
      auto aead = crypto::ProviderAead::create(cipher, key.data(), key.size());
      if (!aead) fail(aead.error().message.c_str());
      provider_.emplace(std::move(*aead));
    }
  }

  bool seal(uint8_t* packet, size_t size) {
    uint8_t nonce[12];
    make_nonce(packet, nonce);
    uint8_t* tag = packet + kHeader;
    uint8_t* payload = packet + kOverhead;
    const size_t len = size - kOverhead;
    if constexpr (kVia == Via::kProvider) {
      return provider_->seal(nonce, packet, kHeader, payload, payload, len, tag);
    } else {
      int out = 0;
      EVP_CIPHER_CTX* ctx = ctx_.get();
      return EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) == 1 &&
             EVP_EncryptUpdate(ctx, nullptr, &out, packet, static_cast<int>(kHeader)) == 1 &&
             EVP_EncryptUpdate(ctx, payload, &out, payload, static_cast<int>(len)) == 1 &&
             EVP_EncryptFinal_ex(ctx, payload + out, &out) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTag), tag) == 1;
    }
  }

  bool open(uint8_t* packet, size_t size) {
    uint8_t nonce[12];
    make_nonce(packet, nonce);
    uint8_t* tag = packet + kHeader;
    uint8_t* payload = packet + kOverhead;
    const size_t len = size - kOverhead;
    if constexpr (kVia == Via::kProvider) {
      return provider_->open(nonce, packet, kHeader, payload, payload, len, tag);
    } else {
      int out = 0;
      EVP_CIPHER_CTX* ctx = ctx_.get();
      return EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) == 1 &&
             EVP_DecryptUpdate(ctx, nullptr, &out, packet, static_cast<int>(kHeader)) == 1 &&
             EVP_DecryptUpdate(ctx, payload, &out, payload, static_cast<int>(len)) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTag), tag) == 1 &&
             EVP_DecryptFinal_ex(ctx, payload + out, &out) == 1;
    }
  }

 private:
  static constexpr size_t kHeader = proto::kDataV2HeaderSize;
  static constexpr size_t kTag = proto::kAeadTagSize;
  static constexpr size_t kOverhead = proto::kDataV2Overhead;

  [[noreturn]] static void fail(const char* what) {
    std::fprintf(stderr, "bare AEAD: %s\n", what);
    std::exit(1);
  }
  void make_nonce(const uint8_t* packet, uint8_t* nonce) const {
    std::memcpy(nonce, packet + 4, 4);  // the packet id
    std::memcpy(nonce + 4, implicit_iv_, 8);
  }

  uint8_t implicit_iv_[8];
  crypto::CipherCtxPtr ctx_;                      // kEvp
  std::optional<crypto::ProviderAead> provider_;  // kProvider
};

using BareEvpAead = BareAead<Via::kEvp>;
using BareProviderAead = BareAead<Via::kProvider>;

}  // namespace ovpn::bench
