#pragma once
// dcoctl's side of a TCP peer: the connected socket that peer-new passes to the engine with
// its request (SCM_RIGHTS), made by connecting out or by accepting one connection.

#include <optional>
#include <string>

#include "io/fd.h"

namespace ovpn::dcoctl {

struct TcpOptions {
  std::optional<std::string> connect;  // --tcp-connect ADDR:PORT
  std::optional<std::string> bind;     // --tcp-bind ADDR[:PORT], the local side of a connect
  std::optional<std::string> accept;   // --tcp-accept ADDR:PORT
  int timeout_s = 30;                  // --timeout SECONDS, for the connect or the accept
  bool any() const { return connect || accept || bind; }
};

// A connected TCP socket (blocking, close-on-exec, TCP_NODELAY), or an invalid Fd and `error`.
// Thread: any (dcoctl has one).
io::Fd open_tcp(const TcpOptions& o, std::string& error);

// "LOCAL -> REMOTE" of a connected socket. Thread: any.
std::string tcp_description(int fd);

}  // namespace ovpn::dcoctl
