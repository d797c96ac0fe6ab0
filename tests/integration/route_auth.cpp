#define BOOST_TEST_MODULE route_auth_integration
#include <boost/test/unit_test.hpp>

// Authentication and isolation over every route of the real skyhauld. The
// routes come from the listeners' own tables (standard_listeners), so a
// route added later is walked too; the routes public by design are an
// explicit list below. Each other route is called with no credentials, a
// wrong credential, expired signatures where the face signs (SigV4 header,
// SigV4 presigned, SigV2), and, where it names a task, another user's key
// on alice's task: each answer is a 401/403/404 in the face's own error
// shape, alice's task is unchanged afterwards, and no secret shows up in a
// reply, in skyhauld.log or in GET /config.

#include "base/sigv2.hpp"
#include "base/sigv4.hpp"
#include "http/listeners.hpp"
#include "http/router.hpp"
#include "http/services.hpp"
#include "protocol/settings.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/route_paths.hpp"
#include "tests/support/task_calls.hpp"

#include <ctime>
#include <fstream>
#include <iterator>
#include <map>
#include <rapidjson/document.h>
#include <regex>
#include <set>

using namespace skyhaul;
using namespace skyhaul::test;

namespace {

/// The routes that take no credentials on purpose; a new open route fails
/// the test until it is added here with its reason.
const std::set<std::string> public_routes = {
    "api GET /healthz",             // liveness probe
    "api GET /download/:tid/*file", // checks its own signed link
    "api GET /announce/:passkey",   // tracker: the passkey is the credential
    "api GET /scrape/:passkey",     // tracker: the passkey is the credential
    "api POST /api/login",          // Offcloud: logging in
    "api POST /api/logout",         // Offcloud: logging out
    "api GET /api/check",           // Offcloud: session check
    "api POST /api/check",          // Offcloud: session check
    "api GET /cloud/download/:rid/*file", // Offcloud: its signed links
    "api GET /",                          // web UI page
    "api GET /ui/*file",                  // web UI static assets
    "api GET /ui/api/session",            // web UI: whether a session exists
    "api GET /openapi.json",              // documentation
    "api GET /metrics", // checks its token or an admin key itself
};

/// A concrete path for a pattern; `tid` is alice's task.
std::string sample_path(const std::string& pattern, const std::string& tid,
                        const std::string& bucket, const std::string& key) {
  const std::map<std::string, std::string> samples{
      {":tid", tid},
      {":op", "pause"},
      {":bucket", bucket},
      {"*key", key},
      {"*file", "a.bin"},
      {":pid", "5"},
      {":lid", "3"},
      {":uid", "7"},
      {":passkey", std::string(32, '0')},
      {":id", "000000000000000000000005"},
      {":rid", "000000000000000000000005"}};
  return test::sample_path(pattern, samples);
}

bool json_with(const response& r, const char* member, const char* value) {
  rapidjson::Document doc;
  doc.Parse(r.body.c_str(), r.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember(member))
    return false;
  if (value == nullptr)
    return doc[member].IsString();
  return doc[member].IsString() && doc[member] == value;
}

/// True when `r` is in the error shape of `face`.
bool in_face_shape(const std::string& face, const response& r) {
  auto type = r.headers.count("content-type") ? r.headers.at("content-type")
                                              : std::string{};
  if (face == "task" || face == "ui" || face == "ui_api" || face == "events"
      || face == "metrics" || face == "openapi")
    return json_with(r, "status", "error") && json_with(r, "errmsg", nullptr)
           && type == "application/json";
  if (face == "offcloud" || face == "offcloud-upload")
    return json_with(r, "error", nullptr) && type == "application/json";
  if (face == "s3" || face == "offline")
    return r.body.find("<Error><Code>") != std::string::npos
           && r.body.find("<RequestId>") != std::string::npos
           && type == "application/xml";
  if (face == "community")
    return json_with(r, "status", "FAIL") && type == "application/json";
  if (face == "tracker")
    return r.body.rfind("d14:failure reason", 0) == 0;
  return false;
}

bool refused(const response& r) {
  return r.status == 401 || r.status == 403 || r.status == 404;
}

/// A query the route accepts (pausing takes `?act=`).
std::string valid_query(const std::string& what) {
  return what == "api PUT /task/tid/:tid" ? "?act=pause" : "";
}

/// A body the route accepts, so that another user's call is answered by
/// the ownership check, not by validation.
std::string valid_body(const std::string& what) {
  static const std::map<std::string, std::string> bodies{
      {"api PUT /task/tid/:tid/files", R"({"files":[0]})"}};
  auto i = bodies.find(what);
  return i == bodies.end() ? std::string{} : i->second;
}

/// A task's info without the signed download links, which are made anew
/// (with a later expiry) on every call.
std::string stable_info(const server_process& d, const std::string& tid,
                        const std::string& key) {
  auto body = d.api("GET", "/task/tid/" + tid + "/info", {}, key).body;
  return std::regex_replace(
      body, std::regex{"\\?expires=[0-9]+&signature=[0-9a-f]+"}, "");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string host_of(const std::string& url) {
  return url.substr(url.find("://") + 3);
}

/// Headers of a SigV4 request signed `age_s` seconds ago.
std::vector<std::string> sigv4_headers(const std::string& method,
                                       const std::string& base,
                                       const std::string& target, const user& u,
                                       int64_t age_s) {
  std::vector<std::string> out;
  for (auto& [k, v] :
       sigv4_sign(method, target, {{"host", host_of(base)}},
                  std::string{unsigned_payload}, u.access_key, u.secret_key,
                  "us-east-1", std::time(nullptr) - age_s))
    out.push_back(k + ": " + v);
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_route_refuses_strangers_and_other_users) {
  origin org;
  server_process d;
  d.start();
  auto alice = d.add_user("alice");
  auto bob = d.add_user("bob");
  auto tid = create(d, R"({"url":")" + org.url("/file/1000") + R"("})",
                    alice.api_key);
  auto ended_body
      = d.await_status(tid, ended(), std::chrono::seconds(30), alice.api_key);
  BOOST_REQUIRE_MESSAGE(state_of(ended_body) == "finished", ended_body);
  auto info_before = stable_info(d, tid, alice.api_key);
  // Alice's object, where the task put it: the S3 and Offline routes
  // name it.
  auto bucket = json_field(info_before, "detail.options.bucket");
  auto key = json_field(info_before, "detail.files.0.key");
  BOOST_REQUIRE(!bucket.empty() && !key.empty());

  settings cfg;
  auto svc = std::make_shared<http::services>();
  svc->cfg = &cfg;
  std::vector<std::string> replies;
  std::set<std::string> open_seen;
  size_t walked = 0;
  auto check = [&](const std::string& what, const std::string& face,
                   const response& r) {
    replies.push_back(r.body);
    BOOST_CHECK_MESSAGE(refused(r) || face == "tracker",
                        what << " -> " << r.status << " " << r.body);
    BOOST_CHECK_MESSAGE(in_face_shape(face, r),
                        what << " not in the " << face << " shape: " << r.body);
  };
  for (auto& l : http::standard_listeners(svc)) {
    auto base = d.url(l.name);
    for (auto& route : l.faces->table()) {
      auto what = l.name + " " + route.method + " " + route.pattern;
      if (route.auth == http::access::open) {
        // Offcloud's CORS preflights mirror its routes and answer nothing.
        if (route.method != "OPTIONS")
          open_seen.insert(what);
        continue;
      }
      ++walked;
      auto target = sample_path(route.pattern, tid, bucket, key);
      auto url = base + target;
      check(what + " anonymous", route.face, test::http(route.method, url));
      bool keyed = l.name == "api";
      if (keyed) {
        auto wrong
            = route.face == "community"
                  ? std::vector<std::string>{"id: 1", "credential: wrong"}
                  : std::vector<std::string>{"Authorization: Bearer sk_wrong"};
        check(what + " wrong key", route.face,
              test::http(route.method, url, {}, wrong));
        if (route.pattern.find(":tid") != std::string::npos
            && route.face == "task")
          check(what + " bob on alice's task", route.face,
                test::http(route.method, url + valid_query(what),
                           valid_body(what),
                           {"Authorization: Bearer " + bob.api_key}));
        continue;
      }
      // The signing faces: a wrong secret, then alice's own keys too old.
      user forged = alice;
      forged.secret_key = "wrong-secret-wrong-secret-wrong-secret00";
      check(what + " wrong secret", route.face,
            test::http(route.method, url, {},
                       sigv4_headers(route.method, base, target, forged, 0)));
      check(what + " sigv4 an hour old", route.face,
            test::http(route.method, url, {},
                       sigv4_headers(route.method, base, target, alice, 3600)));
      auto presigned = sigv4_presign(
          route.method, target, {{"host", host_of(base)}}, alice.access_key,
          alice.secret_key, "us-east-1", std::time(nullptr) - 7200, 60);
      check(what + " presigned expired", route.face,
            test::http(route.method, url + "?" + presigned));
      std::vector<std::string> v2;
      for (auto& [k, v] :
           sigv2_sign(route.method, target, {}, alice.access_key,
                      alice.secret_key, std::time(nullptr) - 3600))
        v2.push_back(k + ": " + v);
      check(what + " sigv2 an hour old", route.face,
            test::http(route.method, url, {}, v2));
      auto v2q = sigv2_presign(route.method, target, alice.access_key,
                               alice.secret_key, std::time(nullptr) - 60);
      check(what + " sigv2 presigned expired", route.face,
            test::http(route.method, url + "?" + v2q));
      // Bob signs correctly on alice's bucket. Creating a bucket that is
      // taken answers S3's 409 BucketAlreadyExists, as AWS does; the
      // Offline API's PUT /:bucket creates a task in the caller's own
      // space and is left out here.
      if (route.pattern.find(":bucket") != std::string::npos
          && what != "offline PUT /:bucket") {
        auto r = test::http(route.method, url, {},
                            sigv4_headers(route.method, base, target, bob, 0));
        bool taken = route.face == "s3" && route.method == "PUT"
                     && r.status == 409
                     && r.body.find("BucketAlreadyExists") != std::string::npos;
        if (taken)
          replies.push_back(r.body);
        else
          check(what + " bob on alice's bucket", route.face, r);
      }
    }
  }
  BOOST_CHECK_GE(walked, 50u);
  BOOST_CHECK_MESSAGE(open_seen == public_routes,
                      "the open routes differ from the list of public ones");
  for (auto& r : open_seen)
    BOOST_CHECK_MESSAGE(public_routes.count(r) > 0,
                        "open but not listed: " << r);

  // Nothing changed: alice's task answers as before.
  auto info_after = stable_info(d, tid, alice.api_key);
  BOOST_CHECK_EQUAL(info_before, info_after);
  auto obj = test::http("GET", d.url("s3") + "/" + bucket + "/" + key, {},
                        sigv4_headers("GET", d.url("s3"),
                                      "/" + bucket + "/" + key, alice, 0));
  BOOST_CHECK_EQUAL(obj.status, 200);
  BOOST_CHECK_EQUAL(obj.body.size(), 1000u);

  // No secret in any reply, the log or /config.
  replies.push_back(d.api("GET", "/config").body);
  replies.push_back(d.api("GET", "/config", {}, alice.api_key).body);
  replies.push_back(read_file(d.data_dir() + "/skyhauld.log"));
  for (const user* u : std::vector<const user*>{&alice, &bob, &d.admin()})
    for (const std::string& secret : {u->api_key, u->secret_key, u->credential})
      if (!secret.empty())
        for (auto& text : replies)
          BOOST_CHECK_MESSAGE(text.find(secret) == std::string::npos,
                              "a secret of " << u->name << " leaked");
}
