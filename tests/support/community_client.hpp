#pragma once

// Calls of the community face (seed 003) as a user: the `id` and
// `credential` headers, JSON or multipart bodies.

#include "tests/support/daemon.hpp"

#include <string>

namespace skyhaul::test {

/// One user's view of the community face of `d`.
struct community_client {
  const server_process* d;
  user u;

  response call(const std::string& method, const std::string& path,
                const std::string& body = {}) const {
    return http(method, d->url("api") + path, body,
                {"id: " + u.id, "credential: " + u.credential,
                 "Content-Type: application/json"});
  }

  /// Uploads `torrent` as the multipart part `part` of post `pid`.
  response upload(const std::string& pid, const std::string& torrent,
                  const std::string& part = "file") const {
    const std::string b = "skyhaulBoundary7MA4YWxk";
    std::string body = "--" + b
                       + "\r\nContent-Disposition: form-data; name=\"" + part
                       + "\"; filename=\"x.torrent\"\r\nContent-Type: "
                         "application/x-bittorrent\r\n\r\n"
                       + torrent + "\r\n--" + b + "--\r\n";
    return http("POST", d->url("api") + "/user/post/" + pid + "/metainfo",
                body,
                {"id: " + u.id, "credential: " + u.credential,
                 "Content-Type: multipart/form-data; boundary=" + b});
  }

  /// Creates a post; returns its pid ("" on failure).
  std::string post(const std::string& title, int min_level,
                   const std::string& content = "about it") const {
    auto res = call("POST", "/user/post",
                    R"({"title":")" + title + R"(","content":")" + content
                        + R"(","enabled":true,"minLevel":{"lid":)"
                        + std::to_string(min_level) + "}}");
    return res.status == 201 ? json_field(res.body, "data.pid") : "";
  }
};

/// The envelope's status word of a reply.
inline std::string envelope(const response& r) {
  return json_field(r.body, "status");
}

} // namespace skyhaul::test
