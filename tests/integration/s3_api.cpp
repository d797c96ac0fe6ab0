#define BOOST_TEST_MODULE s3_api_integration
#include <boost/test/unit_test.hpp>

// The real skyhauld with real S3 clients (boto3 and s3cmd, driven by
// tests/support/s3_client.py): objects go in by downloading from the local
// origin through the Task API, then come out through the s3 listener.

#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <rapidjson/document.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

using strings = std::vector<std::string>;

/// One operation's result from s3_client.py: scalars as text, lists of
/// strings apart.
struct op_result {
  std::map<std::string, std::string> values;
  std::map<std::string, strings> lists;

  std::string operator[](const std::string& name) const {
    auto i = values.find(name);
    return i == values.end() ? std::string{} : i->second;
  }

  long status() const {
    auto s = (*this)["status"];
    return s.empty() ? -1 : std::stol(s);
  }

  strings list(const std::string& name) const {
    auto i = lists.find(name);
    return i == lists.end() ? strings{} : i->second;
  }
};

std::string scalar(const rapidjson::Value& v) {
  if (v.IsString())
    return v.GetString();
  if (v.IsBool())
    return v.GetBool() ? "true" : "false";
  if (v.IsInt64())
    return std::to_string(v.GetInt64());
  return {};
}

/// Runs the operations `ops` (a JSON list) with `u`'s keys, or anonymously
/// for a default user; one result per operation.
std::vector<op_result> s3(const server_process& d, const std::string& ops,
                          const user& u = {}) {
  int out[2];
  BOOST_REQUIRE(::pipe(out) == 0);
  auto script = std::string{SKYHAUL_TEST_SUPPORT_DIR} + "/s3_client.py";
  auto endpoint = d.url("s3");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::execlp("python3", "python3", script.c_str(), endpoint.c_str(),
             u.access_key.c_str(), u.secret_key.c_str(), ops.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof(buf))) > 0)
    text.append(buf, static_cast<size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  BOOST_REQUIRE_MESSAGE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                        "s3_client.py failed on " << ops);
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  BOOST_REQUIRE_MESSAGE(!doc.HasParseError() && doc.IsArray(), text);
  std::vector<op_result> results;
  for (auto& item : doc.GetArray()) {
    op_result r;
    for (auto& m : item.GetObject()) {
      if (m.value.IsArray()) {
        auto& l = r.lists[m.name.GetString()];
        for (auto& x : m.value.GetArray())
          l.push_back(scalar(x));
      } else {
        r.values[m.name.GetString()] = scalar(m.value);
      }
    }
    results.push_back(std::move(r));
  }
  return results;
}

/// One operation.
op_result s3_one(const server_process& d, const std::string& op,
                 const user& u = {}) {
  auto res = s3(d, "[" + op + "]", u);
  BOOST_REQUIRE_EQUAL(res.size(), 1u);
  return res[0];
}

std::string hex(const std::string& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

struct fixture {
  origin org;
  server_process d;
  user alice;
  user bob;
  user carol;

  fixture() {
    d.start();
    alice = d.add_user("alice");
    bob = d.add_user("bob");
    carol = d.add_user("carol");
    BOOST_REQUIRE(!alice.access_key.empty() && !bob.secret_key.empty());
  }

  /// Downloads `size` origin bytes into bucket/key as `owner`, waits until
  /// the task finished.
  void put(const user& owner, const std::string& bucket, const std::string& key,
           size_t size, const std::string& acl = {}) {
    auto body = R"({"url":")" + org.url("/file/" + std::to_string(size))
                + R"(","bucket":")" + bucket + R"(","key":")" + key + "\""
                + (acl.empty() ? "" : R"(,"acl":")" + acl + "\"") + "}";
    auto res = d.api("POST", "/task", body, owner.api_key);
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.status << " " << res.body);
    auto tid = json_field(res.body, "tid");
    auto status = d.await_status(
        tid,
        [](const std::string& b) {
          auto s = json_field(b, "detail.state");
          return s == "finished" || s == "failed" || s == "cancelled";
        },
        30s, owner.api_key);
    BOOST_REQUIRE_MESSAGE(json_field(status, "detail.state") == "finished",
                          status);
  }

  /// An anonymous request with the path sent as is.
  op_result raw(const std::string& method, const std::string& path) {
    return s3_one(d, R"({"op":"raw","method":")" + method + R"(","path":")"
                         + path + "\"}");
  }
};

