#pragma once
// The control-channel wrappers of the captured sessions, built from the key files in the
// vectors, for the client and for the server.

#include <memory>
#include <string>

#include "crypto/control_wrap.h"
#include "crypto/tls_auth.h"
#include "crypto/tls_crypt.h"
#include "crypto/tls_crypt_v2.h"
#include "support/vectors.h"

namespace ovpn::crypto::test_fixtures {

struct WrapPair {
  ControlWrapPtr client;
  ControlWrapPtr server;
  // The wrap that sent / received a vector, by its "direction".
  ControlWrap& sender(const nlohmann::json& v) const {
    return v["direction"] == "client->server" ? *client : *server;
  }
  ControlWrap& receiver(const nlohmann::json& v) const {
    return v["direction"] == "client->server" ? *server : *client;
  }
};

inline proto::Key2 static_key(const nlohmann::json& key_file) {
  auto key = proto::parse_static_key_file(key_file["text"].get<std::string>());
  EXPECT_TRUE(key) << key.error().message;
  return key ? *key : proto::Key2{};
}

inline WrapPair plain_pair() {
  return {std::make_unique<PlainWrap>(), std::make_unique<PlainWrap>()};
}

inline WrapPair tls_auth_pair(const nlohmann::json& session) {
  const auto key = static_key(session["key_file"]);
  const auto digest = digest_from_name(session["digest"].get<std::string>());
  EXPECT_TRUE(digest.has_value());
  auto direction = [&](const char* side) {
    if (session["key_direction"].is_null()) return proto::KeyDirection::kBidirectional;
    return *proto::key_direction_from_number(session["key_direction"][side].get<int>());
  };
  auto client = TlsAuth::create(*digest, key, direction("client"));
  auto server = TlsAuth::create(*digest, key, direction("server"));
  EXPECT_TRUE(client && server);
  return {std::move(*client), std::move(*server)};
}

inline WrapPair tls_crypt_pair(const proto::Key2& key) {
  auto client = TlsCrypt::create(key, proto::Role::kClient);
  auto server = TlsCrypt::create(key, proto::Role::kServer);
  EXPECT_TRUE(client && server);
  return {std::move(*client), std::move(*server)};
}

inline WrapPair tls_crypt_v2_pair(const nlohmann::json& doc) {
  auto client_key = parse_tls_crypt_v2_client_key(doc["client_key"]["text"].get<std::string>());
  EXPECT_TRUE(client_key) << client_key.error().message;
  auto client = TlsCrypt::create_v2(client_key->kc, proto::Role::kClient, client_key->wkc);
  auto server = TlsCrypt::create_v2(client_key->kc, proto::Role::kServer, {});
  EXPECT_TRUE(client && server);
  return {std::move(*client), std::move(*server)};
}

}  // namespace ovpn::crypto::test_fixtures
