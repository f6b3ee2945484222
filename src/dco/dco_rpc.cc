#include "dco/dco_rpc.h"

#include "common/hex.h"

namespace ovpn::dco {
namespace {

Json ok() { return Json{{"ok", true}}; }

Json failed(const Error& e) {
  return Json{{"ok", false}, {"error", e.message}, {"code", errc_name(e.code)}};
}

Json from_status(const Status& st) { return st ? ok() : failed(st.error()); }

Json invalid(const std::string& what) { return failed(Error{Errc::kInvalidArgument, what}); }

Json peer_new(Dco& dco, const Json& req, int* passed_fd) {
  auto config = peer_config_from_json(req.value("peer", Json::object()));
  if (!config) return failed(config.error());
  const bool tcp = config->transport == Transport::kTcp;
  if (tcp) {
    if (passed_fd == nullptr || *passed_fd < 0) {
      return invalid("peer.transport: a tcp peer's socket must come with the request (SCM_RIGHTS)");
    }
    config->tcp_fd = *passed_fd;
  }
  auto st = dco.peer_new(std::move(*config));
  if (st && tcp) *passed_fd = -1;  // the DCO owns it now
  return from_status(st);
}

Json peer_set(Dco& dco, const Json& req) {
  auto update = peer_update_from_json(req.value("peer", Json::object()));
  if (!update) return failed(update.error());
  return from_status(dco.peer_set(*update));
}

Json peer_get(Dco& dco, const Json& req) {
  if (!req.contains("id")) {
    Json peers = Json::array();
    for (const auto& p : dco.peer_get_all()) peers.push_back(to_json(p));
    Json reply = ok();
    reply["peers"] = peers;
    return reply;
  }
  auto id = peer_id_from_json(req);
  if (!id) return failed(id.error());
  auto info = dco.peer_get(*id);
  if (!info) return failed(info.error());
  Json reply = ok();
  reply["peer"] = to_json(*info);
  return reply;
}

Json peer_del(Dco& dco, const Json& req) {
  auto id = peer_id_from_json(req);
  if (!id) return failed(id.error());
  return from_status(dco.peer_del(*id));
}

Expected<PeerId> key_peer(const Json& req) {
  if (!req.contains("peer")) return make_error(Errc::kInvalidArgument, "peer: missing");
  return peer_id_from_json(Json{{"id", req["peer"]}});
}

Json key_new(Dco& dco, const Json& req) {
  auto key = key_config_from_json(req.value("key", Json::object()));
  if (!key) return failed(key.error());
  return from_status(dco.key_new(std::move(*key)));
}

Json key_get(Dco& dco, const Json& req) {
  auto peer = key_peer(req);
  if (!peer) return failed(peer.error());
  auto slot = key_slot_from_json(req);
  if (!slot) return failed(slot.error());
  auto key = dco.key_get(*peer, *slot);
  if (!key) return failed(key.error());
  Json reply = ok();
  reply["key"] = to_json(*key);
  return reply;
}

Json key_swap(Dco& dco, const Json& req) {
  auto peer = key_peer(req);
  if (!peer) return failed(peer.error());
  return from_status(dco.key_swap(*peer));
}

Json key_del(Dco& dco, const Json& req) {
  auto peer = key_peer(req);
  if (!peer) return failed(peer.error());
  auto slot = key_slot_from_json(req);
  if (!slot) return failed(slot.error());
  return from_status(dco.key_del(*peer, *slot));
}

Json send_control(Dco& dco, const Json& req) {
  if (!req.contains("bytes") || !req["bytes"].is_string()) return invalid("bytes: missing");
  auto bytes = from_hex(req["bytes"].get_ref<const std::string&>());
  if (!bytes) return invalid("bytes: not hex");
  if (req.contains("peer")) {
    auto peer = key_peer(req);
    if (!peer) return failed(peer.error());
    return from_status(dco.send_control(ControlTarget{*peer}, *bytes));
  }
  if (!req.contains("remote") || !req["remote"].is_string()) return invalid("peer or remote");
  auto remote = Endpoint::parse(req["remote"].get_ref<const std::string&>());
  if (!remote) return invalid("remote: not an address:port");
  return from_status(dco.send_control(ControlTarget{*remote}, *bytes));
}

Json device(Dco& dco) {
  Json drops = Json::object();
  const auto counts = dco.device_drops();
  for (size_t i = 1; i < kDropReasonCount; ++i) drops[drop_name(static_cast<Drop>(i))] = counts[i];
  Json reply = ok();
  reply["device"] = {{"mode", mode_name(dco.mode())}, {"drops", drops}};
  return reply;
}

Json engine_get(const Dco& dco) {
  auto info = dco.engine_get();
  if (!info) return failed(info.error());
  Json reply = ok();
  reply["engine"] = to_json(*info);
  return reply;
}

}  // namespace

Json handle_request(Dco& dco, const Json& request, int* passed_fd) {
  if (!request.is_object() || !request.contains("cmd") || !request["cmd"].is_string()) {
    return invalid("cmd: missing");
  }
  const auto& cmd = request["cmd"].get_ref<const std::string&>();
  Json reply;
  if (cmd == "peer_new") {
    reply = peer_new(dco, request, passed_fd);
  } else if (cmd == "peer_set") {
    reply = peer_set(dco, request);
  } else if (cmd == "peer_get") {
    reply = peer_get(dco, request);
  } else if (cmd == "peer_del") {
    reply = peer_del(dco, request);
  } else if (cmd == "key_new") {
    reply = key_new(dco, request);
  } else if (cmd == "key_get") {
    reply = key_get(dco, request);
  } else if (cmd == "key_swap") {
    reply = key_swap(dco, request);
  } else if (cmd == "key_del") {
    reply = key_del(dco, request);
  } else if (cmd == "device") {
    reply = device(dco);
  } else if (cmd == "engine_get") {
    reply = engine_get(dco);
  } else if (cmd == "send_control") {
    reply = send_control(dco, request);
  } else {
    reply = invalid("cmd: unknown command " + cmd);
  }
  if (request.contains("tag")) reply["tag"] = request["tag"];
  return reply;
}

}  // namespace ovpn::dco
