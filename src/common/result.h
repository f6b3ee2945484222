#pragma once
// Expected<T> and Status: the error-return types of every fallible call in src/.
//
// g++ 12 has no <expected>, so this is a small local type that uses std::expected's member
// names (has_value, value, error, operator*, operator->, Unexpected) so that moving to C++23
// is a rename. Per-packet code does not use it: it returns a Drop verdict (common/drop.h).

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace ovpn {

enum class Errc : uint8_t {
  kInvalidArgument,  // the caller passed something that can never work
  kMalformed,        // bytes from outside (a file, the network) do not parse
  kUnsupported,      // well-formed, but a feature we do not implement
  kAuthFailed,       // a tag, HMAC or signature did not verify
  kReplay,           // a packet id was seen before or is too old
  kCrypto,           // the crypto library failed
  kIo,               // a system call failed
  kNotFound,
  kExists,
  kExhausted,  // a counter or a pool ran out
  kInternal,
};

const char* errc_name(Errc code) noexcept;

struct Error {
  Errc code = Errc::kInternal;
  std::string message;
};

template <class E>
class Unexpected {
 public:
  explicit Unexpected(E error) : error_(std::move(error)) {}
  E& error() & { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_;
};

// Builds the error side of an Expected: `return make_error(Errc::kMalformed, "bad hex");`
inline Unexpected<Error> make_error(Errc code, std::string message) {
  return Unexpected<Error>(Error{code, std::move(message)});
}

template <class T, class E = Error>
class [[nodiscard]] Expected {
 public:
  using value_type = T;
  using error_type = E;

  Expected() requires std::is_default_constructible_v<T> : v_(std::in_place_index<0>) {}
  Expected(const T& value) : v_(std::in_place_index<0>, value) {}        // NOLINT: implicit
  Expected(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  template <class G>
  Expected(Unexpected<G> error)  // NOLINT: implicit, as std::expected
      : v_(std::in_place_index<1>, std::move(error).error()) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  E& error() & { return std::get<1>(v_); }
  const E& error() const& { return std::get<1>(v_); }
  E&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, E> v_;
};

template <class E>
class [[nodiscard]] Expected<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  Expected() = default;
  template <class G>
  Expected(Unexpected<G> error)  // NOLINT: implicit, as std::expected
      : error_(std::move(error).error()), ok_(false) {}

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  void value() const noexcept {}
  const E& error() const& { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_{};
  bool ok_ = true;
};

using Status = Expected<void>;

// Forwards the error of an Expected to the caller, as an Unexpected of the same error.
template <class T>
Unexpected<Error> forward_error(Expected<T>&& failed) {
  return Unexpected<Error>(std::move(failed).error());
}

}  // namespace ovpn
