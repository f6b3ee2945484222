// The command line of `ovpnd --dco-only`: its on|off options (each set both ways, anything else
// refused with the option's name and the value), their defaults, and the usage naming each.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/dco_only.h"

namespace ovpn::app {
namespace {

struct OnOff {
  const char* name;
  bool DcoOnlyOptions::*flag;
  bool default_value;
};

const OnOff kOnOffOptions[] = {
    {"udp-offload", &DcoOnlyOptions::udp_offload, true},
    {"tun-offload", &DcoOnlyOptions::tun_offload, true},
    {"client-to-client", &DcoOnlyOptions::client_to_client, false},
    {"pin", &DcoOnlyOptions::pin, false},
    {"fanout", &DcoOnlyOptions::fanout, engine::kFanoutDefault},
};

class DcoOnlyOnOff : public ::testing::TestWithParam<OnOff> {};

TEST_P(DcoOnlyOnOff, Default) {
  auto o = parse_dco_only_args({});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ((*o).*GetParam().flag, GetParam().default_value);
}

TEST_P(DcoOnlyOnOff, OnAndOff) {
  const std::string option = std::string("--") + GetParam().name;
  for (const bool on : {true, false}) {
    auto o = parse_dco_only_args({option, on ? "on" : "off"});
    ASSERT_TRUE(o) << option << ": " << o.error().message;
    EXPECT_EQ((*o).*GetParam().flag, on) << option;
    // The others keep their defaults.
    for (const OnOff& other : kOnOffOptions) {
      if (other.flag != GetParam().flag) {
        EXPECT_EQ((*o).*other.flag, other.default_value) << option << " changed " << other.name;
      }
    }
  }
  // Given twice, the last one counts.
  auto o = parse_dco_only_args({option, "on", option, "off"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_FALSE((*o).*GetParam().flag);
}

TEST_P(DcoOnlyOnOff, AnythingElseIsRefusedNamingTheOption) {
  const std::string option = std::string("--") + GetParam().name;
  for (const char* bad : {"yes", "1", "true", "ON", "Off", ""}) {
    auto o = parse_dco_only_args({option, bad});
    ASSERT_FALSE(o) << option << " " << bad;
    EXPECT_EQ(o.error().code, Errc::kInvalidArgument);
    EXPECT_EQ(o.error().message, option + ": on or off, not " + bad);
  }
  auto missing = parse_dco_only_args({"--threads", "2", option});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, option + ": needs a value");
}

TEST_P(DcoOnlyOnOff, InTheUsage) {
  EXPECT_NE(std::string(kDcoOnlyUsage).find(std::string("--") + GetParam().name + " on|off"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Options, DcoOnlyOnOff, ::testing::ValuesIn(kOnOffOptions),
                         [](const auto& p) {
                           std::string name = p.param.name;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(DcoOnlyArgs, AllTogetherWithOtherOptions) {
  auto o = parse_dco_only_args({"--udp-offload", "off", "--threads", "2", "--tun-offload", "off",
                                "--client-to-client", "on", "--mode", "mp", "--pin", "on",
                                "--fanout", "on"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_FALSE(o->udp_offload);
  EXPECT_FALSE(o->tun_offload);
  EXPECT_TRUE(o->client_to_client);
  EXPECT_TRUE(o->pin);
  EXPECT_TRUE(o->fanout);
  EXPECT_EQ(o->threads, 2u);
  EXPECT_EQ(o->mode, dco::Mode::kMultiPeer);
}

TEST(DcoOnlyArgs, UnknownOptionsAreNotOnOff) {
  auto o = parse_dco_only_args({"--gro", "on"});
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().message, "--gro: unknown option");
  auto bare = parse_dco_only_args({"fanout", "on"});
  ASSERT_FALSE(bare);
  EXPECT_EQ(bare.error().message, "--fanout: not an option");
}

}  // namespace
}  // namespace ovpn::app
