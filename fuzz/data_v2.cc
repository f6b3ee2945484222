// Fuzz target: P_DATA_V2 header parsing (2.6 and epoch formats) and DataAead::open with the
// fixed data keys of the seed packets (AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305, both
// directions), then a seal/open round trip of the input as a payload.
//
// Invariants:
//   * the parsers agree with the wire layout (opcode, sizes, fields) and with classify_packet;
//   * a packet that opens has its payload at 24 for size - 24 bytes, its header untouched, and
//     sealing the plaintext again reproduces the wire bytes exactly (the nonce is the packet id);
//   * no two keys open the same packet;
//   * any payload seals and opens back to itself in both formats, and one flipped bit anywhere in
//     the sealed packet makes open() fail.

#include <array>
#include <cstring>
#include <vector>

#include "common/byteorder.h"
#include "common/drop.h"
#include "crypto/data_aead.h"
#include "fuzz_keys.h"
#include "fuzz_target.h"
#include "proto/data_packet.h"
#include "proto/opcode.h"

namespace {

using ovpn::Drop;
using ovpn::KeyId;
using ovpn::PeerId;
using ovpn::crypto::DataAead;
namespace proto = ovpn::proto;

struct Fixture {
  std::vector<DataAead> v2;     // one per keys::kDataKeys entry
  std::vector<DataAead> epoch;  // the same keys in the epoch format
};

Fixture make_fixture() {
  Fixture f;
  for (const auto& k : ovpn::fuzz::keys::kDataKeys) {
    auto v2 = DataAead::create_v2(k.alg, k.key, k.implicit_iv);
    FUZZ_CHECK(v2.has_value());
    f.v2.push_back(std::move(*v2));
    std::array<uint8_t, ovpn::crypto::kEpochIvSize> iv{};
    std::memcpy(iv.data(), k.implicit_iv.data(), k.implicit_iv.size());
    iv[8] = 0xa5;  // arbitrary: the epoch IV has 4 more bytes
    auto epoch = DataAead::create_epoch(k.alg, k.key, iv);
    FUZZ_CHECK(epoch.has_value());
    f.epoch.push_back(std::move(*epoch));
  }
  return f;
}

Fixture& fixture() {
  static Fixture f = make_fixture();
  return f;
}

void check_parsers(std::span<const uint8_t> wire) {
  proto::DataV2Header h;
  proto::DataV2Header he;
  const Drop d = proto::parse_data_v2(wire, h);
  const Drop de = proto::parse_data_v2_epoch(wire, he);
  const proto::PacketKind kind = proto::classify_packet(wire);
  if (wire.empty()) {
    FUZZ_CHECK(d == Drop::kMalformed && de == Drop::kMalformed);
    FUZZ_CHECK(kind == proto::PacketKind::kInvalid);
    return;
  }
  const auto op = static_cast<uint8_t>(wire[0] >> 3);
  if (op == static_cast<uint8_t>(proto::Opcode::kDataV2)) {
    FUZZ_CHECK(kind == proto::PacketKind::kDataV2);
    FUZZ_CHECK(d == (wire.size() >= proto::kDataV2Overhead ? Drop::kNone : Drop::kMalformed));
    FUZZ_CHECK(de == (wire.size() >= proto::kDataV2EpochOverhead ? Drop::kNone : Drop::kMalformed));
    if (d == Drop::kNone) {
      FUZZ_CHECK(h.key_id == KeyId::from_wire(wire[0]));
      FUZZ_CHECK(h.peer_id == PeerId::from_wire(ovpn::load_be24(&wire[1])));
      FUZZ_CHECK(h.packet_id == ovpn::load_be32(&wire[4]));
      // The header writer produces the bytes the parser read.
      uint8_t header[proto::kDataV2HeaderSize];
      proto::write_data_v2_header(header, h.key_id, h.peer_id, static_cast<uint32_t>(h.packet_id));
      FUZZ_CHECK(std::memcmp(header, wire.data(), sizeof header) == 0);
    }
    if (de == Drop::kNone) {
      FUZZ_CHECK(he.key_id == KeyId::from_wire(wire[0]));
      FUZZ_CHECK(he.packet_id == ovpn::load_be64(&wire[4]));
      uint8_t header[proto::kDataV2EpochHeaderSize];
      proto::write_data_v2_epoch_header(header, he.key_id, he.peer_id,
                                        static_cast<uint16_t>(he.packet_id >> 48),
                                        he.packet_id & proto::kEpochCounterMax);
      FUZZ_CHECK(std::memcmp(header, wire.data(), sizeof header) == 0);
    }
  } else if (op == static_cast<uint8_t>(proto::Opcode::kDataV1)) {
    FUZZ_CHECK(kind == proto::PacketKind::kDataV1);
    FUZZ_CHECK(d == Drop::kDataV1 && de == Drop::kDataV1);
  } else {
    FUZZ_CHECK(d == Drop::kMalformed && de == Drop::kMalformed);
    const bool defined = proto::decode_op_byte(wire[0]).has_value();
    FUZZ_CHECK(kind == (defined ? proto::PacketKind::kControl : proto::PacketKind::kInvalid));
  }
}

// Opens a copy of `wire` with every key; returns how many opened it.
int try_open(std::vector<DataAead>& aeads, std::span<const uint8_t> wire, const char* event) {
  int opened = 0;
  std::vector<uint8_t> buf;
  for (DataAead& aead : aeads) {
    buf.assign(wire.begin(), wire.end());
    if (!aead.open(buf)) continue;
    FUZZ_REACHED(event);
    ++opened;
    FUZZ_CHECK(wire.size() >= aead.overhead());
    const size_t offset = aead.payload_offset();
    const std::span<const uint8_t> plaintext(buf.data() + offset, wire.size() - aead.overhead());
    if (aead.format() == ovpn::crypto::DataFormat::kV2) {
      FUZZ_CHECK(offset == 24 && plaintext.size() == wire.size() - 24);
    } else {
      FUZZ_CHECK(offset == 12 && plaintext.size() == wire.size() - 28);
    }
    // The header (the AAD) and the tag are not touched; only the ciphertext is replaced.
    const size_t end = offset + plaintext.size();
    FUZZ_CHECK(std::memcmp(buf.data(), wire.data(), offset) == 0);
    FUZZ_CHECK(std::memcmp(buf.data() + end, wire.data() + end, wire.size() - end) == 0);
    static_cast<void>(proto::is_ping(plaintext));
    // Deterministic AEAD: sealing the plaintext under the same header gives the wire back.
    FUZZ_CHECK(aead.seal(buf));
    FUZZ_CHECK(ovpn::fuzz::same_bytes(buf, wire));
  }
  return opened;
}

// Seals `payload` in the format of `aead`, opens it back, then flips one bit and expects open()
// to fail.
void round_trip(DataAead& aead, std::span<const uint8_t> payload, uint64_t salt) {
  std::vector<uint8_t> packet(aead.overhead() + payload.size());
  const KeyId key_id = KeyId::from_wire(static_cast<uint8_t>(salt));
  const PeerId peer_id = PeerId::from_wire(static_cast<uint32_t>(salt >> 8));
  if (aead.format() == ovpn::crypto::DataFormat::kV2) {
    proto::write_data_v2_header(packet.data(), key_id, peer_id, static_cast<uint32_t>(salt));
  } else {
    proto::write_data_v2_epoch_header(packet.data(), key_id, peer_id,
                                      static_cast<uint16_t>(salt >> 32), salt);
  }
  if (!payload.empty()) {
    std::memcpy(packet.data() + aead.payload_offset(), payload.data(), payload.size());
  }
  FUZZ_CHECK(aead.seal(packet));
  std::vector<uint8_t> sealed = packet;
  FUZZ_CHECK(aead.open(packet));
  FUZZ_CHECK(std::memcmp(packet.data(), sealed.data(), aead.header_size()) == 0);
  FUZZ_CHECK(payload.empty() || std::memcmp(packet.data() + aead.payload_offset(), payload.data(),
                                            payload.size()) == 0);
  const size_t bit = static_cast<size_t>(salt % (sealed.size() * 8));
  sealed[bit / 8] = static_cast<uint8_t>(sealed[bit / 8] ^ (1u << (bit % 8)));
  FUZZ_CHECK(!aead.open(sealed));
  // Too short for the overhead: refused before OpenSSL is called.
  FUZZ_CHECK(!aead.open(std::span<uint8_t>(sealed).first(aead.overhead() - 1)));
  FUZZ_CHECK(!aead.seal(std::span<uint8_t>(sealed).first(aead.overhead() - 1)));
}

}  // namespace

OVPN_FUZZ_TARGET(data_v2) {
  const std::span<const uint8_t> wire(data, size);
  Fixture& f = fixture();
  check_parsers(wire);

  proto::DataV2Header h;
  if (proto::parse_data_v2(wire, h) == Drop::kNone) {
    FUZZ_CHECK(try_open(f.v2, wire, "data_v2/opened") <= 1);
  }
  if (proto::parse_data_v2_epoch(wire, h) == Drop::kNone) {
    FUZZ_CHECK(try_open(f.epoch, wire, "data_v2/epoch_opened") <= 1);
  }

  uint64_t salt = size * 0x9e3779b97f4a7c15ULL;
  for (size_t i = 0; i < size && i < 8; ++i) salt = (salt << 8 | salt >> 56) ^ data[i];
  const size_t k = static_cast<size_t>(salt % f.v2.size());
  round_trip(f.v2[k], wire, salt);
  round_trip(f.epoch[k], wire, salt);
  return 0;
}
