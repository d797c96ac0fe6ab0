#define BOOST_TEST_MODULE publish_integration
#include <boost/test/unit_test.hpp>

// skyhauld --publish against a second process (examples/remote): with a
// client certificate of the configured CA it creates a task, reads its
// status until it finished and receives its events through the
// subscription; another user's key sees nothing of it, a wrong key is
// refused; a certificate of another CA and no certificate at all do not
// get a connection; and a start without a CA refuses to publish.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/scratch.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

struct run_result {
  int code = -1;
  /// stdout and stderr together.
  std::string out;
};

/// Runs the remote client with `args`; killed after `limit`.
run_result run_remote(const std::vector<std::string>& args,
                      std::chrono::seconds limit = 60s) {
  int out[2];
  BOOST_REQUIRE(::pipe(out) == 0);
  auto pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<std::string> all{SKYHAUL_REMOTE_PATH};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  run_result r;
  auto deadline = std::chrono::steady_clock::now() + limit;
  bool open = true;
  while (open && std::chrono::steady_clock::now() < deadline) {
    pollfd fd{out[0], POLLIN, 0};
    if (::poll(&fd, 1, 200) <= 0)
      continue;
    char buf[4096];
    auto n = ::read(out[0], buf, sizeof buf);
    if (n <= 0)
      open = false;
    else
      r.out.append(buf, static_cast<size_t>(n));
  }
  if (open)
    ::kill(pid, SIGKILL);
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

void sh(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("failed: " + cmd);
}

/// A CA, and certificates it signed, made with the openssl CLI in `dir`.
struct pki {
  std::string dir;

  std::string path(const std::string& name) const {
    return dir + "/" + name;
  }

  /// `NAME.pem` and `NAME.key`, self-signed as a CA.
  void ca(const std::string& name) {
    sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
       "-nodes -days 2 -subj /CN=" + name + " -keyout " + path(name + ".key")
       + " -out " + path(name + ".pem") + " 2>/dev/null");
  }

  /// `NAME.pem` and `NAME.key`, signed by CA `by`.
  void leaf(const std::string& name, const std::string& by) {
    sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
       "-subj /CN=" + name + " -keyout " + path(name + ".key") + " -out "
       + path(name + ".csr") + " 2>/dev/null");
    sh("openssl x509 -req -days 2 -in " + path(name + ".csr") + " -CA "
       + path(by + ".pem") + " -CAkey " + path(by + ".key")
       + " -CAcreateserial -out " + path(name + ".pem") + " 2>/dev/null");
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

struct fixture {
  scratch tmp{"skyhaul-publish"};
  pki certs{tmp.dir};
  origin org;
  std::unique_ptr<server_process> d;
  std::string host, port;

  fixture() {
    certs.ca("ca");
    certs.leaf("server", "ca");
    certs.leaf("client", "ca");
    certs.ca("other-ca");
    certs.leaf("stranger", "other-ca");
    d = std::make_unique<server_process>(std::vector<std::string>{
      "--publish", "127.0.0.1:0", "--publish-cert", certs.path("server.pem"),
      "--publish-key", certs.path("server.key"), "--publish-ca",
      certs.path("ca.pem")});
    d->start();
    auto bound = json_field(read_file(d->data_dir() + "/listen.json"),
                            "publish");
    auto colon = bound.rfind(':');
    BOOST_REQUIRE_MESSAGE(colon != std::string::npos,
                          "listen.json names no publish port: " + bound);
    host = bound.substr(0, colon);
    port = bound.substr(colon + 1);
    BOOST_REQUIRE_EQUAL(host, "127.0.0.1");
    BOOST_REQUIRE_NE(port, "0");
  }

  /// The client with `cert` and its key, trusting the server's CA; with an
  /// empty `cert`, no files at all (CAF's anonymous TLS).
  run_result remote(const std::string& cert, const std::string& api_key,
                    std::vector<std::string> command) {
    std::vector<std::string> args{host, port, "--api-key", api_key};
    if (!cert.empty()) {
      args.insert(args.end(), {"--ca", certs.path("ca.pem"), "--cert",
                               certs.path(cert + ".pem"), "--key",
                               certs.path(cert + ".key")});
    }
    args.insert(args.end(), command.begin(), command.end());
    return run_remote(args);
  }
};

bool has_line(const std::string& out, const std::string& line) {
  std::istringstream in{out};
  for (std::string l; std::getline(in, l);)
    if (l == line)
      return true;
  return false;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(publish, fixture)

BOOST_AUTO_TEST_CASE(a_client_with_a_good_certificate_drives_its_users_tasks) {
  auto alice = d->add_user("alice");
  auto bob = d->add_user("bob");
  size_t size = 300000;
  auto sha1 = expected_digests(size).sha1;
  auto r = remote("client", alice.api_key,
                  {"fetch", org.url("/file/" + std::to_string(size)), sha1});
  BOOST_TEST_MESSAGE(r.out);
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  // The status was read until it finished ...
  BOOST_CHECK(has_line(r.out, "status finished"));
  BOOST_CHECK(has_line(r.out, "file remote.bin " + std::to_string(size) + " "
                                + sha1));
  // ... and the events came through the subscription, in order.
  auto created = r.out.find("event task.created");
  auto file = r.out.find("event task.file remote.bin");
  auto finished = r.out.find("event task.state finished");
  BOOST_CHECK(created != std::string::npos);
  BOOST_CHECK(file != std::string::npos);
  BOOST_CHECK(finished != std::string::npos);
  BOOST_CHECK(created < file && file < finished);
  auto tid_at = r.out.find("task ");
  BOOST_REQUIRE(tid_at != std::string::npos);
  auto tid = r.out.substr(tid_at + 5, 20);
  // The task is alice's, as the Task API sees it too.
  auto st = d->api("GET", "/task/tid/" + tid + "/status", {}, alice.api_key);
  BOOST_CHECK_EQUAL(st.status, 200);
  BOOST_CHECK_EQUAL(json_field(st.body, "detail.state"), "finished");
  // Alice reads it remotely; bob does not see it; a wrong key gets nothing.
  auto mine = remote("client", alice.api_key, {"status", tid});
  BOOST_CHECK_EQUAL(mine.code, 0);
  BOOST_CHECK(has_line(mine.out, "state finished"));
  auto theirs = remote("client", bob.api_key, {"status", tid});
  BOOST_CHECK_EQUAL(theirs.code, 1);
  BOOST_CHECK_MESSAGE(theirs.out.rfind("error not_found", 0) == 0,
                      theirs.out);
  auto wrong = remote("client", "sk_not-a-key", {"status", tid});
  BOOST_CHECK_EQUAL(wrong.code, 1);
  BOOST_CHECK_MESSAGE(wrong.out.rfind("error unauthenticated", 0) == 0,
                      wrong.out);
  // A bad spec is refused by the Task API's rules.
  auto bad = remote("client", alice.api_key, {"fetch", "gopher://x/y"});
  BOOST_CHECK_EQUAL(bad.code, 1);
  BOOST_CHECK_MESSAGE(bad.out.find("error invalid_uri") != std::string::npos,
                      bad.out);
  // The daemon stops cleanly with the interface published.
  BOOST_CHECK_EQUAL(d->stop(SIGTERM), 0);
}

BOOST_AUTO_TEST_CASE(a_certificate_of_another_ca_gets_no_connection) {
  auto alice = d->add_user("alice");
  auto r = remote("stranger", alice.api_key,
                  {"status", "00000000000000000001"});
  BOOST_CHECK_MESSAGE(r.code == 3, r.out);
  BOOST_CHECK_MESSAGE(r.out.rfind("cannot connect", 0) == 0, r.out);
  // The daemon serves on: a good client still gets in.
  auto ok = remote("client", alice.api_key,
                   {"status", "00000000000000000001"});
  BOOST_CHECK_MESSAGE(ok.out.rfind("error not_found", 0) == 0, ok.out);
}

BOOST_AUTO_TEST_CASE(no_certificate_gets_no_connection) {
  auto alice = d->add_user("alice");
  auto r = remote("", alice.api_key, {"status", "00000000000000000001"});
  BOOST_CHECK_MESSAGE(r.code == 3, r.out);
  BOOST_CHECK_MESSAGE(r.out.rfind("cannot connect", 0) == 0, r.out);
}

BOOST_AUTO_TEST_CASE(publishing_without_a_ca_is_refused_at_start) {
  server_process bare{{"--publish", "127.0.0.1:0", "--publish-cert",
                       certs.path("server.pem"), "--publish-key",
                       certs.path("server.key")}};
  try {
    bare.start();
    BOOST_FAIL("skyhauld started publishing without a client CA");
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    BOOST_CHECK_MESSAGE(what.find("--publish needs --publish-ca") !=
                          std::string::npos,
                        what);
  }
}

BOOST_AUTO_TEST_SUITE_END()
