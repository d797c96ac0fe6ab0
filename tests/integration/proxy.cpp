#define BOOST_TEST_MODULE proxy_integration
#include <boost/test/unit_test.hpp>

// Downloads through configured proxies in the real skyhauld: tinyproxy
// (HTTP) and microsocks (SOCKS5, with and without credentials), started
// here on free loopback ports with their own config and log files. Their
// logs prove which requests went through them, and which did not. The
// daemons run under a network policy (`--allow-network`, not
// `--allow-private-networks`), so the origin and proxy checks are live.

#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/swarm.hpp"
#include "tests/support/task_calls.hpp"
#include "tests/support/tls_servers.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

const char* const strict = "--allow-private-networks=false";

std::string slurp(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

/// A port nothing listens on at the moment (the kernel's pick).
uint16_t free_port(const std::string& host = "127.0.0.1") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool accepts(const std::string& host, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  auto ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

/// A proxy server run by the test: argv, output to `out`, killed at the
/// end. Ready once its port accepts (bounded).
struct proxy_process {
  scratch tmp{"skyhaul-proxy"};
  std::string host;
  uint16_t port;
  std::string out = tmp.dir + "/out.log";
  pid_t pid = -1;

  proxy_process(std::string host_)
      : host(std::move(host_)), port(free_port()) {}

  void run(std::vector<std::string> args) {
    pid = ::fork();
    if (pid == 0) {
      auto fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!accepts(host, port)) {
      BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                            args[0] << " did not start: " << slurp(out));
      std::this_thread::sleep_for(20ms);
    }
  }

  ~proxy_process() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

/// tinyproxy in the foreground with its own config and log file.
struct tinyproxy : proxy_process {
  std::string log_file = tmp.dir + "/tinyproxy.log";

  explicit tinyproxy(const std::string& host = "127.0.0.1")
      : proxy_process(host) {
    auto conf = tmp.dir + "/tinyproxy.conf";
    std::ofstream{conf} << "Port " << port << "\nListen " << host
                        << "\nTimeout 30\nLogFile \"" << log_file
                        << "\"\nLogLevel Info\nMaxClients 20\n"
                        << "Allow 127.0.0.0/8\n";
    run({"tinyproxy", "-d", "-c", conf});
  }

  std::string log() const {
    return slurp(log_file);
  }

  std::string url() const {
    return "http://" + host + ":" + std::to_string(port);
  }
};

/// microsocks, optionally with a user name and password; it logs every
/// connection it makes for a client ("connected to HOST:PORT").
struct microsocks : proxy_process {
  explicit microsocks(const std::string& user = {},
                      const std::string& password = {})
      : proxy_process("127.0.0.1") {
    std::vector<std::string> args
        = {"microsocks", "-i", host, "-p", std::to_string(port)};
    if (!user.empty())
      args.insert(args.end(), {"-u", user, "-P", password});
    run(args);
  }

  std::string log() const {
    return slurp(out);
  }

  std::string address() const {
    return host + ":" + std::to_string(port);
  }
};

/// A config file with `json` in a folder of its own.
struct config_file {
  scratch tmp{"skyhaul-proxy-config"};
  std::string path = tmp.dir + "/config.json";

  explicit config_file(const std::string& json) {
    std::ofstream{path} << json;
  }
};

std::string proxy_entry(const std::string& id, const std::string& url) {
  return R"({"id":")" + id + R"(","name":")" + id
         + R"(","region":"local","url":")" + url + R"("})";
}

/// `GET url` as a task (`extra`: more fields of the body); returns its
/// final status body.
std::string download(const server_process& d, const std::string& url,
                     const std::string& extra = {}) {
  auto tid = create(d, R"({"url":")" + url + "\"" + extra + "}");
  return d.await_status(tid, ended());
}

/// `url` on the origin's port with another host name or address.
std::string with_host(const origin& org, const std::string& host,
                      const std::string& path) {
  return "http://" + host + ":" + std::to_string(org.port()) + path;
}

} // namespace

