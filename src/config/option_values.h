#pragma once
// Typed readers for option arguments (numbers, keywords, ports, cipher names, files or inline
// blocks), shared by every options model. Errors name the option, where it was written, and
// what was expected.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/file_system.h"
#include "config/option.h"
#include "config/option_errors.h"

namespace ovpn::config {

// What a handler needs beyond its option: the files, and a place for non-fatal findings.
struct OptionContext {
  FileSystem& fs;
  Warnings& warnings;
  void warn(const Option& option, std::string_view what) {
    warnings.push_back(describe(option, what));
  }
};

// Argument `index` as a decimal number in [min, max].
Expected<uint32_t> arg_uint(const Option& option, size_t index, uint32_t min, uint32_t max);
// Argument `index` as a decimal number in [min, max], 64-bit (byte and packet counts).
Expected<uint64_t> arg_u64(const Option& option, size_t index, uint64_t min, uint64_t max);
// Argument `index` as one of `choices` (exact match); returns its position in `choices`.
Expected<size_t> arg_keyword(const Option& option, size_t index,
                             std::initializer_list<std::string_view> choices);
// Argument `index` as a port number 1..65535 (OpenVPN also accepts 0 for lport only).
Expected<uint16_t> arg_port(const Option& option, size_t index);

// Text of a file named by argument 0 (resolved against option.base_dir), or of the option's
// inline block; at most `max_bytes`.
struct FileText {
  std::string text;
  std::string origin;  // the resolved path, or "[inline]"
  bool operator==(const FileText&) const = default;
};
Expected<FileText> file_or_inline(const Option& option, OptionContext& ctx,
                                  size_t max_bytes = kMaxFileBytes);

// Data-channel ciphers: the AEAD ciphers the offload engine implements, by OpenVPN's name
// ("AES-256-GCM", "CHACHA20-POLY1305"); matching ignores case, as OpenVPN does through OpenSSL.
// Returns the canonical upper-case spelling.
std::optional<std::string> canonical_aead_cipher(std::string_view name);
// An AEAD cipher for option `option`, argument `index`; CBC and other ciphers are errors that
// say why (the data channel is offloaded and AEAD-only, as with the kernel DCO).
Expected<std::string> arg_aead_cipher(const Option& option, size_t index);
// A colon-separated list of AEAD ciphers (data-ciphers, ncp-ciphers), duplicates removed.
Expected<std::vector<std::string>> arg_aead_cipher_list(const Option& option, size_t index);

// The default data-ciphers of OpenVPN 2.6.
std::vector<std::string> default_data_ciphers();

}  // namespace ovpn::config
