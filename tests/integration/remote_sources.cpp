#define BOOST_TEST_MODULE remote_sources_integration
#include <boost/test/unit_test.hpp>

// File sources through the real skyhauld against local servers: FTP and
// FTPS (pyftpdlib, tests/support/ftp_server.py; implicit TLS for ftps://,
// explicit for ftpes://) with a certificate of the test's own CA, and
// SFTP (OpenSSH's sshd, a key login as the current user). Each: a download
// verified by its digest, a resume by offset after kill -9, the password
// kept out of replies and logs; and a server the daemon must not trust
// (a certificate of another CA, a host key not in the known hosts) fails
// its task with a message that says why.

#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/push_servers.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/task_calls.hpp"
#include "tests/support/tls_servers.hpp"

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>
#include <chrono>
#include <csignal>

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* password = "ftp-pw-5519";

std::string field(const std::string& body, const std::string& name) {
  auto v = json_field(body, "detail." + name);
  return v.empty() ? json_field(body, "task." + name) : v;
}

auto ended_now() {
  return [](const std::string& b) {
    auto s = field(b, "state");
    return s == "finished" || s == "failed" || s == "cancelled";
  };
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

auto more_than(uint64_t n) {
  return [n](const std::string& b) {
    auto done = field(b, "done_bytes");
    return !done.empty() && std::stoull(done) > n;
  };
}

/// True when some match of `re` in `log` has a first group below `size`:
/// a transfer that sent only part of the file.
bool partial_read(const std::string& log, const std::regex& re, size_t size) {
  for (std::sregex_iterator i{log.begin(), log.end(), re}, end; i != end; ++i)
    if (std::stoull((*i)[1]) < size)
      return true;
  return false;
}

/// `password` nowhere in the task's replies or the daemon's log.
void check_hidden(const server_process& d, const std::string& tid,
                  const std::string& password) {
  for (auto path : {"/status", "/info"}) {
    auto body = d.api("GET", "/task/tid/" + tid + path).body;
    BOOST_CHECK_MESSAGE(body.find(password) == std::string::npos, body);
  }
  auto list = d.api("GET", "/task/list").body;
  BOOST_CHECK_MESSAGE(list.find(password) == std::string::npos, list);
  auto log = read_all(d.data_dir() + "/skyhauld.log");
  BOOST_CHECK_MESSAGE(log.find(password) == std::string::npos, log);
}

} // namespace

BOOST_AUTO_TEST_CASE(an_ftp_source_resumes_by_offset_after_kill_9) {
  scratch dir;
  auto root = dir.dir + "/ftp";
  std::filesystem::create_directories(root);
  const size_t size = 3 << 20;
  std::ofstream(root + "/src.bin") << origin_content(size);
  ftp_server ftp{root, "pat", password, {}, {}, 0, "127.0.0.1", 600000};
  server_process d;
  d.start();
  auto url = "ftp://pat:" + std::string{password} + "@127.0.0.1:"
             + std::to_string(ftp.port()) + "/src.bin";
  auto tid = create(d, R"({"url":")" + url + R"(","key":"ftp.bin","sha1":")"
                         + expected_digests(size).sha1 + R"("})");
  auto mid = d.await_status(tid, [](const std::string& b) {
    auto n = field(b, "done_bytes");
    return !n.empty() && std::stoull(n) > 700000;
  });
  BOOST_CHECK_EQUAL(field(mid, "total_bytes"), std::to_string(size));
  d.crash();
  d.start();
  auto body = d.await_status(tid, ended_now(), 40s);
  BOOST_REQUIRE_MESSAGE(field(body, "state") == "finished", body);
  auto info = d.api("GET", "/task/tid/" + tid + "/info").body;
  BOOST_CHECK(info.find(expected_digests(size).sha1) != std::string::npos);
  // pyftpdlib logs each RETR with the bytes it sent: after the restart
  // only what was missing.
  auto log = read_all(root + ".log");
  std::regex retr{R"(RETR \S+ completed=1 bytes=(\d+))"};
  bool resumed = false;
  for (std::sregex_iterator i{log.begin(), log.end(), retr}, end; i != end; ++i)
    resumed = resumed || std::stoull((*i)[1]) < size;
  BOOST_CHECK_MESSAGE(resumed, log);
}

