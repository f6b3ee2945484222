// The lock-free remote endpoint: values round-trip, and a reader racing a writer only ever
// sees one of the values written, never a mix of two.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "engine/atomic_endpoint.h"

namespace ovpn::engine {
namespace {

TEST(AtomicEndpoint, RoundTripsBothFamilies) {
  AtomicEndpoint a;
  for (const char* text : {"192.0.2.1:1194", "[2001:db8::7]:51820", "10.0.0.1:1"}) {
    const auto e = *Endpoint::parse(text);
    a.store(e);
    EXPECT_EQ(a.load(), e) << text;
  }
}

TEST(AtomicEndpoint, ReadersNeverSeeATornValue) {
  const Endpoint first = *Endpoint::parse("192.0.2.1:1000");
  const Endpoint second = *Endpoint::parse("[2001:db8::ffff:ffff]:65000");
  AtomicEndpoint a(first);
  std::atomic<bool> reading{false};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!reading) std::this_thread::yield();  // overlap with the reader for sure
    for (int i = 0; i < 200000; ++i) a.store(i % 2 == 0 ? second : first);
    stop = true;
  });
  uint64_t reads = 0;
  reading = true;
  do {
    const Endpoint e = a.load();
    ASSERT_TRUE(e == first || e == second) << e.to_string();
    ++reads;
  } while (!stop);
  writer.join();
  EXPECT_GT(reads, 0u);
}

}  // namespace
}  // namespace ovpn::engine
