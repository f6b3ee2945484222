// The key-method-2 message: parser and builder (see key_method2.h for the layout).

#include "control/key_method2.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>

namespace ovpn::control {
namespace {

// Reads fields front to back; every read checks the bytes that are left.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  size_t left() const noexcept { return bytes_.size() - at_; }
  size_t offset() const noexcept { return at_; }

  bool read(std::span<uint8_t> out) noexcept {
    if (left() < out.size()) return false;
    std::copy_n(bytes_.begin() + static_cast<std::ptrdiff_t>(at_), out.size(), out.begin());
    at_ += out.size();
    return true;
  }

  // A length-prefixed string: 00 00 (empty), or a length counting the NUL, the text, the NUL.
  Status read_string(const char* field, size_t max_size, std::string& out) {
    uint8_t len_bytes[2];
    if (!read(len_bytes)) return fail(field, "truncated length");
    const size_t len = (size_t{len_bytes[0]} << 8) | len_bytes[1];
    if (len == 0) {
      out.clear();
      return {};
    }
    if (len > max_size) {
      return fail(field, "length " + std::to_string(len) + " exceeds " + std::to_string(max_size));
    }
    if (left() < len) return fail(field, "truncated text");
    const auto* text = bytes_.data() + at_;
    if (text[len - 1] != 0) return fail(field, "not NUL-terminated");
    if (std::find(text, text + len - 1, uint8_t{0}) != text + len - 1) {
      return fail(field, "NUL inside the text");
    }
    out.assign(reinterpret_cast<const char*>(text), len - 1);
    at_ += len;
    return {};
  }

 private:
  Unexpected<Error> fail(const char* field, const std::string& what) const {
    return make_error(Errc::kMalformed, std::string("key-method-2 ") + field + ": " + what +
                                            " at offset " + std::to_string(at_));
  }

  std::span<const uint8_t> bytes_;
  size_t at_ = 0;
};

Status check_string(const char* field, const std::string& text, size_t max_size) {
  if (text.find('\0') != std::string::npos) {
    return make_error(Errc::kInvalidArgument,
                      std::string("key-method-2 ") + field + " holds a NUL");
  }
  if (!text.empty() && text.size() + 1 > max_size) {
    return make_error(Errc::kInvalidArgument, std::string("key-method-2 ") + field +
                                                  " longer than " + std::to_string(max_size - 1));
  }
  return {};
}

void append_string(SecretBytes& out, const std::string& text) {
  if (text.empty()) {
    out.insert(out.end(), {0, 0});
    return;
  }
  const size_t len = text.size() + 1;  // checked against UINT16_MAX by the caller
  out.push_back(static_cast<uint8_t>(len >> 8));
  out.push_back(static_cast<uint8_t>(len & 0xff));
  out.insert(out.end(), text.begin(), text.end());
  out.push_back(0);
}

}  // namespace

KeyMethod2Message::~KeyMethod2Message() {
  secure_wipe(pre_master.data(), pre_master.size());
  secure_wipe(random1.data(), random1.size());
  secure_wipe(random2.data(), random2.size());
  secure_wipe(password.data(), password.size());
}

Status openssl_random(std::span<uint8_t> out) {
  if (out.size() > INT_MAX || RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return make_error(Errc::kCrypto, "RAND_bytes failed");
  }
  return {};
}