BOOST_AUTO_TEST_CASE(an_http_proxy_carries_downloads_and_their_redirects) {
  origin org;
  tinyproxy tiny;
  config_file cfg{R"({"proxies":[)" + proxy_entry("tiny", tiny.url())
                  + R"(],"default_proxy":"tiny"})"};
  server_process d{
      {strict, "--allow-network", "127.0.0.0/8", "--config", cfg.path}};
  d.start();
  // The task checks the bytes it got against the origin's digest.
  auto body = download(d, org.url("/file/100000"),
                       R"(,"md5":")" + expected_digests(100000).md5 + "\"");
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  auto path = ":" + std::to_string(org.port()) + "/file/100000";
  BOOST_CHECK_MESSAGE(contains(tiny.log(), "GET http://127.0.0.1" + path),
                      tiny.log());
  // Two hops, each checked and followed through the proxy.
  body = download(d, org.url("/redirect/2"));
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  auto log = tiny.log();
  for (auto hop : {"/redirect/2", "/redirect/1", "/file/1024"})
    BOOST_CHECK_MESSAGE(contains(log, std::to_string(org.port()) + hop), hop);
}

BOOST_AUTO_TEST_CASE(socks5_proxies_carry_downloads) {
  origin org;
  microsocks open_socks;
  microsocks locked{"alice", "s3cret"};
  auto config = [&](const std::string& chosen) {
    return R"({"proxies":[)"
           + proxy_entry("remote-dns", "socks5h://" + open_socks.address())
           + ","
           + proxy_entry("local-dns",
                         "socks5://alice:s3cret@" + locked.address())
           + ","
           + proxy_entry("bad-pass", "socks5://alice:wrong@" + locked.address())
           + R"(],"default_proxy":")" + chosen + R"("})";
  };
  auto port = std::to_string(org.port());
  {
    config_file cfg{config("remote-dns")};
    server_process d{
        {strict, "--allow-network", "127.0.0.0/8", "--config", cfg.path}};
    d.start();
    // socks5h: the name goes to the proxy, which resolves it.
    auto body = download(d, with_host(org, "localhost", "/file/3000"));
    BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
    BOOST_CHECK_MESSAGE(
        contains(open_socks.log(), "connected to localhost:" + port),
        open_socks.log());
    BOOST_CHECK(!contains(locked.log(), "connected"));
  }
  {
    config_file cfg{config("local-dns")};
    server_process d{
        {strict, "--allow-network", "127.0.0.0/8", "--config", cfg.path}};
    d.start();
    // socks5: resolved here, handed over as the checked address.
    auto body = download(d, with_host(org, "localhost", "/file/4000"));
    BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
    BOOST_CHECK_MESSAGE(
        contains(locked.log(), "connected to 127.0.0.1:" + port), locked.log());
  }
  {
    // The credentials are the proxy's: wrong ones get nothing through.
    config_file cfg{config("bad-pass")};
    server_process d{{strict, "--allow-network", "127.0.0.0/8", "--config",
                      cfg.path, "--max-tries", "1"}};
    d.start();
    auto before = locked.log().size();
    auto body = download(d, with_host(org, "localhost", "/file/4001"));
    BOOST_CHECK_MESSAGE(state_of(body) == "failed", body);
    BOOST_CHECK(!contains(locked.log().substr(before), "connected to"));
    BOOST_CHECK(!contains(org.log(), "/file/4001"));
  }
}

