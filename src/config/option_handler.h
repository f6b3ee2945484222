#pragma once
// Table-driven option handlers: each option group (TLS, data channel, timers ...) is a table of
// {name, argument count, inline allowed, apply function} over the group's struct, so that an
// options model is a list of tables and a server model can reuse the tables of shared groups.

#include <cstdint>
#include <span>
#include <string_view>

#include "common/result.h"
#include "config/option.h"
#include "config/option_values.h"

namespace ovpn::config {

enum class Inline : uint8_t { kNo, kAllowed };

template <class Target>
struct OptionHandler {
  std::string_view name;
  uint8_t min_args;
  uint8_t max_args;
  Inline inline_use;
  Status (*apply)(const Option& option, OptionContext& ctx, Target& target);
};

template <class Target>
const OptionHandler<Target>* find_handler(std::span<const OptionHandler<Target>> table,
                                          std::string_view name) {
  for (const auto& h : table) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

// Checks the argument count (and inline use) of `option` against the handler's.
Status check_arity(const Option& option, uint8_t min_args, uint8_t max_args, Inline inline_use);

// Runs `option` through `table` when the table has it. Returns false when it does not.
template <class Target>
Expected<bool> apply_from(std::span<const OptionHandler<Target>> table, const Option& option,
                          OptionContext& ctx, Target& target) {
  const auto* h = find_handler(table, option.name);
  if (h == nullptr) return false;
  if (Status s = check_arity(option, h->min_args, h->max_args, h->inline_use); !s) {
    return forward_error(std::move(s));
  }
  if (Status s = h->apply(option, ctx, target); !s) return forward_error(std::move(s));
  return true;
}

}  // namespace ovpn::config