BOOST_AUTO_TEST_CASE(a_missing_ftp_file_fails_and_no_reply_shows_the_password) {
  scratch dir;
  auto root = dir.dir + "/ftp";
  std::filesystem::create_directories(root);
  ftp_server ftp{root, "pat", password};
  server_process d;
  d.start();
  auto url = "ftp://pat:" + std::string{password} + "@127.0.0.1:"
             + std::to_string(ftp.port()) + "/nothing.bin";
  auto tid = create(d, R"({"url":")" + url + R"("})");
  auto body = d.await_status(tid, ended_now(), 30s);
  BOOST_CHECK_EQUAL(field(body, "state"), "failed");
  BOOST_CHECK_MESSAGE(body.find("no_such") != std::string::npos
                          || body.find("NoSuch") != std::string::npos
                          || body.find("not found") != std::string::npos,
                      body);
  auto list = d.api("GET", "/task/list").body;
  BOOST_CHECK(list.find(password) == std::string::npos);
  // Neither the full status nor the info shows it.
  BOOST_CHECK_MESSAGE(body.find(password) == std::string::npos, body);
  BOOST_CHECK(body.find("ftp://***@127.0.0.1:") != std::string::npos);
  auto info = d.api("GET", "/task/tid/" + tid + "/info").body;
  BOOST_CHECK_MESSAGE(info.find(password) == std::string::npos, info);
}

// ftps:// is implicit TLS and ftpes:// explicit (AUTH TLS), both verified
// against --source-ca-file: the servers' certificates come from the
// test's CA, which the system store does not hold.
BOOST_AUTO_TEST_CASE(ftps_and_ftpes_sources_trust_the_source_ca) {
  scratch dir;
  test_ca ca{dir.dir, "ca"};
  auto cert = ca.issue("ftps");
  const size_t size = 200000;
  for (auto root : {dir.dir + "/implicit", dir.dir + "/explicit"}) {
    std::filesystem::create_directories(root);
    std::ofstream(root + "/src.bin") << origin_content(size);
  }
  ftps_server implicit{dir.dir + "/implicit", "pat", password, cert, true};
  ftps_server expl{dir.dir + "/explicit", "pat", password, cert, false};
  server_process d{{"--source-ca-file", ca.cert()}};
  d.start();
  auto config = d.api("GET", "/config").body;
  BOOST_CHECK_MESSAGE(config.find("\"source_ca_file\":\"" + ca.cert() + "\"")
                          != std::string::npos,
                      config);
  struct source {
    std::string url;
    std::string log;
  };
  for (auto& [url, log] :
       {source{"ftps://pat:" + std::string{password} + "@127.0.0.1:"
                   + std::to_string(implicit.port()) + "/src.bin",
               dir.dir + "/implicit.log"},
        source{"ftpes://pat:" + std::string{password}
                   + "@127.0.0.1:" + std::to_string(expl.port()) + "/src.bin",
               dir.dir + "/explicit.log"}}) {
    auto tid = create(d, R"({"url":")" + url + R"(","sha1":")"
                             + expected_digests(size).sha1 + R"("})");
    auto body = d.await_status(tid, ended_now(), 30s);
    BOOST_REQUIRE_MESSAGE(field(body, "state") == "finished", url << body);
    auto text = read_all(log);
    // The server saw a TLS login: the control connection was secured
    // before USER (tls_control_required refuses USER otherwise).
    BOOST_CHECK_MESSAGE(text.find("USER 'pat' logged in") != std::string::npos,
                        text);
    BOOST_CHECK_MESSAGE(text.find("completed=1 bytes=" + std::to_string(size))
                            != std::string::npos,
                        text);
    check_hidden(d, tid, password);
  }
}

BOOST_AUTO_TEST_CASE(an_ftps_source_resumes_by_offset_after_kill_9) {
  scratch dir;
  test_ca ca{dir.dir, "ca"};
  auto root = dir.dir + "/ftp";
  std::filesystem::create_directories(root);
  const size_t size = 3 << 20;
  std::ofstream(root + "/src.bin") << origin_content(size);
  ftps_server ftps{root, "pat", password, ca.issue("ftps"), true, 600000};
  server_process d{{"--source-ca-file", ca.cert()}};
  d.start();
  auto url = "ftps://pat:" + std::string{password}
             + "@127.0.0.1:" + std::to_string(ftps.port()) + "/src.bin";
  auto tid = create(d, R"({"url":")" + url + R"(","sha1":")"
                           + expected_digests(size).sha1 + R"("})");
  auto mid = d.await_status(tid, more_than(700000));
  BOOST_REQUIRE_MESSAGE(more_than(700000)(mid), mid);
  d.crash();
  d.start();
  auto body = d.await_status(tid, ended_now(), 40s);
  BOOST_REQUIRE_MESSAGE(field(body, "state") == "finished", body);
  auto info = d.api("GET", "/task/tid/" + tid + "/info").body;
  BOOST_CHECK(info.find(expected_digests(size).sha1) != std::string::npos);
  // After the restart the server sent only what was missing (a REST).
  auto log = read_all(root + ".log");
  BOOST_CHECK_MESSAGE(
      partial_read(log, std::regex{R"(RETR \S+ completed=1 bytes=(\d+))"},
                   size),
      log);
  check_hidden(d, tid, password);
}