const strings media_keys{"a/b.bin",
                         "a/c.txt",
                         "docs/x/1",
                         "docs/y/2",
                         "top",
                         "odd key+%&<>.bin",
                         "\xc3\xa9t\xc3\xa9/f.txt"};

/// The media bucket of alice: keys with sizes.
void put_media(fixture& f) {
  f.put(f.alice, "media", "a/b.bin", 100000);
  f.put(f.alice, "media", "a/c.txt", 1000);
  f.put(f.alice, "media", "docs/x/1", 10);
  f.put(f.alice, "media", "docs/y/2", 11);
  f.put(f.alice, "media", "top", 12);
  f.put(f.alice, "media", "odd key+%&<>.bin", 13);
  f.put(f.alice, "media", "\xc3\xa9t\xc3\xa9/f.txt", 14);
}

strings sorted(strings s) {
  std::sort(s.begin(), s.end());
  return s;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(s3_api, fixture)

BOOST_AUTO_TEST_CASE(list_buckets_and_objects_with_boto3) {
  put_media(*this);
  put(bob, "bobs", "x", 5);
  auto all = sorted(media_keys);
  auto res = s3(d, R"([
    {"op":"list_buckets"},
    {"op":"list_v2","bucket":"media"},
    {"op":"list_v2","bucket":"media","prefix":"docs/","delimiter":"/"},
    {"op":"list_v2","bucket":"media","delimiter":"/"},
    {"op":"list_v2","bucket":"media","max_keys":2,"fetch_owner":true},
    {"op":"list_all","bucket":"media","page_size":2},
    {"op":"list_all","bucket":"media","page_size":1,"delimiter":"/"},
    {"op":"list_all","v1":true,"bucket":"media","page_size":2},
    {"op":"list_all","v1":true,"bucket":"media","page_size":2,
     "delimiter":"/"},
    {"op":"list_v2","bucket":"media","start_after":"docs/x/1"},
    {"op":"list_v2","bucket":"nope"},
    {"op":"list_v2","bucket":"media","sig":"v2","prefix":"a/"},
    {"op":"location","bucket":"media"},
    {"op":"head_bucket","bucket":"media"},
    {"op":"head_bucket","bucket":"nope"}
  ])",
                alice);
  BOOST_REQUIRE_EQUAL(res.size(), 15u);
  BOOST_CHECK_EQUAL(res[0].status(), 200);
  BOOST_CHECK((res[0].list("buckets") == strings{"media"}));
  BOOST_CHECK_EQUAL(res[0]["owner_name"], "alice");
  BOOST_CHECK_EQUAL(res[0]["owner_id"], alice.id);
  BOOST_CHECK(!res[0]["request_id"].empty());
  BOOST_CHECK(res[1].list("keys") == all);
  BOOST_CHECK_EQUAL(res[1]["truncated"], "false");
  BOOST_CHECK_EQUAL(res[1]["key_count"], "7");
  BOOST_CHECK((res[1].list("sizes")
               == strings{"100000", "1000", "10", "11", "13", "12", "14"}));
  BOOST_CHECK_EQUAL(res[1].list("etags")[0],
                    "\"" + expected_digests(100000).md5 + "\"");
  BOOST_CHECK(res[2].list("keys").empty());
  BOOST_CHECK((res[2].list("prefixes") == strings{"docs/x/", "docs/y/"}));
  BOOST_CHECK((res[3].list("keys") == strings{"odd key+%&<>.bin", "top"}));
  BOOST_CHECK((res[3].list("prefixes")
               == strings{"a/", "docs/", "\xc3\xa9t\xc3\xa9/"}));
  // One page of two, with a token for the next; owners on request.
  BOOST_CHECK((res[4].list("keys") == strings{"a/b.bin", "a/c.txt"}));
  BOOST_CHECK_EQUAL(res[4]["truncated"], "true");
  BOOST_CHECK_EQUAL(res[4]["key_count"], "2");
  BOOST_CHECK(!res[4]["next_token"].empty());
  BOOST_CHECK((res[4].list("owners") == strings{"alice", "alice"}));
  BOOST_CHECK(res[1].list("owners").empty());
  // boto3's paginators follow the tokens (V2) and markers (V1).
  BOOST_CHECK(res[5].list("keys") == all);
  BOOST_CHECK_EQUAL(res[5]["pages"], "4");
  BOOST_CHECK((res[6].list("keys") == strings{"odd key+%&<>.bin", "top"}));
  BOOST_CHECK((sorted(res[6].list("prefixes"))
               == strings{"a/", "docs/", "\xc3\xa9t\xc3\xa9/"}));
  BOOST_CHECK_EQUAL(res[6]["pages"], "5");
  BOOST_CHECK(res[7].list("keys") == all);
  BOOST_CHECK_EQUAL(res[7]["pages"], "4");
  BOOST_CHECK(sorted(res[8].list("keys"))
              == (strings{"odd key+%&<>.bin", "top"}));
  BOOST_CHECK_EQUAL(res[8].list("prefixes").size(), 3u);
  BOOST_CHECK_EQUAL(res[8]["pages"], "3");
  BOOST_CHECK((res[9].list("keys")
               == strings{"docs/y/2", "odd key+%&<>.bin", "top",
                          "\xc3\xa9t\xc3\xa9/f.txt"}));
  BOOST_CHECK_EQUAL(res[10].status(), 404);
  BOOST_CHECK_EQUAL(res[10]["code"], "NoSuchBucket");
  BOOST_CHECK(!res[10]["request_id"].empty());
  BOOST_CHECK_EQUAL(res[11].status(), 200);
  BOOST_CHECK((res[11].list("keys") == strings{"a/b.bin", "a/c.txt"}));
  BOOST_CHECK_EQUAL(res[12].status(), 200);
  BOOST_CHECK(res[12]["location"].empty());
  BOOST_CHECK_EQUAL(res[13].status(), 200);
  BOOST_CHECK_EQUAL(res[14].status(), 404);
  // Each user sees their own buckets only.
  auto theirs = s3_one(d, R"({"op":"list_buckets"})", bob);
  BOOST_CHECK((theirs.list("buckets") == strings{"bobs"}));
  // A bad continuation token and max-keys are refused.
  auto bad = s3(d, R"([
    {"op":"list_v2","bucket":"media","token":"not*base64"},
    {"op":"list_v2","bucket":"media","max_keys":0}])",
                alice);
  BOOST_CHECK_EQUAL(bad[0].status(), 400);
  BOOST_CHECK_EQUAL(bad[0]["code"], "InvalidArgument");
  BOOST_CHECK_EQUAL(bad[1].status(), 200);
  BOOST_CHECK(bad[1].list("keys").empty());
}

