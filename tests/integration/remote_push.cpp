#define BOOST_TEST_MODULE remote_push_integration
#include <boost/test/unit_test.hpp>

// Remote accounts and pushes against real servers started here: FTP and
// FTPS (pyftpdlib, a throwaway certificate), SFTP (OpenSSH's sshd with
// throwaway host and user keys), WebDAV (nginx's dav module) and S3
// (s3rver). The real skyhauld downloads from the origin, then pushes every
// file; the bytes on each server must equal the source.

#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/push_servers.hpp"
#include "tests/support/s3rver.hpp"
#include "tests/support/scratch.hpp"

#include <chrono>
#include <curl/curl.h>
#include <filesystem>
#include <fstream>
#include <pwd.h>
#include <rapidjson/document.h>
#include <thread>
#include <unistd.h>

using namespace skyhaul::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using form = std::vector<std::pair<std::string, std::string>>;

std::string escape(const std::string& s) {
  auto* e = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
  std::string out{e};
  curl_free(e);
  return out;
}

std::string encode(const form& f) {
  std::string out;
  for (auto& [k, v] : f)
    out += (out.empty() ? "" : "&") + escape(k) + "=" + escape(v);
  return out;
}

response post(const server_process& d, const std::string& path,
              const form& f, const std::string& key) {
  return http("POST", d.url() + path, encode(f),
              {"Authorization: Bearer " + key,
               "Content-Type: application/x-www-form-urlencoded"});
}

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  BOOST_REQUIRE_MESSAGE(!doc.HasParseError(), "not JSON: " << body);
  return doc;
}

bool has(const std::string& body, const std::string& what) {
  return body.find(what) != std::string::npos;
}

/// Adds an account; returns its id.
std::string add_account(const server_process& d, const std::string& key,
                        const form& f) {
  auto res = post(d, "/api/remote/accounts/add", f, key);
  BOOST_REQUIRE_MESSAGE(res.status == 200, res.status << " " << res.body);
  auto id = json_field(res.body, "accountId");
  BOOST_REQUIRE(!id.empty());
  BOOST_CHECK_EQUAL(json_field(res.body, "remoteOptionId"), id);
  return id;
}

/// Asks for a remote download; returns the request id.
std::string remote(const server_process& d, const std::string& key,
                   const std::string& url, const std::string& account,
                   const std::string& folder) {
  auto res = post(d, "/api/remote",
                  {{"url", url}, {"remoteOptionId", account},
                   {"folderId", folder}},
                  key);
  BOOST_REQUIRE_MESSAGE(res.status == 200, res.status << " " << res.body);
  BOOST_CHECK_EQUAL(json_field(res.body, "status"), "created");
  auto id = json_field(res.body, "requestId");
  BOOST_REQUIRE(!id.empty());
  return id;
}

/// Polls the remote status until it is `downloaded` or `error` (bounded);
/// returns the last body.
std::string await_end(const server_process& d, const std::string& key,
                      const std::string& rid,
                      std::chrono::seconds limit = 40s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::string body;
  for (;;) {
    body = post(d, "/api/remote/status", {{"requestId", rid}}, key).body;
    auto st = json_field(body, "status.status");
    if (st == "downloaded" || st == "error")
      return body;
    if (std::chrono::steady_clock::now() > deadline)
      BOOST_FAIL("the push did not end: " << body);
    std::this_thread::sleep_for(50ms);
  }
}

/// The push of the request's only file, from a status body.
std::string push_field(const std::string& body, const char* name) {
  auto doc = parse(body);
  auto& push = doc["status"]["push"];
  BOOST_REQUIRE(push.IsArray() && push.Size() == 1);
  auto& v = push[0][name];
  return v.IsString() ? v.GetString() : std::to_string(v.GetUint64());
}

/// The usage of account `id` as the list shows it.
uint64_t usage_of(const server_process& d, const std::string& key,
                  const std::string& id) {
  auto doc = parse(post(d, "/api/remote/accounts", {}, key).body);
  for (auto& a : doc["data"].GetArray())
    if (a["accountId"].GetString() == id)
      return a["usage"].GetUint64();
  BOOST_FAIL("no account " << id);
  return 0;
}

/// Every byte of every file under `dir`.
std::string all_bytes(const std::string& dir) {
  std::string out;
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file())
      out += file_bytes(e.path().string());
  return out;
}