// A certificate the configured CA did not sign is refused, over implicit
// and explicit TLS, at once (not retried: the same server shows the same
// certificate), and the password never goes out.
BOOST_AUTO_TEST_CASE(an_ftps_certificate_of_another_ca_is_refused) {
  scratch dir;
  test_ca ca{dir.dir, "ca"};
  test_ca other{dir.dir, "other"};
  auto cert = other.issue("ftps");
  for (auto root : {dir.dir + "/implicit", dir.dir + "/explicit"}) {
    std::filesystem::create_directories(root);
    std::ofstream(root + "/src.bin") << origin_content(1000);
  }
  ftps_server implicit{dir.dir + "/implicit", "pat", password, cert, true};
  ftps_server expl{dir.dir + "/explicit", "pat", password, cert, false};
  server_process d{{"--source-ca-file", ca.cert()}};
  d.start();
  for (auto url : {"ftps://pat:" + std::string{password} + "@127.0.0.1:"
                       + std::to_string(implicit.port()) + "/src.bin",
                   "ftpes://pat:" + std::string{password} + "@127.0.0.1:"
                       + std::to_string(expl.port()) + "/src.bin"}) {
    auto tid = create(d, R"({"url":")" + url + R"("})");
    auto body = d.await_status(tid, ended_now(), 30s);
    BOOST_CHECK_MESSAGE(field(body, "state") == "failed", body);
    auto why = json_field(body, "detail.error.message");
    BOOST_CHECK_MESSAGE(why.find("cannot be verified") != std::string::npos
                            && why.find("certificate") != std::string::npos,
                        body);
    check_hidden(d, tid, password);
  }
  for (auto log : {dir.dir + "/implicit.log", dir.dir + "/explicit.log"}) {
    auto text = read_all(log);
    BOOST_CHECK_MESSAGE(text.find("logged in") == std::string::npos, text);
    // One try each.
    auto opened = text.find("session opened");
    BOOST_CHECK_MESSAGE(opened != std::string::npos
                            && text.find("session opened", opened + 1)
                                   == std::string::npos,
                        text);
  }
}

BOOST_AUTO_TEST_CASE(an_sftp_source_resumes_by_offset_after_kill_9) {
  scratch dir;
  sftp_server sshd{dir.dir};
  std::ofstream{dir.dir + "/known_hosts"} << sshd.known_hosts_line();
  // Larger than what the first session can read ahead into the socket
  // buffers before the kill.
  const size_t size = 12 << 20;
  auto src = dir.dir + "/src.bin";
  std::ofstream(src) << origin_content(size);
  // The password is never needed (the key logs in first), and never shown.
  const std::string secret = "sftp-pw-8824";
  auto url = "sftp://" + current_user() + ":" + secret
             + "@127.0.0.1:" + std::to_string(sshd.port()) + src;
  // sshd has no throttle: the daemon's own rate limit keeps the transfer
  // going long enough to be killed in the middle. curl checks that limit
  // only between its turns, and in one turn it reads an SFTP source until
  // libssh2 runs dry, up to 100 buffers: the daemon sizes the buffer so a
  // turn holds about a second of the limit (sftp_buffer_size; with the
  // 512 KiB buffer of HTTP, a turn took the whole file). Should the whole
  // file still be in before the kill, nothing is left to resume, and the
  // case starts again with a fresh daemon, at most three times.
  std::unique_ptr<server_process> run;
  std::string tid;
  std::string mid;
  auto mid_way = [&] {
    auto done = field(mid, "done_bytes");
    return field(mid, "state") == "downloading" && !done.empty()
           && std::stoull(done) < size;
  };
  int attempt = 0;
  for (; attempt < 3 && !mid_way(); ++attempt) {
    run = std::make_unique<server_process>(std::vector<std::string>{
        "--source-known-hosts", dir.dir + "/known_hosts", "--source-ssh-key",
        sshd.user_key(), "--task-rate-limit", "1500000"});
    run->start();
    tid = create(*run, R"({"url":")" + url + R"(","sha1":")"
                           + expected_digests(size).sha1 + R"("})");
    mid = run->await_status(tid, more_than(700000));
  }
  auto& d = *run;
  BOOST_REQUIRE_MESSAGE(more_than(700000)(mid), mid << sshd.log());
  BOOST_REQUIRE_MESSAGE(mid_way(), mid);
  BOOST_TEST_MESSAGE("killed mid-way at attempt " << attempt << ": " << mid);
  BOOST_CHECK_EQUAL(field(mid, "total_bytes"), std::to_string(size));
  d.crash();
  d.start();
  auto body = d.await_status(tid, ended_now(), 40s);
  BOOST_REQUIRE_MESSAGE(field(body, "state") == "finished", body << sshd.log());
  auto info = d.api("GET", "/task/tid/" + tid + "/info").body;
  BOOST_CHECK(info.find(expected_digests(size).sha1) != std::string::npos);
  check_hidden(d, tid, secret);
  // The sftp subsystem logs what it read of each file it closed: the
  // resumed session read only the rest, from the offset on disk. The
  // first session may have read the whole file ahead into the socket
  // buffers before the kill; the resumed one closes when the daemon
  // drops its cached connection, at its stop.
  d.stop(SIGTERM);
  std::regex read{"close \"" + src + "\" bytes read (\\d+)"};
  auto deadline = std::chrono::steady_clock::now() + 10s;
  auto log = sshd.log();
  while (!partial_read(log, read, size)
         && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    log = sshd.log();
  }
  BOOST_CHECK_MESSAGE(partial_read(log, read, size),
                      log << "\nat the kill: " << mid << "\nthe daemon's log: "
                          << (std::stringstream{} << std::ifstream{d.data_dir() + "/skyhauld.log"}.rdbuf()).str());
}