BOOST_AUTO_TEST_CASE(get_head_ranges_and_conditions_with_boto3) {
  const size_t size = 100000;
  put(alice, "media", "a/b.bin", size);
  auto want = expected_digests(size);
  auto etag = "\"" + want.md5 + "\"";
  auto content = origin_content(size);
  auto head
      = s3_one(d, R"({"op":"head","bucket":"media","key":"a/b.bin"})", alice);
  BOOST_REQUIRE_EQUAL(head.status(), 200);
  auto modified = std::stoll(head["last_modified"]);
  auto at = [](int64_t s) { return std::to_string(s); };
  auto res = s3(d,
                R"([
    {"op":"get","bucket":"media","key":"a/b.bin"},
    {"op":"get","bucket":"media","key":"a/b.bin","range":"bytes=10-19"},
    {"op":"get","bucket":"media","key":"a/b.bin","range":"bytes=-5"},
    {"op":"get","bucket":"media","key":"a/b.bin","range":"bytes=200000-"},
    {"op":"get","bucket":"media","key":"a/b.bin","if_none_match":"\")"
                    + want.md5 + R"(\""},
    {"op":"get","bucket":"media","key":"a/b.bin","if_match":"\"0\""},
    {"op":"get","bucket":"media","key":"a/b.bin","if_match":"\")"
                    + want.md5 + R"(\""},
    {"op":"get","bucket":"media","key":"a/b.bin","if_modified_since":)"
                    + at(modified + 3600) + R"(},
    {"op":"get","bucket":"media","key":"a/b.bin","if_modified_since":)"
                    + at(modified - 3600) + R"(},
    {"op":"get","bucket":"media","key":"a/b.bin","if_unmodified_since":)"
                    + at(modified - 3600) + R"(},
    {"op":"head","bucket":"media","key":"a/b.bin","if_unmodified_since":)"
                    + at(modified + 3600) + R"(},
    {"op":"get","bucket":"media","key":"a/b.bin",
     "response_content_type":"text/plain",
     "response_content_disposition":"attachment; filename=\"x.bin\""},
    {"op":"get","bucket":"media","key":"missing"},
    {"op":"get","bucket":"nope","key":"a/b.bin"},
    {"op":"get","bucket":"media","key":"a/b.bin","sig":"v2",
     "range":"bytes=99990-"},
    {"op":"head","bucket":"media","key":"missing"}
  ])",
                alice);
  BOOST_REQUIRE_EQUAL(res.size(), 16u);
  BOOST_CHECK_EQUAL(head["length"], std::to_string(size));
  BOOST_CHECK_EQUAL(head["etag"], etag);
  BOOST_CHECK_EQUAL(head["accept_ranges"], "bytes");
  BOOST_CHECK_EQUAL(res[0].status(), 200);
  BOOST_CHECK_EQUAL(res[0]["md5"], want.md5);
  BOOST_CHECK_EQUAL(res[0]["size"], std::to_string(size));
  BOOST_CHECK_EQUAL(res[0]["etag"], etag);
  BOOST_CHECK(!res[0]["content_type"].empty());
  BOOST_CHECK_EQUAL(res[1].status(), 206);
  BOOST_CHECK_EQUAL(res[1]["content_range"], "bytes 10-19/100000");
  BOOST_CHECK_EQUAL(res[1]["hex"], hex(content.substr(10, 10)));
  BOOST_CHECK_EQUAL(res[2].status(), 206);
  BOOST_CHECK_EQUAL(res[2]["hex"], hex(content.substr(size - 5)));
  BOOST_CHECK_EQUAL(res[3].status(), 416);
  BOOST_CHECK_EQUAL(res[3]["code"], "InvalidRange");
  BOOST_CHECK_EQUAL(res[4].status(), 304);
  BOOST_CHECK_EQUAL(res[5].status(), 412);
  BOOST_CHECK_EQUAL(res[5]["code"], "PreconditionFailed");
  BOOST_CHECK_EQUAL(res[6].status(), 200);
  BOOST_CHECK_EQUAL(res[7].status(), 304);
  BOOST_CHECK_EQUAL(res[8].status(), 200);
  BOOST_CHECK_EQUAL(res[9].status(), 412);
  BOOST_CHECK_EQUAL(res[10].status(), 200);
  BOOST_CHECK_EQUAL(res[11].status(), 200);
  BOOST_CHECK_EQUAL(res[11]["content_type"], "text/plain");
  BOOST_CHECK_EQUAL(res[11]["content_disposition"],
                    "attachment; filename=\"x.bin\"");
  BOOST_CHECK_EQUAL(res[12].status(), 404);
  BOOST_CHECK_EQUAL(res[12]["code"], "NoSuchKey");
  BOOST_CHECK_EQUAL(res[13].status(), 404);
  BOOST_CHECK_EQUAL(res[13]["code"], "NoSuchBucket");
  BOOST_CHECK_EQUAL(res[14].status(), 206);
  BOOST_CHECK_EQUAL(res[14]["hex"], hex(content.substr(99990)));
  BOOST_CHECK_EQUAL(res[15].status(), 404);
}

