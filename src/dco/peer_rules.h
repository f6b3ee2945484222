#pragma once
// The rules of the DCO API that every implementation applies the same way (they follow the
// Linux ovpn module's netlink checks): which PeerConfig fits which mode and transport, and
// what makes a KeyConfig valid.

#include "common/result.h"
#include "dco/dco.h"

namespace ovpn::dco {

// - the id (and tx id) is a real 24-bit id;
// - UDP needs a remote and no socket; TCP needs a connected socket and no remote (the DCO
//   reads it from the socket);
// - multi-peer needs a VPN IPv4 or IPv6 address; point-to-point takes neither, nor routes;
// - VPN addresses are of their family; keepalive interval and timeout come together.
Status validate_peer_config(Mode mode, const PeerConfig& config);
Status validate_peer_update(Mode mode, const PeerUpdate& update);
// - the cipher key has the cipher's size in both directions.
Status validate_key_config(const KeyConfig& key);

}  // namespace ovpn::dco