// A host key not in the known hosts file, or another than the one there,
// fails the task at once with a message that names the file; the login
// never happens.
BOOST_AUTO_TEST_CASE(an_sftp_host_key_not_in_known_hosts_is_refused) {
  scratch dir;
  sftp_server sshd{dir.dir};
  std::ofstream(dir.dir + "/src.bin") << origin_content(1000);
  auto known = dir.dir + "/known_hosts";
  std::ofstream{known} << "[127.0.0.1]:1 "
                       << sshd.known_hosts_line().substr(
                              sshd.known_hosts_line().find(' ') + 1);
  server_process d{
      {"--source-known-hosts", known, "--source-ssh-key", sshd.user_key()}};
  d.start();
  auto url = "sftp://" + current_user() + "@127.0.0.1:"
             + std::to_string(sshd.port()) + dir.dir + "/src.bin";
  auto tid = create(d, R"({"url":")" + url + R"("})");
  auto body = d.await_status(tid, ended_now(), 30s);
  BOOST_CHECK_MESSAGE(field(body, "state") == "failed", body);
  auto why = json_field(body, "detail.error.message");
  BOOST_CHECK_MESSAGE(why.find("is not in the known hosts file " + known)
                          != std::string::npos,
                      body);
  // The right host with another key: a mismatch.
  run("ssh-keygen -q -t ed25519 -N '' -f " + dir.dir + "/impostor");
  auto pub = file_bytes(dir.dir + "/impostor.pub");
  std::ofstream{known} << "[127.0.0.1]:" << sshd.port() << " "
                       << pub.substr(0, pub.find(' ', pub.find(' ') + 1))
                       << "\n";
  tid = create(d, R"({"url":")" + url + R"("})");
  body = d.await_status(tid, ended_now(), 30s);
  BOOST_CHECK_MESSAGE(field(body, "state") == "failed", body);
  why = json_field(body, "detail.error.message");
  BOOST_CHECK_MESSAGE(why.find("differs from the one in the known hosts file")
                          != std::string::npos,
                      body);
  auto log = sshd.log();
  BOOST_CHECK_MESSAGE(log.find("Accepted publickey") == std::string::npos, log);
}

// The network policy holds for file sources as for HTTP: under a daemon
// that allows no private address, loopback FTPS and SFTP servers are
// refused before any byte goes to them.
BOOST_AUTO_TEST_CASE(file_sources_at_private_addresses_are_refused) {
  scratch dir;
  test_ca ca{dir.dir, "ca"};
  auto root = dir.dir + "/ftp";
  std::filesystem::create_directories(root);
  std::ofstream(root + "/src.bin") << origin_content(1000);
  ftps_server ftps{root, "pat", password, ca.issue("ftps"), true};
  sftp_server sshd{dir.dir};
  std::ofstream{dir.dir + "/known_hosts"} << sshd.known_hosts_line();
  server_process d{{"--allow-private-networks=false", "--source-ca-file",
                    ca.cert(), "--source-known-hosts", dir.dir + "/known_hosts",
                    "--source-ssh-key", sshd.user_key()}};
  d.start();
  for (auto url : {"ftps://pat:" + std::string{password} + "@127.0.0.1:"
                       + std::to_string(ftps.port()) + "/src.bin",
                   "sftp://" + current_user() + "@127.0.0.1:"
                       + std::to_string(sshd.port()) + root + "/src.bin"}) {
    auto tid = create(d, R"({"url":")" + url + R"("})");
    auto body = d.await_status(tid, ended_now(), 30s);
    BOOST_CHECK_MESSAGE(field(body, "state") == "failed", body);
    BOOST_CHECK_MESSAGE(body.find("private networks are not allowed")
                            != std::string::npos,
                        body);
  }
  BOOST_CHECK(read_all(root + ".log").find("session opened")
              == std::string::npos);
  BOOST_CHECK(sshd.log().find("Accepted") == std::string::npos);
}
