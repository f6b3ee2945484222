#pragma once
// One request of the local control protocol, dispatched to a Dco. Sans-I/O: the socket server
// (src/app/) reads lines and writes the replies; this turns a request into a reply.
//
//   {"cmd":"peer_new", "peer":{...}}          -> {"ok":true}
//   {"cmd":"peer_set", "peer":{...}}          -> {"ok":true}
//   {"cmd":"peer_get", "id":1}                -> {"ok":true, "peer":{...info...}}
//   {"cmd":"peer_get"}                        -> {"ok":true, "peers":[...]}
//   {"cmd":"peer_del", "id":1}                -> {"ok":true}
//   {"cmd":"key_new", "key":{...}}            -> {"ok":true}
//   {"cmd":"key_get", "peer":1, "slot":"primary"} -> {"ok":true, "key":{...}}
//   {"cmd":"key_swap", "peer":1}              -> {"ok":true}
//   {"cmd":"key_del", "peer":1, "slot":"secondary"} -> {"ok":true}
//   {"cmd":"device"}                          -> {"ok":true, "device":{"mode", "drops":{...}}}
//   {"cmd":"send_control", "peer":1 | "remote":"a:p", "bytes":"<hex>"} -> {"ok":true}
// Errors: {"ok":false, "error":"<what>", "code":"<errc>"}. A request's "tag", if any, is echoed.

#include "dco/dco.h"
#include "dco/dco_json.h"

namespace ovpn::dco {

// Thread: control.
Json handle_request(Dco& dco, const Json& request);

}  // namespace ovpn::dco
