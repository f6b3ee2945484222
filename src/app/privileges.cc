#include "app/privileges.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <vector>

#include "io/io_result.h"

namespace ovpn::app {
namespace {

// capset(2) through the raw system call: the only capability call needed, no libcap.
Status keep_only_net_admin() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective = CAP_TO_MASK(CAP_NET_ADMIN);
  data[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted = CAP_TO_MASK(CAP_NET_ADMIN);
  if (::syscall(SYS_capset, &header, data) != 0) return io::errno_error(errno, "capset");
  return {};
}

}  // namespace

Status drop_privileges(const std::string& user, const std::string& group) {
  if (user.empty() && group.empty()) return {};
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  if (!user.empty()) {
    const passwd* pw = ::getpwnam(user.c_str());
    if (pw == nullptr) return make_error(Errc::kNotFound, "user " + user + ": no such user");
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  if (!group.empty()) {
    const struct group* gr = ::getgrnam(group.c_str());
    if (gr == nullptr) return make_error(Errc::kNotFound, "group " + group + ": no such group");
    gid = gr->gr_gid;
  }
  if (gid) {
    if (::setgroups(1, &*gid) != 0) return io::errno_error(errno, "setgroups");
    if (::setgid(*gid) != 0) return io::errno_error(errno, "setgid", group);
  }
  if (uid) {
    // Keep the permitted set across setuid (this thread), then narrow it to CAP_NET_ADMIN.
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return io::errno_error(errno, "prctl");
    if (::setuid(*uid) != 0) return io::errno_error(errno, "setuid", user);
    if (auto st = keep_only_net_admin(); !st) return st;
    ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  }
  return {};
}

}  // namespace ovpn::app
