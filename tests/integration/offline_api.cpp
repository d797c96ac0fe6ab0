#define BOOST_TEST_MODULE offline_api_integration
#include <boost/test/unit_test.hpp>

// The Offline API (seed 000) of the real skyhauld, driven by requests that
// botocore signs (tests/support/offline_client.py): a real S3 client's
// SigV4 and SigV2 signers, against the real local origin.

#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/swarm.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <rapidjson/document.h>
#include <thread>

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

struct signed_options {
  std::string sig = "v4";
  int skew_s = 0;
  /// Overrides the user's secret (to sign with a wrong one).
  std::string secret;
};

/// One request through offline_client.py.
response offline(const server_process& d, const user& u,
                 const std::string& method, const std::string& path,
                 const std::string& body = {}, signed_options opt = {}) {
  auto dir = std::filesystem::path{d.data_dir()} / "client";
  std::filesystem::create_directories(dir);
  static int counter = 0;
  auto body_file = dir / ("body-" + std::to_string(++counter));
  {
    std::ofstream out{body_file, std::ios::binary};
    out << body;
  }
  std::string cmd = "python3 " SKYHAUL_TEST_SUPPORT_DIR "/offline_client.py '"
                    + d.url("offline") + "' '" + u.access_key + "' '"
                    + (opt.secret.empty() ? u.secret_key : opt.secret) + "' "
                    + method + " '" + path + "' --sig " + opt.sig + " --skew "
                    + std::to_string(opt.skew_s);
  if (!body.empty())
    cmd += " --body-file '" + body_file.string() + "'";
  std::string out;
  if (auto* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
      out.append(buf, n);
    ::pclose(p);
  }
  rapidjson::Document doc;
  doc.Parse(out.c_str(), out.size());
  BOOST_REQUIRE_MESSAGE(!doc.HasParseError() && doc.IsObject(),
                        "client output: " << out);
  response res;
  res.status = doc["status"].GetInt();
  res.body = doc["body"].GetString();
  for (auto& m : doc["headers"].GetObject())
    res.headers[m.name.GetString()] = m.value.GetString();
  return res;
}

/// The S3 error code of an XML error body.
std::string s3_code(const std::string& body) {
  auto a = body.find("<Code>");
  auto b = body.find("</Code>");
  if (a == std::string::npos || b == std::string::npos)
    return {};
  return body.substr(a + 6, b - a - 6);
}

std::string task_body(const origin& o, const std::string& extra,
                      const std::string& source = "/file/4096") {
  return "{\"Url\":\"" + o.url(source) + "\",\"SuccessCallbackUrl\":\""
         + o.url("/status/200") + "\",\"FailureCallbackUrl\":\""
         + o.url("/status/200") + "\"" + extra + "}";
}

std::string submit(const server_process& d, const user& u,
                   const std::string& bucket, const std::string& body) {
  auto res = offline(d, u, "PUT", "/" + bucket, body);
  BOOST_REQUIRE_MESSAGE(res.status == 200, res.status << " " << res.body);
  auto tid = res.headers["x-amz-s2-offline-task-id"];
  BOOST_REQUIRE_EQUAL(tid.size(), 20u);
  return tid;
}

/// Polls GET /<bucket>/<tid> until the State is `state` (bounded).
std::string await_state(const server_process& d, const user& u,
                        const std::string& bucket, const std::string& tid,
                        const std::string& state) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  std::string body;
  do {
    auto res = offline(d, u, "GET", "/" + bucket + "/" + tid);
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.status << " " << res.body);
    body = res.body;
    if (json_field(body, "State") == state)
      return body;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < deadline);
  BOOST_FAIL("state " << state << " not reached: " << body);
  return body;
}