std::string user_name() {
  auto* pw = ::getpwuid(::getuid());
  return pw != nullptr ? pw->pw_name : "root";
}

} // namespace

BOOST_AUTO_TEST_CASE(accounts_are_private_checked_and_keep_their_secret) {
  server_process d;
  d.start();
  auto alice = d.admin().api_key;
  auto bob = d.add_user("bob").api_key;
  auto id = add_account(d, alice,
                        {{"type", "ftp"}, {"host", "ftp.example.org"},
                         {"username", "alice"},
                         {"password", "hunter2-never-shown"},
                         {"path", "uploads"}});
  auto list = post(d, "/api/remote/accounts", {}, alice);
  BOOST_CHECK_EQUAL(list.status, 200);
  auto doc = parse(list.body);
  BOOST_REQUIRE_EQUAL(doc["data"].Size(), 1u);
  auto& acc = doc["data"][0];
  BOOST_CHECK_EQUAL(acc["accountId"].GetString(), id);
  BOOST_CHECK_EQUAL(acc["remoteOptionId"].GetString(), id);
  BOOST_CHECK_EQUAL(acc["type"].GetString(), std::string{"ftp"});
  BOOST_CHECK_EQUAL(acc["username"].GetString(), std::string{"alice"});
  BOOST_CHECK_EQUAL(acc["host"].GetString(), std::string{"ftp.example.org"});
  BOOST_CHECK_EQUAL(acc["port"].GetUint(), 21u);
  BOOST_CHECK_EQUAL(acc["usage"].GetUint64(), 0u);
  BOOST_CHECK_EQUAL(acc["status"].GetString(), std::string{"active"});
  // The aliases answer the same list; JSON bodies work as forms do.
  for (auto path : {"/api/remote-account/list", "/api/account/remote/all"})
    BOOST_CHECK_EQUAL(post(d, path, {}, alice).body, list.body);
  auto json = http("POST", d.url() + "/api/remote/accounts/add",
                   R"({"type":"s3","host":"http://s3.example.org","port":9000,)"
                   R"("username":"AK","password":"s3-secret-never-shown",)"
                   R"("bucket":"backup","region":"eu-west-1"})",
                   {"Authorization: Bearer " + alice,
                    "Content-Type: application/json"});
  BOOST_CHECK_MESSAGE(json.status == 200, json.body);
  BOOST_CHECK_EQUAL(json_field(json.body, "data.port"), "9000");
  // Secrets never come back, and are not in clear in the data dir.
  list = post(d, "/api/remote/accounts", {}, alice);
  for (auto* secret : {"hunter2-never-shown", "s3-secret-never-shown"}) {
    BOOST_CHECK(!has(list.body, secret));
    BOOST_CHECK(!has(json.body, secret));
    BOOST_CHECK(!has(all_bytes(d.data_dir()), secret));
  }
  auto key_mode = fs::status(d.data_dir() + "/secret.key").permissions();
  BOOST_CHECK((key_mode & (fs::perms::group_all | fs::perms::others_all))
              == fs::perms::none);
  // Another user sees none of them, and cannot remove or use them.
  BOOST_CHECK_EQUAL(post(d, "/api/remote/accounts", {}, bob).body,
                    R"({"data":[]})");
  auto theirs = post(d, "/api/remote/accounts/remove", {{"accountId", id}}, bob);
  BOOST_CHECK_EQUAL(theirs.status, 404);
  BOOST_CHECK(!json_field(theirs.body, "error").empty());
  auto use = post(d, "/api/remote",
                  {{"url", "http://127.0.0.1:9/x"}, {"remoteOptionId", id}},
                  bob);
  BOOST_CHECK_EQUAL(use.status, 404);
  BOOST_CHECK(!json_field(use.body, "error").empty());
  // Bad input is answered with {"error":...} and changes nothing.
  std::vector<form> bad = {
      {{"type", "gopher"}, {"host", "h"}},
      {{"type", "ftp"}, {"host", "two words"}},
      {{"type", "ftp"}, {"host", "h"}, {"port", "70000"}},
      {{"type", "ftp"}, {"host", "h"}, {"port", "0"}},
      {{"type", "ftp"}, {"host", "h"}, {"username", "a\r\nDELE x"}},
      {{"type", "sftp"}, {"host", "h"}, {"username", "u"}},
      {{"type", "s3"}, {"host", "h"}, {"username", "a"}, {"password", "b"}},
      {{"type", "ftp"}, {"host", "h"}, {"path", "a/../../etc"}},
      {{"type", "ftp"}, {"host", "h"}, {"sshKey", "-----BEGIN x"}},
  };
  for (auto& f : bad) {
    auto res = post(d, "/api/remote/accounts/add", f, alice);
    BOOST_CHECK_MESSAGE(res.status == 400, encode(f) << " " << res.body);
    BOOST_CHECK_MESSAGE(!json_field(res.body, "error").empty(), res.body);
  }
  form many;
  for (int i = 0; i < 100; ++i)
    many.emplace_back("f" + std::to_string(i), "x");
  BOOST_CHECK_EQUAL(post(d, "/api/remote/accounts/add", many, alice).status,
                    400);
  auto broken = http("POST", d.url() + "/api/remote/accounts/add", "{\"type\":",
                     {"Authorization: Bearer " + alice,
                      "Content-Type: application/json"});
  BOOST_CHECK_EQUAL(broken.status, 400);
  BOOST_CHECK(!json_field(broken.body, "error").empty());
  for (auto junk : {"abc", "", "99999"}) {
    auto res = post(d, "/api/remote/accounts/remove", {{"accountId", junk}},
                    alice);
    BOOST_CHECK(res.status == 400 || res.status == 404);
    BOOST_CHECK(!json_field(res.body, "error").empty());
  }
  BOOST_CHECK_EQUAL(post(d, "/api/remote/status", {{"requestId", "nope"}},
                         alice)
                        .status,
                    404);
  auto anon = http("POST", d.url() + "/api/remote/accounts");
  BOOST_CHECK_EQUAL(anon.status, 401);
  BOOST_CHECK_EQUAL(json_field(anon.body, "error"), "NOAUTH");
  BOOST_CHECK_EQUAL(parse(post(d, "/api/remote/accounts", {}, alice).body)
                        ["data"]
                            .Size(),
                    2u);
  // The owner removes one.
  BOOST_CHECK_EQUAL(
      post(d, "/api/remote/accounts/remove", {{"accountId", id}}, alice)
          .status,
      200);
  BOOST_CHECK_EQUAL(parse(post(d, "/api/remote/accounts", {}, alice).body)
                        ["data"]
                            .Size(),
                    1u);
}

