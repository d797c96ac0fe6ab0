#define BOOST_TEST_MODULE http_router
#include <boost/test/unit_test.hpp>

// The router without a server: mounted faces and their error shapes, the
// authentication chain, body limits and the route table.

#include "http/json.hpp"
#include "http/router.hpp"
#include "http/tracker_error.hpp"

#include <rapidjson/document.h>
#include <stdexcept>

using namespace skyhaul;
using namespace skyhaul::http;

namespace {

/// A reply of the status, with the message in the body.
reply plain(unsigned status, const std::string& msg) {
  reply x;
  x.status = status;
  x.content_type = "text/plain";
  x.body = msg;
  return x;
}

/// A face whose errors say the face's name.
face named(std::string name, std::vector<std::string> prefixes) {
  face f;
  f.error = [name](const request&, unsigned status, const std::string& msg) {
    return plain(status, name + ": " + msg);
  };
  f.name = std::move(name);
  f.prefixes = std::move(prefixes);
  return f;
}

/// `method target` as a parsed request with `headers`.
request make_request(const std::string& method, const std::string& target,
                     std::map<std::string, std::string> headers = {}) {
  request req;
  req.method = method;
  req.target = target;
  parse_target(target, req.path, req.query);
  req.headers = std::move(headers);
  return req;
}

/// Dispatches and returns the one reply; fails when there is not one.
reply call(const router& r, request req) {
  std::vector<reply> got;
  r.dispatch(req, [&](reply x) { got.push_back(std::move(x)); });
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  return got.front();
}

reply call(const router& r, const std::string& method,
           const std::string& target,
           std::map<std::string, std::string> headers = {}) {
  return call(r, make_request(method, target, std::move(headers)));
}

rapidjson::Document json_of(const reply& x) {
  rapidjson::Document doc;
  doc.Parse(x.body.c_str(), x.body.size());
  BOOST_REQUIRE_MESSAGE(!doc.HasParseError() && doc.IsObject(), x.body);
  return doc;
}

/// Credentials of the test faces: `x-user: alice` is a user, any other
/// value is wrong, no header is anonymous.
struct counting_auth {
  std::shared_ptr<int> calls = std::make_shared<int>(0);

