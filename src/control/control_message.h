#pragma once
// Control messages: the NUL-terminated text commands that follow the key-method-2 exchange in
// the TLS channel (protocol reference 5.2, 8.1).
//
// Receiving, as 2.6 does with each plaintext read: split at NULs, strip trailing CR/LF, drop a
// message holding a non-printable character, then classify by its keyword. PUSH_REPLY parts are
// collected until the one with "push-continuation 1" (or without that option).
// Sending: the text and its NUL, one message per TLS record.
//
// Single-threaded: control (PushReplyCollector); the functions are pure.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ovpn::control {

// One plaintext read (2048 bytes) holds at most this much; more is refused as a whole.
inline constexpr size_t kMaxControlRecord = 2048;
// PUSH_BUNDLE_SIZE: a server's PUSH_REPLY message is at most this long.
inline constexpr size_t kPushBundleSize = 1024;
// Bounds on a continued PUSH_REPLY: parts and the joined option text.
inline constexpr size_t kMaxPushReplyParts = 64;
inline constexpr size_t kMaxPushReplySize = 64 * 1024;

struct SplitMessages {
  std::vector<std::string> messages;  // without NUL, CR/LF stripped, printable only
  size_t dropped = 0;                 // messages dropped for non-printable characters
};

// Splits one plaintext read. A record larger than kMaxControlRecord yields nothing and counts
// one drop. Text after the last NUL is not a message (2.6 discards it too) and counts one drop.
// Thread: any.
SplitMessages split_control_messages(std::span<const uint8_t> plaintext);

enum class ControlMessageKind : uint8_t {
  kPushRequest,
  kPushReply,
  kAuthFailed,
  kAuthPending,
  kInfoPre,
  kInfo,
  kRestart,
  kHalt,
  kExit,
  kCrResponse,
  kPushUpdate,  // 2.7; recognised, not supported
  kUnknown,
};
// Thread: any.
const char* control_message_kind_name(ControlMessageKind kind) noexcept;

enum class AuthFailedKind : uint8_t { kPlain, kTemp, kSession, kChallenge };

// What follows the keyword, parsed for the kinds that have structure.
struct ControlMessage {
  ControlMessageKind kind = ControlMessageKind::kUnknown;
  std::string text;  // the whole message
  std::string args;  // the text after "KEYWORD," ("" when none)

  // PUSH_REPLY / PUSH_UPDATE: the options with any push-continuation option removed, and its
  // value (0: none; 2: more parts follow; 1: last part).
  std::string options;
  int push_continuation = 0;

  // AUTH_FAILED: TEMP[backoff N,advance addr|remote|no]:msg, SESSION:msg, CRV1:challenge.
  AuthFailedKind auth_failed = AuthFailedKind::kPlain;
  std::optional<uint32_t> temp_backoff_s;
  std::string temp_advance;  // "", "addr", "remote" or "no"

  // AUTH_PENDING,timeout N
  std::optional<uint32_t> pending_timeout_s;

  // RESTART,[flags]msg: P keeps the credentials, N advances to the next remote.
  bool restart_keep_credentials = false;
  bool restart_next_remote = false;

  // The human-readable part: AUTH_FAILED reason, RESTART/HALT message, INFO text.
  std::string reason;
};

// Classifies one message (as split_control_messages returns it). Thread: any.
ControlMessage classify_control_message(std::string_view text);

// Collects the parts of a PUSH_REPLY. Single-threaded: control.
class PushReplyCollector {
 public:
  enum class Result : uint8_t { kIncomplete, kComplete };
  // Adds a classified PUSH_REPLY part. Complete: options() holds every part's options, joined
  // with ','. Fails on too many parts or too much text (the collector is reset).
  Expected<Result> add(const ControlMessage& part);
  const std::string& options() const noexcept { return options_; }
  size_t parts() const noexcept { return parts_; }
  void reset();

 private:
  std::string options_;
  size_t parts_ = 0;
  bool complete_ = false;
};

// The bytes of a message to send: text and NUL. The text must be printable ASCII and at most
// kMaxTlsMessageSize - 1 bytes. Thread: any.
Expected<std::vector<uint8_t>> build_control_message(std::string_view text);
// Thread: any.
std::vector<uint8_t> build_push_request();  // "PUSH_REQUEST\0"
std::vector<uint8_t> build_exit();          // "EXIT\0"

// A server's PUSH_REPLY for `options` (each an option line): "PUSH_REPLY,a,b,..." messages of at
// most `bundle` bytes, cut between options; when there is more than one, each carries
// "push-continuation 2" but the last, which carries "push-continuation 1". An option too long
// for a message on its own is refused (kInvalidArgument, naming it). Thread: any.
Expected<std::vector<std::string>> build_push_reply(const std::vector<std::string>& options,
                                                    size_t bundle = kPushBundleSize);

}  // namespace ovpn::control
