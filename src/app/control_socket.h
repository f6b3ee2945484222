#pragma once
// The local control socket of `ovpnd --dco-only`: a Unix stream socket, root-only (mode 0600
// in a 0700 directory), speaking the DCO API as one JSON object per line (dco/dco_rpc.h).
// A client that sends {"cmd":"subscribe"} receives every DCO notification from then on, one
// JSON object per line (dco/dco_json.h).
//
// A request may carry one descriptor (SCM_RIGHTS), e.g. the connected socket of a TCP peer_new.
// Rule: the client sends the whole request line, first byte to newline, in the one sendmsg that
// carries the descriptor, after any earlier line is complete. The kernel delivers the
// descriptor with the read holding the first bytes of that sendmsg and ends that read within
// it, so the descriptor belongs to the last line that begins in that read. Descriptors no
// request takes (extra ones, ones with a line that takes none, a failed request's) are closed.
//
// Thread: control. run() is the control thread's event loop for --dco-only.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "dco/dco.h"
#include "io/fd.h"

namespace ovpn::app {

class ControlSocket {
 public:
  // Creates the socket at `path` (replacing a stale one) with root-only permissions.
  static Expected<ControlSocket> listen(const std::string& path);
  ControlSocket(ControlSocket&&) noexcept = default;
  ~ControlSocket();

  // Serves requests and notifications until `stop_fd` becomes readable.
  Status run(dco::Dco& dco, int stop_fd);

 private:
  struct Client {
    io::Fd fd;
    std::string in;   // bytes of a request line not complete yet
    std::string out;  // replies not written yet
    bool subscribed = false;
    std::vector<std::pair<size_t, io::Fd>> passed;  // (where its line begins in `in`, fd)
  };
  ControlSocket(std::string path, io::Fd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  // Thread: control, as every member.
  void serve_client(dco::Dco& dco, Client& client);
  static bool read_some(Client& client);
  static void answer(dco::Dco& dco, Client& client, const std::string& line, io::Fd passed);
  void forward_notifications(dco::Dco& dco);
  static void flush(Client& client);

  std::string path_;
  io::Fd fd_;
  std::vector<Client> clients_;
};

}  // namespace ovpn::app
