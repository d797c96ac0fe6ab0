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
// reply, in skyhauld.log or in GET /config. A second walk has bob, signed
// in properly, on the rest of what alice owns (Offcloud requests, archive
// listings, remote accounts, default proxy, community posts, the UI API's
// views) and on every list, with passwords, passkeys and remote and proxy
// secrets planted to look for.

#include "base/sigv2.hpp"
#include "base/sigv4.hpp"
#include "http/listeners.hpp"
#include "http/router.hpp"
#include "http/services.hpp"
#include "protocol/settings.hpp"
#include "tests/support/community_client.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/event_stream.hpp"
#include "tests/support/offcloud_calls.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/route_paths.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/task_calls.hpp"

#include <cctype>
#include <ctime>
#include <fstream>
#include <iterator>
#include <map>
#include <rapidjson/document.h>
#include <regex>
#include <set>
#include <tuple>

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

namespace {

/// A single-file torrent for the community face's metainfo upload.
std::string small_torrent(const std::string& name) {
  auto bstr = [](const std::string& s) {
    return std::to_string(s.size()) + ":" + s;
  };
  return "d8:announce" + bstr("http://elsewhere/announce") + "4:infod6:lengthi"
         + "10e4:name" + bstr(name) + "12:piece lengthi16384e6:pieces"
         + bstr(std::string(20, 'p')) + "ee";
}

/// Secrets the second walk plants: passwords given to the daemon, the
/// remote account's and the configured proxy's.
const std::string alice_password = "Alice-pw-4d1c97e2";
const std::string bob_password = "Bob-pw-9a03b6f1";
const std::string dav_password = "Dav-secret-71e5a0c8";
const std::string proxy_password = "Proxy-secret-c3b92d14";

/// A body without the signed links, which are made anew on every call.
std::string unsigned_links(const std::string& body) {
  return std::regex_replace(
      body, std::regex{"\\?expires=[0-9]+&signature=[0-9a-f]+"}, "");
}

/// True when `s` occurs in `text` as a whole: not next to a letter or
/// digit (ids are zero-padded, one may sit inside another's digits).
bool has_token(const std::string& text, const std::string& s) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)); };
  for (auto at = text.find(s); at != std::string::npos;
       at = text.find(s, at + 1)) {
    bool left = at > 0 && word(s.front()) && word(text[at - 1]);
    auto end = at + s.size();
    bool right = end < text.size() && word(s.back()) && word(text[end]);
    if (!left && !right)
      return true;
  }
  return false;
}

/// One call of bob's on something of alice's: what it was, on which face,
/// the reply.
struct bob_call {
  std::string what;
  std::string face;
  response r;
};

} // namespace

