// The engine-wide part of the DCO API as JSON: EngineInfo out and back unchanged, every field
// under its documented name, decoding errors naming the field, and the engine_get request
// answered by a DCO with no engine of its own (the fake) as unsupported.

#include <gtest/gtest.h>

#include "dco/dco_json.h"
#include "dco/dco_rpc.h"
#include "fakes/fake_dco.h"

namespace ovpn::dco {
namespace {

EngineInfo sample() {
  EngineInfo info;
  info.ifname = "ovpn3";
  info.local = *Endpoint::parse("[fd00::1]:1194");
  info.threads = 4;
  info.tun_tx_queue_len = 4000;
  info.offloads = OffloadState{true, true, false, true, false, true};
  info.tun = TunOffloadCounters{1, 2, 3, 4, 5, 6, 7, 8, 9};
  // Beyond 2^53 too: a counter is a 64-bit integer in the JSON, never a double.
  info.fanout = FanoutCounters{10, 11, 12, (1ULL << 63) + 5};
  return info;
}

TEST(EngineInfoJson, RoundTrip) {
  const EngineInfo info = sample();
  const Json j = to_json(info);
  auto back = engine_info_from_json(j);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, info);
  // Through text too, as the control socket carries it.
  auto reparsed = engine_info_from_json(Json::parse(j.dump()));
  ASSERT_TRUE(reparsed) << reparsed.error().message;
  EXPECT_EQ(*reparsed, info);
}

TEST(EngineInfoJson, FieldNames) {
  const Json j = to_json(sample());
  EXPECT_EQ(j["ifname"], "ovpn3");
  EXPECT_EQ(j["local"], "[fd00::1]:1194");
  EXPECT_EQ(j["threads"], 4);
  EXPECT_EQ(j["tun_tx_queue_len"], 4000);
  EXPECT_EQ(j["offloads"], (Json{{"tun_vnet_hdr", true},
                                 {"tun_tso", true},
                                 {"tun_uso", false},
                                 {"udp_gso", true},
                                 {"udp_gro", false},
                                 {"fanout", true}}));
  EXPECT_EQ(j["tun_stats"], (Json{{"tso_reads", 1},
                                  {"tso_segments", 2},
                                  {"uso_reads", 3},
                                  {"uso_segments", 4},
                                  {"tcp_gso_writes", 5},
                                  {"tcp_gso_packets", 6},
                                  {"udp_gso_writes", 7},
                                  {"udp_gso_packets", 8},
                                  {"gso_refused", 9}}));
  EXPECT_EQ(j["fanout_stats"]["jobs"], 10);
  EXPECT_EQ(j["fanout_stats"]["items"], 11);
  EXPECT_EQ(j["fanout_stats"]["helped_items"], 12);
  EXPECT_EQ(j["fanout_stats"]["wakes"].get<uint64_t>(), (1ULL << 63) + 5);
}

TEST(EngineInfoJson, AbsentFieldsAreZeroAndOff) {
  auto info = engine_info_from_json(Json::object());
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(*info, EngineInfo{});
  auto partial = engine_info_from_json(Json::parse(R"({"tun_stats":{"tso_reads":7}})"));
  ASSERT_TRUE(partial) << partial.error().message;
  EXPECT_EQ(partial->tun.tso_reads, 7u);
  EXPECT_EQ(partial->tun.tso_segments, 0u);
}

TEST(EngineInfoJson, ErrorsNameTheField) {
  auto error = [](const char* text) {
    auto r = engine_info_from_json(Json::parse(text));
    EXPECT_FALSE(r) << text;
    return r ? std::string() : r.error().message;
  };
  EXPECT_EQ(error("[]"), "engine: not an object");
  EXPECT_EQ(error(R"({"threads":-1})"), "threads: not an integer in range");
  EXPECT_EQ(error(R"({"local":"fd00::1"})"), "local: not an address:port");
  EXPECT_EQ(error(R"({"offloads":{"udp_gso":"yes"}})"), "offloads.udp_gso: not true or false");
  EXPECT_EQ(error(R"({"tun_stats":{"gso_refused":1.5}})"),
            "tun_stats.gso_refused: not an integer in range");
  EXPECT_EQ(error(R"({"fanout_stats":3})"), "fanout_stats: not an object");
}

TEST(EngineInfoJson, RequestToADcoWithoutAnEngine) {
  auto fake = FakeDco::create(Mode::kPointToPoint);
  ASSERT_TRUE(fake);
  const Json reply = handle_request(**fake, Json::parse(R"({"cmd":"engine_get","tag":3})"));
  EXPECT_EQ(reply["ok"], false);
  EXPECT_EQ(reply["code"], "unsupported");
  EXPECT_EQ(reply["tag"], 3);
  EXPECT_FALSE(reply.contains("engine"));
}

}  // namespace
}  // namespace ovpn::dco
