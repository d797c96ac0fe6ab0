#include <boost/test/unit_test.hpp>

// Every route of every listener, from the router's table: strangers are
// refused in their face's shape, HEAD and unsupported methods too.

#include <map>

#include "tests/http/server_fixture.hpp"
#include "tests/support/route_paths.hpp"

using namespace skyhaul;
using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

/// A concrete path for a route pattern: a sample value per capture.
std::string sample_path(const std::string& pattern) {
  static const std::map<std::string, std::string> samples{
      {":tid", format_tid(5)}, {":op", "pause"},    {":bucket", "walk-bucket"},
      {"*key", "dir/a.bin"},   {"*file", "a.bin"},
      {":pid", "5"},           {":lid", "3"},       {":uid", "7"},
      {":passkey", std::string(32, '0')},
      // The Offcloud face's request ids and preflight paths.
      {":id", "000000000000000000000005"},
      {":rid", "000000000000000000000005"}};
  return test::sample_path(pattern, samples);
}

bhttp::verb verb_of(const std::string& method) {
  return bhttp::string_to_verb(method);
}

/// True when `res` has the error shape of the face `face`.
bool in_face_shape(const std::string& face, const response& res) {
  // The web UI's pages and JSON, the events face (GET /events), /metrics
  // and /openapi.json answer errors as the Task API does.
  if (face == "task" || face == "ui" || face == "ui_api"
      || face == "events" || face == "metrics" || face == "openapi") {
    rapidjson::Document doc;
    doc.Parse(res.body.c_str(), res.body.size());
    return !doc.HasParseError() && doc.IsObject() && doc.HasMember("status")
           && doc["status"] == "error" && doc.HasMember("errmsg")
           && doc["errmsg"].IsString()
           && res.headers[bhttp::field::content_type] == "application/json";
  }
  if (face == "offcloud" || face == "offcloud-upload") {
    rapidjson::Document doc;
    doc.Parse(res.body.c_str(), res.body.size());
    return !doc.HasParseError() && doc.IsObject() && doc.HasMember("error")
           && doc["error"].IsString()
           && res.headers[bhttp::field::content_type] == "application/json";
  }
  if (face == "s3" || face == "offline")
    return res.body.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                          "<Error><Code>",
                          0)
               == 0
           && res.body.find("<RequestId>") != std::string::npos
           && res.headers[bhttp::field::content_type] == "application/xml";
  if (face == "community") {
    rapidjson::Document doc;
    doc.Parse(res.body.c_str(), res.body.size());
    return !doc.HasParseError() && doc.IsObject() && doc.HasMember("status")
           && doc["status"] == "FAIL" && doc.HasMember("message")
           && doc["message"].IsString() && doc.HasMember("data")
           && doc["data"].IsNull()
           && res.headers[bhttp::field::content_type] == "application/json";
  }
  if (face == "tracker")
    return res.status == 200u && res.body.rfind("d14:failure reason", 0) == 0;
  BOOST_ERROR("the test knows no error shape of face " << face);
  return false;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(route_walk, fixture)