BOOST_AUTO_TEST_CASE(presigned_urls) {
  put(alice, "media", "a/b.bin", 5000);
  auto want = expected_digests(5000);
  auto res = s3(d, R"([
    {"op":"presign","bucket":"media","key":"a/b.bin"},
    {"op":"presign","bucket":"media","key":"a/b.bin","sig":"v2"},
    {"op":"presign","bucket":"media","key":"a/b.bin","params":
      {"ResponseContentDisposition":"attachment; filename=\"y.bin\""}},
    {"op":"presign","bucket":"media","key":"missing"}
  ])",
                alice);
  BOOST_REQUIRE_EQUAL(res.size(), 4u);
  for (int i : {0, 1, 2}) {
    BOOST_CHECK_EQUAL(res[i].status(), 200);
    BOOST_CHECK_EQUAL(res[i]["md5"], want.md5);
  }
  BOOST_CHECK_EQUAL(res[2]["content_disposition"],
                    "attachment; filename=\"y.bin\"");
  BOOST_CHECK_EQUAL(res[3].status(), 404);
  // The URL works with plain libcurl too; a tampered one does not.
  auto url = res[0]["url"];
  BOOST_CHECK_EQUAL(http("GET", url).status, 200);
  auto pos = url.find("X-Amz-Signature=");
  BOOST_REQUIRE(pos != std::string::npos);
  auto bad = url;
  auto& c = bad[pos + 16];
  c = c == '0' ? '1' : '0';
  auto denied = http("GET", bad);
  BOOST_CHECK_EQUAL(denied.status, 403);
  BOOST_CHECK(denied.body.find("<RequestId>") != std::string::npos);
  BOOST_CHECK(!denied.headers["x-amz-request-id"].empty());
  // Without any signature the private object is not for anyone.
  BOOST_CHECK_EQUAL(http("GET", d.url("s3") + "/media/a/b.bin").status, 403);
}

