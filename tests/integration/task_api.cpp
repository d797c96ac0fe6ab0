#define BOOST_TEST_MODULE task_api_integration
#include <boost/test/unit_test.hpp>

// The real skyhauld against the real local origin (tests/support/origin.py),
// through the Task API only, as a user's script would drive it.

#include <filesystem>
#include <fstream>
#include <thread>

#include <csignal>

#include <curl/curl.h>

#include "tests/support/daemon.hpp"
#include "tests/support/task_calls.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/swarm.hpp"
#include "tests/support/scratch.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

struct fixture {
  origin org;
  server_process d;
  fixture() {
    d.start();
  }
};

/// BitTorrent on loopback only, no discovery.
std::vector<std::string> bt_flags(std::vector<std::string> more = {}) {
  std::vector<std::string> out{"--bt-listen=127.0.0.1:0", "--bt-dht=false",
                               "--bt-lsd=false", "--bt-port-mapping=false"};
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

/// A bencoded dictionary of exactly `n` bytes (n >= 7; not a usable
/// torrent): `d1:a<len>:xx...xe`, 6 bytes and the digits of len around len
/// bytes. Computed, not searched: these run to megabytes.
std::string dict_of_size(size_t n) {
  for (size_t digits = 1; digits < 20 && digits + 6 < n; ++digits) {
    auto len = n - 6 - digits;
    if (std::to_string(len).size() == digits)
      return "d1:a" + std::to_string(len) + ":" + std::string(len, 'x') + "e";
  }
  throw std::logic_error("no dictionary of " + std::to_string(n) + " bytes");
}

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

/// `POST /task` as `curl -F torrent=@pack.torrent -F task=...` sends it:
/// libcurl's own multipart encoding. No `task` part when `task` is empty.
response post_form(const server_process& d, const std::string& torrent,
                   const std::string& task) {
  response res;
  auto* h = curl_easy_init();
  auto* mime = curl_mime_init(h);
  auto* part = curl_mime_addpart(mime);
  curl_mime_name(part, "torrent");
  curl_mime_filename(part, "pack.torrent");
  curl_mime_type(part, "application/x-bittorrent");
  curl_mime_data(part, torrent.data(), torrent.size());
  if (!task.empty()) {
    part = curl_mime_addpart(mime);
    curl_mime_name(part, "task");
    curl_mime_data(part, task.data(), task.size());
  }
  auto auth = "Authorization: Bearer " + d.admin().api_key;
  curl_slist* headers = curl_slist_append(nullptr, auth.c_str());
  headers = curl_slist_append(headers, "Expect:");
  auto url = d.url() + "/task";
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &res.body);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
  if (curl_easy_perform(h) == CURLE_OK)
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res.status);
  curl_slist_free_all(headers);
  curl_mime_free(mime);
  curl_easy_cleanup(h);
  return res;
}

/// `POST /task` with a hand-made body of type `type`.
response post_typed(const server_process& d, const std::string& body,
                    const std::string& type) {
  return http("POST", d.url() + "/task", body,
              {"Authorization: Bearer " + d.admin().api_key,
               "Content-Type: " + type});
}