  auth_outcome operator()(const request& req) const {
    ++*calls;
    auth_outcome out;
    auto& who = req.header("x-user");
    if (who == "alice") {
      user_record u;
      u.id = 7;
      u.name = who;
      out.user = std::make_shared<const user_record>(u);
      return out;
    }
    out.anonymous = who.empty();
    out.refusal = plain(out.anonymous ? 401 : 403, "refused");
    return out;
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(the_router_captures_and_refuses) {
  router r{4096};
  std::string seen;
  auto m = r.mount(named("task", {"/"}));
  m.add("GET", "/task/tid/:tid/status", access::open,
        [&](const caller_ptr&, request& req, responder) {
          seen = "status " + req.params["tid"];
        });
  m.add("GET", "/download/:tid/*file", access::open,
        [&](const caller_ptr&, request& req, responder) {
          seen = "file " + req.params["file"];
        });
  unsigned status = 0;
  auto go = [&](std::string method, std::string target) {
    auto req = make_request(method, target);
    seen.clear();
    status = 0;
    r.dispatch(req, [&](reply x) { status = x.status; });
  };
  go("GET", "/task/tid/abc/status?exerpt=true");
  BOOST_CHECK_EQUAL(seen, "status abc");
  go("HEAD", "/download/t/dir/a%20b.bin");
  BOOST_CHECK_EQUAL(seen, "file dir/a b.bin");
  go("POST", "/task/tid/abc/status");
  BOOST_CHECK_EQUAL(status, 405u);
  go("GET", "/task/tid//status");
  BOOST_CHECK_EQUAL(status, 404u);
  go("GET", "/nothing");
  BOOST_CHECK_EQUAL(status, 404u);
  m.add("GET", "/boom", access::open,
        [](const caller_ptr&, request&, responder) -> void {
          throw std::runtime_error("boom");
        });
  go("GET", "/boom");
  BOOST_CHECK_EQUAL(status, 500u);
  std::string path;
  std::map<std::string, std::string> q;
  parse_target("/a%2Fb?x=1+2&y=%41&z", path, q);
  BOOST_CHECK_EQUAL(path, "/a/b");
  BOOST_CHECK_EQUAL(q["x"], "1 2");
  BOOST_CHECK_EQUAL(q["y"], "A");
  BOOST_CHECK(q.count("z") == 1);
}

BOOST_AUTO_TEST_CASE(every_face_renders_the_errors_under_its_prefix) {
  // The api listener as it will grow: the Task API is the default face,
  // the coming faces claim their prefixes with their own shapes.
  router r{4096};
  face task;
  task.name = "task";
  task.prefixes = {"/task", "/healthz"};
  task.error = [](const request&, unsigned status, const std::string& msg) {
    return json_error(status, msg);
  };
  r.mount(std::move(task))
      .add("GET", "/task/list", access::open,
           [](const caller_ptr&, request&, responder rsp) {
             rsp(json_success([](json_writer&) {}));
           });
  face offcloud;
  offcloud.name = "offcloud";
  offcloud.prefixes = {"/api"};
  offcloud.error = [](const request&, unsigned status, const std::string& m) {
    return offcloud_error(status, m);
  };
  r.mount(std::move(offcloud))
      .add("POST", "/api/cloud", access::open,
           [](const caller_ptr&, request&, responder rsp) {
             rsp(json_success([](json_writer&) {}));
           });
  face community;
  community.name = "community";
  community.prefixes = {"/user"};
  community.error = [](const request&, unsigned status, const std::string& m) {
    return community_error(status, m);
  };
  r.mount(std::move(community));
  face tracker;
  tracker.name = "tracker";
  tracker.prefixes = {"/announce"};
  tracker.error = [](const request&, unsigned, const std::string& m) {
    return tracker_failure(m);
  };
  r.mount(std::move(tracker));

  auto task_shaped = [](const reply& x, unsigned status) {
    BOOST_CHECK_EQUAL(x.status, status);
    auto doc = json_of(x);
    BOOST_CHECK_EQUAL(doc["status"].GetString(), std::string{"error"});
    BOOST_CHECK(doc["errmsg"].IsString());
  };
  auto offcloud_shaped = [](const reply& x, unsigned status) {
    BOOST_CHECK_EQUAL(x.status, status);
    auto doc = json_of(x);
    BOOST_CHECK(doc["error"].IsString());
    BOOST_CHECK(!doc.HasMember("status"));
  };
  auto community_shaped = [](const reply& x, unsigned status) {
    BOOST_CHECK_EQUAL(x.status, status);
    auto doc = json_of(x);
    BOOST_CHECK_EQUAL(doc["status"].GetString(), std::string{"FAIL"});
    BOOST_CHECK(doc["message"].IsString());
    BOOST_CHECK(doc["data"].IsNull());
  };
  auto tracker_shaped = [](const reply& x) {
    BOOST_CHECK_EQUAL(x.status, 200u);
    BOOST_CHECK_MESSAGE(x.body.rfind("d14:failure reason", 0) == 0, x.body);
    BOOST_CHECK_EQUAL(x.body.back(), 'e');
  };

  // The router's own 404 and 405.
  task_shaped(call(r, "GET", "/task/nope"), 404);
  task_shaped(call(r, "DELETE", "/task/list"), 405);
  offcloud_shaped(call(r, "GET", "/api/nope"), 404);
  offcloud_shaped(call(r, "GET", "/api/cloud"), 405);
  community_shaped(call(r, "GET", "/user/post/1"), 404);
  tracker_shaped(call(r, "GET", "/announce/passkey?info_hash=x"));
  // Paths no face claims: the default face. Prefixes are whole segments.
  task_shaped(call(r, "GET", "/"), 404);
  task_shaped(call(r, "GET", "/apis"), 404);
  task_shaped(call(r, "GET", "/users/1"), 404);
  // The transport's errors (413, 431, 400, timeouts) go the same way.
  for (unsigned status : {400u, 413u, 431u, 500u}) {
    offcloud_shaped(r.error(make_request("POST", "/api/cloud"), status, "x"),
                    status);
    community_shaped(r.error(make_request("POST", "/user/post"), status, "x"),
                     status);
    tracker_shaped(r.error(make_request("GET", "/announce"), status, "x"));
    task_shaped(r.error(make_request("POST", "/task"), status, "x"), status);
    // A request without a header has no path: the default face answers.
    task_shaped(r.error(request{}, status, "x"), status);
  }
}

BOOST_AUTO_TEST_CASE(the_default_face_can_be_named) {
  router r{4096};
  r.mount(named("first", {"/first"}));
  r.mount(named("second", {"/second"}), true);
  BOOST_CHECK_EQUAL(call(r, "GET", "/first/x").body,
                    "first: no such path: /first/x");
  BOOST_CHECK_EQUAL(call(r, "GET", "/elsewhere").body,
                    "second: no such path: /elsewhere");
}

BOOST_AUTO_TEST_CASE(a_face_cannot_claim_another_faces_paths) {
  router r{4096};
  auto whole = r.mount(named("s3", {"/"}));
  auto api = r.mount(named("api", {"/api/"}));
  auto nothing = [](const caller_ptr&, request&, responder) {};
  // The same prefix twice, and routes outside a face's own paths.
  BOOST_CHECK_THROW(r.mount(named("other", {"/api"})), std::logic_error);
  BOOST_CHECK_THROW(api.add("GET", "/task", access::open, nothing),
                    std::logic_error);
  BOOST_CHECK_THROW(whole.add("GET", "/api/x", access::open, nothing),
                    std::logic_error);
  BOOST_CHECK_NO_THROW(api.add("GET", "/api/x", access::open, nothing));
  BOOST_CHECK_NO_THROW(whole.add("GET", "/:bucket", access::open, nothing));
  // A face without authentication has only open routes.
  BOOST_CHECK_THROW(api.add("GET", "/api/y", access::required, nothing),
                    std::logic_error);
  // A longer prefix wins: /api/x is the api face's, /b the other one's.
  BOOST_CHECK_EQUAL(call(r, "PUT", "/api/x").body,
                    "api: method PUT not allowed here");
  BOOST_CHECK_EQUAL(call(r, "PUT", "/b").body,
                    "s3: method PUT not allowed here");
  face bodyless;
  bodyless.name = "no-error-shape";
  bodyless.prefixes = {"/z"};
  BOOST_CHECK_THROW(r.mount(std::move(bodyless)), std::logic_error);
}

BOOST_AUTO_TEST_CASE(the_authentication_chain_runs_as_the_route_asks) {
  router r{4096};
  counting_auth auth;
  auto f = named("f", {"/"});
  f.authenticate = auth;
  std::vector<std::string> order;
  f.screen = [&](const request& req) -> std::optional<reply> {
    order.push_back("screen");
    if (req.has_arg("bad"))
      return plain(400, "screened");
    return std::nullopt;
  };
  f.stamp = [](responder rsp) {
    return [rsp](reply x) {
      x.headers.emplace_back("x-stamp", "1");
      rsp(std::move(x));
    };
  };
  std::string who;
  auto handle = [&](const caller_ptr& caller, request&, responder rsp) {
    order.push_back("handler");
    who = caller ? caller->name : "anonymous";
    rsp(plain(200, "ok"));
  };
  r.mount(std::move(f))
      .add("GET", "/required", access::required, handle)
      .add("GET", "/optional", access::optional, handle)
      .add("GET", "/open", access::open, handle);
  auto alice = std::map<std::string, std::string>{{"x-user", "alice"}};
  auto wrong = std::map<std::string, std::string>{{"x-user", "mallory"}};

  BOOST_CHECK_EQUAL(call(r, "GET", "/required").status, 401u);
  BOOST_CHECK_EQUAL(call(r, "GET", "/required", wrong).status, 403u);
  auto ok = call(r, "GET", "/required", alice);
  BOOST_CHECK_EQUAL(ok.status, 200u);
  BOOST_CHECK_EQUAL(who, "alice");
  BOOST_CHECK(ok.headers.size() == 1 && ok.headers[0].first == "x-stamp");

  who.clear();
  BOOST_CHECK_EQUAL(call(r, "GET", "/optional").status, 200u);
  BOOST_CHECK_EQUAL(who, "anonymous");
  BOOST_CHECK_EQUAL(call(r, "GET", "/optional", wrong).status, 403u);
  BOOST_CHECK_EQUAL(call(r, "GET", "/optional", alice).status, 200u);
  BOOST_CHECK_EQUAL(who, "alice");

  // An open route never looks at credentials, not even wrong ones.
  auto before = *auth.calls;
  who.clear();
  BOOST_CHECK_EQUAL(call(r, "GET", "/open", wrong).status, 200u);
  BOOST_CHECK_EQUAL(who, "anonymous");
  BOOST_CHECK_EQUAL(*auth.calls, before);

  // The screen comes first and can refuse before anyone is asked.
  order.clear();
  before = *auth.calls;
  auto screened = call(r, "GET", "/required?bad", alice);
  BOOST_CHECK_EQUAL(screened.status, 400u);
  BOOST_CHECK(order == std::vector<std::string>{"screen"});
  BOOST_CHECK_EQUAL(*auth.calls, before);
  // The router's own errors do not pass the chain.
  order.clear();
  BOOST_CHECK_EQUAL(call(r, "GET", "/missing").status, 404u);
  BOOST_CHECK(order.empty());
}

BOOST_AUTO_TEST_CASE(body_limits_know_the_route_and_the_caller) {
  router r{4096};
  counting_auth auth;
  auto f = named("task", {"/"});
  f.authenticate = auth;
  std::string who;
  auto handle = [&](const caller_ptr& caller, request&, responder rsp) {
    who = caller ? caller->name : "";
    rsp(plain(200, "ok"));
  };
  r.mount(std::move(f))
      .add("POST", "/task", access::required, handle, body_rule{100000})
      .add("POST", "/other", access::required, handle);
  BOOST_CHECK_EQUAL(r.largest_body_limit(), 100000u);
  BOOST_CHECK_EQUAL(r.listener_body_limit(), 4096u);
  auto limit_of = [&](const std::string& target,
                      std::map<std::string, std::string> headers) {
    return r.admit(make_request("POST", target, std::move(headers))).body_limit;
  };
  std::map<std::string, std::string> json{{"x-user", "alice"},
                                          {"content-type", "application/json"}};
  std::map<std::string, std::string> form{
      {"x-user", "alice"}, {"content-type", "multipart/form-data; boundary=x"}};
  std::map<std::string, std::string> untyped{{"x-user", "alice"}};
  std::map<std::string, std::string> text{{"x-user", "alice"},
                                          {"content-type", "text/plain"}};
  BOOST_CHECK_EQUAL(limit_of("/task", json), 100000u);
  BOOST_CHECK_EQUAL(limit_of("/task", form), 100000u);
  BOOST_CHECK_EQUAL(limit_of("/task", untyped), 100000u);
  // Not an upload type, not authenticated, wrongly authenticated, or a
  // route without an upload limit: the listener's limit.
  BOOST_CHECK_EQUAL(limit_of("/task", text), 4096u);
  BOOST_CHECK_EQUAL(limit_of("/task", {{"content-type", "application/json"}}),
                    4096u);
  BOOST_CHECK_EQUAL(limit_of("/task", {{"x-user", "mallory"}}), 4096u);
  BOOST_CHECK_EQUAL(limit_of("/other", json), 4096u);
  BOOST_CHECK_EQUAL(limit_of("/nowhere", json), 4096u);
  // The caller found for the limit is the caller of the handler: one
  // authentication per request.
  auto req = make_request("POST", "/task", json);
  auto before = *auth.calls;
  auto adm = r.admit(req);
  BOOST_CHECK_EQUAL(*auth.calls, before + 1);
  std::vector<reply> got;
  r.dispatch(
      req, [&](reply x) { got.push_back(x); }, std::move(adm));
  BOOST_CHECK_EQUAL(*auth.calls, before + 1);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_CHECK_EQUAL(got[0].status, 200u);
  BOOST_CHECK_EQUAL(who, "alice");
  // A face whose authentication reads the body cannot promise more to
  // authenticated callers, and neither can an open route.
  auto s3 = named("s3", {"/s3"});
  s3.authenticate = auth;
  s3.auth_reads_body = true;
  auto m = r.mount(std::move(s3));
  BOOST_CHECK_THROW(
      m.add("PUT", "/s3/x", access::required, handle, body_rule{100000}),
      std::logic_error);
  router open{4096};
  auto o = named("o", {"/"});
  o.authenticate = auth;
  BOOST_CHECK_THROW(
      open.mount(std::move(o))
          .add("POST", "/up", access::open, handle, body_rule{100000}),
      std::logic_error);
}

BOOST_AUTO_TEST_CASE(uploads_are_recognised_by_their_type) {
  for (auto t : {"", "application/json", "Application/JSON; charset=utf-8",
                 "application/vnd.api+json", "multipart/form-data; boundary=b",
                 " application/json "})
    BOOST_CHECK_MESSAGE(upload_type(t), t);
  for (auto t : {"text/plain", "application/x-www-form-urlencoded",
                 "application/octet-stream", "application/jsonx",
                 "multipart/mixed; boundary=b"})
    BOOST_CHECK_MESSAGE(!upload_type(t), t);
  body_rule rule{1000};
  BOOST_CHECK_EQUAL(body_limit(rule, 100, true, true), 1000u);
  BOOST_CHECK_EQUAL(body_limit(rule, 100, false, true), 100u);
  BOOST_CHECK_EQUAL(body_limit(rule, 100, true, false), 100u);
  BOOST_CHECK_EQUAL(body_limit(rule, 5000, true, true), 5000u);
  BOOST_CHECK_EQUAL(body_limit(body_rule{}, 100, true, true), 100u);
}

BOOST_AUTO_TEST_CASE(the_coming_faces_error_shapes) {
  auto off = offcloud_error(401, "NOAUTH");
  BOOST_CHECK_EQUAL(off.status, 401u);
  BOOST_CHECK_EQUAL(off.body, R"({"error":"NOAUTH"})");
  BOOST_CHECK_EQUAL(off.content_type, "application/json");
  auto com = community_error(403, "Unmatched \"combination\"");
  BOOST_CHECK_EQUAL(com.status, 403u);
  BOOST_CHECK_EQUAL(
      com.body,
      R"({"status":"FAIL","message":"Unmatched \"combination\"","data":null})");
  auto tr = tracker_failure("unknown passkey");
  BOOST_CHECK_EQUAL(tr.status, 200u);
  BOOST_CHECK_EQUAL(tr.body, "d14:failure reason15:unknown passkeye");
  // The length counts bytes, so any reason stays one bencoded string.
  BOOST_CHECK_EQUAL(tracker_failure("\xC3\xA9:e").body,
                    "d14:failure reason4:\xC3\xA9:ee");
  BOOST_CHECK_EQUAL(json_error(404, "x").body,
                    R"({"status":"error","errmsg":"x"})");
}

BOOST_AUTO_TEST_CASE(the_table_lists_every_route) {
  router r{4096};
  counting_auth auth;
  auto f = named("task", {"/task", "/healthz"});
  f.authenticate = auth;
  auto nothing = [](const caller_ptr&, request&, responder) {};
  r.mount(std::move(f))
      .add("GET", "/healthz", access::open, nothing)
      .add("POST", "/task", access::required, nothing, body_rule{9000})
      .add("GET", "/task/:tid", access::required, nothing);
  auto s3 = named("s3", {"/"});
  s3.authenticate = auth;
  r.mount(std::move(s3)).add("GET", "/:bucket/*key", access::optional, nothing);
  auto t = r.table();
  BOOST_REQUIRE_EQUAL(t.size(), 4u);
  BOOST_CHECK_EQUAL(t[0].method, "GET");
  BOOST_CHECK_EQUAL(t[0].pattern, "/healthz");
  BOOST_CHECK_EQUAL(t[0].face, "task");
  BOOST_CHECK(t[0].auth == access::open);
  BOOST_CHECK_EQUAL(t[1].body.upload_limit, 9000u);
  BOOST_CHECK(t[1].auth == access::required);
  BOOST_CHECK_EQUAL(t[3].face, "s3");
  BOOST_CHECK_EQUAL(t[3].pattern, "/:bucket/*key");
  BOOST_CHECK_EQUAL(to_string(t[3].auth), std::string{"optional"});
  BOOST_REQUIRE_EQUAL(r.faces().size(), 2u);
  BOOST_CHECK_EQUAL(r.faces()[1].name, "s3");
}