BOOST_AUTO_TEST_CASE(create_and_delete_buckets_and_objects) {
  put(alice, "media", "a/b.bin", 100);
  put(alice, "media", "top", 10);
  auto res = s3(d, R"([
    {"op":"create_bucket","bucket":"fresh"},
    {"op":"create_bucket","bucket":"fresh"},
    {"op":"create_bucket","bucket":"ab"},
    {"op":"delete_bucket","bucket":"media"},
    {"op":"delete","bucket":"media","key":"top"},
    {"op":"delete","bucket":"media","key":"top"},
    {"op":"get","bucket":"media","key":"top"},
    {"op":"delete","bucket":"nope","key":"top"},
    {"op":"head_bucket","bucket":"fresh"},
    {"op":"list_buckets"}
  ])",
                alice);
  BOOST_REQUIRE_EQUAL(res.size(), 10u);
  BOOST_CHECK_EQUAL(res[0].status(), 200);
  BOOST_CHECK_EQUAL(res[1].status(), 409);
  BOOST_CHECK_EQUAL(res[1]["code"], "BucketAlreadyOwnedByYou");
  BOOST_CHECK_EQUAL(res[2].status(), 400);
  BOOST_CHECK_EQUAL(res[2]["code"], "InvalidBucketName");
  BOOST_CHECK_EQUAL(res[3].status(), 409);
  BOOST_CHECK_EQUAL(res[3]["code"], "BucketNotEmpty");
  BOOST_CHECK_EQUAL(res[4].status(), 204);
  BOOST_CHECK_EQUAL(res[5].status(), 204);
  BOOST_CHECK_EQUAL(res[6].status(), 404);
  BOOST_CHECK_EQUAL(res[6]["code"], "NoSuchKey");
  BOOST_CHECK_EQUAL(res[7].status(), 404);
  BOOST_CHECK_EQUAL(res[7]["code"], "NoSuchBucket");
  BOOST_CHECK_EQUAL(res[8].status(), 200);
  BOOST_CHECK((res[9].list("buckets") == strings{"fresh", "media"}));
  // Another user can neither take the name nor delete anything.
  auto theirs = s3(d, R"([
    {"op":"create_bucket","bucket":"fresh"},
    {"op":"delete_bucket","bucket":"fresh"},
    {"op":"delete","bucket":"media","key":"a/b.bin"},
    {"op":"list_v2","bucket":"media"}
  ])",
                   bob);
  BOOST_CHECK_EQUAL(theirs[0].status(), 409);
  BOOST_CHECK_EQUAL(theirs[0]["code"], "BucketAlreadyExists");
  BOOST_CHECK_EQUAL(theirs[1].status(), 403);
  BOOST_CHECK_EQUAL(theirs[1]["code"], "AccessDenied");
  BOOST_CHECK_EQUAL(theirs[2].status(), 403);
  BOOST_CHECK_EQUAL(theirs[3].status(), 403);
  auto rest = s3(d, R"([
    {"op":"get","bucket":"media","key":"a/b.bin"},
    {"op":"delete","bucket":"media","key":"a/b.bin"},
    {"op":"delete_bucket","bucket":"media"},
    {"op":"delete_bucket","bucket":"fresh"},
    {"op":"delete_bucket","bucket":"fresh"},
    {"op":"list_buckets"}
  ])",
                 alice);
  BOOST_CHECK_EQUAL(rest[0].status(), 200);
  BOOST_CHECK_EQUAL(rest[1].status(), 204);
  BOOST_CHECK_EQUAL(rest[2].status(), 204);
  BOOST_CHECK_EQUAL(rest[3].status(), 204);
  BOOST_CHECK_EQUAL(rest[4].status(), 404);
  BOOST_CHECK_EQUAL(rest[4]["code"], "NoSuchBucket");
  BOOST_CHECK(rest[5].list("buckets").empty());
  // The blob went with its last reference.
  std::error_code err;
  size_t blobs = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(
           d.data_dir() + "/blobs", err))
    blobs += e.is_regular_file() ? 1 : 0;
  BOOST_CHECK_EQUAL(blobs, 0u);
}