/// The request was refused with `status` and a JSON error saying why.
void refused(const response& res, long status, const std::string& says,
             const std::string& what) {
  BOOST_CHECK_MESSAGE(res.status == status,
                      what << " -> " << res.status << " " << res.body);
  BOOST_CHECK_MESSAGE(json_field(res.body, "status") == "error", res.body);
  BOOST_CHECK_MESSAGE(json_field(res.body, "errmsg").find(says)
                          != std::string::npos,
                      what << " -> " << res.body);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(task_api, fixture)

BOOST_AUTO_TEST_CASE(health_and_auth) {
  BOOST_CHECK_EQUAL(http("GET", d.url() + "/healthz").status, 200);
  auto no_key = http("GET", d.url() + "/task/list");
  BOOST_CHECK_EQUAL(no_key.status, 401);
  BOOST_CHECK_EQUAL(json_field(no_key.body, "status"), "error");
  BOOST_CHECK(!json_field(no_key.body, "errmsg").empty());
  BOOST_CHECK_EQUAL(d.api("GET", "/task/list", {}, "sk_wrong").status, 401);
  BOOST_CHECK_EQUAL(
    http("GET", d.url() + "/task/list?key=" + d.admin().api_key).status, 200);
}

BOOST_AUTO_TEST_CASE(download_verify_and_fetch_the_object) {
  const size_t size = 3 * 1024 * 1024 + 17;
  auto want = expected_digests(size);
  auto tid = create(d, R"({"url":")" + org.url("/file/" + std::to_string(size))
                         + R"(","bucket":"media","key":"a/b.bin","md5":")"
                         + want.md5 + R"(","sha1":")" + want.sha1
                         + R"(","crc32":")" + want.crc32 + R"(","size":)"
                         + std::to_string(size) + "}");
  auto body = d.await_status(tid, ended());
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK_EQUAL(json_field(body, "detail.done_bytes"), std::to_string(size));
  // Excerpt form, in both spellings.
  for (auto q : {"exerpt", "excerpt"}) {
    auto ex = d.api("GET", "/task/tid/" + tid + "/status?" + q + "=true");
    BOOST_CHECK_EQUAL(ex.status, 200);
    BOOST_CHECK_EQUAL(json_field(ex.body, "detail.state"), "finished");
    BOOST_CHECK(json_field(ex.body, "detail.url").empty());
    // The seed's excerpt names the task by its file.
    BOOST_CHECK_EQUAL(json_field(ex.body, "detail.title"),
                      json_field(body, "detail.file_name"));
    BOOST_CHECK_EQUAL(json_field(ex.body, "detail.total_bytes"),
                      std::to_string(size));
  }
  auto info = d.api("GET", "/task/tid/" + tid + "/info");
  BOOST_REQUIRE_EQUAL(info.status, 200);
  BOOST_CHECK(info.body.find(want.sha1) != std::string::npos);
  BOOST_CHECK(info.body.find("\"a/b.bin\"") != std::string::npos);
  // The signed link works without a key; the content is the origin's.
  auto pos = info.body.find("/download/");
  BOOST_REQUIRE(pos != std::string::npos);
  auto end = info.body.find('"', pos);
  std::string link = info.body.substr(pos, end - pos);
  for (size_t i; (i = link.find("\\/")) != std::string::npos;)
    link.replace(i, 2, "/");
  auto got = http("GET", d.url() + link);
  BOOST_REQUIRE_EQUAL(got.status, 200);
  BOOST_CHECK_EQUAL(got.body.size(), size);
  BOOST_CHECK(got.body == origin_content(size));
  auto etag = got.headers["etag"];
  BOOST_CHECK_EQUAL(etag, "\"" + want.md5 + "\"");
  auto part = http("GET", d.url() + link, {}, {"Range: bytes=10-19"});
  BOOST_CHECK_EQUAL(part.status, 206);
  BOOST_CHECK(part.body == origin_content(size).substr(10, 10));
  auto same = http("GET", d.url() + link, {}, {"If-None-Match: " + etag});
  BOOST_CHECK_EQUAL(same.status, 304);
  // A tampered link is refused.
  auto bad = link;
  bad.back() = bad.back() == '0' ? '1' : '0';
  BOOST_CHECK_EQUAL(http("GET", d.url() + bad).status, 403);
}

