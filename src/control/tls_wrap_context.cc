// The tls-wrap state shared by the key states of a session.

#include "control/tls_wrap_context.h"

#include <ctime>
#include <utility>

#include "control/early_negotiation.h"

namespace ovpn::control {

uint32_t system_unix_time() { return static_cast<uint32_t>(::time(nullptr)); }

Expected<proto::ReplayId> WrapSendCounter::next() noexcept {
  if (last_ == UINT32_MAX) return make_error(Errc::kExhausted, "tls-wrap replay id exhausted");
  return proto::ReplayId{++last_, time_};
}

TlsWrapContext TlsWrapContext::make(crypto::ControlWrapPtr wrap, proto::Role role,
                                    uint32_t unix_time) {
  const bool early_neg =
      role == proto::Role::kClient && wrap->mode() == proto::ControlWrapMode::kTlsCryptV2;
  return TlsWrapContext{std::move(wrap), WrapSendCounter(early_neg ? kEarlyNegStart : 0, unix_time),
                        proto::WrapReplayWindow()};
}

}  // namespace ovpn::control
