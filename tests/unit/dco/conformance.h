#pragma once
// The DCO API conformance suite: what any implementation of dco::Dco must do. A test binary
// instantiates it with a factory for its implementation:
//
//   INSTANTIATE_TEST_SUITE_P(Fake, DcoConformance, ::testing::Values(DcoFactory{"fake", ...}));

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "dco/dco.h"

namespace ovpn::dco::test {

struct DcoFactory {
  std::string name;
  std::function<Expected<std::unique_ptr<Dco>>(Mode)> make;
};

inline std::string factory_name(const ::testing::TestParamInfo<DcoFactory>& info) {
  return info.param.name;
}

class DcoConformance : public ::testing::TestWithParam<DcoFactory> {
 protected:
  std::unique_ptr<Dco> make(Mode mode) {
    auto dco = GetParam().make(mode);
    EXPECT_TRUE(dco) << dco.error().message;
    return dco ? std::move(*dco) : nullptr;
  }
};

}  // namespace ovpn::dco::test