BOOST_AUTO_TEST_CASE(checksum_and_size_mismatches_fail_and_store_nothing) {
  auto url = org.url("/file/1000");
  auto t1 = create(d, R"({"url":")" + url + R"(","key":"x","md5":")"
                        + std::string(32, '0') + R"("})");
  auto t2 = create(d, R"({"url":")" + url + R"(","key":"y","size":999})");
  auto t3 = create(d, R"({"url":")" + url + R"(","key":"z","crc32":"1234"})");
  for (auto& tid : std::vector<std::string>{t1, t2, t3}) {
    auto body = d.await_status(tid, ended());
    BOOST_CHECK_MESSAGE(state_of(body) == "failed", body);
    BOOST_CHECK(!json_field(body, "detail.error.message").empty());
    BOOST_CHECK_EQUAL(json_field(body, "detail.files"), "<composite>");
    auto info = d.api("GET", "/task/tid/" + tid + "/info");
    BOOST_CHECK(info.body.find("/download/") == std::string::npos);
  }
  BOOST_CHECK_EQUAL(json_field(d.api("GET", "/task/tid/" + t1 + "/status").body,
                               "detail.error.code"),
                    "checksum_mismatch");
  BOOST_CHECK_EQUAL(json_field(d.api("GET", "/task/tid/" + t2 + "/status").body,
                               "detail.error.code"),
                    "size_mismatch");
}

BOOST_AUTO_TEST_CASE(source_errors_are_reported) {
  auto missing = create(d, R"({"url":")" + org.url("/status/404") + R"("})");
  auto body = d.await_status(missing, ended());
  BOOST_CHECK_EQUAL(state_of(body), "failed");
  BOOST_CHECK_EQUAL(json_field(body, "detail.error.code"),
                    "no_such_download_source");
  // A flaky origin (two 500s) is retried with backoff until it answers.
  auto flaky = create(d, R"({"url":")" + org.url("/flaky/2048?fail=2")
                           + R"("})");
  body = d.await_status(flaky, ended());
  BOOST_CHECK_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK_EQUAL(json_field(body, "detail.tries"), "3");
  // Redirects are followed.
  auto hops = create(d, R"({"url":")" + org.url("/redirect/3") + R"("})");
  body = d.await_status(hops, ended());
  BOOST_CHECK_MESSAGE(state_of(body) == "finished", body);
}

BOOST_AUTO_TEST_CASE(pause_and_resume) {
  const size_t size = 4 * 1024 * 1024;
  auto tid = create(d, R"({"url":")"
                         + org.url("/slow/" + std::to_string(size)
                                   + "?bps=1000000")
                         + R"(","key":"slow.bin"})");
  d.await_status(tid, [](const std::string& b) {
    return json_field(b, "detail.done_bytes") != "0"
           && !json_field(b, "detail.done_bytes").empty();
  });
  auto p = d.api("PUT", "/task/tid/" + tid + "?act=pause");
  BOOST_REQUIRE_MESSAGE(p.status == 200, p.body);
  auto body = d.api("GET", "/task/tid/" + tid + "/status").body;
  BOOST_CHECK_EQUAL(state_of(body), "paused");
  auto counters = d.api("GET", "/task/state_coutner").body;
  BOOST_CHECK_EQUAL(json_field(counters, "detail.paused"), "1");
  BOOST_CHECK_EQUAL(
    json_field(d.api("GET", "/task/state_counter").body, "detail.paused"),
    "1");
  auto listed = d.api("GET", "/task/list?state=paused").body;
  BOOST_CHECK_EQUAL(json_field(listed, "detail.0.tid"), tid);
  BOOST_CHECK_EQUAL(json_field(listed, "detail.0.state"), "paused");
  BOOST_CHECK_EQUAL(json_field(listed, "state_counter.paused"), "1");
  BOOST_CHECK(d.api("GET", "/task/list?state=finished").body.find(tid)
              == std::string::npos);
  auto r = d.api("PUT", "/task/tid/" + tid + "?act=resume");
  BOOST_REQUIRE_EQUAL(r.status, 200);
  body = d.await_status(tid, ended(), 60s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  auto info = d.api("GET", "/task/tid/" + tid + "/info").body;
  BOOST_CHECK(info.find(expected_digests(size).sha1) != std::string::npos);
  // A finished task cannot be paused.
  BOOST_CHECK_EQUAL(d.api("PUT", "/task/tid/" + tid + "?act=pause").status,
                    409);
}

