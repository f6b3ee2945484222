// Typed readers for option arguments (see option_values.h).

#include "config/option_values.h"

#include <algorithm>
#include <array>

#include "common/ascii.h"

namespace ovpn::config {
namespace {

constexpr std::array<std::string_view, 4> kAeadCiphers = {"AES-128-GCM", "AES-192-GCM",
                                                          "AES-256-GCM", "CHACHA20-POLY1305"};

std::string join(std::initializer_list<std::string_view> words) {
  std::string out;
  for (const auto w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_upper(c);
  return out;
}

}  // namespace

Expected<uint32_t> arg_uint(const Option& option, size_t index, uint32_t min, uint32_t max) {
  auto value = arg_u64(option, index, min, max);
  if (!value) return forward_error(std::move(value));
  return static_cast<uint32_t>(*value);
}

Expected<uint64_t> arg_u64(const Option& option, size_t index, uint64_t min, uint64_t max) {
  const std::string& text = option.args.at(index);
  uint64_t value = 0;
  bool ok = !text.empty() && text.size() <= 19;  // no overflow below 10^19
  for (const char c : text) {
    if (c < '0' || c > '9') {
      ok = false;
      break;
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || value < min || value > max) {
    return option_error(option, quoted(text) + " is not a number from " + std::to_string(min) +
                                    " to " + std::to_string(max));
  }
  return value;
}

Expected<size_t> arg_keyword(const Option& option, size_t index,
                             std::initializer_list<std::string_view> choices) {
  const std::string& text = option.args.at(index);
  size_t i = 0;
  for (const auto choice : choices) {
    if (text == choice) return i;
    ++i;
  }
  return option_error(option, quoted(text) + " is not one of " + join(choices));
}

Expected<uint16_t> arg_port(const Option& option, size_t index) {
  const std::string& text = option.args.at(index);
  auto port = arg_uint(option, index, 1, 65535);
  if (!port) return option_error(option, quoted(text) + " is not a port number (1-65535)");
  return static_cast<uint16_t>(*port);
}

Expected<FileText> file_or_inline(const Option& option, OptionContext& ctx, size_t max_bytes) {
  if (option.is_inline()) {
    if (option.inline_body->size() > max_bytes) {
      return option_error(option,
                          "inline block larger than " + std::to_string(max_bytes) + " bytes");
    }
    return FileText{*option.inline_body, "[inline]"};
  }
  const std::string path = resolve_path(option.base_dir, option.args.at(0));
  auto text = ctx.fs.read_file(path, max_bytes);
  if (!text) return option_error(option, text.error().message);
  return FileText{std::move(*text), path};
}

std::optional<std::string> canonical_aead_cipher(std::string_view name) {
  const std::string up = upper(name);
  for (const auto known : kAeadCiphers) {
    if (up == known) return std::string(known);
  }
  return std::nullopt;
}

Expected<std::string> arg_aead_cipher(const Option& option, size_t index) {
  const std::string& text = option.args.at(index);
  if (auto name = canonical_aead_cipher(text)) return *name;
  const std::string up = upper(text);
  if (up.find("-CBC") != std::string::npos || up == "BF-CBC" || up == "NONE") {
    return option_unsupported(option,
                              quoted(text) +
                                  " is not supported: the data channel runs in the offload "
                                  "engine, which (like the kernel DCO) does AEAD only; use "
                                  "AES-128-GCM, AES-192-GCM, AES-256-GCM or CHACHA20-POLY1305");
  }
  return option_error(option, quoted(text) +
                                  " is not one of AES-128-GCM, AES-192-GCM, AES-256-GCM, "
                                  "CHACHA20-POLY1305");
}

Expected<std::vector<std::string>> arg_aead_cipher_list(const Option& option, size_t index) {
  std::vector<std::string> out;
  std::string_view rest = option.args.at(index);
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    const std::string_view item = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (item.empty()) continue;
    Option one = option;
    one.args = {std::string(item)};
    auto name = arg_aead_cipher(one, 0);
    if (!name) return forward_error(std::move(name));
    if (std::find(out.begin(), out.end(), *name) == out.end()) out.push_back(std::move(*name));
  }
  if (out.empty()) return option_error(option, "empty cipher list");
  return out;
}

std::vector<std::string> default_data_ciphers() {
  return {"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"};
}

}  // namespace ovpn::config