BOOST_AUTO_TEST_CASE(every_remote_type_receives_the_same_bytes) {
  scratch dir{"skyhaul-push"};
  auto& root = dir.dir;
  origin o;
  // A throwaway certificate for FTPS.
  run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
      " -addext subjectAltName=IP:127.0.0.1 -keyout "
      + root + "/tls.key -out " + root + "/tls.crt");
  // Throwaway SSH host and user keys.
  run("ssh-keygen -q -t ecdsa -N '' -f " + root + "/host_key");
  run("ssh-keygen -q -t ecdsa -m PEM -N '' -f " + root + "/user_key");
  fs::create_directories(root + "/ftp");
  fs::create_directories(root + "/ftps");
  fs::create_directories(root + "/sftp");
  ftp_server ftp{root + "/ftp", "pat", "ftp-secret-7731"};
  ftp_server ftps{root + "/ftps", "pat", "ftps-secret-7731",
                  root + "/tls.crt", root + "/tls.key"};
  auto ssh_port = free_port();
  sshd_server sshd{root, ssh_port, root + "/host_key", root + "/user_key.pub"};
  dav_server dav{root + "/dav", "dav", "dav-secret-7731"};
  fs::create_directories(dav.root() + "/files");
  s3rver s3;

  server_process d{{"--push-ca-file", root + "/tls.crt",
                    "--push-retry-base-ms", "200",
                    "--push-multipart-threshold", "6291456",
                    "--push-part-size", "5242880"}};
  d.start();
  auto key = d.admin().api_key;
  auto ssh_key = file_bytes(root + "/user_key");
  struct target {
    std::string name;
    form account;
    std::string folder;
    size_t size;
    /// Where the server keeps the pushed file.
    std::function<std::string()> stored;
  };
  std::vector<target> targets = {
      {"ftp",
       {{"type", "ftp"}, {"host", "127.0.0.1"},
        {"port", std::to_string(ftp.port())}, {"username", "pat"},
        {"password", "ftp-secret-7731"}},
       "in/box", 70000,
       [&] { return file_bytes(root + "/ftp/in/box/70000"); }},
      {"ftps",
       {{"type", "ftps"}, {"host", "127.0.0.1"},
        {"port", std::to_string(ftps.port())}, {"username", "pat"},
        {"password", "ftps-secret-7731"}, {"path", "base"}},
       "deep/er", 300000,
       [&] { return file_bytes(root + "/ftps/base/deep/er/300000"); }},
      {"sftp",
       {{"type", "sftp"}, {"host", "127.0.0.1"},
        {"port", std::to_string(ssh_port)}, {"username", user_name()},
        {"sshKey", ssh_key}, {"path", root + "/sftp"}},
       "x/y", 250000,
       [&] { return file_bytes(root + "/sftp/x/y/250000"); }},
      {"webdav",
       {{"type", "webdav"}, {"host", "http://127.0.0.1"},
        {"port", std::to_string(dav.port())}, {"username", "dav"},
        {"password", "dav-secret-7731"}, {"path", "files"}},
       "a/b", 90000,
       [&] { return file_bytes(dav.root() + "/files/a/b/90000"); }},
      {"s3",
       {{"type", "s3"}, {"host", "http://127.0.0.1"},
        {"port", std::to_string(s3.port())}, {"username", "S3RVER"},
        {"password", "S3RVER"}, {"bucket", "mirror"}, {"path", "pre"}},
       "one", 80000,
       [&] { return s3.object("mirror", "pre/one/80000"); }},
      // Above the threshold: a multipart upload of two parts.
      {"s3 multipart",
       {{"type", "s3"}, {"host", "http://127.0.0.1"},
        {"port", std::to_string(s3.port())}, {"username", "S3RVER"},
        {"password", "S3RVER"}, {"bucket", "mirror"}},
       "big", 7340032,
       [&] { return s3.object("mirror", "big/7340032"); }},
  };
  std::vector<std::pair<std::string, std::string>> started;
  for (auto& t : targets) {
    auto account = add_account(d, key, t.account);
    started.emplace_back(
        account, remote(d, key, o.url("/file/" + std::to_string(t.size)),
                        account, t.folder));
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    auto& t = targets[i];
    BOOST_TEST_CONTEXT(t.name) {
      auto body = await_end(d, key, started[i].second);
      BOOST_CHECK_EQUAL(json_field(body, "status.status"), "downloaded");
      BOOST_CHECK_EQUAL(push_field(body, "state"), "done");
      BOOST_CHECK_EQUAL(push_field(body, "bytes"), std::to_string(t.size));
      // The server has acknowledged every byte (an FTP 226, a 2xx); a
      // server process may close its file a moment after it answers.
      auto want = origin_content(t.size);
      auto deadline = std::chrono::steady_clock::now() + 10s;
      while (t.stored() != want && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
      BOOST_CHECK(t.stored() == want);
      BOOST_CHECK_EQUAL(usage_of(d, key, started[i].first), t.size);
    }
  }
  // The SFTP host key is pinned, and shown.
  BOOST_CHECK(has(post(d, "/api/remote/accounts", {}, key).body,
                  "\"hostKey\":\"SHA256:"));
  // No secret lies in clear in the data dir; the SSH key's body neither.
  auto stored = all_bytes(d.data_dir());
  for (auto* secret : {"ftp-secret-7731", "ftps-secret-7731", "dav-secret-7731"})
    BOOST_CHECK(!has(stored, secret));
  auto key_line = ssh_key.substr(ssh_key.find('\n') + 1, 60);
  BOOST_CHECK(!has(stored, key_line));
}