BOOST_AUTO_TEST_CASE(kill_9_mid_download_then_restart_resumes_with_range) {
  const size_t size = 6 * 1024 * 1024;
  auto path = "/slow/" + std::to_string(size) + "?bps=2000000";
  auto tid = create(d, R"({"url":")" + org.url(path) + R"(","key":"k9.bin"})");
  d.await_status(tid, [](const std::string& b) {
    auto n = json_field(b, "detail.done_bytes");
    return !n.empty() && std::stoll(n) > 1000000;
  });
  d.crash();
  d.start();
  auto body = d.await_status(tid, ended(), 60s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  auto info = d.api("GET", "/task/tid/" + tid + "/info").body;
  BOOST_CHECK(info.find(expected_digests(size).sha1) != std::string::npos);
  BOOST_CHECK_MESSAGE(org.saw_range_request(), "the origin saw no Range");
}

BOOST_AUTO_TEST_CASE(acknowledged_tasks_survive_kill_9) {
  std::vector<std::string> tids;
  for (int i = 0; i < 20; ++i)
    tids.push_back(create(d, R"({"url":")" + org.url("/file/10")
                               + R"(","paused":true,"key":"p)"
                               + std::to_string(i) + R"("})"));
  d.crash();
  d.start();
  for (auto& tid : tids)
    BOOST_CHECK_EQUAL(state_of(d.api("GET", "/task/tid/" + tid + "/status").body),
                      "paused");
}

