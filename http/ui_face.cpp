#include "http/ui_face.hpp"

#include "base/crypto.hpp"
#include "http/json.hpp"

#include <map>
#include <string>
#include <string_view>

namespace skyhaul::http {

const char* const ui_csp
    = "default-src 'self'; script-src 'self'; style-src 'self'; "
      "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
      "object-src 'none'; base-uri 'none'; form-action 'self'; "
      "frame-ancestors 'none'";

namespace {

/// An embedded file as it is served.
struct served_file {
  std::string_view bytes;
  std::string content_type;
  /// A strong validator: part of the SHA-256 of the bytes, so it changes
  /// exactly when a new build changes the file.
  std::string etag;
};

std::string type_of(std::string_view path) {
  static const std::map<std::string_view, const char*> types = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".txt", "text/plain; charset=utf-8"},
  };
  auto dot = path.rfind('.');
  if (dot != std::string_view::npos)
    if (auto i = types.find(path.substr(dot)); i != types.end())
      return i->second;
  return "application/octet-stream";
}

/// The files by path, built once from the generated table.
const std::map<std::string, served_file, std::less<>>& files() {
  static const auto table = [] {
    std::map<std::string, served_file, std::less<>> out;
    for (size_t i = 0; i < ui_asset_count; ++i) {
      auto& a = ui_assets[i];
      std::string_view bytes{reinterpret_cast<const char*>(a.data), a.size};
      out[a.path] = {bytes, type_of(a.path),
                     "\"" + sha256_hex(bytes).substr(0, 32)
                         + "\""};
    }
    return out;
  }();
  return table;
}

/// True when `If-None-Match` names `etag` (or is `*`).
bool matches(const std::string& header, const std::string& etag) {
  if (header.empty())
    return false;
  if (header == "*")
    return true;
  size_t pos = 0;
  while (pos < header.size()) {
    auto comma = header.find(',', pos);
    auto item = header.substr(pos, comma == std::string::npos
                                       ? std::string::npos
                                       : comma - pos);
    pos = comma == std::string::npos ? header.size() : comma + 1;
    auto b = item.find_first_not_of(' ');
    auto e = item.find_last_not_of(' ');
    if (b == std::string::npos)
      continue;
    item = item.substr(b, e - b + 1);
    // Weak comparison (RFC 9110 13.1.2): W/ makes no difference here.
    if (item.rfind("W/", 0) == 0)
      item = item.substr(2);
    if (item == etag)
      return true;
  }
  return false;
}

void add_policy(reply& r) {
  r.headers.emplace_back("Content-Security-Policy", ui_csp);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  r.headers.emplace_back("X-Frame-Options", "DENY");
}

reply serve(const request& req, const std::string& path) {
  auto& table = files();
  auto i = table.find(path);
  if (i == table.end())
    return json_error(404, "no such path: " + req.path);
  auto& f = i->second;
  reply r;
  r.headers.emplace_back("ETag", f.etag);
  // Names carry no version, so a browser revalidates each time; the
  // revalidation is a 304 without a body.
  r.headers.emplace_back("Cache-Control", "no-cache");
  add_policy(r);
  if (matches(req.header("if-none-match"), f.etag)) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.content_type = f.content_type;
  r.body.assign(f.bytes.data(), f.bytes.size());
  return r;
}

face ui_face() {
  face f;
  f.name = "ui";
  f.prefixes = {"/", "/ui"};
  f.error = [](const request&, unsigned status, const std::string& msg) {
    return json_error(status, msg);
  };
  return f;
}

} // namespace

void mount_ui(router& r, std::shared_ptr<const services>) {
  auto m = r.mount(ui_face());
  m.add("GET", "/", access::open,
        [](const caller_ptr&, request& req, responder respond) {
          respond(serve(req, "index.html"));
        });
  m.add("GET", "/ui/*file", access::open,
        [](const caller_ptr&, request& req, responder respond) {
          auto& file = req.params.at("file");
          // index.html has one address, `/`; hidden files have none.
          if (file == "index.html" || file.find("/.") != std::string::npos
              || file.rfind('.', 0) == 0) {
            respond(json_error(404, "no such path: " + req.path));
            return;
          }
          respond(serve(req, file));
        });
}

} // namespace skyhaul::http
