#include <boost/test/unit_test.hpp>

// Requests signed by a real client (botocore, through
// tests/support/botocore_sign.py) and by our own signers, verified the way
// the offline and s3 listeners do; then tampered with, one way at a time.

#include "http/message.hpp"
#include "http/s3_auth.hpp"
#include "http/services.hpp"
#include "base/sigv2.hpp"
#include "base/sigv4.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/user_table.hpp"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <rapidjson/document.h>

using namespace skyhaul;
using namespace skyhaul::http;

namespace {

// A secret with '/' and '+', as AWS's are.
const std::string access_key = "SKYCLIENTTESTKEY0001";
const std::string secret_key = "Zm9vYmFy/K7MDENG+bPxRfiCYEXAMPLEKEY0001";

/// One captured request: what the server would see.
struct signed_request {
  std::string name;
  request req;
};

/// Runs botocore_sign.py with the given credentials; the requests come
/// back built as http/server.cpp builds them.
std::vector<signed_request> botocore_requests(const std::string& access,
                                              const std::string& secret) {
  auto cmd = "python3 " + std::string{SKYHAUL_TEST_SUPPORT_DIR}
             + "/botocore_sign.py http://127.0.0.1:7702 '" + access + "' '"
             + secret + "'";
  std::string out;
  if (auto* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0)
      out.append(buf, n);
    BOOST_REQUIRE_EQUAL(::pclose(p), 0);
  }
  rapidjson::Document doc;
  doc.Parse(out.c_str());
  BOOST_REQUIRE_MESSAGE(doc.IsArray(), "botocore_sign.py printed: " << out);
  std::vector<signed_request> reqs;
  for (auto& e : doc.GetArray()) {
    signed_request s;
    s.name = e["name"].GetString();
    s.req.method = e["method"].GetString();
    s.req.target = e["target"].GetString();
    parse_target(s.req.target, s.req.path, s.req.query);
    for (auto& h : e["headers"].GetObject())
      s.req.headers[h.name.GetString()] = h.value.GetString();
    s.req.body = *base64_decode(e["body_b64"].GetString());
    if (s.name.find("presign_put") != std::string::npos) {
      s.req.body = "uploaded through a presigned URL";
      s.req.headers["content-length"] = std::to_string(s.req.body.size());
    }
    reqs.push_back(std::move(s));
  }
  BOOST_REQUIRE_GE(reqs.size(), 20u);
  return reqs;
}

struct client_user {
  std::string dir;
  std::unique_ptr<storage::lmdb_env> env;
  services svc;
  user_id id = 0;
  int64_t now = std::time(nullptr);

  client_user() {
    char tmpl[] = "/tmp/skyhaul-sig-XXXXXX";
    dir = ::mkdtemp(tmpl);
    env = std::make_unique<storage::lmdb_env>(dir, 16 << 20);
    auto t = env->write();
    id = storage::next_user_id(t);
    auto u = storage::make_user(id, "client", false, 0);
    u.rec.access_key = access_key;
    u.rec.secret_key = secret_key;
    storage::put_user(t, u.rec);
    t.commit();
    svc.db = env.get();
  }

  ~client_user() {
    env.reset();
    std::filesystem::remove_all(dir);
  }

  s3_auth_result check(const request& req, int64_t at) {
    return authenticate_s3(svc, req, at);
  }

