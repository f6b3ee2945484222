#pragma once
// The engine's offload state and counters as a user sees them: the engine_get request of the
// DCO API's JSON protocol (what `dcoctl show` prints), read between two direct readings of
// offload_stats() / fanout_stats() that agree, so that all three are the same moment's.

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "dco/dco_json.h"
#include "dco/dco_rpc.h"
#include "engine/engine_dco.h"

namespace ovpn::engine::test {

inline bool same(const FanoutStats& a, const FanoutStats& b) {
  return a.jobs == b.jobs && a.items == b.items && a.helped_items == b.helped_items &&
         a.wakes == b.wakes;
}

struct EngineInfoReading {
  dco::EngineInfo reply;  // decoded from the engine_get reply
  OffloadStats offload;   // engine.offload_stats() around it
  FanoutStats fanout;     // engine.fanout_stats() around it
  bool stable = false;    // the readings before and after the request agreed
};

inline EngineInfoReading engine_info_via_api(EngineDco& engine) {
  EngineInfoReading r;
  for (int i = 0; i < 100 && !r.stable; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const OffloadStats offload = engine.offload_stats();
    const FanoutStats fanout = engine.fanout_stats();
    const dco::Json reply =
        dco::Json::parse(dco::handle_request(engine, dco::Json{{"cmd", "engine_get"}}).dump());
    EXPECT_EQ(reply["ok"], true) << reply.dump();
    auto info = dco::engine_info_from_json(reply.value("engine", dco::Json::object()));
    EXPECT_TRUE(info) << (info ? "" : info.error().message);
    if (!info) return r;
    r.reply = *info;
    r.offload = engine.offload_stats();
    r.fanout = engine.fanout_stats();
    r.stable = r.offload == offload && same(r.fanout, fanout);
  }
  return r;
}

// The reply carries the figures the engine counted, under the same names.
inline void expect_same_figures(const EngineInfoReading& r) {
  ASSERT_TRUE(r.stable) << "the counters kept moving";
  const dco::TunOffloadCounters& t = r.reply.tun;
  const OffloadStats& o = r.offload;
  EXPECT_EQ(t.tso_reads, o.tso_reads);
  EXPECT_EQ(t.tso_segments, o.tso_segments);
  EXPECT_EQ(t.uso_reads, o.uso_reads);
  EXPECT_EQ(t.uso_segments, o.uso_segments);
  EXPECT_EQ(t.tcp_gso_writes, o.tcp_gso_writes);
  EXPECT_EQ(t.tcp_gso_packets, o.tcp_gso_packets);
  EXPECT_EQ(t.udp_gso_writes, o.udp_gso_writes);
  EXPECT_EQ(t.udp_gso_packets, o.udp_gso_packets);
  EXPECT_EQ(t.gso_refused, o.gso_refused);
  const dco::FanoutCounters& f = r.reply.fanout;
  EXPECT_EQ(f.jobs, r.fanout.jobs);
  EXPECT_EQ(f.items, r.fanout.items);
  EXPECT_EQ(f.helped_items, r.fanout.helped_items);
  EXPECT_EQ(f.wakes, r.fanout.wakes);
}

}  // namespace ovpn::engine::test