BOOST_AUTO_TEST_CASE(object_acls) {
  put(alice, "acl-test", "priv", 10);
  put(alice, "acl-test", "pub", 11, "public-read");
  put(alice, "acl-test", "auth", 12, "authenticated-read");
  // Anonymous callers: public-read only.
  auto pub = raw("GET", "/acl-test/pub");
  BOOST_CHECK_EQUAL(pub.status(), 200);
  BOOST_CHECK_EQUAL(pub["size"], "11");
  BOOST_CHECK_EQUAL(pub["hex"], hex(origin_content(11)));
  for (auto path : {"/acl-test/priv", "/acl-test/auth", "/acl-test/missing",
                    "/acl-test", "/"}) {
    auto r = raw("GET", path);
    BOOST_CHECK_MESSAGE(r.status() == 403, path << " " << r.status());
    BOOST_CHECK_EQUAL(r["code"], "AccessDenied");
    BOOST_CHECK(!r["request_id"].empty());
  }
  BOOST_CHECK_EQUAL(raw("DELETE", "/acl-test/pub").status(), 403);
  BOOST_CHECK_EQUAL(
      raw("GET", "/acl-test/pub?response-content-type=x%2Fy").status(), 400);
  // Another user: public-read and authenticated-read; no listing, and a
  // missing key looks the same as a private one.
  auto res = s3(d, R"([
    {"op":"get","bucket":"acl-test","key":"pub"},
    {"op":"get","bucket":"acl-test","key":"auth"},
    {"op":"get","bucket":"acl-test","key":"priv"},
    {"op":"get","bucket":"acl-test","key":"missing"},
    {"op":"list_v2","bucket":"acl-test"},
    {"op":"delete","bucket":"acl-test","key":"pub"}
  ])",
                bob);
  BOOST_CHECK_EQUAL(res[0].status(), 200);
  BOOST_CHECK_EQUAL(res[1].status(), 200);
  BOOST_CHECK_EQUAL(res[1]["hex"], hex(origin_content(12)));
  BOOST_CHECK_EQUAL(res[2].status(), 403);
  BOOST_CHECK_EQUAL(res[2]["code"], "AccessDenied");
  BOOST_CHECK_EQUAL(res[3].status(), 403);
  BOOST_CHECK_EQUAL(res[4].status(), 403);
  BOOST_CHECK_EQUAL(res[5].status(), 403);
  // The admin reads everything.
  auto admin = s3_one(d, R"({"op":"get","bucket":"acl-test","key":"priv"})",
                      d.admin());
  BOOST_CHECK_EQUAL(admin.status(), 200);
  // A failed signature is the authenticator's error, not anonymous access.
  auto forged = bob;
  forged.secret_key = "not-the-secret";
  auto sig
      = s3_one(d, R"({"op":"get","bucket":"acl-test","key":"pub"})", forged);
  BOOST_CHECK_EQUAL(sig.status(), 403);
  BOOST_CHECK_EQUAL(sig["code"], "SignatureDoesNotMatch");
}

BOOST_AUTO_TEST_CASE(bucket_acls_and_grants) {
  auto made = s3(d,
                 R"([
    {"op":"create_bucket","bucket":"shared","grant_read":"id=bob",
     "grant_write":"id=)"
                     + carol.id + R"("},
    {"op":"create_bucket","bucket":"for-users","acl":"authenticated-read"},
    {"op":"create_bucket","bucket":"for-all","acl":"public-read"},
    {"op":"create_bucket","bucket":"bad-acl","acl":"everyone"}
  ])",
                 alice);
  BOOST_CHECK_EQUAL(made[0].status(), 200);
  BOOST_CHECK_EQUAL(made[1].status(), 200);
  BOOST_CHECK_EQUAL(made[2].status(), 200);
  BOOST_CHECK_EQUAL(made[3].status(), 400);
  put(alice, "shared", "one", 10);
  put(alice, "shared", "two", 10);
  put(alice, "for-users", "f", 10);
  put(alice, "for-all", "f", 10);
  // bob may list "shared" (read grant), not read its private objects, not
  // delete; carol may delete (write grant) but not list.
  auto by_bob = s3(d, R"([
    {"op":"list_v2","bucket":"shared"},
    {"op":"get","bucket":"shared","key":"one"},
    {"op":"get","bucket":"shared","key":"missing"},
    {"op":"delete","bucket":"shared","key":"one"},
    {"op":"list_v2","bucket":"for-users"},
    {"op":"head_bucket","bucket":"for-users"}
  ])",
                   bob);
  BOOST_CHECK_EQUAL(by_bob[0].status(), 200);
  BOOST_CHECK((by_bob[0].list("keys") == strings{"one", "two"}));
  BOOST_CHECK_EQUAL(by_bob[1].status(), 403);
  BOOST_CHECK_EQUAL(by_bob[2].status(), 404);
  BOOST_CHECK_EQUAL(by_bob[3].status(), 403);
  BOOST_CHECK_EQUAL(by_bob[4].status(), 200);
  BOOST_CHECK_EQUAL(by_bob[5].status(), 200);
  auto by_carol = s3(d, R"([
    {"op":"list_v2","bucket":"shared"},
    {"op":"delete","bucket":"shared","key":"one"},
    {"op":"delete_bucket","bucket":"shared"}
  ])",
                     carol);
  BOOST_CHECK_EQUAL(by_carol[0].status(), 403);
  BOOST_CHECK_EQUAL(by_carol[1].status(), 204);
  BOOST_CHECK_EQUAL(by_carol[2].status(), 403);
  auto left = s3_one(d, R"({"op":"list_v2","bucket":"shared"})", alice);
  BOOST_CHECK((left.list("keys") == strings{"two"}));
  // Anonymous callers list the public-read bucket only.
  auto all = raw("GET", "/for-all?list-type=2");
  BOOST_CHECK_EQUAL(all.status(), 200);
  BOOST_CHECK_EQUAL(raw("GET", "/for-users?list-type=2").status(), 403);
  BOOST_CHECK_EQUAL(raw("GET", "/shared").status(), 403);
}

