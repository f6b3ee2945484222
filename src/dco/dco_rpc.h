#pragma once
// One request of the local control protocol, dispatched to a Dco. Sans-I/O: the socket server
// (src/app/) reads lines and writes the replies; this turns a request into a reply.
//
//   {"cmd":"peer_new", "peer":{...}}          -> {"ok":true}  ("transport":"tcp": see below)
//   {"cmd":"peer_set", "peer":{...}}          -> {"ok":true}
//   {"cmd":"peer_get", "id":1}                -> {"ok":true, "peer":{...info...}}
//   {"cmd":"peer_get"}                        -> {"ok":true, "peers":[...]}
//   {"cmd":"peer_del", "id":1}                -> {"ok":true}
//   {"cmd":"key_new", "key":{...}}            -> {"ok":true}
//   {"cmd":"key_get", "peer":1, "slot":"primary"} -> {"ok":true, "key":{...}}
//   {"cmd":"key_swap", "peer":1}              -> {"ok":true}
//   {"cmd":"key_del", "peer":1, "slot":"secondary"} -> {"ok":true}
//   {"cmd":"device"}                          -> {"ok":true, "device":{"mode", "drops":{...}}}
//   {"cmd":"engine_get"}                      -> {"ok":true, "engine":{...}} (dco_json.h; a DCO
//                                                without an engine: "code":"unsupported")
//   {"cmd":"send_control", "peer":1 | "remote":"a:p", "bytes":"<hex>"} -> {"ok":true}
// Errors: {"ok":false, "error":"<what>", "code":"<errc>"}. A request's "tag", if any, is echoed.

#include "dco/dco.h"
#include "dco/dco_json.h"

namespace ovpn::dco {

// `passed_fd`, if not null, is a descriptor that came with the request (-1: none). A peer_new
// with "transport":"tcp" takes it as its connected socket (and fails without one): on success
// the DCO owns it and *passed_fd becomes -1; otherwise it stays the caller's to close.
// Thread: control.
Json handle_request(Dco& dco, const Json& request, int* passed_fd = nullptr);

}  // namespace ovpn::dco
