#define BOOST_TEST_MODULE fd_budget_integration
#include <boost/test/unit_test.hpp>

// The descriptor budget through the real skyhauld: a daemon started with
// a few dozen descriptors more than it needs idle runs many more
// transfers than fit at once. Those that find no descriptor (EMFILE) for
// their socket or file wait and go on later: every task finishes
// byte-exact, none fails, and the log says why they waited.

#include "storage/digest.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/task_calls.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The pid of the skyhauld serving `data_dir` (its command line names it).
pid_t daemon_pid(const std::string& data_dir) {
  pid_t found = -1;
  if (auto* d = ::opendir("/proc")) {
    while (auto* e = ::readdir(d)) {
      auto pid = std::atoi(e->d_name);
      if (pid <= 0)
        continue;
      auto cmd = read_file("/proc/" + std::to_string(pid) + "/cmdline");
      if (cmd.find("skyhauld") != std::string::npos
          && cmd.find(data_dir) != std::string::npos)
        found = pid;
    }
    ::closedir(d);
  }
  return found;
}

size_t open_fds(pid_t pid) {
  size_t n = 0;
  if (auto* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (auto* e = ::readdir(d))
      if (e->d_name[0] != '.')
        ++n;
    ::closedir(d);
  }
  return n;
}

/// Descriptors an idle skyhauld holds, measured on one of its own.
size_t idle_daemon_fds() {
  server_process probe;
  probe.start();
  auto pid = daemon_pid(probe.data_dir());
  BOOST_REQUIRE(pid > 0);
  // The last threads and listeners open within a moment of listen.json.
  size_t most = 0;
  for (int i = 0; i < 10; ++i) {
    most = std::max(most, open_fds(pid));
    std::this_thread::sleep_for(50ms);
  }
  return most;
}

std::string sha1_of(const std::string& data) {
  skyhaul::storage::digest_set ds;
  ds.update(data.data(), data.size());
  return ds.finish().sha1;
}

/// Waits (bounded) until `pred()` holds.
template <class Pred>
bool eventually(Pred pred, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

/// User plus system CPU time of `pid` so far, in clock ticks.
long cpu_ticks(pid_t pid) {
  auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(stat.substr(stat.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14)
      utime = std::stol(field);
    if (i == 15)
      stime = std::stol(field);
  }
  return utime + stime;
}

/// A TCP connection to 127.0.0.1:`port` that sends nothing; -1 on failure.
int hold_connection(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(s);
    return -1;
  }
  return s;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_download_that_finds_no_descriptor_to_finish_waits) {
  origin org;
  server_process d{{"--split=1"}};
  d.start();
  auto pid = daemon_pid(d.data_dir());
  BOOST_REQUIRE(pid > 0);
  auto api = d.url("api");
  auto port = std::stoi(api.substr(api.rfind(':') + 1));
  // 300,000 bytes at 100,000 B/s: about three seconds of transfer.
  constexpr size_t size = 300000;
  auto tid = create(d, R"({"url":")" + org.url("/slow/300000?bps=100000")
                           + R"(","bucket":"fdwait","key":"k"})");
  auto body = d.await_status(tid, [](const std::string& b) {
    auto n = json_field(b, "detail.done_bytes");
    return !n.empty() && n != "0";
  });
  BOOST_REQUIRE_MESSAGE(json_field(body, "detail.done_bytes") != "0", body);
  BOOST_REQUIRE(json_field(body, "detail.state") == "downloading");

  // The daemon's soft limit drops below every descriptor it holds but
  // the standard three (the download's socket and file among them): no
  // open can succeed, even once the transfer gives its socket back. When
  // the transfer ends, its fsync finds no descriptor. The kernel hands
  // out the lowest free number and refuses one at or above the limit, so
  // the limit is set by number, not by count: a limit of the count less
  // a few still lets an open into any hole an earlier close left below it.
  rlimit was{};
  BOOST_REQUIRE(::prlimit(pid, RLIMIT_NOFILE, nullptr, &was) == 0);
  rlimit lim = was;
  lim.rlim_cur = 3;
  BOOST_REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &lim, nullptr) == 0);
  auto log_path = d.data_dir() + "/skyhauld.log";
  auto log_has = [&](const std::string& text) {
    return read_file(log_path).find(text) != std::string::npos;
  };
  if (!eventually([&] { return log_has("waits for a file descriptor to finish"); },
                  30s)) {
    // The limit back first, so that the status can be asked for.
    ::prlimit(pid, RLIMIT_NOFILE, &was, nullptr);
    BOOST_FAIL("no wait for a descriptor in the log: "
               << read_file(log_path) << "\nthe task: "
               << d.api("GET", "/task/tid/" + tid + "/status").body);
  }
  // A connection to the API waits in the backlog: its accept fails, and
  // the listener waits between tries instead of spending a core on them.
  auto pending = hold_connection(port);
  BOOST_REQUIRE(pending >= 0);
  BOOST_REQUIRE_MESSAGE(
      eventually([&] { return log_has("cannot accept a connection"); }, 10s),
      read_file(log_path));
  auto before = cpu_ticks(pid);
  std::this_thread::sleep_for(1s);
  BOOST_CHECK_LT(cpu_ticks(pid) - before, sysconf(_SC_CLK_TCK) / 2);

  // Descriptors again: the task finishes, byte-exact, and the listener
  // takes the waiting connection.
  BOOST_REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &was, nullptr) == 0);
  body = d.await_status(tid, ended());
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  auto want = expected_digests(size).sha1;
  BOOST_CHECK_EQUAL(json_field(body, "detail.files.0.sha1"), want);
  auto blob = d.data_dir() + "/blobs/" + want.substr(0, 2) + "/" + want;
  BOOST_CHECK_EQUAL(sha1_of(read_file(blob)), want);
  BOOST_CHECK(eventually([&] { return log_has("accepting connections on"); },
                         10s));
  ::close(pending);
}