Expected<KeyMethod2Message> parse_key_method2(std::span<const uint8_t> bytes, proto::Role sender) {
  if (bytes.size() > kMaxKeyMethod2Size + 1) {
    return make_error(Errc::kMalformed, "key-method-2 message of " + std::to_string(bytes.size()) +
                                            " bytes exceeds one plaintext read");
  }
  Reader in(bytes);
  KeyMethod2Message msg;
  msg.sender = sender;
  uint8_t head[5];
  if (!in.read(head)) return make_error(Errc::kMalformed, "key-method-2 message truncated");
  if (head[0] != 0 || head[1] != 0 || head[2] != 0 || head[3] != 0) {
    return make_error(Errc::kMalformed, "key-method-2 message does not start with 00000000");
  }
  if ((head[4] & kKeyMethodMask) != kKeyMethod2) {
    return make_error(Errc::kUnsupported,
                      "key method " + std::to_string(head[4] & kKeyMethodMask) + " (only 2)");
  }
  msg.flags = static_cast<uint8_t>(head[4] & ~kKeyMethodMask);
  if (sender == proto::Role::kClient && !in.read(msg.pre_master)) {
    return make_error(Errc::kMalformed, "key-method-2 pre_master truncated");
  }
  if (!in.read(msg.random1) || !in.read(msg.random2)) {
    return make_error(Errc::kMalformed, "key-method-2 randoms truncated");
  }
  if (auto s = in.read_string("options", kMaxOptionsSize, msg.options); !s)
    return forward_error(std::move(s));
  if (msg.options.empty()) return make_error(Errc::kMalformed, "key-method-2 options missing");
  if (auto s = in.read_string("username", kMaxUserPassSize, msg.username); !s)
    return forward_error(std::move(s));
  if (auto s = in.read_string("password", kMaxUserPassSize, msg.password); !s)
    return forward_error(std::move(s));
  if (auto s = in.read_string("peer-info", kMaxKeyMethod2Size, msg.peer_info); !s) {
    return forward_error(std::move(s));
  }
  if (in.left() != 0) {
    return make_error(Errc::kMalformed, "key-method-2 message has " + std::to_string(in.left()) +
                                            " bytes after peer-info");
  }
  return msg;
}

Expected<SecretBytes> build_key_method2(const KeyMethod2Message& msg) {
  if ((msg.flags & kKeyMethodMask) != 0) {
    return make_error(Errc::kInvalidArgument, "key-method-2 flags overlap the method bits");
  }
  if (msg.options.empty()) {
    return make_error(Errc::kInvalidArgument, "key-method-2 options string is empty");
  }
  for (auto s : {check_string("options", msg.options, kMaxOptionsSize),
                 check_string("username", msg.username, kMaxUserPassSize),
                 check_string("password", msg.password, kMaxUserPassSize),
                 check_string("peer-info", msg.peer_info, kMaxKeyMethod2Size)}) {
    if (!s) return forward_error(std::move(s));
  }
  const bool client = msg.sender == proto::Role::kClient;
  const size_t size = (client ? kKm2ClientFixedSize : kKm2ServerFixedSize) + 2 +
                      msg.options.size() + 1 + 2 +
                      (msg.username.empty() ? 0 : msg.username.size() + 1) + 2 +
                      (msg.password.empty() ? 0 : msg.password.size() + 1) + 2 +
                      (msg.peer_info.empty() ? 0 : msg.peer_info.size() + 1);
  if (size > kMaxKeyMethod2Size) {
    return make_error(Errc::kInvalidArgument, "key-method-2 message of " + std::to_string(size) +
                                                  " bytes exceeds " +
                                                  std::to_string(kMaxKeyMethod2Size));
  }
  SecretBytes out;
  out.reserve(size);
  out.insert(out.end(), {0, 0, 0, 0, static_cast<uint8_t>(msg.flags | kKeyMethod2)});
  if (client) out.insert(out.end(), msg.pre_master.begin(), msg.pre_master.end());
  out.insert(out.end(), msg.random1.begin(), msg.random1.end());
  out.insert(out.end(), msg.random2.begin(), msg.random2.end());
  append_string(out, msg.options);
  append_string(out, msg.username);
  append_string(out, msg.password);
  append_string(out, msg.peer_info);
  return out;
}

Expected<KeyMethod2Message> make_key_method2(proto::Role sender, const RandomSource& random,
                                             std::string options, std::string username,
                                             std::string password, std::string peer_info) {
  KeyMethod2Message msg;
  msg.sender = sender;
  if (sender == proto::Role::kClient) {
    if (auto s = random(msg.pre_master); !s) return forward_error(std::move(s));
  }
  if (auto s = random(msg.random1); !s) return forward_error(std::move(s));
  if (auto s = random(msg.random2); !s) return forward_error(std::move(s));
  msg.options = std::move(options);
  msg.username = std::move(username);
  msg.password = std::move(password);
  msg.peer_info = std::move(peer_info);
  return msg;
}

}  // namespace ovpn::control