// An S3 account over TLS whose certificate only `push_ca_file` vouches
// for: the multipart and single requests of actors/s3_upload.cpp trust it.
BOOST_AUTO_TEST_CASE(an_s3_push_over_tls_trusts_push_ca_file) {
  scratch dir{"skyhaul-push-s3tls"};
  auto& root = dir.dir;
  origin o;
  run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
      " -addext subjectAltName=IP:127.0.0.1 -keyout "
      + root + "/tls.key -out " + root + "/tls.crt");
  s3rver s3{0, root + "/tls.crt", root + "/tls.key"};
  server_process d{{"--push-ca-file", root + "/tls.crt",
                    "--push-retry-base-ms", "200", "--push-max-tries", "2"}};
  d.start();
  auto key = d.admin().api_key;
  auto account = add_account(d, key,
                             {{"type", "s3"}, {"host", "https://127.0.0.1"},
                              {"port", std::to_string(s3.port())},
                              {"username", "S3RVER"}, {"password", "S3RVER"},
                              {"bucket", "mirror"}, {"path", "tls"}});
  auto body = await_end(d, key,
                        remote(d, key, o.url("/file/40000"), account, "in"));
  BOOST_CHECK_EQUAL(push_field(body, "state"), "done");
  BOOST_CHECK(s3.object("mirror", "tls/in/40000") == origin_content(40000));
}

