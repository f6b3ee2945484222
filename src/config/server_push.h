#pragma once
// The `push "OPTION"` lines of a server configuration and of client-config-dir files: each is
// checked the way ovpnd's client (pushed_options.h) would apply it, so that a server never
// pushes what a client has to refuse or drop.

#include <string>

#include "common/result.h"
#include "config/option.h"

namespace ovpn::config {

// The option text of `push` (its one argument), after checking it. Errors:
//   * more than one argument (the option was not quoted), text holding ',' (a client splits a
//     PUSH_REPLY at commas), an empty option, a line the tokenizer refuses;
//   * what the offload engine cannot run: compression with an algorithm, fragment;
//   * what the server sends itself, per client: ifconfig, ifconfig-ipv6 (ifconfig-push in a
//     client-config-dir file sets them), peer-id, cipher, protocol-flags, key-derivation,
//     auth-token, push-continuation;
//   * an option ovpnd's client knows with arguments it would drop as malformed.
// Options the client does not know (block-outside-dns, register-dns ...) are pushed as written.
// Thread: any (pure).
Expected<std::string> push_option_text(const Option& push);

}  // namespace ovpn::config