// Bob, signed in properly, on what alice owns beyond her task and bucket:
// her Offcloud requests, archive listings, remote accounts and default
// proxy, her community posts (one disabled), and the UI API's views of
// her objects and posts. Each call is refused in its face's shape (or, for
// a list, shows none of hers), alice reads everything back unchanged, and
// no password, passkey or remote or proxy secret appears in any reply, in
// skyhauld.log or in /config.
BOOST_AUTO_TEST_CASE(bob_meets_none_of_alices_things_and_no_secret_shows) {
  scratch s{"skyhaul-route-auth"};
  auto config = s.dir + "/config.json";
  std::ofstream{config} << R"({"proxies":[{"id":"px","name":"Px",)"
                        << R"("region":"eu","url":"http://pxuser:)"
                        << proxy_password << R"(@127.0.0.1:9"}]})";
  origin org;
  server_process d{{"--config", config, "--max-tries", "1"}};
  d.start();
  auto alice = d.add_user("alice", "--email alice@example.com --password-stdin",
                          alice_password + "\n");
  auto bob = d.add_user("bob", "--email bob@example.com --password-stdin",
                        bob_password + "\n");
  BOOST_REQUIRE(!alice.api_key.empty() && !bob.api_key.empty());
  // The passwords pass through the daemon: a login each, and bob's
  // password tried on alice's account.
  for (auto& [email, pw, want] :
       std::vector<std::tuple<std::string, std::string, long>>{
           {"alice@example.com", alice_password, 200},
           {"bob@example.com", bob_password, 200},
           {"alice@example.com", bob_password, 401}}) {
    auto r = test::http("POST", d.url() + "/api/login",
                        oc::form({{"username", email}, {"password", pw}}),
                        oc::form_type);
    BOOST_CHECK_MESSAGE(r.status == want, email << ": " << r.body);
  }

  // Alice's things.
  auto tid = create(d,
                    R"({"url":")" + org.url("/file/1000")
                        + R"(","key":"alices-object.bin"})",
                    alice.api_key);
  auto ended_body
      = d.await_status(tid, ended(), std::chrono::seconds(30), alice.api_key);
  BOOST_REQUIRE_MESSAGE(state_of(ended_body) == "finished", ended_body);
  auto info = stable_info(d, tid, alice.api_key);
  auto bucket = json_field(info, "detail.options.bucket");
  auto key = json_field(info, "detail.files.0.key");
  BOOST_REQUIRE(!bucket.empty() && !key.empty());
  auto rid = oc::cloud(d, org.url("/file/2000"), alice.api_key);
  BOOST_REQUIRE_EQUAL(oc::await(d, rid, alice.api_key), "downloaded");
  auto added = oc::post(d, "/remote/accounts/add",
                        oc::form({{"type", "webdav"},
                                  {"host", "127.0.0.1"},
                                  {"port", "9"},
                                  {"username", "alice-dav"},
                                  {"password", dav_password}}),
                        alice.api_key);
  auto account = json_field(added.body, "accountId");
  BOOST_REQUIRE_MESSAGE(!account.empty(), added.body);
  auto px = oc::post(d, "/proxy/default", oc::form({{"proxyId", "px"}}),
                     alice.api_key);
  BOOST_REQUIRE_MESSAGE(json_field(px.body, "proxyId") == "px", px.body);
  // A request through her default proxy, which is dead: its error must
  // not name the proxy's password.
  auto prid = oc::cloud(d, org.url("/file/500"), alice.api_key);
  BOOST_REQUIRE_EQUAL(oc::await(d, prid, alice.api_key), "error");
  community_client ca{&d, alice};
  community_client cb{&d, bob};
  auto pid = ca.post("Alices open post", 1);
  BOOST_REQUIRE(!pid.empty());
  auto hidden = ca.call("POST", "/user/post",
                        R"({"title":"Alices hidden post","content":"draft",)"
                        R"("enabled":false,"minLevel":{"lid":1}})");
  auto hid = json_field(hidden.body, "data.pid");
  BOOST_REQUIRE_MESSAGE(hidden.status == 201 && !hid.empty(), hidden.body);

  // What alice reads, before and after bob's calls.
  auto alice_view = [&] {
    std::vector<std::string> v;
    v.push_back(stable_info(d, tid, alice.api_key));
    v.push_back(unsigned_links(
        oc::post(d, "/cloud/status", oc::form({{"requestId", rid}}),
                 alice.api_key)
            .body));
    v.push_back(unsigned_links(
        oc::get(d, "/api/cloud/explore/" + rid, alice.api_key).body));
    v.push_back(unsigned_links(
        oc::post(d, "/cloud/status", oc::form({{"requestId", prid}}),
                 alice.api_key)
            .body));
    v.push_back(oc::post(d, "/remote/accounts", {}, alice.api_key).body);
    v.push_back(oc::get(d, "/api/proxy/default", alice.api_key).body);
    for (auto& p : {pid, hid}) {
      v.push_back(ca.call("GET", "/user/post/" + p).body);
      v.push_back(ca.call("GET", "/user/post/" + p + "/thread").body);
    }
    v.push_back(test::http("GET", d.url() + "/ui/api/objects?bucket=" + bucket,
                           {}, {"Authorization: Bearer " + alice.api_key})
                    .body);
    return v;
  };
  auto before = alice_view();
  BOOST_REQUIRE_MESSAGE(before[4].find(account) != std::string::npos,
                        before[4]);

  std::vector<bob_call> calls;
  auto bearer = std::vector<std::string>{"Authorization: Bearer " + bob.api_key};
  auto json_type = std::vector<std::string>{"Content-Type: application/json"};
  // Offcloud: the key in the query, as its clients send it.
  auto oc_get = [&](const std::string& path) {
    calls.push_back({"GET " + path, "offcloud", oc::get(d, path, bob.api_key)});
  };
  auto oc_post = [&](const std::string& path, const std::string& body) {
    calls.push_back({"POST /api" + path + " " + body, "offcloud",
                     oc::post(d, path, body, bob.api_key)});
  };
  auto oc_json = [&](const std::string& path, const std::string& body) {
    calls.push_back(
        {"POST " + path + " " + body, "offcloud",
         test::http("POST", d.url() + path + "?key=" + bob.api_key, body,
                    json_type)});
  };
  oc_post("/cloud/status", oc::form({{"requestId", rid}}));
  oc_get("/api/cloud/retry/" + rid);
  oc_get("/api/cloud/explore/" + rid);
  oc_get("/api/cloud/explore/" + rid + "?format=detailed");
  oc_get("/api/cloud/list/" + rid);
  oc_post("/remote/status", oc::form({{"requestId", rid}}));
  oc_get("/api/remote/retry/" + rid);
  oc_post("/remote/accounts/remove", oc::form({{"accountId", account}}));
  oc_post("/remote", oc::form({{"url", org.url("/file/3000")},
                               {"remoteOptionId", account},
                               {"folderId", "x"}}));
  oc_get("/cloud/remove/" + rid);
  oc_get("/api/cloud/remove/" + rid);
  oc_json("/api/cloud/remove", R"({"requests":[")" + rid + R"("]})");
  // Community: alice's open post may be read, not changed; her disabled
  // one is not there for bob.
  auto cm = [&](const std::string& method, const std::string& path,
                const std::string& body = {}) {
    calls.push_back({method + " " + path, "community",
                     cb.call(method, path, body)});
  };
  for (std::string base : {"/user/post/", "/post/"}) {
    cm("PUT", base + pid, R"({"title":"bob was here"})");
    cm("DELETE", base + pid);
    cm("GET", base + hid);
    cm("PUT", base + hid, R"({"title":"bob was here"})");
    cm("DELETE", base + hid);
    cm("GET", base + hid + "/thread");
    cm("POST", base + hid + "/thread", R"({"content":"hi","rate":5})");
    cm("GET", base + hid + "/metainfo");
    cm("POST", base + hid + "/fetch");
  }
  calls.push_back({"upload to alice's post", "community",
                   cb.upload(pid, small_torrent("bob.bin"))});
  calls.push_back({"upload to alice's hidden post", "community",
                   cb.upload(hid, small_torrent("bob2.bin"))});
  // The UI API, bob signed in with his key: alice's bucket and object
  // are not his; the community routes keep the community envelope.
  auto ui = [&](const std::string& method, const std::string& path,
                const std::string& face, const std::string& body = {}) {
    auto h = bearer;
    h.push_back("Content-Type: application/json");
    calls.push_back({method + " " + path, face,
                     test::http(method, d.url() + path, body, h)});
  };
  auto named = "?bucket=" + bucket + "&name=" + oc::form_escape(key);
  ui("GET", "/ui/api/objects?bucket=" + bucket, "ui_api");
  ui("GET", "/ui/api/object" + named, "ui_api");
  ui("DELETE", "/ui/api/object" + named, "ui_api");
  ui("GET", "/ui/api/community/post/" + hid, "community");
  ui("GET", "/ui/api/community/post/" + hid + "/thread", "community");
  ui("POST", "/ui/api/community/post/" + hid + "/thread", "community",
     R"({"content":"hi"})");
  ui("GET", "/ui/api/community/post/" + hid + "/metainfo", "community");
  ui("POST", "/ui/api/community/post/" + hid + "/fetch", "community");
  {
    const std::string b = "skyhaulBoundary7MA4YWxk";
    auto h = bearer;
    h.push_back("Content-Type: multipart/form-data; boundary=" + b);
    calls.push_back(
        {"ui upload to alice's post", "community",
         test::http("POST", d.url() + "/ui/api/community/post/" + pid
                                + "/metainfo",
                    "--" + b
                        + "\r\nContent-Disposition: form-data; name=\"file\"; "
                          "filename=\"x.torrent\"\r\n\r\n"
                        + small_torrent("bob3.bin") + "\r\n--" + b + "--\r\n",
                    h)});
  }
  // And from the listeners' own tables, so a route added later is walked
  // too: every route of the api listener that names something of alice's
  // in its path (her task, request, hidden post; a level, which only an
  // admin may change), called with bob's credentials in its face's form
  // and a body it would accept from alice.
  {
    settings cfg;
    auto svc = std::make_shared<http::services>();
    svc->cfg = &cfg;
    const test::route_samples samples{
        {":tid", tid}, {":id", rid}, {":rid", rid}, {":pid", hid},
        {":lid", "1"}, {":op", "pause"}, {"*file", "a.bin"},
        {":uid", alice.id}, {":passkey", std::string(32, '0')}};
    // A user's profile is public by design (its passkey shows to its
    // owner only, which the secret check below holds to).
    const std::set<std::string> others_may = {"GET /user/:uid"};
    size_t crossed = 0;
    for (auto& l : http::standard_listeners(svc)) {
      if (l.name != "api")
        continue;
      for (auto& route : l.faces->table()) {
        auto what = route.method + " " + route.pattern;
        if (route.auth == http::access::open || others_may.count(what) > 0)
          continue;
        bool names_hers = false;
        for (auto cap : {":tid", ":id", ":pid", ":lid"})
          for (auto& seg : http::split_path(route.pattern))
            names_hers = names_hers || seg == cap;
        if (!names_hers)
          continue;
        ++crossed;
        auto url = d.url() + test::sample_path(route.pattern, samples)
                   + valid_query("api " + what);
        auto body = valid_body("api " + what);
        std::vector<std::string> h;
        auto ends = [&](const std::string& tail) {
          return route.pattern.size() >= tail.size()
                 && route.pattern.compare(route.pattern.size() - tail.size(),
                                          tail.size(), tail)
                        == 0;
        };
        if (route.face == "community") {
          h = {"id: " + bob.id, "credential: " + bob.credential};
        } else {
          h = bearer;
        }
        if (ends("/metainfo") && route.method == "POST") {
          const std::string b = "skyhaulBoundary7MA4YWxk";
          h.push_back("Content-Type: multipart/form-data; boundary=" + b);
          body = "--" + b
                 + "\r\nContent-Disposition: form-data; name=\"file\"; "
                   "filename=\"x.torrent\"\r\n\r\n"
                 + small_torrent("walk.bin") + "\r\n--" + b + "--\r\n";
        } else {
          h.push_back("Content-Type: application/json");
          if (ends("/thread") && route.method == "POST")
            body = R"({"content":"hi","rate":5})";
          else if (ends("/:pid") && route.method == "PUT")
            body = R"({"title":"bob was here"})";
          else if (ends("/:lid"))
            body = R"({"name":"Bobs level"})";
        }
        // The UI API's community routes answer in the community envelope.
        auto face = route.face == "ui_api"
                            && route.pattern.find("/community/")
                                   != std::string::npos
                        ? std::string{"community"}
                        : route.face;
        calls.push_back({"walk " + what, face,
                         test::http(route.method, url, body, h)});
      }
    }
    BOOST_TEST_MESSAGE("routes naming alice's things walked: " << crossed);
    BOOST_CHECK_GE(crossed, 25u);
  }
  for (auto& c : calls) {
    BOOST_CHECK_MESSAGE(refused(c.r), c.what << " -> " << c.r.status << " "
                                             << c.r.body);
    BOOST_CHECK_MESSAGE(in_face_shape(c.face, c.r),
                        c.what << " not in the " << c.face
                               << " shape: " << c.r.body);
  }
  // The owner's action is what answers 403: a post bob may see but not
  // change, and one upload only its author may make.
  for (auto& c : calls)
    if (c.what == "PUT /user/post/" + pid || c.what == "DELETE /user/post/" + pid
        || c.what == "upload to alice's post"
        || c.what == "ui upload to alice's post")
      BOOST_CHECK_MESSAGE(c.r.status == 403, c.what << " -> " << c.r.status);
  // Bob's own default proxy is his, not hers; setting it leaves hers.
  auto bob_px = oc::get(d, "/api/proxy/default", bob.api_key);
  BOOST_CHECK_EQUAL(json_field(bob_px.body, "proxyId"), "");
  calls.push_back({"GET /api/proxy/default", "offcloud", bob_px});
  calls.push_back({"POST /api/proxy/default", "offcloud",
                   oc::post(d, "/proxy/default", oc::form({{"proxyId", ""}}),
                            bob.api_key)});

  // Every list bob calls shows none of alice's ids, keys or names, while
  // his own item shows (so the list is not merely empty).
  auto btid = create(d, R"({"url":")" + org.url("/file/1500") + R"("})",
                     bob.api_key);
  BOOST_REQUIRE_EQUAL(
      state_of(d.await_status(btid, ended(), std::chrono::seconds(30),
                              bob.api_key)),
      "finished");
  auto brid = oc::cloud(d, org.url("/file/2500"), bob.api_key);
  BOOST_REQUIRE_EQUAL(oc::await(d, brid, bob.api_key), "downloaded");
  auto bob_bucket = json_field(stable_info(d, btid, bob.api_key),
                               "detail.options.bucket");
  auto bpid = cb.post("Bobs open post", 1);
  BOOST_REQUIRE(!bpid.empty());
  struct listing {
    std::string what;
    response r;
    std::string own; // bob's item that must show, or "" where none does
  };
  std::vector<listing> lists;
  auto api_list = [&](const std::string& path, const std::string& own) {
    lists.push_back(
        {path, test::http("GET", d.url() + path, {}, bearer), own});
  };
  api_list("/task/list", btid);
  api_list("/task/list?state=finished", btid);
  api_list("/task/state_counter", "");
  api_list("/task/state_coutner", "");
  api_list("/ui/api/buckets", bob_bucket);
  api_list("/ui/api/objects?bucket=" + bob_bucket, "");
  api_list("/ui/api/community/post?pageSize=100", bpid);
  lists.push_back({"/api/cloud/history",
                   oc::get(d, "/api/cloud/history", bob.api_key), brid});
  lists.push_back(
      {"/api/cloud/status requestIds",
       test::http("POST", d.url() + "/api/cloud/status?key=" + bob.api_key,
                  R"({"requestIds":[")" + rid + R"(",")" + brid + R"("]})",
                  json_type),
       brid});
  for (auto path : {"/api/remote/accounts", "/api/remote-account/list",
                    "/api/account/remote/all"})
    lists.push_back({path, oc::get(d, path, bob.api_key), ""});
  lists.push_back({"/api/proxy", oc::get(d, "/api/proxy", bob.api_key), "px"});
  lists.push_back({"/user/post", cb.call("GET", "/user/post?pageSize=100"),
                   "Bobs open post"});
  lists.push_back({"/post?q=Alices",
                   cb.call("GET", "/post?q=Alices&pageSize=100"), ""});
  lists.push_back(
      {"S3 ListBuckets",
       test::http("GET", d.url("s3") + "/", {},
                  sigv4_headers("GET", d.url("s3"), "/", bob, 0)),
       bob_bucket});
  lists.push_back(
      {"S3 ListObjects of alice's bucket",
       test::http("GET", d.url("s3") + "/" + bucket, {},
                  sigv4_headers("GET", d.url("s3"), "/" + bucket, bob, 0)),
       ""});
  lists.push_back(
      {"S3 ListObjectsV2 of alice's bucket",
       test::http("GET", d.url("s3") + "/" + bucket + "?list-type=2", {},
                  sigv4_headers("GET", d.url("s3"),
                                "/" + bucket + "?list-type=2", bob, 0)),
       ""});
  {
    // The event log from its start: bob's task's events, none of alice's.
    event_stream ev{d.url() + "/events?last_event_id=0", bearer};
    BOOST_CHECK(ev.wait([&](const event_stream::events& got) {
      for (auto& e : got)
        if (json_field(e.data, "tid") == btid
            && json_field(e.data, "state") == "finished")
          return true;
      return false;
    }));
    response r;
    r.status = ev.status();
    for (auto& e : ev.received())
      r.body += e.data + "\n";
    lists.push_back({"/events", r, btid});
  }
  // Bob's counters count his task and his cloud request; alice's three
  // (one failed) are not in them.
  auto counter = test::http("GET", d.url() + "/task/state_counter", {}, bearer);
  BOOST_CHECK_MESSAGE(json_field(counter.body, "detail.finished") == "2"
                          && json_field(counter.body, "detail.failed") == "0"
                          && json_field(counter.body, "detail.all") == "2",
                      counter.body);
  for (auto& l : lists) {
    BOOST_CHECK_MESSAGE(l.what.rfind("S3 ListObjects", 0) == 0
                            ? l.r.status == 403
                                  && in_face_shape("s3", l.r)
                            : l.r.status == 200,
                        l.what << " -> " << l.r.status << " " << l.r.body);
    if (!l.own.empty())
      BOOST_CHECK_MESSAGE(l.r.body.find(l.own) != std::string::npos,
                          l.what << " lacks bob's " << l.own << ": "
                                 << l.r.body);
    // Bob named alice's bucket in the S3 calls; their errors echo it.
    bool names_bucket = l.what.rfind("S3 ListObjects", 0) == 0;
    for (const std::string& hers :
         {tid, rid, prid, key, names_bucket ? std::string{} : bucket,
          "\"accountId\":\"" + account + "\"", std::string{"alice-dav"},
          std::string{"Alices hidden post"}, "\"pid\":" + hid + ","})
      BOOST_CHECK_MESSAGE(hers.empty() || !has_token(l.r.body, hers),
                          l.what << " shows alice's " << hers << ": "
                                 << l.r.body);
    calls.push_back({l.what, "", l.r});
  }

  // Alice's things are as they were.
  auto after = alice_view();
  BOOST_REQUIRE_EQUAL(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i)
    BOOST_CHECK_EQUAL(before[i], after[i]);
  auto obj = test::http("GET", d.url("s3") + "/" + bucket + "/" + key, {},
                        sigv4_headers("GET", d.url("s3"),
                                      "/" + bucket + "/" + key, alice, 0));
  BOOST_CHECK_EQUAL(obj.status, 200);
  BOOST_CHECK_EQUAL(obj.body.size(), 1000u);

  // No secret anywhere: bob's replies carry none of alice's nor his own
  // (none of the calls is one that shows a user their passkey), alice's
  // readbacks no password, and neither the log nor /config any.
  std::vector<std::string> everyone = {
      alice_password, bob_password, dav_password, proxy_password};
  for (const user* u : std::vector<const user*>{&alice, &bob, &d.admin()})
    for (const std::string& secret :
         {u->api_key, u->secret_key, u->credential, u->passkey})
      if (!secret.empty())
        everyone.push_back(secret);
  for (auto& c : calls)
    for (auto& secret : everyone)
      BOOST_CHECK_MESSAGE(c.r.body.find(secret) == std::string::npos,
                          c.what << " shows a secret");
  for (auto& text : after)
    for (auto& secret : {alice_password, dav_password, proxy_password})
      BOOST_CHECK_MESSAGE(text.find(secret) == std::string::npos,
                          "alice's readback shows a password: " << text);
  std::vector<std::pair<std::string, std::string>> places = {
      {"/config as admin", d.api("GET", "/config").body},
      {"/config as bob", d.api("GET", "/config", {}, bob.api_key).body},
      {"skyhauld.log", read_file(d.data_dir() + "/skyhauld.log")}};
  for (auto& [where, text] : places) {
    BOOST_CHECK_MESSAGE(!text.empty(), where << " is empty");
    for (auto& secret : everyone)
      BOOST_CHECK_MESSAGE(text.find(secret) == std::string::npos,
                          where << " shows a secret");
  }
}
