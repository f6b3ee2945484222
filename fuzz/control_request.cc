// Fuzz target: the engine's local control protocol — one request line as ovpnd --dco-only
// reads it: JSON parsed without exceptions, dispatched to a DCO (the in-memory fake, which
// applies the same rules as the engine), plus the address parsers the requests use.
//
// Invariants:
//   * every input gets a reply object with a boolean "ok", never an exception or a crash;
//   * a failed reply carries a non-empty "error";
//   * whatever Endpoint/IpPrefix parse accepts prints to text that parses to the same value.

#include <string>
#include <string_view>

#include "common/ip_address.h"
#include "dco/dco_rpc.h"
#include "fakes/fake_dco.h"
#include "fuzz_target.h"

OVPN_FUZZ_TARGET(control_request) {
  using ovpn::dco::Json;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  static auto dco = std::move(*ovpn::dco::FakeDco::create(ovpn::dco::Mode::kMultiPeer));
  const Json request = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!request.is_discarded()) {
    const Json reply = ovpn::dco::handle_request(*dco, request);
    FUZZ_CHECK(reply.is_object() && reply.contains("ok") && reply["ok"].is_boolean());
    if (!reply["ok"].get<bool>()) {
      FUZZ_CHECK(reply.contains("error") && !reply["error"].get<std::string>().empty());
    } else {
      FUZZ_REACHED("control_request/ok");
    }
    // Keep the fake small: forget what this input created.
    for (const auto& peer : dco->peer_get_all()) (void)dco->peer_del(peer.config.id);
    std::vector<ovpn::dco::Notification> drained;
    while (dco->read_notifications(drained, 1024) > 0) drained.clear();
    dco->take_sent();
  }

  if (auto e = ovpn::Endpoint::parse(text)) {
    FUZZ_CHECK(ovpn::Endpoint::parse(e->to_string()) == e);
  }
  if (auto p = ovpn::IpPrefix::parse(text)) {
    FUZZ_CHECK(ovpn::IpPrefix::parse(p->to_string()) == p);
  }
  return 0;
}
