#include "common/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

namespace ovpn {
namespace {

Expected<int> parse_digit(char c) {
  if (c < '0' || c > '9') return make_error(Errc::kMalformed, "not a digit");
  return c - '0';
}

Expected<int> twice_digit(char c) {
  auto d = parse_digit(c);
  if (!d) return forward_error(std::move(d));
  return *d * 2;
}

Status check_even(int v) {
  if (v % 2 != 0) return make_error(Errc::kInvalidArgument, "odd");
  return {};
}

TEST(Expected, HoldsValue) {
  auto r = parse_digit('7');
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 7);
  EXPECT_EQ(*r, 7);
}

TEST(Expected, HoldsError) {
  auto r = parse_digit('x');
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  EXPECT_EQ(r.error().message, "not a digit");
}

TEST(Expected, ForwardErrorKeepsCodeAndMessage) {
  auto ok = twice_digit('4');
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 8);

  auto bad = twice_digit('?');
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kMalformed);
  EXPECT_EQ(bad.error().message, "not a digit");
}

TEST(Expected, MoveOnlyValueAndArrow) {
  Expected<std::unique_ptr<std::string>> r = std::make_unique<std::string>("abc");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->size(), 3u);
  std::unique_ptr<std::string> taken = std::move(r).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, "abc");

  Expected<std::string> s = std::string("hello");
  EXPECT_EQ(s->size(), 5u);
}

TEST(Expected, DefaultConstructsValue) {
  Expected<int> r;
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0);
}

TEST(Status, OkAndError) {
  Status ok = check_even(2);
  EXPECT_TRUE(ok.has_value());
  EXPECT_TRUE(static_cast<bool>(ok));

  Status bad = check_even(3);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "odd");
}

TEST(Status, ForwardErrorFromValueToStatus) {
  auto forward = [](char c) -> Status {
    auto d = parse_digit(c);
    if (!d) return forward_error(std::move(d));
    return {};
  };
  EXPECT_TRUE(forward('1'));
  Status bad = forward('z');
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kMalformed);
}

TEST(Errc, NamesAreDistinct) {
  std::set<std::string> names;
  for (int c = 0; c <= static_cast<int>(Errc::kInternal); ++c) {
    const std::string name = errc_name(static_cast<Errc>(c));
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
  }
}

}  // namespace
}  // namespace ovpn