struct fixture {
  origin o;
  server_process d;
  fixture() {
    d.start();
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(seed_example_downloads_verifies_and_reports, fixture) {
  auto want = expected_digests(4096);
  // The seed's own form: a comment before and a trailing comma inside.
  auto body = "// HTTP method.\n"
              + task_body(o, ",\"Key\":\"movies/2016/movie.bin\","
                             "\"ACLs\":{\"acl\":\"public-read\"},"
                             "\"MD5\":\""
                                 + want.md5 + "\",\"SHA1\":\"" + want.sha1
                                 + "\",\"CRC32\":\"" + want.crc32
                                 + "\",\"Size\":4096,"
                                   "\"OnKeyExist\":\"ignore-same-md5\",");
  auto tid = submit(d, d.admin(), "photos", body);
  auto done = await_state(d, d.admin(), "photos", tid, "TASK_SUCCESS");
  BOOST_CHECK_EQUAL(json_field(done, "Percent"), "100.00");
  // The object is there with the right digests (Task API view of the task).
  auto info = d.api("GET", "/task/tid/" + tid + "/info").body;
  BOOST_CHECK_NE(info.find("\"key\":\"movies/2016/movie.bin\""),
                 std::string::npos);
  BOOST_CHECK_NE(info.find(want.sha1), std::string::npos);
  // Target is a prefix: the file name follows it.
  auto tid2 = submit(
      d, d.admin(), "photos",
      task_body(o, ",\"Target\":\"movie/2016\"", "/file/100?name=clip.bin"));
  await_state(d, d.admin(), "photos", tid2, "TASK_SUCCESS");
  info = d.api("GET", "/task/tid/" + tid2 + "/info").body;
  BOOST_CHECK_NE(info.find("\"key\":\"movie/2016/clip.bin\""),
                 std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(offline_tasks_call_back_in_the_seed_shape, fixture) {
  receiver rcv{0, 0, 0};
  auto want = expected_digests(2048);
  auto tid = submit(d, d.admin(), "calls",
                    "{\"Url\":\"" + o.url("/file/2048?name=movie1")
                        + "\",\"Target\":\"offline/prefix\","
                          "\"SuccessCallbackUrl\":\""
                        + rcv.url("/succ/") + "\",\"FailureCallbackUrl\":\""
                        + rcv.url("/fail/") + "\",}");
  auto bad = submit(d, d.admin(), "calls",
                    "{\"Url\":\"" + o.url("/status/404")
                        + "\",\"SuccessCallbackUrl\":\"" + rcv.url("/succ/")
                        + "\",\"FailureCallbackUrl\":\"" + rcv.url("/fail/")
                        + "\"}");
  auto hits
      = rcv.await([](const std::vector<hit>& hs) { return hs.size() >= 2; });
  BOOST_REQUIRE_EQUAL(hits.size(), 2u);
  for (auto& h : hits) {
    if (h.path == "/succ/") {
      BOOST_CHECK_EQUAL(json_field(h.body, "movie1.Task"), "calls/" + tid);
      BOOST_CHECK_EQUAL(json_field(h.body, "movie1.Key"),
                        "offline/prefix/movie1");
      BOOST_CHECK_EQUAL(json_field(h.body, "movie1.ETag"),
                        "\"" + want.md5 + "\"");
      BOOST_CHECK_EQUAL(json_field(h.body, "movie1.SHA1"), want.sha1);
    } else {
      BOOST_CHECK_EQUAL(h.path, "/fail/");
      BOOST_CHECK_EQUAL(json_field(h.body, "Code"), "NoSuchDownloadSource");
      BOOST_CHECK_EQUAL(json_field(h.body, "Task"), "calls/" + bad);
      BOOST_CHECK_EQUAL(json_field(h.body, "Resource"), o.url("/status/404"));
    }
  }
}

BOOST_FIXTURE_TEST_CASE(sigv2_and_presigned_requests_are_accepted, fixture) {
  auto tid = submit(d, d.admin(), "sigs", task_body(o, ""));
  signed_options v2;
  v2.sig = "v2";
  auto res = offline(d, d.admin(), "GET", "/sigs/" + tid, {}, v2);
  BOOST_CHECK_MESSAGE(res.status == 200, res.status << " " << res.body);
  signed_options q;
  q.sig = "v4-query";
  res = offline(d, d.admin(), "GET", "/sigs/" + tid, {}, q);
  BOOST_CHECK_MESSAGE(res.status == 200, res.status << " " << res.body);
  res = offline(d, d.admin(), "PUT", "/sigs", task_body(o, ""), v2);
  BOOST_CHECK_MESSAGE(res.status == 200, res.status << " " << res.body);
}

BOOST_FIXTURE_TEST_CASE(authentication_errors, fixture) {
  // No credentials at all.
  auto res = http("PUT", d.url("offline") + "/anon", task_body(o, ""));
  BOOST_CHECK_EQUAL(res.status, 403);
  BOOST_CHECK_EQUAL(s3_code(res.body), "AccessDenied");
  signed_options wrong;
  wrong.secret = "not-the-secret";
  res = offline(d, d.admin(), "PUT", "/bucket-one", task_body(o, ""), wrong);
  BOOST_CHECK_EQUAL(res.status, 403);
  BOOST_CHECK_EQUAL(s3_code(res.body), "SignatureDoesNotMatch");
  signed_options skewed;
  skewed.skew_s = -3600;
  res = offline(d, d.admin(), "PUT", "/bucket-one", task_body(o, ""), skewed);
  BOOST_CHECK_EQUAL(res.status, 403);
  BOOST_CHECK_EQUAL(s3_code(res.body), "RequestTimeTooSkewed");
  user stranger = d.admin();
  stranger.access_key = "AKIDNOTAKEY000000000";
  res = offline(d, stranger, "PUT", "/bucket-one", task_body(o, ""));
  BOOST_CHECK_EQUAL(res.status, 403);
  BOOST_CHECK_EQUAL(s3_code(res.body), "InvalidAccessKeyId");
  // Nothing of the refused requests became a task.
  auto counters = d.api("GET", "/task/state_counter").body;
  BOOST_CHECK_EQUAL(json_field(counters, "detail.all"), "0");
}

BOOST_FIXTURE_TEST_CASE(bad_input_gets_the_seed_error_codes, fixture) {
  struct bad_case {
    std::string body;
    long status;
    std::string code;
  };
  std::string cb = ",\"SuccessCallbackUrl\":\"" + o.url("/status/200")
                   + "\",\"FailureCallbackUrl\":\"" + o.url("/status/200")
                   + "\"";
  std::vector<bad_case> cases = {
      {"{\"Url\":\"gopher://example.com/x\"" + cb + "}", 400, "InvalidURI"},
      {"{\"Url\":\"http://\"" + cb + "}", 400, "InvalidURI"},
      {"{\"Url\":\"not a url\"" + cb + "}", 400, "InvalidURI"},
      {"{\"Url\":\"magnet:?dn=no-hash&tr=http%3A%2F%2Ft%2Fa\"" + cb + "}", 400,
       "InvalidURI"},
      {"{\"Url\":\"magnet:?xt=urn:btih:1234\"" + cb + "}", 400, "InvalidURI"},
      {task_body(o, ",\"Files\":[\"a.bin\"]"), 400, "InvalidArgument"},
      {"{\"Url\":", 400, "MalformedJSON"},
      {"[1,2]", 400, "MalformedJSON"},
      {task_body(o, ",\"Colour\":\"blue\""), 400, "InvalidArgument"},
      {task_body(o, ",\"Size\":-1"), 400, "InvalidArgument"},
      {task_body(o, ",\"MD5\":\"xyz\""), 400, "InvalidArgument"},
      {task_body(o, ",\"OnKeyExist\":\"sometimes\""), 400, "InvalidArgument"},
      {task_body(o, ",\"ACLs\":{\"acl\":\"everyone\"}"), 400,
       "InvalidArgument"},
      {task_body(o, ",\"ACLs\":{\"grant-read\":\"uid=7\"}"), 400,
       "InvalidArgument"},
      {"{\"Url\":\"" + o.url("/file/10") + "\"}", 400, "InvalidArgument"},
      // Keys that would leave the bucket, or are not keys at all.
      {task_body(o, ",\"Key\":\"../../etc/passwd\""), 400, "InvalidArgument"},
      {task_body(o, ",\"Key\":\"/abs\""), 400, "InvalidArgument"},
      {task_body(o, ",\"Key\":\"a//b\""), 400, "InvalidArgument"},
      {task_body(o, ",\"Key\":\"a\\\\b\""), 400, "InvalidArgument"},
      {task_body(o, ",\"Key\":\"a\\u0000b\""), 400, "InvalidArgument"},
      {task_body(o, ",\"Key\":\"a\\u0007b\""), 400, "InvalidArgument"},
      {task_body(o, ",\"Key\":\"" + std::string(1025, 'k') + "\""), 400,
       "InvalidArgument"},
      {task_body(o, ",\"Key\":\"\""), 400, "InvalidArgument"},
      {task_body(o, ",\"Target\":\"a/../../b\""), 400, "InvalidArgument"},
      {task_body(o, ",\"Target\":\"\""), 400, "InvalidArgument"},
  };
  for (auto& c : cases) {
    auto res = offline(d, d.admin(), "PUT", "/badinput", c.body);
    BOOST_CHECK_MESSAGE(res.status == c.status && s3_code(res.body) == c.code,
                        c.body.substr(0, 120)
                            << " -> " << res.status << " " << res.body);
  }
  // Invalid UTF-8 in a key (raw bytes in the JSON string).
  auto res = offline(d, d.admin(), "PUT", "/badinput",
                     task_body(o, ",\"Key\":\"bad\xff\xfe\""));
  BOOST_CHECK_EQUAL(res.status, 400);
  auto res2 = offline(d, d.admin(), "PUT", "/Bad_Bucket", task_body(o, ""));
  BOOST_CHECK_EQUAL(s3_code(res2.body), "InvalidBucketName");
  // Nothing was written: no task, and nothing outside the data dir.
  auto counters = d.api("GET", "/task/state_counter").body;
  BOOST_CHECK_EQUAL(json_field(counters, "detail.all"), "0");
  BOOST_CHECK(!std::filesystem::exists(
      std::filesystem::path{d.data_dir()}.parent_path() / "etc"));
}

BOOST_FIXTURE_TEST_CASE(failed_and_cancelled_tasks_have_no_percent, fixture) {
  auto tid = submit(d, d.admin(), "fails", task_body(o, "", "/status/404"));
  auto body = await_state(d, d.admin(), "fails", tid, "TASK_FAILED");
  BOOST_CHECK_EQUAL(body.find("Percent"), std::string::npos);
  // A slow download, cancelled by an admin: 204, then TASK_CANCELLED.
  auto slow = submit(d, d.admin(), "fails",
                     task_body(o, "", "/slow/10000000?bps=20000"));
  auto res = offline(d, d.admin(), "DELETE", "/fails/" + slow);
  BOOST_CHECK_EQUAL(res.status, 204);
  body = await_state(d, d.admin(), "fails", slow, "TASK_CANCELLED");
  BOOST_CHECK_EQUAL(body.find("Percent"), std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(users_are_kept_apart, fixture) {
  auto alice = d.add_user("alice");
  auto bob = d.add_user("bob");
  auto tid = submit(d, alice, "alices", task_body(o, ""));
  await_state(d, alice, "alices", tid, "TASK_SUCCESS");
  // Bob sees no task of Alice's and cannot write into her bucket.
  auto res = offline(d, bob, "GET", "/alices/" + tid);
  BOOST_CHECK_EQUAL(res.status, 404);
  BOOST_CHECK_EQUAL(s3_code(res.body), "NoSuchKey");
  res = offline(d, bob, "PUT", "/alices", task_body(o, ""));
  BOOST_CHECK_EQUAL(res.status, 403);
  BOOST_CHECK_EQUAL(s3_code(res.body), "AccessDenied");
  // A task id is only found in its own bucket.
  res = offline(d, alice, "GET", "/otherbucket/" + tid);
  BOOST_CHECK_EQUAL(res.status, 404);
  res = offline(d, alice, "GET", "/alices/not-a-task-id");
  BOOST_CHECK_EQUAL(res.status, 404);
  // Cancelling is not open to ordinary users (seed 000's notice).
  auto slow = submit(d, alice, "alices",
                     task_body(o, "", "/slow/10000000?bps=20000"));
  res = offline(d, alice, "DELETE", "/alices/" + slow);
  BOOST_CHECK_EQUAL(res.status, 403);
  BOOST_CHECK_EQUAL(s3_code(res.body), "AccessDenied");
  await_state(d, alice, "alices", slow, "TASK_DOING");
  // A user granted the permission may cancel their own tasks.
  auto ops = d.add_user("ops", "--may-cancel-offline");
  auto own = submit(d, ops, "opsbucket",
                    task_body(o, "", "/slow/10000000?bps=20000"));
  res = offline(d, ops, "DELETE", "/opsbucket/" + own);
  BOOST_CHECK_EQUAL(res.status, 204);
  await_state(d, ops, "opsbucket", own, "TASK_CANCELLED");
  // but not someone else's.
  res = offline(d, ops, "DELETE", "/alices/" + slow);
  BOOST_CHECK_EQUAL(res.status, 404);
  // An admin may.
  res = offline(d, d.admin(), "DELETE", "/alices/" + slow);
  BOOST_CHECK_EQUAL(res.status, 204);
  await_state(d, alice, "alices", slow, "TASK_CANCELLED");
}

BOOST_FIXTURE_TEST_CASE(magnet_with_files_calls_back_one_entry_per_file,
                        fixture) {
  receiver rcv{0, 0, 0};
  char tmpl[] = "/tmp/skyhaul-offline-bt-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  auto t = make_torrent(dir, "pack",
                        {{"a.bin", 200000}, {"sub/b.bin", 30000}, {"c.txt", 10}});
  seeder seed{t, dir};
  auto magnet = t.magnet + "&x.pe=" + seed.peer();
  auto tid = submit(d, d.admin(), "bt-offline",
                    "{\"Url\":\"" + magnet
                        + "\",\"Target\":\"movies\",\"Files\":[\"a.bin\","
                          "\"pack/c.txt\"],\"SuccessCallbackUrl\":\""
                        + rcv.url("/succ/") + "\",\"FailureCallbackUrl\":\""
                        + rcv.url("/fail/") + "\"}");
  auto body = await_state(d, d.admin(), "bt-offline", tid, "TASK_SUCCESS");
  BOOST_CHECK_EQUAL(json_field(body, "Percent"), "100.00");
  auto hits
      = rcv.await([](const std::vector<hit>& hs) { return !hs.empty(); });
  BOOST_REQUIRE_EQUAL(hits.size(), 1u);
  BOOST_CHECK_EQUAL(hits[0].path, "/succ/");
  // Keyed by the torrent path; names hold dots, so no dotted lookups.
  rapidjson::Document doc;
  doc.Parse(hits[0].body.c_str());
  BOOST_REQUIRE(doc.IsObject());
  BOOST_CHECK_EQUAL(doc.MemberCount(), 2u);
  for (auto& f : t.files) {
    if (f.path == "pack/sub/b.bin") {
      BOOST_CHECK(!doc.HasMember(f.path.c_str()));
      continue;
    }
    BOOST_REQUIRE_MESSAGE(doc.HasMember(f.path.c_str()), hits[0].body);
    auto& e = doc[f.path.c_str()];
    BOOST_CHECK_EQUAL(e["Key"].GetString(), "movies/" + f.path);
    BOOST_CHECK_EQUAL(e["MD5"].GetString(), f.md5);
    BOOST_CHECK_EQUAL(e["SHA1"].GetString(), f.sha1);
    BOOST_CHECK_EQUAL(e["CRC32"].GetString(), f.crc32);
    BOOST_CHECK_EQUAL(e["Task"].GetString(), "bt-offline/" + tid);
  }
  std::error_code err;
  std::filesystem::remove_all(dir, err);
}

// Where the seed once answered 501: a .torrent URL and a magnet link are
// accepted (200 and the task id); a magnet without a usable hash is an
// InvalidURI. Acceptance only: no peer serves these torrents.
BOOST_AUTO_TEST_CASE(torrent_urls_and_magnets_are_accepted) {
  origin o;
  server_process d{{"--bt-listen=127.0.0.1:0", "--bt-dht=false",
                    "--bt-lsd=false", "--bt-port-mapping=false"}};
  d.start();
  auto cb = ",\"SuccessCallbackUrl\":\"" + o.url("/status/200")
            + "\",\"FailureCallbackUrl\":\"" + o.url("/status/200") + "\"";
  auto torrent_url = submit(d, d.admin(), "bt-accept",
                            "{\"Url\":\"" + o.url("/files/pack.torrent")
                                + "\",\"Files\":[\"a.bin\"]" + cb + "}");
  auto hash = std::string(40, 'd');
  auto magnet = submit(d, d.admin(), "bt-accept",
                       "{\"Url\":\"magnet:?xt=urn:btih:" + hash
                           + "&dn=nobody\",\"Target\":\"movies\"" + cb + "}");
  BOOST_CHECK_NE(torrent_url, magnet);
  // The magnet waits for metadata nobody sends: doing, at 0 percent.
  auto body = await_state(d, d.admin(), "bt-accept", magnet, "TASK_DOING");
  BOOST_CHECK_EQUAL(json_field(body, "Percent"), "0.00");
  auto status = d.api("GET", "/task/tid/" + magnet + "/status").body;
  BOOST_CHECK_EQUAL(json_field(status, "detail.torrent.metadata"), "fetching");
  BOOST_CHECK_EQUAL(json_field(status, "detail.torrent.info_hash"), hash);
  BOOST_CHECK_EQUAL(offline(d, d.admin(), "DELETE", "/bt-accept/" + magnet)
                        .status,
                    204);
  // Refused with the seed's codes.
  for (auto& [url, code] : std::vector<std::pair<std::string, std::string>>{
           {"magnet:?dn=no-hash", "InvalidURI"},
           {"magnet:?xt=urn:btih:" + std::string(39, 'd'), "InvalidURI"},
           {"gopher://h/pack.torrent", "InvalidURI"}}) {
    auto res = offline(d, d.admin(), "PUT", "/bt-accept",
                       "{\"Url\":\"" + url + "\"" + cb + "}");
    BOOST_CHECK_MESSAGE(res.status == 400 && s3_code(res.body) == code,
                        url << " -> " << res.status << " " << res.body);
  }
  auto res = offline(d, d.admin(), "PUT", "/bt-accept",
                     "{\"Url\":\"" + o.url("/file/10")
                         + "\",\"Files\":[\"a.bin\"]" + cb + "}");
  BOOST_CHECK_EQUAL(res.status, 400);
  BOOST_CHECK_EQUAL(s3_code(res.body), "InvalidArgument");
  res = offline(d, d.admin(), "PUT", "/bt-accept",
                "{\"Url\":\"magnet:?xt=urn:btih:" + hash
                    + "\",\"Files\":[\"\"]" + cb + "}");
  BOOST_CHECK_EQUAL(res.status, 400);
  BOOST_CHECK_EQUAL(s3_code(res.body), "InvalidArgument");
  // Only the two accepted ones became tasks.
  BOOST_CHECK_EQUAL(
      json_field(d.api("GET", "/task/state_counter").body, "detail.all"),
      "2");
}