BOOST_AUTO_TEST_CASE(a_changed_sftp_host_key_fails_the_push) {
  scratch dir{"skyhaul-push-key"};
  auto& root = dir.dir;
  origin o;
  run("ssh-keygen -q -t ecdsa -N '' -f " + root + "/host_key");
  run("ssh-keygen -q -t ecdsa -N '' -f " + root + "/other_host_key");
  run("ssh-keygen -q -t ecdsa -m PEM -N '' -f " + root + "/user_key");
  fs::create_directories(root + "/sftp");
  auto port = free_port();
  server_process d{{"--push-retry-base-ms", "200"}};
  d.start();
  auto key = d.admin().api_key;
  std::string account;
  {
    sshd_server sshd{root, port, root + "/host_key", root + "/user_key.pub"};
    account = add_account(d, key,
                          {{"type", "sftp"}, {"host", "127.0.0.1"},
                           {"port", std::to_string(port)},
                           {"username", user_name()},
                           {"sshKey", file_bytes(root + "/user_key")},
                           {"path", root + "/sftp"}});
    auto first = await_end(d, key,
                           remote(d, key, o.url("/file/1000"), account, ""));
    BOOST_CHECK_EQUAL(push_field(first, "state"), "done");
    BOOST_CHECK(file_bytes(root + "/sftp/1000") == origin_content(1000));
  }
  // Same address, another host key: the push fails at once, nothing lands.
  sshd_server other{root, port, root + "/other_host_key",
                    root + "/user_key.pub"};
  auto second = await_end(d, key,
                          remote(d, key, o.url("/file/2000"), account, ""));
  BOOST_CHECK_EQUAL(json_field(second, "status.status"), "error");
  BOOST_CHECK_EQUAL(push_field(second, "state"), "failed");
  BOOST_CHECK(has(push_field(second, "error"), "host key changed"));
  BOOST_CHECK_EQUAL(push_field(second, "tries"), "1");
  BOOST_CHECK(!fs::exists(root + "/sftp/2000"));
  BOOST_CHECK_EQUAL(usage_of(d, key, account), 1000u);
}

BOOST_AUTO_TEST_CASE(a_push_cut_by_kill_9_continues_after_restart) {
  scratch dir{"skyhaul-push-crash"};
  auto& root = dir.dir;
  origin o;
  fs::create_directories(root + "/ftp");
  // 1 MB/s: the 4 MB push takes four seconds, time to stop the daemon.
  ftp_server ftp{root + "/ftp", "pat", "pw", {}, {}, 1 << 20};
  server_process d{{"--push-retry-base-ms", "200"}};
  d.start();
  auto key = d.admin().api_key;
  auto account = add_account(d, key,
                             {{"type", "ftp"}, {"host", "127.0.0.1"},
                              {"port", std::to_string(ftp.port())},
                              {"username", "pat"}, {"password", "pw"}});
  const size_t size = 4 << 20;
  auto rid = remote(d, key, o.url("/file/" + std::to_string(size)), account,
                    "slow");
  auto path = root + "/ftp/slow/" + std::to_string(size);
  auto deadline = std::chrono::steady_clock::now() + 30s;
  std::error_code ec;
  while (!(fs::exists(path) && fs::file_size(path, ec) > 0)) {
    BOOST_REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(10ms);
  }
  d.crash();
  auto cut = fs::file_size(path, ec);
  BOOST_TEST_MESSAGE("stopped with " << cut << " bytes on the server");
  BOOST_REQUIRE(cut < size);
  d.start();
  auto body = await_end(d, key, rid);
  BOOST_CHECK_EQUAL(push_field(body, "state"), "done");
  BOOST_CHECK(file_bytes(path) == origin_content(size));
  BOOST_CHECK_EQUAL(usage_of(d, key, account), size);
}

