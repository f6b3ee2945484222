// Fuzz target: control messages (control/control_message.h): one TLS plaintext read split into
// messages, each classified, PUSH_REPLY parts collected.
//
// Input: the plaintext of one read.
//
// Invariants:
//   * every message split out is non-empty, printable ASCII, without a trailing CR/LF, and
//     shorter than the input; messages plus drops never exceed the NULs in the input plus one;
//   * a message of a known kind starts with the kind's keyword;
//   * a message of at most 2046 bytes builds to itself and a NUL, and splits back to itself;
//   * the collected PUSH_REPLY options stay within their bound.

#include <algorithm>
#include <string>

#include "control/control_message.h"
#include "control/tls_session.h"
#include "fuzz_target.h"

namespace control = ovpn::control;

OVPN_FUZZ_TARGET(control_message) {
  const std::span<const uint8_t> input(data, size);
  const auto split = control::split_control_messages(input);
  const auto nuls = static_cast<size_t>(std::count(input.begin(), input.end(), uint8_t{0}));
  FUZZ_CHECK(split.messages.size() + split.dropped <= nuls + 1);
  control::PushReplyCollector collector;
  for (const auto& text : split.messages) {
    FUZZ_CHECK(!text.empty() && text.size() < size);
    FUZZ_CHECK(
        std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; }));
    FUZZ_CHECK(text.back() != '\r' && text.back() != '\n');
    const auto msg = control::classify_control_message(text);
    FUZZ_CHECK(msg.text == text);
    if (msg.kind != control::ControlMessageKind::kUnknown) {
      FUZZ_REACHED("control_message/known");
      const std::string keyword = control::control_message_kind_name(msg.kind);
      FUZZ_CHECK(text.compare(0, keyword.size(), keyword) == 0);
    }
    if (msg.kind == control::ControlMessageKind::kPushReply) {
      FUZZ_REACHED("control_message/push_reply");
      if (auto r = collector.add(msg)) {
        FUZZ_CHECK(collector.options().size() <= control::kMaxPushReplySize);
      }
    }
    if (text.size() <= control::kMaxTlsMessageSize - 1) {
      auto built = control::build_control_message(text);
      FUZZ_CHECK(built.has_value() && built->size() == text.size() + 1 && built->back() == 0);
      const auto again = control::split_control_messages(*built);
      FUZZ_CHECK(again.messages.size() == 1 && again.messages[0] == text && again.dropped == 0);
    }
  }
  return 0;
}
