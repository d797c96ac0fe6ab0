#pragma once

// Offcloud face calls shared by its integration tests, sent the way the
// clients in use send them: form-encoded bodies to `<base>/api/...` with
// the key in the query string (header-only: it uses Boost.Test).

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "tests/support/daemon.hpp"

namespace skyhaul::test::oc {

/// `application/x-www-form-urlencoded` escaping of one value.
inline std::string form_escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/// A form body of name/value pairs, in order.
inline std::string form(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (auto& [k, v] : pairs)
    out += (out.empty() ? "" : "&") + form_escape(k) + "=" + form_escape(v);
  return out;
}

inline const std::vector<std::string> form_type = {
    "Content-Type: application/x-www-form-urlencoded"};

/// POST `<api>/api<path>?key=<key>` with a form body.
inline response post(const server_process& d, const std::string& path,
                     const std::string& body, const std::string& key) {
  auto sep = path.find('?') == std::string::npos ? "?" : "&";
  return http("POST", d.url() + "/api" + path + sep + "key=" + key, body,
              form_type);
}

/// GET `<api><path>` with `?key=`; `path` includes `/api` where it has it.
inline response get(const server_process& d, const std::string& path,
                    const std::string& key) {
  auto sep = path.find('?') == std::string::npos ? "?" : "&";
  return http("GET", d.url() + path + sep + "key=" + key);
}

inline rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  return doc;
}

/// `POST /api/cloud url=…`; requires a requestId and returns it.
inline std::string cloud(const server_process& d, const std::string& url,
                         const std::string& key) {
  auto res = post(d, "/cloud", form({{"url", url}}), key);
  BOOST_REQUIRE_MESSAGE(res.status == 200, res.status << " " << res.body);
  auto rid = json_field(res.body, "requestId");
  BOOST_REQUIRE_MESSAGE(rid.size() == 24, res.body);
  return rid;
}

/// The `status.status` of `POST /api/cloud/status requestId=…`.
inline std::string status_of(const server_process& d, const std::string& rid,
                             const std::string& key) {
  auto res = post(d, "/cloud/status", form({{"requestId", rid}}), key);
  return json_field(res.body, "status.status");
}

/// Polls the status until it is one of `want` (or error/canceled), bounded.
inline std::string await(const server_process& d, const std::string& rid,
                         const std::string& key,
                         std::chrono::seconds limit = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::string s;
  for (;;) {
    s = status_of(d, rid, key);
    if (s == "downloaded" || s == "error" || s == "canceled"
        || std::chrono::steady_clock::now() > deadline)
      return s;
    struct timespec ts {0, 20 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
}

} // namespace skyhaul::test::oc