BOOST_AUTO_TEST_CASE(s3cmd_with_signature_v2_and_v4) {
  put(alice, "media", "a/b.bin", 70000);
  put(alice, "media", "top", 12);
  // Inside the data dir, which goes with the fixture.
  auto out = d.data_dir() + "/s3cmd-download";
  for (bool v2 : {true, false}) {
    auto flag = std::string{v2 ? "true" : "false"};
    auto op = [&](const std::string& args) {
      return R"({"op":"s3cmd","v2":)" + flag + R"(,"args":[)" + args + "]}";
    };
    std::filesystem::remove(out);
    auto bucket = std::string{v2 ? "made-v2" : "made-v4"};
    auto res = s3(
        d,
        "[" + op(R"("ls")") + "," + op(R"("ls","s3://media/")") + ","
            + op(R"("ls","s3://media/a/")") + ","
            + op(R"("get","s3://media/a/b.bin",")" + out + "\"") + ","
            + op(R"("mb","s3://)" + bucket + "\"") + "," + op(R"("ls")") + ","
            + op(R"("rb","s3://)" + bucket + "\"") + ","
            + op(R"("get","s3://media/missing",")" + out + "-missing\"") + "]",
        alice);
    BOOST_REQUIRE_EQUAL(res.size(), 8u);
    for (int i : {0, 1, 2, 3, 4, 5, 6})
      BOOST_CHECK_MESSAGE(res[i]["rc"] == "0", "v2=" << v2 << " op " << i
                                                     << ": "
                                                     << res[i]["stderr"]);
    BOOST_CHECK(res[0]["stdout"].find("s3://media") != std::string::npos);
    BOOST_CHECK(res[1]["stdout"].find("DIR") != std::string::npos);
    BOOST_CHECK(res[1]["stdout"].find("s3://media/a/") != std::string::npos);
    BOOST_CHECK(res[1]["stdout"].find("s3://media/top") != std::string::npos);
    BOOST_CHECK(res[2]["stdout"].find("s3://media/a/b.bin")
                != std::string::npos);
    BOOST_CHECK(res[2]["stdout"].find("70000") != std::string::npos);
    BOOST_CHECK(read_file(out) == origin_content(70000));
    BOOST_CHECK(res[5]["stdout"].find("s3://" + bucket) != std::string::npos);
    BOOST_CHECK(res[7]["rc"] != "0");
    BOOST_CHECK(res[7]["stderr"].find("does not exist") != std::string::npos);
  }
  auto del = s3(d,
                R"([{"op":"s3cmd","args":["del","s3://media/top"]},
                    {"op":"s3cmd","args":["ls","s3://media/"]}])",
                alice);
  BOOST_CHECK_EQUAL(del[0]["rc"], "0");
  BOOST_CHECK(del[1]["stdout"].find("s3://media/top") == std::string::npos);
  BOOST_CHECK(del[1]["stdout"].find("s3://media/a/") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_keys_are_refused_and_touch_nothing) {
  put(alice, "media", "a/b.bin", 100, "public-read");
  // A file outside the data dir that a traversal would reach.
  auto outside = std::filesystem::path{d.data_dir()}.parent_path()
                 / ("skyhaul-s3-victim-" + std::to_string(::getpid()));
  std::filesystem::create_directories(outside);
  auto victim = outside / "victim";
  std::ofstream{victim} << "keep me";
  auto rel
      = std::filesystem::relative(victim, d.data_dir() + "/blobs").string();
  const strings paths{
      "/media/../" + rel,
      "/media/a/../../" + rel,
      "/media/a%2F..%2F..%2F" + rel,
      "/media/%2E%2E/a/b.bin",
      "/media/a/./b.bin",
      "/media/a//b.bin",
      "/media//etc/passwd",
      "/media/a%5C..%5Cb.bin",
      "/media/a%00b",
      "/media/a%0Ab",
      "/media/%C3%28",
      "/media/%ED%A0%80",
      "/media/" + std::string(1025, 'k'),
  };
  for (auto method : {"GET", "DELETE"}) {
    std::string ops = "[";
    for (auto& p : paths) {
      for (bool sign : {false, true}) {
        if (ops.size() > 1)
          ops += ",";
        ops += R"({"op":"raw","method":")" + std::string{method}
               + R"(","path":")" + p + R"(","sign":)"
               + (sign ? "true" : "false") + "}";
      }
    }
    ops += "]";
    auto res = s3(d, ops, alice);
    BOOST_REQUIRE_EQUAL(res.size(), paths.size() * 2);
    for (size_t i = 0; i < res.size(); ++i) {
      BOOST_CHECK_MESSAGE(res[i].status() == 400, method << " " << paths[i / 2]
                                                         << ": "
                                                         << res[i].status());
      BOOST_CHECK(res[i]["code"] == "InvalidArgument"
                  || res[i]["code"] == "KeyTooLongError");
    }
  }
  BOOST_CHECK_EQUAL(read_file(victim.string()), "keep me");
  std::filesystem::remove_all(outside);
  // The real object is untouched, and a bad bucket name is refused too.
  auto still = s3(d, R"([
    {"op":"get","bucket":"media","key":"a/b.bin"},
    {"op":"raw","method":"GET","path":"/%2E%2E/a/b.bin"},
    {"op":"raw","method":"GET","path":"/Media/a/b.bin"}
  ])",
                  alice);
  BOOST_CHECK_EQUAL(still[0].status(), 200);
  BOOST_CHECK_EQUAL(still[0]["md5"], expected_digests(100).md5);
  BOOST_CHECK_EQUAL(still[1].status(), 400);
  BOOST_CHECK_EQUAL(still[1]["code"], "InvalidBucketName");
  BOOST_CHECK_EQUAL(still[2].status(), 400);
}

BOOST_AUTO_TEST_CASE(other_operations_are_not_implemented) {
  put(alice, "media", "a/b.bin", 100);
  auto res = s3(d, R"([
    {"op":"raw","method":"PUT","path":"/media/new.bin","sign":true},
    {"op":"raw","method":"POST","path":"/media?delete","sign":true},
    {"op":"raw","method":"GET","path":"/media?acl","sign":true},
    {"op":"raw","method":"PUT","path":"/media?acl","sign":true},
    {"op":"raw","method":"POST","path":"/media/a/b.bin?uploads","sign":true},
    {"op":"raw","method":"GET","path":"/media?versioning","sign":true},
    {"op":"raw","method":"PATCH","path":"/media/a/b.bin"},
    {"op":"raw","method":"GET","path":"//x"},
    {"op":"raw","method":"GET","path":"/media?list-type=3","sign":true}
  ])",
                alice);
  BOOST_REQUIRE_EQUAL(res.size(), 9u);
  for (int i = 0; i < 7; ++i) {
    BOOST_CHECK_MESSAGE(res[i].status() == 501, i << ": " << res[i].status());
    BOOST_CHECK_EQUAL(res[i]["code"], "NotImplemented");
    BOOST_CHECK(!res[i]["request_id"].empty());
  }
  BOOST_CHECK_EQUAL(res[7].status(), 404);
  BOOST_CHECK_EQUAL(res[7]["code"], "NoSuchBucket");
  BOOST_CHECK(!res[7]["request_id"].empty());
  BOOST_CHECK_EQUAL(res[8].status(), 400);
  // The object is still there and nothing was created.
  auto after = s3_one(d, R"({"op":"list_v2","bucket":"media"})", alice);
  BOOST_CHECK((after.list("keys") == strings{"a/b.bin"}));
}

BOOST_AUTO_TEST_SUITE_END()
