#define BOOST_TEST_MODULE openapi_routes
#include <boost/test/unit_test.hpp>

// docs/openapi.json against the route tables of the real listeners: every
// route is documented with its face and its authentication, and every
// documented operation is a route, so the document cannot drift from the
// code. The served document is the file itself.

#include "http/listeners.hpp"
#include "http/openapi_face.hpp"
#include "http/router.hpp"
#include "http/services.hpp"
#include "protocol/settings.hpp"

#include <cctype>
#include <fstream>
#include <map>
#include <rapidjson/document.h>
#include <set>
#include <sstream>

using namespace skyhaul;
using namespace skyhaul::http;

namespace {

/// Listeners whose routes the document leaves out: the S3 object API is
/// AWS S3's own interface.
const std::set<std::string> undocumented_listeners = {"s3"};

/// The web UI's pages, assets and the JSON calls only its pages make: not
/// an API for other clients.
const std::set<std::string> undocumented_faces = {"ui", "ui_api"};

/// Faces documented here whose code comes with their own change: until a
/// build has them mounted at all, their operations wait; once any of their
/// routes is mounted, they are checked like every other face.
const std::set<std::string> arriving_faces = {"events"};

std::string read_doc() {
  std::ifstream in{SKYHAUL_OPENAPI_DOC};
  BOOST_REQUIRE_MESSAGE(in, "cannot read " SKYHAUL_OPENAPI_DOC);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// `/task/tid/:tid` and `/download/:tid/*file` as OpenAPI writes them.
std::string openapi_path(const std::string& pattern) {
  std::string out;
  for (auto& seg : split_path(pattern)) {
    out += '/';
    if (!seg.empty() && (seg[0] == ':' || seg[0] == '*'))
      out += "{" + seg.substr(1) + "}";
    else
      out += seg;
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct row {
  std::string listener;
  std::string face;
  http::access auth;
};

/// (METHOD, path) -> where it is routed, over the documented listeners.
std::map<std::pair<std::string, std::string>, row> routes() {
  settings cfg;
  auto svc = std::make_shared<services>();
  svc->cfg = &cfg;
  std::map<std::pair<std::string, std::string>, row> out;
  for (auto& l : standard_listeners(svc)) {
    if (undocumented_listeners.count(l.name) > 0)
      continue;
    for (auto& r : l.faces->table())
      if (undocumented_faces.count(r.face) == 0)
        out[{lower(r.method), openapi_path(r.pattern)}]
            = {l.name, r.face, r.auth};
  }
  return out;
}

const char* const methods[]
    = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

} // namespace

BOOST_AUTO_TEST_CASE(the_served_document_is_the_file) {
  BOOST_TEST(std::string{openapi_document()} == read_doc());
}

BOOST_AUTO_TEST_CASE(every_route_is_documented_and_every_operation_routed) {
  rapidjson::Document doc;
  auto text = read_doc();
  doc.Parse(text.c_str(), text.size());
  BOOST_REQUIRE(!doc.HasParseError() && doc.IsObject());
  BOOST_REQUIRE(doc.HasMember("paths") && doc["paths"].IsObject());
  auto table = routes();
  BOOST_REQUIRE_GT(table.size(), 50u);
  std::set<std::string> mounted;
  for (auto& kvp : table)
    mounted.insert(kvp.second.face);
  auto& paths = doc["paths"];
  std::set<std::pair<std::string, std::string>> documented;
  for (auto& p : paths.GetObject()) {
    std::string path = p.name.GetString();
    std::string listener = p.value.HasMember("x-skyhaul-listener")
                               ? p.value["x-skyhaul-listener"].GetString()
                               : "api";
    for (auto* m : methods) {
      if (!p.value.HasMember(m))
        continue;
      auto& op = p.value[m];
      documented.insert({m, path});
      std::string face = op.HasMember("x-skyhaul-face")
                             ? op["x-skyhaul-face"].GetString()
                             : "";
      if (arriving_faces.count(face) > 0 && mounted.count(face) == 0) {
        BOOST_TEST_MESSAGE("not mounted in this build yet: " << m << " " << path);
        continue;
      }
      BOOST_TEST_CONTEXT(m << " " << path) {
        auto i = table.find({m, path});
        BOOST_CHECK_MESSAGE(i != table.end(), "documented but not routed");
        if (i == table.end())
          continue;
        BOOST_TEST(i->second.listener == listener);
        BOOST_REQUIRE(op.HasMember("x-skyhaul-face"));
        BOOST_TEST(i->second.face == op["x-skyhaul-face"].GetString());
        // An open route asks for no credentials; any other names them. A
        // handler that checks credentials of its own ("x-skyhaul-auth":
        // "handler") is open to the router and names them too.
        BOOST_REQUIRE(op.HasMember("security") && op["security"].IsArray());
        auto open = op["security"].Empty();
        auto own = op.HasMember("x-skyhaul-auth")
                   && std::string{op["x-skyhaul-auth"].GetString()} == "handler";
        if (own)
          BOOST_TEST((i->second.auth == http::access::open));
        else
          BOOST_TEST(open == (i->second.auth == http::access::open),
                     "security does not match access "
                         << to_string(i->second.auth));
      }
    }
  }
  for (auto& [key, r] : table)
    BOOST_TEST(documented.count(key) == 1u,
               "routed but not documented: " << key.first << " " << key.second
                                             << " (face " << r.face << ")");
}
