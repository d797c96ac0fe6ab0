#pragma once

// Task API calls shared by the integration tests (header-only: it uses
// Boost.Test's assertions, which only test programs link).

#include <boost/test/unit_test.hpp>
#include <string>

#include "tests/support/daemon.hpp"

namespace skyhaul::test {

/// The `task.state` of a status body.
inline std::string state_of(const std::string& body) {
  return json_field(body, "detail.state");
}

/// A predicate for `await_status`: the task has ended.
inline auto ended() {
  return [](const std::string& body) {
    auto s = state_of(body);
    return s == "finished" || s == "failed" || s == "cancelled";
  };
}

/// POST /task; requires success and returns the tid.
inline std::string create(const server_process& d, const std::string& json,
                          const std::string& key = {}) {
  auto res = d.api("POST", "/task", json, key);
  BOOST_REQUIRE_MESSAGE(res.status == 200, res.status << " " << res.body);
  BOOST_REQUIRE_EQUAL(json_field(res.body, "status"), "success");
  auto tid = json_field(res.body, "tid");
  BOOST_REQUIRE_EQUAL(tid.size(), 20u);
  return tid;
}

/// The bytes behind a finished task's signed download link (from its
/// info); requires the link to answer 200.
inline std::string object_bytes(const server_process& d,
                                const std::string& tid) {
  auto info = d.api("GET", "/task/tid/" + tid + "/info");
  BOOST_REQUIRE_EQUAL(info.status, 200);
  auto pos = info.body.find("/download/");
  BOOST_REQUIRE_MESSAGE(pos != std::string::npos, info.body);
  std::string link = info.body.substr(pos, info.body.find('"', pos) - pos);
  for (size_t i; (i = link.find("\\/")) != std::string::npos;)
    link.replace(i, 2, "/");
  auto got = http("GET", d.url() + link);
  BOOST_REQUIRE_EQUAL(got.status, 200);
  return got.body;
}

} // namespace skyhaul::test