BOOST_AUTO_TEST_CASE(an_s3_multipart_push_continues_its_upload_after_kill_9) {
  scratch dir{"skyhaul-push-resume"};
  origin o;
  s3rver s3;
  // The daemon reaches s3rver through a relay that passes 8 MiB/s of what
  // it sends: each 5 MiB part takes more than half a second, so the crash
  // lands in the middle of the 30 MiB file's six parts.
  child_process relay{{"/usr/bin/python3",
                       SKYHAUL_TEST_SUPPORT_DIR "/slow_relay.py",
                       std::to_string(s3.port()), "8388608"},
                      dir.dir + "/relay.log"};
  auto said = relay.await_log("port ");
  auto relay_port = std::to_string(std::stoi(said.substr(said.find("port ") + 5)));
  server_process d{{"--push-retry-base-ms", "200",
                    "--push-multipart-threshold", "6291456",
                    "--push-part-size", "5242880"}};
  d.start();
  auto key = d.admin().api_key;
  auto account = add_account(d, key,
                             {{"type", "s3"}, {"host", "http://127.0.0.1"},
                              {"port", relay_port}, {"username", "S3RVER"},
                              {"password", "S3RVER"}, {"bucket", "mirror"}});
  const size_t size = 30 << 20;
  auto rid = remote(d, key, o.url("/file/" + std::to_string(size)), account,
                    "big");
  // Once the second part is in, the first one's confirmation has long been
  // recorded.
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (s3.log_count("Stored part 2 of") == 0
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  d.crash();
  BOOST_REQUIRE_MESSAGE(s3.log_count("Stored part 2 of") == 1, s3.log());
  auto object = "big/" + std::to_string(size);
  BOOST_REQUIRE_MESSAGE(s3.object("mirror", object).empty(),
                        "the push ended before the crash");
  BOOST_CHECK_EQUAL(s3.open_uploads("mirror"), 1u);
  d.start();
  auto body = await_end(d, key, rid, 90s);
  BOOST_CHECK_EQUAL(push_field(body, "state"), "done");
  BOOST_CHECK(s3.object("mirror", object) == origin_content(size));
  // The restarted daemon continued the same upload: it did not send the
  // confirmed first part again, and left nothing open.
  auto log = s3.log();
  BOOST_CHECK_EQUAL(s3.log_count("Stored part 1 of"), 1u);
  BOOST_CHECK_EQUAL(s3.log_count("Stored part 6 of"), 1u);
  auto at = log.find("Stored part 1 of ") + 17;
  auto id = log.substr(at, log.find(' ', at) - at);
  BOOST_CHECK_EQUAL(s3.log_count("Stored part"),
                    s3.log_count(" of " + id + " "));
  BOOST_CHECK_EQUAL(s3.open_uploads("mirror"), 0u);
  BOOST_CHECK_EQUAL(usage_of(d, key, account), size);
}

BOOST_AUTO_TEST_CASE(the_network_policy_applies_to_account_hosts) {
  scratch dir{"skyhaul-push-policy"};
  origin o;
  fs::create_directories(dir.dir + "/ftp");
  // The origin (127.0.0.1) is let through; the account's host is not.
  ftp_server ftp{dir.dir + "/ftp", "pat", "pw", {}, {}, 0, "127.0.0.2"};
  server_process d{{"--allow-private-networks=false", "--allow-network",
                    "127.0.0.1/32", "--push-retry-base-ms", "200"}};
  d.start();
  auto key = d.admin().api_key;
  auto account = add_account(d, key,
                             {{"type", "ftp"}, {"host", "127.0.0.2"},
                              {"port", std::to_string(ftp.port())},
                              {"username", "pat"}, {"password", "pw"}});
  auto body = await_end(d, key,
                        remote(d, key, o.url("/file/1000"), account, ""));
  BOOST_CHECK_EQUAL(push_field(body, "state"), "failed");
  BOOST_CHECK_MESSAGE(has(push_field(body, "error"), "127.0.0.2"), body);
  // Refused for good: no retries.
  BOOST_CHECK_EQUAL(push_field(body, "tries"), "1");
  BOOST_CHECK(!fs::exists(dir.dir + "/ftp/1000"));
}
