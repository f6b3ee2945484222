#include "common/drop.h"

namespace ovpn {

const char* drop_name(Drop reason) noexcept {
  switch (reason) {
    case Drop::kNone:
      return "none";
    case Drop::kMalformed:
      return "malformed";
    case Drop::kDataV1:
      return "data_v1";
    case Drop::kUnknownPeer:
      return "unknown_peer";
    case Drop::kNoKey:
      return "no_key";
    case Drop::kBadTag:
      return "bad_tag";
    case Drop::kReplay:
      return "replay";
    case Drop::kPacketIdExhausted:
      return "packet_id_exhausted";
    case Drop::kReversePath:
      return "reverse_path";
    case Drop::kQueueFull:
      return "queue_full";
    case Drop::kSendFailed:
      return "send_failed";
    case Drop::kClientToClient:
      return "client_to_client";
    case Drop::kCount:
      break;
  }
  return "unknown";
}

}  // namespace ovpn