BOOST_AUTO_TEST_CASE(a_task_chooses_its_proxy_over_the_default) {
  origin org;
  tinyproxy tiny;
  microsocks socks;
  config_file cfg{R"({"proxies":[)" + proxy_entry("tiny", tiny.url()) + ","
                  + proxy_entry("socks", "socks5://" + socks.address())
                  + R"(],"default_proxy":"tiny"})"};
  server_process d{
      {strict, "--allow-network", "127.0.0.0/8", "--config", cfg.path}};
  d.start();
  auto port = std::to_string(org.port());
  // The Task API's `proxy` field (beyond the seed) picks one.
  auto body = download(d, org.url("/file/801"), R"(,"proxy":"socks")");
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK_MESSAGE(contains(socks.log(), "connected to 127.0.0.1:" + port),
                      socks.log());
  BOOST_CHECK(!contains(tiny.log(), "/file/801"));
  // Without it, the default.
  body = download(d, org.url("/file/802"));
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK_MESSAGE(contains(tiny.log(), port + "/file/802"), tiny.log());
  // An id the configuration lacks fails the task when it fetches, and no
  // byte goes anywhere.
  body = download(d, org.url("/file/803"), R"(,"proxy":"nope")");
  BOOST_CHECK_MESSAGE(state_of(body) == "failed", body);
  BOOST_CHECK_MESSAGE(
      contains(json_field(body, "detail.error.message"), "unknown proxy 'nope'"),
      body);
  BOOST_CHECK(!contains(org.log(), "/file/803"));
  BOOST_CHECK(!contains(tiny.log(), "/file/803"));
}

BOOST_AUTO_TEST_CASE(a_download_without_a_proxy_goes_direct) {
  origin org;
  tinyproxy tiny;
  microsocks socks;
  config_file cfg{R"({"proxies":[)" + proxy_entry("tiny", tiny.url()) + ","
                  + proxy_entry("socks", "socks5://" + socks.address()) + "]}"};
  server_process d{
      {strict, "--allow-network", "127.0.0.0/8", "--config", cfg.path}};
  d.start();
  auto body = download(d, org.url("/file/7777"));
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK(contains(org.log(), "/file/7777"));
  BOOST_CHECK_MESSAGE(!contains(tiny.log(), "/file/7777"), tiny.log());
  // (Its readiness probe connects, but never sends a request.)
  BOOST_CHECK_MESSAGE(!contains(tiny.log(), "Request (file descriptor"),
                      tiny.log());
  BOOST_CHECK_MESSAGE(!contains(socks.log(), "connected"), socks.log());
}

