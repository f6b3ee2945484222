#pragma once
// One parsed configuration option ("remote vpn.example.com 1194 udp") with where it came from.
//
// This is the syntax layer's output, shared by every options model (the client's now, the
// server's later): the reader (config_reader.h) turns files, inline blocks and the command line
// into an ordered list of Option; a model walks that list and applies each one.

#include <optional>
#include <string>
#include <vector>

namespace ovpn::config {

// Where an option was written: a file and a 1-based line, or the command line (file empty).
struct SourceLocation {
  std::string file;  // as given (or resolved) when it was opened; empty: the command line
  int line = 0;      // 0 on the command line
  // Options inside a <connection> block: the block's own location, for messages.
  bool in_connection_block = false;

  // "client.conf:12", or "command line".
  std::string to_string() const;
};

struct Option {
  std::string name;               // without a leading "--"
  std::vector<std::string> args;  // arguments after the name, unquoted and unescaped
  // The body of an inline block (<ca>...</ca>): the text between the tags, lines ending in
  // "\n". Set only for options that came from a block; `args` is then empty.
  std::optional<std::string> inline_body;
  SourceLocation where;
  // The directory set by the last `cd` before this option ("" = the process's directory):
  // relative file names in this option's arguments are resolved against it, as OpenVPN does
  // after its chdir().
  std::string base_dir;
  // The options of a <connection> block, in order (the block itself is named "connection").
  std::vector<Option> children;

  bool is_inline() const { return inline_body.has_value(); }
};

using OptionList = std::vector<Option>;

}  // namespace ovpn::config