BOOST_AUTO_TEST_CASE(every_route_refuses_strangers_in_its_faces_shape) {
  // A private bucket of alice's, so that the routes anonymous callers may
  // use (S3's public-read) have something to refuse.
  {
    auto t = db->write();
    storage::create_bucket(t, "walk-bucket", uid, acl_spec{}, 0);
    t.commit();
  }
  auto aws_wrong = std::map<std::string, std::string>{
      {"Authorization", "AWS AKIANOSUCHKEY00000:c2lnbmF0dXJl"},
      {"Date", skyhaul::format_http_date(std::time(nullptr))}};
  auto api_wrong = std::map<std::string, std::string>{
      {"Authorization", "Bearer sk_wrong"}};
  auto community_wrong = std::map<std::string, std::string>{
      {"id", "1"}, {"credential", "wrong"}};
  // What each face makes of the router's 405: S3 answers every operation
  // it does not do (PutObject, POST ?delete...) with 501 NotImplemented.
  const std::map<std::string, unsigned> status_405{
      {"task", 405}, {"offline", 405}, {"s3", 501},
      {"offcloud", 405}, {"offcloud-upload", 405}, {"community", 405},
      {"tracker", 200}, {"ui", 405}, {"ui_api", 405}, {"events", 405},
      {"metrics", 405}, {"openapi", 405}};
  std::set<std::string> open_routes;
  size_t walked = 0;
  for (auto& l : listeners) {
    auto& faces = *l.faces;
    auto table = faces.table();
    BOOST_REQUIRE_MESSAGE(!table.empty(), l.name);
    for (auto& route : table) {
      auto what = l.name + " " + route.method + " " + route.pattern;
      auto path = sample_path(route.pattern);
      ++walked;
      if (route.auth == http::access::open && route.method == "OPTIONS"
          && route.face.rfind("offcloud", 0) == 0) {
        // The Offcloud faces' CORS preflights: open, and nothing but 204.
        client c{bound[l.name]};
        auto res = c.call(bhttp::verb::options, path);
        BOOST_CHECK_MESSAGE(res.status == 204u, what << " -> " << res.status);
        BOOST_CHECK_MESSAGE(res.body.empty(), what << " -> " << res.body);
      } else if (route.auth == http::access::open) {
        open_routes.insert(what);
      } else {
        // The api listener's faces take api keys (the community face its
        // id and credential headers); the others signatures.
        bool keyed = l.name == "api";
        auto& forged = route.face == "community" ? community_wrong
                       : keyed                   ? api_wrong
                                                 : aws_wrong;
        for (bool anonymous : {true, false}) {
          client c{bound[l.name]};
          auto res = c.call(verb_of(route.method), path, {},
                            anonymous ? std::map<std::string, std::string>{}
                                      : forged);
          BOOST_CHECK_MESSAGE(res.status == 401u || res.status == 403u,
                              what << (anonymous ? " anonymous" : " forged")
                                   << " -> " << res.status << " " << res.body);
          BOOST_CHECK_MESSAGE(in_face_shape(route.face, res),
                              what << " -> " << res.body);
          // A forged signature is refused as such, not let through as an
          // anonymous caller that the ACL happens to stop.
          if (!anonymous && !keyed)
            BOOST_CHECK_MESSAGE(res.body.find("InvalidAccessKeyId")
                                  != std::string::npos,
                                what << " forged -> " << res.body);
        }
        if (keyed) {
          // The other way to present a key: ?key=.
          client c{bound[l.name]};
          auto sep = path.find('?') == std::string::npos ? "?" : "&";
          auto res = c.call(verb_of(route.method),
                            path + sep + "key=sk_wrong");
          BOOST_CHECK_MESSAGE(res.status == 401u || res.status == 403u,
                              what << " ?key= -> " << res.status);
          BOOST_CHECK_MESSAGE(in_face_shape(route.face, res),
                              what << " ?key= -> " << res.body);
        }
        if (route.method == "GET") {
          // GET routes answer HEAD too: it needs a caller just the same.
          client c{bound[l.name]};
          auto res = c.call(bhttp::verb::head, path);
          BOOST_CHECK_MESSAGE(res.status == 401u || res.status == 403u,
                              what << " as HEAD -> " << res.status);
        }
      }
      // Every method the path does not take is refused by its face.
      for (auto* method : {"GET", "PUT", "POST", "DELETE", "PATCH"}) {
        http::request head;
        head.method = method;
        head.path = path;
        auto adm = faces.admit(head);
        if (adm.route >= 0)
          continue;
        client c{bound[l.name]};
        auto res = c.call(verb_of(method), path);
        BOOST_CHECK_MESSAGE(res.status == status_405.at(route.face),
                            what << " as " << method << " -> " << res.status
                                 << " " << res.body);
        BOOST_CHECK_MESSAGE(in_face_shape(route.face, res),
                            what << " as " << method << " -> " << res.body);
      }
    }
  }
  BOOST_CHECK_GE(walked, 20u);
  // The public routes, each on purpose: a new one must be added here.
  BOOST_CHECK(open_routes
              == (std::set<std::string>{"api GET /healthz",
                                        "api GET /download/:tid/*file",
                                        "api GET /announce/:passkey",
                                        "api GET /scrape/:passkey",
                                        // Offcloud: logging in and out,
                                        // its signed links.
                                        "api POST /api/login",
                                        "api POST /api/logout",
                                        "api GET /api/check",
                                        "api POST /api/check",
                                        "api GET /cloud/download/:rid/*file",
                                        // The web UI's static files.
                                        "api GET /", "api GET /ui/*file",
                                        "api GET /ui/api/session",
                                        // Documentation; and /metrics checks
                                        // its token or an admin's key itself.
                                        "api GET /openapi.json",
                                        "api GET /metrics"}));
}

BOOST_AUTO_TEST_SUITE_END()