BOOST_AUTO_TEST_CASE(the_origin_is_checked_before_the_proxy_sees_it) {
  origin org;
  tinyproxy tiny;
  microsocks socks;
  for (auto proxy : {"tiny", "socks"}) {
    BOOST_TEST_CONTEXT(proxy) {
      config_file cfg{R"({"proxies":[)" + proxy_entry("tiny", tiny.url()) + ","
                      + proxy_entry("socks", "socks5h://" + socks.address())
                      + R"(],"default_proxy":")" + proxy + R"("})"};
      // The proxies (and the origin) are on 127.0.0.1; 127.0.0.2 is not.
      server_process d{
          {strict, "--allow-network", "127.0.0.1/32", "--config", cfg.path}};
      d.start();
      auto body = download(d, with_host(org, "127.0.0.2", "/file/55"));
      BOOST_CHECK_MESSAGE(state_of(body) == "failed", body);
      BOOST_CHECK_EQUAL(json_field(body, "detail.error.code"), "blocked_address");
      BOOST_CHECK_MESSAGE(contains(json_field(body, "detail.error.message"),
                                   "refused to connect to 127.0.0.2"),
                          body);
      BOOST_CHECK(!contains(tiny.log(), "127.0.0.2"));
      BOOST_CHECK(!contains(socks.log(), "127.0.0.2"));
      // An allowed origin still goes through.
      body = download(d, org.url("/file/56"));
      BOOST_CHECK_MESSAGE(state_of(body) == "finished", body);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_proxy_address_is_checked_too) {
  origin org;
  tinyproxy tiny{"127.0.0.3"};
  config_file cfg{R"({"proxies":[)" + proxy_entry("far", tiny.url())
                  + R"(],"default_proxy":"far"})"};
  server_process d{
      {strict, "--allow-network", "127.0.0.1/32", "--config", cfg.path}};
  d.start();
  auto body = download(d, org.url("/file/57"));
  BOOST_CHECK_MESSAGE(state_of(body) == "failed", body);
  BOOST_CHECK_EQUAL(json_field(body, "detail.error.code"), "blocked_address");
  BOOST_CHECK_MESSAGE(contains(json_field(body, "detail.error.message"),
                               "proxy 'far': refused to connect to 127.0.0.3"),
                      body);
  BOOST_CHECK(!contains(tiny.log(), "Request (file descriptor"));
  BOOST_CHECK(!contains(org.log(), "/file/57"));
}

BOOST_AUTO_TEST_CASE(a_torrent_url_is_fetched_through_the_proxy) {
  scratch files{"skyhaul-proxy-files"};
  // A metainfo of one 5-byte file; no peer will ever have it.
  std::ofstream{files.dir + "/one.torrent", std::ios::binary}
      << "d4:infod6:lengthi5e4:name5:a.txt12:piece lengthi16384e6:pieces20:"
      << std::string(20, 'x') << "ee";
  origin org{files.dir};
  tinyproxy tiny;
  microsocks socks;
  auto proxies = R"({"proxies":[)" + proxy_entry("tiny", tiny.url()) + ","
                 + proxy_entry("socks", "socks5://" + socks.address()) + "],";
  auto torrent_url = org.url("/files/one.torrent");
  auto metainfo_or_end = [](const std::string& body) {
    return json_field(body, "detail.torrent.metadata") == "received"
           || ended()(body);
  };
  {
    config_file cfg{proxies + R"("default_proxy":"tiny"})"};
    server_process d{
        {strict, "--allow-network", "127.0.0.0/8", "--config", cfg.path}};
    d.start();
    auto tid = create(d, R"({"url":")" + torrent_url + R"("})");
    // Once the metainfo is in, the task shows the torrent's file.
    auto body = d.await_status(tid, metainfo_or_end);
    BOOST_CHECK_MESSAGE(json_field(body, "detail.torrent.metadata") == "received",
                        body);
    BOOST_CHECK_MESSAGE(contains(tiny.log(), "/files/one.torrent"), tiny.log());
  }
  {
    // A SOCKS5 proxy that is not the session's bt_proxy cannot carry the
    // peers: the task fails and says why, before any fetch.
    config_file cfg{proxies + R"("default_proxy":"socks"})"};
    server_process d{
        {strict, "--allow-network", "127.0.0.0/8", "--config", cfg.path}};
    d.start();
    auto body = d.await_status(create(d, R"({"url":")" + torrent_url + R"("})"),
                               ended());
    BOOST_CHECK_MESSAGE(state_of(body) == "failed", body);
    BOOST_CHECK_MESSAGE(contains(json_field(body, "detail.error.message"),
                                 "cannot carry a torrent's peers"),
                        body);
    BOOST_CHECK(!contains(socks.log(), "connected"));
  }
  {
    // As bt_proxy it carries the metainfo fetch (and the session's peers).
    config_file cfg{proxies + R"("default_proxy":"socks","bt_proxy":"socks"})"};
    server_process d{
        {strict, "--allow-network", "127.0.0.0/8", "--config", cfg.path}};
    d.start();
    auto tid = create(d, R"({"url":")" + torrent_url + R"("})");
    auto body = d.await_status(tid, metainfo_or_end);
    BOOST_CHECK_MESSAGE(json_field(body, "detail.torrent.metadata") == "received",
                        body);
    BOOST_CHECK_MESSAGE(contains(socks.log(), "connected to 127.0.0.1:"
                                                  + std::to_string(org.port())),
                        socks.log());
  }
}

/// An https origin: `openssl s_server -WWW` serving the files of its
/// folder under a throwaway self-signed certificate for 127.0.0.1.
struct tls_origin : proxy_process {
  explicit tls_origin(const std::string& body) : proxy_process("127.0.0.1") {
    std::ofstream{tmp.dir + "/f.bin", std::ios::binary} << body;
    auto key = tmp.dir + "/key.pem";
    auto cert = tmp.dir + "/cert.pem";
    auto make = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
                "/CN=127.0.0.1 -keyout " + key + " -out " + cert
                + " >/dev/null 2>&1";
    BOOST_REQUIRE_EQUAL(std::system(make.c_str()), 0);
    run({"sh", "-c",
         "cd " + tmp.dir + " && exec openssl s_server -quiet -WWW -accept "
             + host + ":" + std::to_string(port) + " -cert " + cert
             + " -key " + key});
  }

  std::string url(const std::string& path) const {
    return "https://" + host + ":" + std::to_string(port) + path;
  }
};

// An https source through an HTTP proxy: the proxy sees a CONNECT to the
// origin and nothing of the request inside, and TLS is verified end to end
// with the origin (so the test's self-signed certificate, which no CA
// signed, is refused: sources take the system's CAs).
BOOST_AUTO_TEST_CASE(an_https_source_goes_through_connect) {
  tls_origin tls{"secret bytes"};
  tinyproxy tiny;
  config_file cfg{R"({"proxies":[)" + proxy_entry("tiny", tiny.url())
                  + R"(],"default_proxy":"tiny"})"};
  server_process d{{strict, "--allow-network", "127.0.0.0/8", "--config",
                    cfg.path, "--max-tries", "1"}};
  d.start();
  auto body = download(d, tls.url("/f.bin"));
  BOOST_CHECK_MESSAGE(state_of(body) == "failed", body);
  auto why = json_field(body, "detail.error.message");
  BOOST_CHECK_MESSAGE(contains(why, "certificate") || contains(why, "SSL"),
                      body);
  auto log = tiny.log();
  BOOST_CHECK_MESSAGE(
      contains(log, "CONNECT 127.0.0.1:" + std::to_string(tls.port)), log);
  // The tunnel carried TLS: the proxy never saw the path inside it.
  BOOST_CHECK(!contains(log, "/f.bin"));
}

// The peers of a torrent go through bt_proxy: microsocks logs the
// connection to the seeder, and the download finishes through it.
BOOST_AUTO_TEST_CASE(torrent_peers_go_through_bt_proxy) {
  scratch s{"skyhaul-proxy-bt"};
  auto t = make_torrent(s.dir + "/data", "pack",
                        {{"pack/a.bin", 300000}, {"pack/b.bin", 70000}});
  seeder seed{t, s.dir + "/data"};
  microsocks socks;
  config_file cfg{R"({"proxies":[)"
                  + proxy_entry("socks", "socks5://" + socks.address())
                  + R"(],"bt_proxy":"socks"})"};
  server_process d{{strict, "--allow-network", "127.0.0.0/8", "--config",
                    cfg.path, "--bt-listen=127.0.0.1:0", "--bt-dht=false",
                    "--bt-lsd=false", "--bt-port-mapping=false"}};
  d.start();
  // A magnet link has nothing that needs escaping in JSON.
  auto magnet = t.magnet + "&x.pe=" + seed.peer();
  auto tid = create(d, R"({"url":")" + magnet + R"("})");
  auto body = d.await_status(tid, ended(), std::chrono::seconds(60));
  BOOST_CHECK_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK_MESSAGE(
      contains(socks.log(),
               "connected to 127.0.0.1:" + std::to_string(seed.port())),
      socks.log());
}

BOOST_AUTO_TEST_CASE(a_bad_proxy_fails_the_start_with_a_clear_message) {
  scratch data{"skyhaul-proxy-data"};
  for (auto [json, what] :
       {std::pair{R"({"proxies":[{"id":"x","url":"ftp://h:21"}]})",
                  "scheme must be http, https, socks5 or socks5h"},
        {R"({"proxies":[{"id":"x","url":"http://h"}]})", "needs a port"},
        {R"({"default_proxy":"nope"})", "no proxy has the id 'nope'"}}) {
    config_file cfg{json};
    auto cmd = std::string{SKYHAULD_PATH} + " --config " + cfg.path
               + " --data-dir " + data.dir + " --api 127.0.0.1:0"
               + " --offline 127.0.0.1:0 --s3 127.0.0.1:0 2>&1";
    auto* p = ::popen(cmd.c_str(), "r");
    BOOST_REQUIRE(p);
    std::string out;
    char buf[512];
    while (auto n = std::fread(buf, 1, sizeof buf, p))
      out.append(buf, n);
    auto rc = ::pclose(p);
    BOOST_CHECK_NE(rc, 0);
    BOOST_CHECK_MESSAGE(contains(out, what), out);
  }
}

// An https:// proxy (TLS to the proxy, verified against --proxy-ca-file):
// an http:// download goes to it as an absolute-form GET, and an https://
// source as a CONNECT whose tunnel carries TLS with the origin, verified
// against --source-ca-file. The proxy's log shows both.
BOOST_AUTO_TEST_CASE(an_https_proxy_carries_downloads) {
  scratch s{"skyhaul-proxy-tls"};
  test_ca ca{s.dir, "proxy-ca"};
  test_ca origin_ca{s.dir, "origin-ca"};
  tls_proxy proxy{s.dir, ca.issue("proxy")};
  origin org;
  config_file cfg{R"({"proxies":[)" + proxy_entry("tls", proxy.url())
                  + R"(],"default_proxy":"tls"})"};
  server_process d{{strict, "--allow-network", "127.0.0.0/8", "--config",
                    cfg.path, "--proxy-ca-file", ca.cert(), "--source-ca-file",
                    origin_ca.cert()}};
  d.start();
  auto config = d.api("GET", "/config").body;
  BOOST_CHECK_MESSAGE(
      contains(config, "\"proxy_ca_file\":\"" + ca.cert() + "\""), config);
  auto body = download(d, org.url("/file/100000"),
                       R"(,"md5":")" + expected_digests(100000).md5 + "\"");
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK_MESSAGE(
      contains(proxy.log(), "GET http://127.0.0.1:" + std::to_string(org.port())
                                + "/file/100000"),
      proxy.log());
  BOOST_CHECK_MESSAGE(contains(org.log(), "/file/100000"), org.log());
  // An https source: TLS inside the proxy's TLS, the origin's certificate
  // from another CA than the proxy's.
  auto cert = origin_ca.issue("origin");
  proxy_process tls("127.0.0.1");
  std::ofstream{tls.tmp.dir + "/f.bin", std::ios::binary} << "secret bytes";
  tls.run({"sh", "-c",
           "cd " + tls.tmp.dir
               + " && exec openssl s_server -quiet -WWW "
                 "-accept 127.0.0.1:"
               + std::to_string(tls.port) + " -cert " + cert.cert + " -key "
               + cert.key});
  auto https = "https://127.0.0.1:" + std::to_string(tls.port) + "/f.bin";
  body = download(d, https, R"(,"md5":"53be90a35260426938a6b78debc4bd23")");
  BOOST_CHECK_MESSAGE(state_of(body) == "finished", body);
  auto log = proxy.log();
  BOOST_CHECK_MESSAGE(
      contains(log, "CONNECT 127.0.0.1:" + std::to_string(tls.port)), log);
  BOOST_CHECK(!contains(log, "/f.bin"));
}

// Without --proxy-ca-file the proxy's certificate (of no CA the system
// knows) is refused: the task fails with the reason and the origin sees
// nothing.
BOOST_AUTO_TEST_CASE(an_https_proxy_with_an_untrusted_certificate_is_refused) {
  scratch s{"skyhaul-proxy-tls"};
  test_ca ca{s.dir, "proxy-ca"};
  tls_proxy proxy{s.dir, ca.issue("proxy")};
  origin org;
  config_file cfg{R"({"proxies":[)" + proxy_entry("tls", proxy.url())
                  + R"(],"default_proxy":"tls"})"};
  server_process d{{strict, "--allow-network", "127.0.0.0/8", "--config",
                    cfg.path, "--max-tries", "1"}};
  d.start();
  auto body = download(d, org.url("/file/2000"));
  BOOST_CHECK_MESSAGE(state_of(body) == "failed", body);
  auto why = json_field(body, "detail.error.message");
  BOOST_CHECK_MESSAGE(contains(why, "certificate"), body);
  BOOST_CHECK(!contains(org.log(), "/file/2000"));
  BOOST_CHECK(!contains(proxy.log(), "GET "));
}
