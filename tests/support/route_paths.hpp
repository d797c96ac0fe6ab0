#pragma once

// A concrete path for a route pattern of the router's table (http/router.hpp),
// for the tests that walk every route (header-only: it uses Boost.Test's
// assertions, which only test programs link).

#include <boost/test/unit_test.hpp>
#include <map>
#include <string>

#include "http/router.hpp"

namespace skyhaul::test {

/// Capture names (":tid", "*key", …) and the value each takes.
using route_samples = std::map<std::string, std::string>;

/// `pattern` with each capture replaced by its sample; a capture without
/// one fails the test, so a route with a new capture cannot be skipped.
inline std::string sample_path(const std::string& pattern,
                               const route_samples& samples) {
  std::string out;
  for (auto& seg : http::split_path(pattern)) {
    out += "/";
    if (seg.empty() || (seg[0] != ':' && seg[0] != '*')) {
      out += seg;
      continue;
    }
    auto i = samples.find(seg);
    BOOST_REQUIRE_MESSAGE(i != samples.end(),
                          "no sample value for " << seg << " in " << pattern);
    out += i->second;
  }
  return out;
}

} // namespace skyhaul::test