BOOST_AUTO_TEST_CASE(more_transfers_than_descriptors_all_finish) {
  // The origin keeps this process's limit; skyhauld inherits a lower one.
  origin org;
  auto idle = idle_daemon_fds();
  // Beyond the reserve kept for finishing (actors/fd_budget.hpp), 32
  // descriptors for transfers.
  constexpr size_t headroom = 64;
  rlimit lim{};
  lim.rlim_cur = lim.rlim_max = idle + headroom;
  BOOST_REQUIRE(::setrlimit(RLIMIT_NOFILE, &lim) == 0);
  server_process d{{"--max-active=200", "--split=1"}};
  d.start();
  auto pid = daemon_pid(d.data_dir());
  BOOST_REQUIRE(pid > 0);

  // Over four times as many transfers as there are descriptors for them,
  // each slow enough (about a second) to overlap the others; some pass a
  // chunk boundary (1 MiB), so their writes borrow descriptors too.
  // All submitted with one batch, so they start together.
  constexpr size_t tasks = 144;
  std::vector<size_t> sizes;
  std::string specs;
  for (size_t i = 0; i < tasks; ++i) {
    sizes.push_back(200000 + (i % 4) * 450000 + i);
    auto path = "/slow/" + std::to_string(sizes.back()) + "?bps=400000";
    specs += std::string(i ? "," : "") + R"({"url":")" + org.url(path)
             + R"(","bucket":"fdbudget","key":"k)" + std::to_string(i)
             + R"("})";
  }
  auto made = d.api("POST", "/task/batch/create", R"({"tasks":[)" + specs
                                                      + "]}");
  BOOST_REQUIRE_MESSAGE(made.status == 200, made.body);
  BOOST_REQUIRE_EQUAL(json_field(made.body, "failed"), "0");
  std::vector<std::string> tids;
  for (size_t i = 0; i < tasks; ++i) {
    tids.push_back(json_field(made.body, "detail." + std::to_string(i) + ".tid"));
    BOOST_REQUIRE_EQUAL(tids.back().size(), 20u);
  }
  // The last of them waits its turn, and its status says so instead of
  // showing a download at no speed.
  std::string waiting;
  auto shows_wait = [&] {
    return json_field(waiting, "detail.waiting_for") == "file_descriptor";
  };
  BOOST_CHECK_MESSAGE(
      eventually(
          [&] {
            waiting = d.api("GET", "/task/tid/" + tids.back() + "/status").body;
            return shows_wait() || ended()(waiting);
          },
          20s)
          && shows_wait() && state_of(waiting) == "downloading"
          && json_field(waiting, "detail.speed") == "0",
      waiting);
  size_t most_fds = 0;
  auto deadline = std::chrono::steady_clock::now() + 50s;
  for (size_t i = 0; i < tasks; ++i) {
    std::string body;
    for (;;) {
      most_fds = std::max(most_fds, open_fds(pid));
      body = d.api("GET", "/task/tid/" + tids[i] + "/status").body;
      if (ended()(body) || std::chrono::steady_clock::now() > deadline)
        break;
      std::this_thread::sleep_for(20ms);
    }
    BOOST_REQUIRE_MESSAGE(state_of(body) == "finished",
                          "task " << i << ": " << body);
    BOOST_CHECK_MESSAGE(json_field(body, "detail.waiting_for").empty(), body);
  }
  // Its log kept why it waited.
  auto last = d.api("GET", "/task/tid/" + tids.back() + "/status").body;
  BOOST_CHECK_MESSAGE(
      last.find("waits for a file descriptor: ") != std::string::npos, last);
  // Byte-exact: the stored objects, read from disk.
  for (size_t i = 0; i < tasks; ++i) {
    auto want = expected_digests(sizes[i]).sha1;
    auto info = d.api("GET", "/task/tid/" + tids[i] + "/info").body;
    BOOST_CHECK_MESSAGE(info.find(want) != std::string::npos, info);
    auto blob = d.data_dir() + "/blobs/" + want.substr(0, 2) + "/" + want;
    auto bytes = read_file(blob);
    BOOST_CHECK_EQUAL(bytes.size(), sizes[i]);
    BOOST_CHECK_EQUAL(sha1_of(bytes), want);
  }
  auto counts = d.api("GET", "/task/state_counter").body;
  BOOST_CHECK_EQUAL(json_field(counts, "detail.failed"), "0");
  BOOST_CHECK_EQUAL(json_field(counts, "detail.finished"),
                    std::to_string(tasks));
  // They did run out, and waited instead of failing.
  auto log = read_file(d.data_dir() + "/skyhauld.log");
  BOOST_CHECK_MESSAGE(log.find("waits for a file descriptor")
                          != std::string::npos,
                      log);
  BOOST_CHECK(log.find("open files: soft limit "
                       + std::to_string(idle + headroom))
              != std::string::npos);
  size_t waits = 0;
  for (auto at = log.find("waits for a file descriptor");
       at != std::string::npos;
       at = log.find("waits for a file descriptor", at + 1))
    ++waits;
  BOOST_TEST_MESSAGE("idle " << idle << " descriptors, limit "
                             << idle + headroom << ", at most " << most_fds
                             << " open during the transfers; " << waits
                             << " waits for descriptors");
}