  s3_auth_result check(const request& req) {
    return check(req, now);
  }
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size()
         && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_v4(const signed_request& s) {
  return s.name.compare(0, 3, "v4_") == 0;
}

bool is_presigned(const signed_request& s) {
  return s.name.find("presign") != std::string::npos;
}

/// What authenticate_s3 must answer to an untouched request.
std::string expected_code(const signed_request& s) {
  if (ends_with(s.name, "_wrong_md5"))
    return "BadDigest";
  if (ends_with(s.name, "_invalid_md5"))
    return "InvalidDigest";
  return "";
}

void retarget(request& req, std::string target) {
  req.target = std::move(target);
  req.path.clear();
  req.query.clear();
  parse_target(req.target, req.path, req.query);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(real_clients, client_user)

BOOST_AUTO_TEST_CASE(botocore_requests_are_accepted) {
  for (auto& s : botocore_requests(access_key, secret_key)) {
    auto r = check(s.req);
    auto want = expected_code(s);
    if (want.empty()) {
      BOOST_CHECK_MESSAGE(r.ok(),
                          s.name << " -> " << r.code << ": " << r.message);
      BOOST_CHECK_MESSAGE(r.ok() && r.user->id == id, s.name);
    } else {
      BOOST_CHECK_MESSAGE(r.code == want && r.status == 400,
                          s.name << " -> " << r.status << " " << r.code);
    }
  }
}

BOOST_AUTO_TEST_CASE(wrong_secret_and_unknown_key) {
  for (auto& s : botocore_requests(access_key, "not-the-secret")) {
    auto r = check(s.req);
    BOOST_CHECK_MESSAGE(r.code == "SignatureDoesNotMatch" && r.status == 403,
                        s.name << " -> " << r.code);
  }
  for (auto& s : botocore_requests("SKYUNKNOWNKEY0000000", secret_key)) {
    auto r = check(s.req);
    BOOST_CHECK_MESSAGE(r.code == "InvalidAccessKeyId" && r.status == 403,
                        s.name << " -> " << r.code);
  }
}

BOOST_AUTO_TEST_CASE(clocks_and_expiry) {
  for (auto& s : botocore_requests(access_key, secret_key)) {
    if (!expected_code(s).empty())
      continue;
    if (is_presigned(s)) {
      BOOST_CHECK_MESSAGE(check(s.req, now + 290).ok(), s.name);
      auto r = check(s.req, now + 400);
      BOOST_CHECK_MESSAGE(r.code == "AccessDenied" && r.status == 403,
                          s.name << " -> " << r.code);
    } else {
      BOOST_CHECK_MESSAGE(check(s.req, now - 14 * 60).ok(), s.name);
      for (auto skew : {-16 * 60, 16 * 60}) {
        auto r = check(s.req, now + skew);
        BOOST_CHECK_MESSAGE(r.code == "RequestTimeTooSkewed" && r.status == 403,
                            s.name << " -> " << r.code);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(tampering_is_caught) {
  for (auto& s : botocore_requests(access_key, secret_key)) {
    if (!expected_code(s).empty())
      continue;
    auto code = [&](request req) { return check(req).code; };
    // Another object, another query, another method.
    auto moved = s.req;
    retarget(moved, "/bkt2" + s.req.target.substr(4));
    BOOST_CHECK_MESSAGE(code(moved) == "SignatureDoesNotMatch", s.name);
    auto extra = s.req;
    retarget(extra,
             s.req.target
                 + (s.req.target.find('?') == std::string::npos ? "?" : "&")
                 + "versionId=2");
    BOOST_CHECK_MESSAGE(code(extra) == "SignatureDoesNotMatch", s.name);
    auto method = s.req;
    method.method = s.req.method == "GET" ? "DELETE" : "GET";
    BOOST_CHECK_MESSAGE(code(method) == "SignatureDoesNotMatch", s.name);
    if (is_presigned(s))
      continue;
    auto header = s.req;
    if (is_v4(s))
      header.headers["host"] = "127.0.0.1:7703";
    else
      header.headers["date"]
          = format_http_date(*parse_http_date(s.req.header("date")) + 1);
    BOOST_CHECK_MESSAGE(code(header) == "SignatureDoesNotMatch", s.name);
    auto added = s.req;
    added.headers["x-amz-acl"] = "public-read";
    BOOST_CHECK_MESSAGE(
        code(added) == (is_v4(s) ? "AccessDenied" : "SignatureDoesNotMatch"),
        s.name << " -> " << code(added));
  }
}

BOOST_AUTO_TEST_CASE(bodies_and_framing) {
  for (auto& s : botocore_requests(access_key, secret_key)) {
    if (s.name == "v4_put" || s.name == "v4_odd_key") {
      auto changed = s.req;
      changed.body[0] = 'J';
      auto r = check(changed);
      BOOST_CHECK_EQUAL(r.code, "XAmzContentSHA256Mismatch");
      BOOST_CHECK_EQUAL(r.status, 400u);
      auto chunked = s.req;
      chunked.headers.erase("content-length");
      chunked.headers["transfer-encoding"] = "chunked";
      r = check(chunked);
      BOOST_CHECK_EQUAL(r.code, "MissingContentLength");
      BOOST_CHECK_EQUAL(r.status, 411u);
      auto streaming = s.req;
      streaming.headers["x-amz-content-sha256"]
          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
      r = check(streaming);
      BOOST_CHECK_EQUAL(r.code, "NotImplemented");
      BOOST_CHECK_EQUAL(r.status, 501u);
    }
    if (s.name == "v4_put_md5" || s.name == "v2_put_md5") {
      auto changed = s.req;
      changed.body[0] = 'J';
      BOOST_CHECK_EQUAL(check(changed).code,
                        is_v4(s) ? "XAmzContentSHA256Mismatch" : "BadDigest");
    }
    if (s.name == "v4_presign_put") {
      auto missing = s.req;
      missing.headers.erase("content-length");
      BOOST_CHECK_EQUAL(check(missing).code, "MissingContentLength");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_CASE(our_signers_pass_our_verifier, client_user) {
  const std::string target = "/bkt/dir/a%20b%2Bc%20%C3%BC~%21%24.txt";
  const std::string body = "payload";
  auto make = [&](std::string method, std::string t,
                  std::map<std::string, std::string> headers) {
    request req;
    req.method = std::move(method);
    req.target = std::move(t);
    parse_target(req.target, req.path, req.query);
    req.headers = std::move(headers);
    if (req.method == "PUT") {
      req.body = body;
      req.headers["content-length"] = std::to_string(body.size());
    }
    return req;
  };
  std::map<std::string, std::string> hs{{"host", "127.0.0.1:7702"},
                                        {"content-type", "text/plain"}};
  for (auto payload : {payload_sha256(body), std::string{unsigned_payload}}) {
    auto req = make("PUT", target + "?partNumber=1&uploadId=x%2By", hs);
    for (auto& [k, v] : sigv4_sign("PUT", req.target, hs, payload, access_key,
                                   secret_key, "region-agnostic", now))
      req.headers[k] = v;
    auto r = check(req);
    BOOST_CHECK_MESSAGE(r.ok(), payload << " -> " << r.code);
  }
  auto presigned
      = make("PUT",
             target + "?"
                 + sigv4_presign("PUT", target, {{"host", "127.0.0.1:7702"}},
                                 access_key, secret_key, "us-east-1", now, 60),
             {{"host", "127.0.0.1:7702"}});
  BOOST_CHECK(check(presigned).ok());
  BOOST_CHECK_EQUAL(check(presigned, now + 61).code, "AccessDenied");

  auto v2 = make("PUT", target + "?uploads", hs);
  for (auto& [k, v] :
       sigv2_sign("PUT", v2.target, hs, access_key, secret_key, now))
    v2.headers[k] = v;
  BOOST_CHECK(check(v2).ok());
  auto v2_query = make(
      "GET",
      target + "?"
          + sigv2_presign("GET", target, access_key, secret_key, now + 60),
      {});
  BOOST_CHECK(check(v2_query).ok());
  BOOST_CHECK_EQUAL(check(v2_query, now + 61).code, "AccessDenied");
}
