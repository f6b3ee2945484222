#pragma once
// Error and warning messages about options, in one shape:
//   "client.conf:12: proto: \"udp7\" is not one of udp, udp4, ..."
// so that every message names where the option was written and which option it is.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/option.h"

namespace ovpn::config {

// "<where>: <name>: <what>".
std::string describe(const Option& option, std::string_view what);

// An error about `option` (Errc::kInvalidArgument: the configuration is wrong).
Unexpected<Error> option_error(const Option& option, std::string_view what);
// An error about `option` that names a feature ovpnd does not implement (Errc::kUnsupported).
Unexpected<Error> option_unsupported(const Option& option, std::string_view what);
// An error at a place in a file that is not (yet) an option: a bad line, a missing end tag.
Unexpected<Error> syntax_error(const SourceLocation& where, std::string_view what);

// Non-fatal findings (an option OpenVPN ignores in this context, a deprecated spelling), in
// the order they were found, already formatted like errors. The caller prints them.
using Warnings = std::vector<std::string>;

// `"value"` quoted for a message, with control characters shown as '?', and cut at 64 bytes
// (values come from untrusted files and servers).
std::string quoted(std::string_view value);

}  // namespace ovpn::config
