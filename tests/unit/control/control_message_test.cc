// Control messages: the captured texts of stock 2.6.14 (push-and-km2.json) split and classify
// as they should, every message kind and variant parses, PUSH_REPLY parts are collected, and the
// messages a client sends are byte-identical to the stock client's.

#include "control/control_message.h"

#include <gtest/gtest.h>

#include "support/vectors.h"

namespace ovpn::control {
namespace {

using ovpn::test::hex;

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

ControlMessageKind expected_kind(const std::string& text) {
  if (text == "PUSH_REQUEST") return ControlMessageKind::kPushRequest;
  if (text == "EXIT") return ControlMessageKind::kExit;
  if (text == "RESTART") return ControlMessageKind::kRestart;
  if (text.rfind("PUSH_REPLY,", 0) == 0) return ControlMessageKind::kPushReply;
  return ControlMessageKind::kUnknown;
}

TEST(ControlMessage, CapturedMessagesSplitAndClassify) {
  const auto doc = ovpn::test::load_vectors("push-and-km2.json");
  size_t seen = 0;
  for (const auto& session : doc["sessions"]) {
    for (const auto& m : session["messages"]) {
      if (m["kind"] != "control-message") continue;
      const auto text = m["text"].get<std::string>();
      SCOPED_TRACE(session["session"].get<std::string>() + ": " + text);
      const auto split = split_control_messages(hex(m["plaintext"]));
      ASSERT_EQ(split.messages.size(), 1u);
      EXPECT_EQ(split.dropped, 0u);
      EXPECT_EQ(split.messages[0], text);
      const auto msg = classify_control_message(split.messages[0]);
      ASSERT_NE(expected_kind(text), ControlMessageKind::kUnknown);
      EXPECT_EQ(msg.kind, expected_kind(text));
      EXPECT_EQ(msg.text, text);
      if (msg.kind == ControlMessageKind::kPushReply) {
        EXPECT_EQ(msg.options, text.substr(11));
        EXPECT_EQ(msg.push_continuation, 0);
        PushReplyCollector collector;
        EXPECT_EQ(*collector.add(msg), PushReplyCollector::Result::kComplete);
        EXPECT_EQ(collector.options(), msg.options);
      }
      if (msg.kind == ControlMessageKind::kRestart) {
        EXPECT_FALSE(msg.restart_keep_credentials || msg.restart_next_remote);
      }
      // What a client sends is byte-identical to the stock client's.
      if (text == "PUSH_REQUEST") {
        EXPECT_EQ(build_push_request(), hex(m["plaintext"]));
      }
      if (text == "EXIT") {
        EXPECT_EQ(build_exit(), hex(m["plaintext"]));
      }
      ++seen;
    }
  }
  EXPECT_EQ(seen, 24u);
}

TEST(ControlMessage, SplitsStripsAndDrops) {
  const std::string in = std::string("INFO,a\r\n\0", 9) + std::string("bad\x01msg\0", 8) +
                         std::string("\0", 1) + std::string("HALT\0", 5) +
                         std::string("caf\xc3\xa9\0", 6) + "unterminated";
  const auto split = split_control_messages(bytes(in));
  EXPECT_EQ(split.messages, (std::vector<std::string>{"INFO,a", "HALT"}));
  EXPECT_EQ(split.dropped, 3u);  // control byte, non-ASCII, no NUL
  EXPECT_TRUE(split_control_messages({}).messages.empty());
  const auto huge = split_control_messages(std::vector<uint8_t>(kMaxControlRecord + 1, 'A'));
  EXPECT_TRUE(huge.messages.empty());
  EXPECT_EQ(huge.dropped, 1u);
  std::vector<uint8_t> full(kMaxControlRecord, 'A');
  full.back() = 0;
  EXPECT_EQ(split_control_messages(full).messages.size(), 1u);
}

TEST(ControlMessage, AuthFailedVariants) {
  auto m = classify_control_message("AUTH_FAILED");
  EXPECT_EQ(m.kind, ControlMessageKind::kAuthFailed);
  EXPECT_EQ(m.auth_failed, AuthFailedKind::kPlain);
  EXPECT_EQ(m.reason, "");
  m = classify_control_message(
      "AUTH_FAILED,Data channel cipher negotiation failed (no shared cipher)");
  EXPECT_EQ(m.auth_failed, AuthFailedKind::kPlain);
  EXPECT_EQ(m.reason, "Data channel cipher negotiation failed (no shared cipher)");
  m = classify_control_message("AUTH_FAILED,TEMP[backoff 42,advance remote]:try later");
  EXPECT_EQ(m.auth_failed, AuthFailedKind::kTemp);
  EXPECT_EQ(m.temp_backoff_s, 42u);
  EXPECT_EQ(m.temp_advance, "remote");
  EXPECT_EQ(m.reason, "try later");
  m = classify_control_message("AUTH_FAILED,TEMP:busy");
  EXPECT_EQ(m.auth_failed, AuthFailedKind::kTemp);
  EXPECT_FALSE(m.temp_backoff_s);
  EXPECT_EQ(m.reason, "busy");
  m = classify_control_message("AUTH_FAILED,TEMPERATURE too high");
  EXPECT_EQ(m.auth_failed, AuthFailedKind::kPlain);
  m = classify_control_message("AUTH_FAILED,SESSION:token expired");
  EXPECT_EQ(m.auth_failed, AuthFailedKind::kSession);
  EXPECT_EQ(m.reason, "token expired");
  m = classify_control_message("AUTH_FAILED,CRV1:R,E:abc:dXNlcg==:Enter PIN");
  EXPECT_EQ(m.auth_failed, AuthFailedKind::kChallenge);
  EXPECT_EQ(m.reason, "R,E:abc:dXNlcg==:Enter PIN");
}

TEST(ControlMessage, OtherKinds) {
  auto m = classify_control_message("AUTH_PENDING,timeout 120");
  EXPECT_EQ(m.kind, ControlMessageKind::kAuthPending);
  EXPECT_EQ(m.pending_timeout_s, 120u);
  EXPECT_FALSE(classify_control_message("AUTH_PENDING").pending_timeout_s);
  m = classify_control_message("INFO_PRE,WEB_AUTH::https://example.org/");
  EXPECT_EQ(m.kind, ControlMessageKind::kInfoPre);
  EXPECT_EQ(m.reason, "WEB_AUTH::https://example.org/");
  EXPECT_EQ(classify_control_message("INFO,hello").kind, ControlMessageKind::kInfo);
  m = classify_control_message("RESTART,[PN]server shutting down");
  EXPECT_EQ(m.kind, ControlMessageKind::kRestart);
  EXPECT_TRUE(m.restart_keep_credentials && m.restart_next_remote);
  EXPECT_EQ(m.reason, "server shutting down");
  m = classify_control_message("RESTART,[N]");
  EXPECT_TRUE(m.restart_next_remote && !m.restart_keep_credentials);
  m = classify_control_message("RESTART,plain reason");
  EXPECT_EQ(m.reason, "plain reason");
  m = classify_control_message("HALT,bye");
  EXPECT_EQ(m.kind, ControlMessageKind::kHalt);
  EXPECT_EQ(m.reason, "bye");
  m = classify_control_message("CR_RESPONSE,MTIzNA==");
  EXPECT_EQ(m.kind, ControlMessageKind::kCrResponse);
  EXPECT_EQ(m.args, "MTIzNA==");
  m = classify_control_message("PUSH_UPDATE,-route 10.0.0.0 255.0.0.0,?dns x");
  EXPECT_EQ(m.kind, ControlMessageKind::kPushUpdate);
  EXPECT_EQ(m.options, "-route 10.0.0.0 255.0.0.0,?dns x");
  EXPECT_EQ(classify_control_message("PUSH_REPLY").kind, ControlMessageKind::kPushReply);
  for (const char* unknown : {"PUSH_REPLYX", "EXITS", "exit", "", "NOPE,x"}) {
    EXPECT_EQ(classify_control_message(unknown).kind, ControlMessageKind::kUnknown) << unknown;
  }
  EXPECT_STREQ(control_message_kind_name(ControlMessageKind::kPushReply), "PUSH_REPLY");
}

TEST(PushReplyCollector, JoinsContinuedParts) {
  PushReplyCollector c;
  auto a = classify_control_message("PUSH_REPLY,route 10.1.0.0 255.255.0.0,push-continuation 2");
  auto b = classify_control_message("PUSH_REPLY,route 10.2.0.0 255.255.0.0,push-continuation 2");
  auto z = classify_control_message("PUSH_REPLY,ping 10,push-continuation 1");
  EXPECT_EQ(a.push_continuation, 2);
  EXPECT_EQ(z.push_continuation, 1);
  EXPECT_EQ(*c.add(a), PushReplyCollector::Result::kIncomplete);
  EXPECT_EQ(*c.add(b), PushReplyCollector::Result::kIncomplete);
  EXPECT_EQ(*c.add(z), PushReplyCollector::Result::kComplete);
  EXPECT_EQ(c.options(), "route 10.1.0.0 255.255.0.0,route 10.2.0.0 255.255.0.0,ping 10");
  EXPECT_EQ(c.parts(), 3u);
  // The next reply starts over.
  EXPECT_EQ(*c.add(classify_control_message("PUSH_REPLY,ping 5")),
            PushReplyCollector::Result::kComplete);
  EXPECT_EQ(c.options(), "ping 5");
  EXPECT_FALSE(c.add(classify_control_message("EXIT")));
}

TEST(PushReplyCollector, IsBounded) {
  PushReplyCollector c;
  const auto part = classify_control_message("PUSH_REPLY,ping 1,push-continuation 2");
  for (size_t i = 0; i < kMaxPushReplyParts; ++i) ASSERT_TRUE(c.add(part));
  auto over = c.add(part);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::kExhausted);
  EXPECT_EQ(c.parts(), 0u);
}

TEST(ControlMessage, BuilderRefusesWhatCannotBeSent) {
  EXPECT_EQ(*build_control_message("CR_RESPONSE,eHl6"),
            bytes(std::string("CR_RESPONSE,eHl6\0", 17)));
  EXPECT_FALSE(build_control_message(""));
  EXPECT_FALSE(build_control_message("a\nb"));
  EXPECT_FALSE(build_control_message(std::string(2047, 'a')));
  EXPECT_TRUE(build_control_message(std::string(2046, 'a')));
}

}  // namespace
}  // namespace ovpn::control
