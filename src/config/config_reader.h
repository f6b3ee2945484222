#pragma once
// Reads OpenVPN configuration into an ordered OptionList: files, `config` includes, `cd`,
// inline blocks and the command line. Syntax only: which options exist and what their
// arguments mean is the business of an options model (client_options.h).
//
// File rules, as OpenVPN's read_config_file():
//   * one option per line, words split by tokenize_line(); a leading "--" on the name is
//     dropped; a UTF-8 BOM at the start of a file is skipped; "\r\n" line ends are accepted;
//   * a line holding only "<name>" opens an inline block that runs to the first line starting
//     (after blanks) with "</name>"; it becomes option `name` with the text in between as its
//     inline body. A <connection> block is parsed on the spot into Option::children;
//   * `config FILE` reads FILE at that point; `cd DIR` changes the base of later relative paths
//     (config files and every file an option names) -- relative paths are otherwise taken from
//     the process's current directory, not from the including file's directory.
// Command line (parse_argv()): "--name arg arg ... --next ..."; an argument that starts with
// "--" always starts the next option. A single argument without "--" is a config file.
//
// Bounds: lines of kMaxLineBytes or more (OpenVPN's "Maximum option line length"), files over
// kMaxFileBytes, more than kMaxIncludeDepth nested files, a file that includes itself, more than
// kMaxOptions options and more than kMaxTotalBytes read in all are errors.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "config/file_system.h"
#include "config/option.h"

namespace ovpn::config {

inline constexpr size_t kMaxLineBytes = 255;  // OpenVPN: 256 including the "\n"
inline constexpr int kMaxIncludeDepth = 10;   // OpenVPN's max_recursive_levels
inline constexpr size_t kMaxOptions = 10000;
inline constexpr size_t kMaxTotalBytes = 8 * kMaxFileBytes;

// Reads the configuration file `path` (resolved like `config path` on the command line).
// Thread: any (no shared state; the FileSystem must be usable from the calling thread).
Expected<OptionList> read_config_file(const std::string& path, FileSystem& fs);

// Reads `text` as the content of a file called `name` (for messages). `config` lines in it are
// read through `fs`.
// Thread: any.
Expected<OptionList> read_config_text(std::string_view text, const std::string& name,
                                      FileSystem& fs);

// Reads command-line arguments (without argv[0]) in order; `--config FILE` is read where it
// appears, so later arguments override the file's options and earlier ones are overridden.
// Thread: any.
Expected<OptionList> read_command_line(std::span<const std::string> args, FileSystem& fs);

}  // namespace ovpn::config
