// The word splitting of configuration lines, against OpenVPN's parse_line() rules.

#include "config/tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ovpn::config {
namespace {

using Words = std::vector<std::string>;

Words words(std::string_view line) {
  auto w = tokenize_line(line);
  EXPECT_TRUE(w.has_value()) << line << ": " << (w ? "" : w.error().message);
  return w ? *w : Words{};
}

std::string error_of(std::string_view line) {
  auto w = tokenize_line(line);
  EXPECT_FALSE(w.has_value()) << line;
  return w ? "" : w.error().message;
}

TEST(Tokenizer, SplitsOnWhitespace) {
  EXPECT_EQ(words("remote  vpn.example.com\t1194 udp"),
            (Words{"remote", "vpn.example.com", "1194", "udp"}));
  EXPECT_EQ(words("  client\r"), Words{"client"});
  EXPECT_EQ(words(""), Words{});
  EXPECT_EQ(words(" \t \r"), Words{});
}

TEST(Tokenizer, CommentsStartAWord) {
  EXPECT_EQ(words("# comment"), Words{});
  EXPECT_EQ(words("; comment"), Words{});
  EXPECT_EQ(words("   # indented comment"), Words{});
  EXPECT_EQ(words("remote a 1194 # trailing comment"), (Words{"remote", "a", "1194"}));
  EXPECT_EQ(words("remote a 1194 ;trailing"), (Words{"remote", "a", "1194"}));
  // Inside a word they are ordinary characters.
  EXPECT_EQ(words("verify-x509-name a#b;c"), (Words{"verify-x509-name", "a#b;c"}));
  EXPECT_EQ(words("x \"#not a comment\""), (Words{"x", "#not a comment"}));
}

TEST(Tokenizer, DoubleQuotes) {
  EXPECT_EQ(words("up \"/bin/script arg\""), (Words{"up", "/bin/script arg"}));
  EXPECT_EQ(words("x \"\""), (Words{"x", ""}));
  EXPECT_EQ(words(R"(x "a\"b")"), (Words{"x", "a\"b"}));
  EXPECT_EQ(words(R"(x "a\\b")"), (Words{"x", "a\\b"}));
  EXPECT_EQ(words(R"(x "a\ b")"), (Words{"x", "a b"}));
  // A closing quote ends the word.
  EXPECT_EQ(words("x \"a\"b"), (Words{"x", "a", "b"}));
  // A quote inside an unquoted word is literal.
  EXPECT_EQ(words("x a\"b"), (Words{"x", "a\"b"}));
}

TEST(Tokenizer, SingleQuotesAreLiteral) {
  EXPECT_EQ(words("x 'a b'"), (Words{"x", "a b"}));
  EXPECT_EQ(words(R"(x 'c:\dir\file')"), (Words{"x", R"(c:\dir\file)"}));
  EXPECT_EQ(words(R"(x 'say "hi"')"), (Words{"x", "say \"hi\""}));
}

TEST(Tokenizer, BackslashEscapesOutsideQuotes) {
  EXPECT_EQ(words(R"(x a\ b)"), (Words{"x", "a b"}));
  EXPECT_EQ(words(R"(x c:\\dir)"), (Words{"x", "c:\\dir"}));
  EXPECT_EQ(words(R"(x \"quoted\")"), (Words{"x", "\"quoted\""}));
}

TEST(Tokenizer, Errors) {
  EXPECT_EQ(error_of("x \"open"), "no closing quotation (\")");
  EXPECT_EQ(error_of("x 'open"), "no closing single quotation (')");
  EXPECT_NE(error_of(R"(x c:\dir)").find("bad backslash"), std::string::npos);
  EXPECT_NE(error_of(R"(x "a\b")").find("bad backslash"), std::string::npos);
  EXPECT_EQ(error_of("x a\\"), "backslash at the end of the line");
  EXPECT_EQ(error_of("a b c d e f g h i j k l m n o p q"), "too many parameters (16 max)");
  EXPECT_EQ(error_of("x " + std::string(257, 'a')), "parameter too long (256 bytes max)");
}

TEST(Tokenizer, LimitsAreInclusive) {
  EXPECT_EQ(words("a b c d e f g h i j k l m n o p").size(), 16u);
  EXPECT_EQ(words("x " + std::string(256, 'a'))[1].size(), 256u);
}

TEST(Tokenizer, NulEndsTheLine) {
  EXPECT_EQ(words(std::string_view("a b\0c d", 7)), (Words{"a", "b"}));
}

}  // namespace
}  // namespace ovpn::config