BOOST_AUTO_TEST_CASE(a_blob_a_crash_left_before_its_commit_goes_at_start) {
  namespace fs = std::filesystem;
  const size_t size = 4096;
  auto tid = create(d, R"({"url":")" + org.url("/file/" + std::to_string(size))
                         + R"(","key":"kept.bin"})");
  BOOST_REQUIRE_EQUAL(state_of(d.await_status(tid, ended())), "finished");
  auto kept = expected_digests(size).sha1;
  auto blob = [&](const std::string& name) {
    return d.data_dir() + "/blobs/" + name.substr(0, 2) + "/" + name;
  };
  BOOST_REQUIRE(fs::exists(blob(kept)));
  d.crash();
  // As a kill -9 leaves them: a download moved into the blob store and
  // marked, its object never committed; and the mark of a committed blob
  // that had no time to go.
  std::string lost(40, 'e');
  fs::create_directories(fs::path(blob(lost)).parent_path());
  std::ofstream{blob(lost)} << "bytes no object took";
  std::ofstream{d.data_dir() + "/adopting/" + lost};
  std::ofstream{d.data_dir() + "/adopting/" + kept};
  d.start();
  BOOST_CHECK(!fs::exists(blob(lost)));
  BOOST_CHECK(fs::is_empty(d.data_dir() + "/adopting"));
  BOOST_REQUIRE(fs::exists(blob(kept)));
  auto got = d.api("GET", "/task/tid/" + tid + "/status").body;
  BOOST_CHECK_EQUAL(state_of(got), "finished");
  BOOST_CHECK(got.find(kept) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(users_cannot_see_each_others_tasks) {
  auto alice = d.add_user("alice");
  auto bob = d.add_user("bob");
  BOOST_REQUIRE(!alice.api_key.empty());
  auto tid = create(d, R"({"url":")" + org.url("/file/10") + R"(","paused":true})",
                    alice.api_key);
  BOOST_CHECK_EQUAL(d.api("GET", "/task/tid/" + tid + "/status", {}, alice.api_key)
                      .status,
                    200);
  for (auto m : {std::pair{"GET", "/status"}, {"GET", "/info"}}) {
    auto res = d.api(m.first, "/task/tid/" + tid + m.second, {}, bob.api_key);
    BOOST_CHECK_EQUAL(res.status, 404);
  }
  BOOST_CHECK_EQUAL(
    d.api("PUT", "/task/tid/" + tid + "?act=resume", {}, bob.api_key).status,
    404);
  BOOST_CHECK_EQUAL(d.api("DELETE", "/task/tid/" + tid, {}, bob.api_key).status,
                    404);
  auto list = d.api("GET", "/task/list", {}, bob.api_key).body;
  BOOST_CHECK(list.find(tid) == std::string::npos);
  BOOST_CHECK_EQUAL(
    json_field(d.api("GET", "/task/state_counter", {}, bob.api_key).body,
               "detail.paused"),
    "0");
}

BOOST_AUTO_TEST_CASE(bad_input_gets_clear_errors) {
  auto check = [&](const std::string& method, const std::string& path,
                   const std::string& body, long status) {
    auto res = d.api(method, path, body);
    BOOST_CHECK_MESSAGE(res.status == status, method << " " << path << " "
                                                     << body << " -> "
                                                     << res.status << " "
                                                     << res.body);
    BOOST_CHECK_EQUAL(json_field(res.body, "status"), "error");
    BOOST_CHECK(!json_field(res.body, "errmsg").empty());
  };
  check("POST", "/task", "{not json", 400);
  check("POST", "/task", "[]", 400);
  check("POST", "/task", R"({"url":"http://x/y","colour":"red"})", 400);
  check("POST", "/task", R"({"url":42})", 400);
  check("POST", "/task", R"({"bucket":"b"})", 400);
  check("POST", "/task", R"({"url":"gopher://x/y"})", 400);
  check("POST", "/task", R"({"url":"http://x/y","key":"../../etc/passwd"})",
        400);
  check("POST", "/task", R"({"url":"http://x/y","md5":"zz"})", 400);
  check("POST", "/task", R"({"url":"http://x/y","on_key_exist":"maybe"})", 400);
  check("POST", "/task", "{\"url\":\"" + std::string(2 << 20, 'a') + "\"}",
        413);
  check("GET", "/task/tid/00000000000000000999/status", {}, 404);
  check("GET", "/task/tid/nonsense/status", {}, 404);
  check("PUT", "/task/tid/00000000000000000999?act=pause", {}, 404);
  check("GET", "/task/list?state=sleeping", {}, 400);
  check("POST", "/task/batch/pause", R"({"tids":"x"})", 400);
}

BOOST_AUTO_TEST_CASE(batch_operations_answer_per_tid) {
  auto a = create(d, R"({"url":")" + org.url("/file/10") + R"(","paused":true,"key":"ba"})");
  auto b = create(d, R"({"url":")" + org.url("/file/10") + R"(","paused":true,"key":"bb"})");
  auto res = d.api("POST", "/task/batch/delete",
                   R"({"tids":[")" + a + R"(",")" + b
                     + R"(","00000000000000000999"]})");
  BOOST_REQUIRE_EQUAL(res.status, 200);
  BOOST_CHECK_EQUAL(json_field(res.body, "results." + a + ".status"),
                    "success");
  BOOST_CHECK_EQUAL(
    json_field(res.body, "results.00000000000000000999.status"), "error");
  BOOST_CHECK_EQUAL(d.api("GET", "/task/tid/" + a + "/status").status, 404);
}

BOOST_AUTO_TEST_CASE(delete_with_del_file_removes_objects) {
  auto tid = create(d, R"({"url":")" + org.url("/file/5000") + R"(","key":"del.bin"})");
  auto body = d.await_status(tid, ended());
  BOOST_REQUIRE_EQUAL(state_of(body), "finished");
  auto blobs = d.data_dir() + "/blobs";
  auto count = [&] {
    size_t n = 0;
    for (auto& e : std::filesystem::recursive_directory_iterator(blobs))
      n += e.is_regular_file() ? 1 : 0;
    return n;
  };
  BOOST_CHECK_EQUAL(count(), 1u);
  auto res = d.api("DELETE", "/task/tid/" + tid + "?del_file=true");
  BOOST_REQUIRE_EQUAL(res.status, 200);
  BOOST_CHECK_EQUAL(d.api("GET", "/task/tid/" + tid + "/status").status, 404);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (count() != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  BOOST_CHECK_EQUAL(count(), 0u);
}

BOOST_AUTO_TEST_CASE(delete_with_del_file_keeps_a_later_tasks_same_object) {
  // Two tasks write the same bytes to the same key: the second's object
  // has the first's blob. Deleting the first with its data leaves it.
  auto spec = R"({"url":")" + org.url("/file/6000") + R"(","key":"same.bin"})";
  auto first = create(d, spec);
  BOOST_REQUIRE_EQUAL(state_of(d.await_status(first, ended())), "finished");
  auto second = create(d, spec);
  BOOST_REQUIRE_EQUAL(state_of(d.await_status(second, ended())), "finished");
  auto other = create(d, R"({"url":")" + org.url("/file/6001")
                             + R"(","key":"other.bin"})");
  BOOST_REQUIRE_EQUAL(state_of(d.await_status(other, ended())), "finished");
  BOOST_REQUIRE_EQUAL(
      d.api("DELETE", "/task/tid/" + first + "?del_file=true").status, 200);
  // A later delete's removal is the sync point: the store takes removals
  // in order, so once other.bin is gone, same.bin's fate is settled.
  BOOST_REQUIRE_EQUAL(
      d.api("DELETE", "/task/tid/" + other + "?del_file=true").status, 200);
  auto blob_of = [&](size_t size) {
    auto sha1 = expected_digests(size).sha1;
    return d.data_dir() + "/blobs/" + sha1.substr(0, 2) + "/" + sha1;
  };
  auto gone = [&] { return !std::filesystem::exists(blob_of(6001)); };
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!gone() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE(gone());
  BOOST_CHECK(std::filesystem::exists(blob_of(6000)));
  auto kept = d.api("GET", "/download/" + second + "/6000");
  BOOST_REQUIRE_EQUAL(kept.status, 200);
  BOOST_CHECK(kept.body == origin_content(6000));
}

BOOST_AUTO_TEST_CASE(config_and_graceful_stop) {
  auto cfg = d.api("GET", "/config");
  BOOST_CHECK_EQUAL(cfg.status, 200);
  BOOST_CHECK_EQUAL(json_field(cfg.body, "config.max_active"), "8");
  BOOST_CHECK(cfg.body.find("secret") == std::string::npos);
  BOOST_CHECK_EQUAL(d.stop(SIGTERM), 0);
}

BOOST_AUTO_TEST_SUITE_END()

// Acceptance and refusal at the edge only: every accepted torrent task is
// paused, or a magnet nobody serves, so nothing depends on a download.
BOOST_AUTO_TEST_CASE(torrent_uploads_and_magnets_at_the_edge) {
  scratch s{"skyhaul-edge"};
  auto t = make_torrent(s.dir + "/data", "pack",
                        {{"a.bin", 20000}, {"b.bin", 3000}});
  const uint64_t max_torrent = 2 << 20;
  server_process d{bt_flags(
      {"--bt-max-torrent-size=" + std::to_string(max_torrent)})};
  d.start();
  auto b64 = base64(t.bytes());
  size_t accepted = 0;
  // base64 in JSON: accepted, and the info says where the source is without
  // showing it.
  auto tid = create(d, R"({"torrent":")" + b64
                           + R"(","paused":true,"target":"movies",)"
                             R"("files":["a.bin"]})");
  ++accepted;
  auto status = d.api("GET", "/task/tid/" + tid + "/status").body;
  BOOST_CHECK_EQUAL(state_of(status), "paused");
  BOOST_CHECK_EQUAL(json_field(status, "detail.url"), "");
  BOOST_CHECK_EQUAL(json_field(status, "detail.torrent"), "<composite>");
  auto info = d.api("GET", "/task/tid/" + tid + "/info");
  BOOST_REQUIRE_EQUAL(info.status, 200);
  BOOST_CHECK_EQUAL(json_field(info.body, "detail.source.kind"), "upload");
  BOOST_CHECK_EQUAL(json_field(info.body, "detail.source.upload"), "true");
  BOOST_CHECK_EQUAL(json_field(info.body, "detail.options.target"), "movies");
  BOOST_CHECK_NE(info.body.find(R"("files":["a.bin"])"), std::string::npos);
  BOOST_CHECK_EQUAL(info.body.find(b64.substr(0, 16)), std::string::npos);
  BOOST_CHECK_EQUAL(info.body.find("piece length"), std::string::npos);
  // Unpadded and line-wrapped base64 is the same upload.
  auto wrapped = b64.substr(0, 76) + "\\n" + b64.substr(76);
  while (!wrapped.empty() && wrapped.back() == '=')
    wrapped.pop_back();
  create(d, R"({"torrent":")" + wrapped + R"(","paused":true})");
  ++accepted;
  // multipart/form-data as curl -F sends it, with and without a task part.
  auto form = post_form(d, t.bytes(), R"({"paused":true,"target":"up"})");
  BOOST_REQUIRE_MESSAGE(form.status == 200, form.status << " " << form.body);
  ++accepted;
  auto form_tid = json_field(form.body, "tid");
  BOOST_REQUIRE_EQUAL(form_tid.size(), 20u);
  info = d.api("GET", "/task/tid/" + form_tid + "/info");
  BOOST_CHECK_EQUAL(json_field(info.body, "detail.source.kind"), "upload");
  BOOST_CHECK_EQUAL(json_field(info.body, "detail.options.target"), "up");
  BOOST_CHECK_EQUAL(state_of(d.api("GET", "/task/tid/" + form_tid + "/status")
                                 .body),
                    "paused");
  // An upload larger than the listener's 1 MiB (not a torrent, so paused):
  // this route takes it.
  auto big = dict_of_size(1536 << 10);
  auto big_json = R"({"torrent":")" + base64(big) + R"(","paused":true})";
  BOOST_REQUIRE_GT(big_json.size(), 2u << 20);
  create(d, big_json);
  ++accepted;
  // Refused: both sources, none, oversized, bad base64, not bencode.
  refused(d.api("POST", "/task",
                R"({"torrent":")" + b64 + R"(","url":"http://h/a.torrent"})"),
          400, "not both", "url and torrent");
  refused(post_form(d, t.bytes(), R"({"url":"http://h/a.torrent"})"), 400,
          "not both", "url in the task part");
  refused(d.api("POST", "/task", R"({"paused":true})"), 400, "required",
          "no source");
  auto over = dict_of_size(max_torrent + 1);
  refused(d.api("POST", "/task", R"({"torrent":")" + base64(over) + "\"}"),
          413, "larger than", "oversized base64");
  refused(post_form(d, over, {}), 413, "larger than", "oversized part");
  // Beyond the route's own limit: refused before the body is read.
  auto huge = dict_of_size(3 << 20);
  refused(d.api("POST", "/task", R"({"torrent":")" + base64(huge) + "\"}"),
          413, "larger than", "over the route limit");
  // Only an upload may use this route's larger limit.
  refused(d.api("POST", "/task",
                R"({"url":"http://h/x","target":")" + std::string(3 << 19, 'a')
                    + "\"}"),
          413, "larger than", "a large body without a torrent");
  refused(d.api("POST", "/task", R"({"torrent":"not base64!"})"), 400,
          "base64", "bad base64");
  refused(d.api("POST", "/task", R"({"torrent":"ZDQ6aW5mb2RlZQ-_"})"), 400,
          "base64", "URL-safe base64");
  refused(d.api("POST", "/task",
                R"({"torrent":")" + base64("<html>not a torrent</html>")
                    + "\"}"),
          400, ".torrent", "HTML upload");
  refused(d.api("POST", "/task",
                R"({"torrent":")" + base64(t.bytes().substr(0, 100)) + "\"}"),
          400, "not a .torrent file", "truncated torrent");
  refused(post_typed(d, "--b\r\nContent-Disposition: form-data; name=\"task\""
                        "\r\n\r\n{}\r\n--b--\r\n",
                     "multipart/form-data; boundary=b"),
          400, "no 'torrent' part", "multipart without torrent");
  refused(post_typed(d, "--b\r\nContent-Disposition: form-data; "
                        "name=\"torrent\"\r\n\r\nde",
                     "multipart/form-data; boundary=b"),
          400, "not closed", "unterminated multipart");
  refused(post_typed(d, "de", "multipart/form-data"), 400, "boundary",
          "multipart without boundary");
  // Files are for torrents, and must be names.
  refused(d.api("POST", "/task",
                R"({"url":"http://h/a.bin","files":["a.bin"]})"),
          400, "BitTorrent", "files of an HTTP url");
  refused(d.api("POST", "/task",
                R"({"torrent":")" + b64 + R"(","files":["a\u0000"]})"),
          400, "control", "a NUL in a file name");
  // Magnets: a usable hash is needed.
  for (auto bad : {"magnet:?dn=pack", "magnet:?xt=urn:btih:1234",
                   "magnet:?xt=urn:sha1:0123456789012345678901234567890123456789"})
    refused(d.api("POST", "/task", std::string{R"({"url":")"} + bad + "\"}"),
            400, "info-hash", bad);
  refused(d.api("POST", "/task", R"({"url":"gopher://h/a.torrent"})"), 400,
          "unsupported scheme", "gopher");
  // Nothing refused became a task.
  BOOST_CHECK_EQUAL(
      json_field(d.api("GET", "/task/state_counter").body, "detail.all"),
      std::to_string(accepted));
  // A magnet nobody serves is accepted and waits for its metadata: the
  // torrent member says so, the hash comes from the link, 0 percent.
  auto hash = std::string(40, 'c');
  auto magnet = create(d, R"({"url":"magnet:?xt=urn:btih:)" + hash
                              + R"(&dn=nobody","files":["a.bin"]})");
  status = d.await_status(magnet, [](const std::string& b) {
    return state_of(b) == "downloading";
  });
  BOOST_CHECK_EQUAL(state_of(status), "downloading");
  BOOST_CHECK_EQUAL(json_field(status, "detail.torrent.metadata"), "fetching");
  BOOST_CHECK_EQUAL(json_field(status, "detail.torrent.info_hash"), hash);
  BOOST_CHECK_EQUAL(json_field(status, "detail.percent"), "0.00");
  BOOST_CHECK_EQUAL(json_field(status, "detail.total_bytes"), "-1");
  info = d.api("GET", "/task/tid/" + magnet + "/info");
  BOOST_CHECK_EQUAL(json_field(info.body, "detail.source.kind"), "magnet");
  BOOST_CHECK_EQUAL(json_field(info.body, "detail.source.info_hash"), hash);
  BOOST_CHECK_EQUAL(d.api("DELETE", "/task/tid/" + magnet).status, 200);
  // GET /config shows the BitTorrent settings.
  auto cfg = d.api("GET", "/config").body;
  BOOST_CHECK_EQUAL(json_field(cfg, "config.bt_max_torrent_size"),
                    std::to_string(max_torrent));
  BOOST_CHECK_EQUAL(json_field(cfg, "config.bt_dht"), "false");
  BOOST_CHECK_EQUAL(json_field(cfg, "config.bt_listen"), "127.0.0.1:0");
  BOOST_CHECK_EQUAL(json_field(cfg, "config.bt_seed"), "stop");
}
