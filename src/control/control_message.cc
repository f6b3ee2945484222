// Control messages: split, classify, collect PUSH_REPLY parts, build (see control_message.h).

#include "control/control_message.h"

#include <algorithm>
#include <charconv>

#include "control/tls_session.h"

namespace ovpn::control {
namespace {

bool printable(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::optional<uint32_t> decimal(std::string_view text) {
  uint32_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Calls fn(item) for each comma-separated item.
template <class Fn>
void for_each_item(std::string_view list, Fn fn) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    fn(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// "KEYWORD" or "KEYWORD,args": the args, or nullopt when text is another keyword.
std::optional<std::string_view> match(std::string_view text, std::string_view keyword) {
  if (text.substr(0, keyword.size()) != keyword) return std::nullopt;
  const std::string_view rest = text.substr(keyword.size());
  if (rest.empty()) return rest;
  if (rest.front() != ',') return std::nullopt;
  return rest.substr(1);
}

void parse_push_options(std::string_view args, ControlMessage& msg) {
  constexpr std::string_view kContinuation = "push-continuation ";
  for_each_item(args, [&](std::string_view item) {
    if (item.substr(0, kContinuation.size()) == kContinuation) {
      const auto v = decimal(trim(item.substr(kContinuation.size())));
      msg.push_continuation = v && *v <= 2 ? static_cast<int>(*v) : 0;
      return;
    }
    if (!msg.options.empty()) msg.options += ',';
    msg.options.append(item);
  });
}

void parse_auth_failed(std::string_view args, ControlMessage& msg) {
  msg.reason = std::string(args);
  if (args.substr(0, 8) == "SESSION:") {
    msg.auth_failed = AuthFailedKind::kSession;
    msg.reason = std::string(args.substr(8));
  } else if (args.substr(0, 5) == "CRV1:") {
    msg.auth_failed = AuthFailedKind::kChallenge;
    msg.reason = std::string(args.substr(5));
  } else if (args.substr(0, 4) == "TEMP" &&
             (args.size() == 4 || args[4] == '[' || args[4] == ':')) {
    msg.auth_failed = AuthFailedKind::kTemp;
    std::string_view rest = args.substr(4);
    if (!rest.empty() && rest.front() == '[') {
      const size_t close = rest.find(']');
      const std::string_view flags =
          rest.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
      for_each_item(flags, [&](std::string_view item) {
        item = trim(item);
        if (item.substr(0, 8) == "backoff ") msg.temp_backoff_s = decimal(trim(item.substr(8)));
        if (item.substr(0, 8) == "advance ") msg.temp_advance = std::string(trim(item.substr(8)));
      });
      rest = close == std::string_view::npos ? std::string_view() : rest.substr(close + 1);
    }
    if (!rest.empty() && rest.front() == ':') rest.remove_prefix(1);
    msg.reason = std::string(rest);
  }
}

void parse_restart(std::string_view args, ControlMessage& msg) {
  if (!args.empty() && args.front() == '[') {
    const size_t close = args.find(']');
    if (close != std::string_view::npos) {
      for (char flag : args.substr(1, close - 1)) {
        if (flag == 'P') msg.restart_keep_credentials = true;
        if (flag == 'N') msg.restart_next_remote = true;
      }
      args.remove_prefix(close + 1);
    }
  }
  msg.reason = std::string(args);
}

}  // namespace

SplitMessages split_control_messages(std::span<const uint8_t> plaintext) {
  SplitMessages out;
  if (plaintext.size() > kMaxControlRecord) {
    out.dropped = 1;
    return out;
  }
  std::string_view rest(reinterpret_cast<const char*>(plaintext.data()), plaintext.size());
  while (!rest.empty()) {
    const size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) {
      ++out.dropped;  // not terminated: 2.6 discards it as well
      break;
    }
    std::string_view text = rest.substr(0, nul);
    rest.remove_prefix(nul + 1);
    while (!text.empty() && (text.back() == '\r' || text.back() == '\n')) text.remove_suffix(1);
    if (text.empty()) continue;
    if (!printable(text)) {
      ++out.dropped;
      continue;
    }
    out.messages.emplace_back(text);
  }
  return out;
}

const char* control_message_kind_name(ControlMessageKind kind) noexcept {
  switch (kind) {
    case ControlMessageKind::kPushRequest:
      return "PUSH_REQUEST";
    case ControlMessageKind::kPushReply:
      return "PUSH_REPLY";
    case ControlMessageKind::kAuthFailed:
      return "AUTH_FAILED";
    case ControlMessageKind::kAuthPending:
      return "AUTH_PENDING";
    case ControlMessageKind::kInfoPre:
      return "INFO_PRE";
    case ControlMessageKind::kInfo:
      return "INFO";
    case ControlMessageKind::kRestart:
      return "RESTART";
    case ControlMessageKind::kHalt:
      return "HALT";
    case ControlMessageKind::kExit:
      return "EXIT";
    case ControlMessageKind::kCrResponse:
      return "CR_RESPONSE";
    case ControlMessageKind::kPushUpdate:
      return "PUSH_UPDATE";
    case ControlMessageKind::kUnknown:
      break;
  }
  return "unknown";
}

ControlMessage classify_control_message(std::string_view text) {
  ControlMessage msg;
  msg.text = std::string(text);
  struct Keyword {
    std::string_view word;
    ControlMessageKind kind;
  };
  // INFO_PRE before INFO: match() needs the keyword to end at ',' or the end, so order only
  // matters for readability.
  static constexpr Keyword kKeywords[] = {
      {"PUSH_REQUEST", ControlMessageKind::kPushRequest},
      {"PUSH_REPLY", ControlMessageKind::kPushReply},
      {"PUSH_UPDATE", ControlMessageKind::kPushUpdate},
      {"AUTH_FAILED", ControlMessageKind::kAuthFailed},
      {"AUTH_PENDING", ControlMessageKind::kAuthPending},
      {"INFO_PRE", ControlMessageKind::kInfoPre},
      {"INFO", ControlMessageKind::kInfo},
      {"RESTART", ControlMessageKind::kRestart},
      {"HALT", ControlMessageKind::kHalt},
      {"EXIT", ControlMessageKind::kExit},
      {"CR_RESPONSE", ControlMessageKind::kCrResponse},
  };
  std::optional<std::string_view> args;
  for (const auto& k : kKeywords) {
    if ((args = match(text, k.word))) {
      msg.kind = k.kind;
      break;
    }
  }
  if (!args) return msg;
  msg.args = std::string(*args);
  switch (msg.kind) {
    case ControlMessageKind::kPushReply:
    case ControlMessageKind::kPushUpdate:
      parse_push_options(*args, msg);
      break;
    case ControlMessageKind::kAuthFailed:
      parse_auth_failed(*args, msg);
      break;
    case ControlMessageKind::kAuthPending:
      for_each_item(*args, [&](std::string_view item) {
        item = trim(item);
        if (item.substr(0, 8) == "timeout ") msg.pending_timeout_s = decimal(trim(item.substr(8)));
      });
      break;
    case ControlMessageKind::kRestart:
      parse_restart(*args, msg);
      break;
    case ControlMessageKind::kInfoPre:
    case ControlMessageKind::kInfo:
    case ControlMessageKind::kHalt:
      msg.reason = msg.args;
      break;
    default:
      break;
  }
  return msg;
}

Expected<PushReplyCollector::Result> PushReplyCollector::add(const ControlMessage& part) {
  if (part.kind != ControlMessageKind::kPushReply) {
    return make_error(Errc::kInvalidArgument, "not a PUSH_REPLY");
  }
  if (complete_) reset();  // a new reply after a complete one starts over
  if (parts_ + 1 > kMaxPushReplyParts ||
      options_.size() + part.options.size() + 1 > kMaxPushReplySize) {
    reset();
    return make_error(Errc::kExhausted, "PUSH_REPLY continued beyond " +
                                            std::to_string(kMaxPushReplyParts) + " parts or " +
                                            std::to_string(kMaxPushReplySize) + " bytes");
  }
  ++parts_;
  if (!part.options.empty()) {
    if (!options_.empty()) options_ += ',';
    options_ += part.options;
  }
  if (part.push_continuation == 2) return Result::kIncomplete;
  complete_ = true;
  return Result::kComplete;
}

void PushReplyCollector::reset() {
  options_.clear();
  parts_ = 0;
  complete_ = false;
}

Expected<std::vector<uint8_t>> build_control_message(std::string_view text) {
  if (text.empty() || text.size() + 1 > kMaxTlsMessageSize) {
    return make_error(Errc::kInvalidArgument,
                      "control message of " + std::to_string(text.size()) + " bytes");
  }
  if (!printable(text)) {
    return make_error(Errc::kInvalidArgument, "control message with a non-printable character");
  }
  std::vector<uint8_t> out(text.begin(), text.end());
  out.push_back(0);
  return out;
}

std::vector<uint8_t> build_push_request() {
  return std::move(*build_control_message("PUSH_REQUEST"));
}
std::vector<uint8_t> build_exit() { return std::move(*build_control_message("EXIT")); }

Expected<std::vector<std::string>> build_push_reply(const std::vector<std::string>& options,
                                                    size_t bundle) {
  constexpr std::string_view kHead = "PUSH_REPLY";
  constexpr std::string_view kMore = ",push-continuation 2";
  constexpr std::string_view kLast = ",push-continuation 1";
  // Room for the head and a continuation marker in every message.
  if (bundle <= kHead.size() + kMore.size()) {
    return make_error(Errc::kInvalidArgument, "push bundle size too small");
  }
  const size_t room = bundle - kMore.size();
  std::vector<std::string> out;
  std::string current(kHead);
  for (const std::string& option : options) {
    if (option.empty()) continue;
    if (kHead.size() + 1 + option.size() > room) {
      return make_error(Errc::kInvalidArgument,
                        "push option too long for a PUSH_REPLY: " + option.substr(0, 64));
    }
    if (current.size() + 1 + option.size() > room) {
      out.push_back(std::move(current));
      current = std::string(kHead);
    }
    current += ',';
    current += option;
  }
  out.push_back(std::move(current));
  if (out.size() > 1) {
    for (size_t i = 0; i < out.size(); ++i) out[i] += i + 1 < out.size() ? kMore : kLast;
  }
  return out;
}

}  // namespace ovpn::control
