#pragma once
// Dropping root after setup (user / group), keeping only CAP_NET_ADMIN on the control thread:
// a client reconnects and changes addresses and routes long after it started, which OpenVPN
// can only do by staying root or by giving up on route changes (persist-tun). The engine's
// threads keep no capability at all (they only read and write descriptors opened as root).
//
// Thread: main (the control thread), once, after the engine has started.

#include <string>

#include "common/result.h"

namespace ovpn::app {

// Sets supplementary groups to `group` (or the user's primary group), the group, then the user,
// keeping CAP_NET_ADMIN in the calling thread. Either name may be empty (not changed). Errors
// name the user or group.
Status drop_privileges(const std::string& user, const std::string& group);

}  // namespace ovpn::app
