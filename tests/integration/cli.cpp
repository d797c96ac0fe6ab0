#define BOOST_TEST_MODULE cli_integration
#include <boost/test/unit_test.hpp>

// The skyhaul CLI against the real skyhauld and the local origin: every
// command with its exit status and --json, the config file of `login`,
// and the progress bars drawn in a real terminal (tmux).

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
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
  std::string out;
  std::string err;
};

/// Runs the CLI with `args`, the environment `env` (and nothing else from
/// ours but PATH), `input` on stdin; killed after a bound.
run_result run_cli(const std::vector<std::string>& args,
                   const std::vector<std::string>& env,
                   const std::string& input = {},
                   std::chrono::seconds limit = 60s) {
  int in[2], out[2], err[2];
  BOOST_REQUIRE(::pipe(in) == 0 && ::pipe(out) == 0 && ::pipe(err) == 0);
  auto pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
      ::close(fd);
    std::vector<std::string> all{SKYHAUL_CLI_PATH};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<std::string> envs = env;
    envs.push_back("PATH=/usr/bin:/bin");
    std::vector<char*> envp;
    for (auto& e : envs)
      envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (!input.empty())
    (void) !::write(in[1], input.data(), input.size());
  ::close(in[1]);
  run_result r;
  auto deadline = std::chrono::steady_clock::now() + limit;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open = 2;
  while (open > 0 && std::chrono::steady_clock::now() < deadline) {
    if (::poll(fds, 2, 200) <= 0)
      continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
        continue;
      char buf[4096];
      auto n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  if (open > 0)
    ::kill(pid, SIGKILL);
  for (auto& f : fds)
    if (f.fd >= 0)
      ::close(f.fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

struct fixture {
  origin org;
  server_process d;
  scratch home{"skyhaul-cli-home"};
  fixture() {
    d.start();
  }
  /// The environment of a user whose key and server come from there.
  std::vector<std::string> env() const {
    return {"HOME=" + home.dir, "SKYHAUL_API=" + d.url(),
            "SKYHAUL_KEY=" + d.admin().api_key};
  }
  run_result cli(std::vector<std::string> args) const {
    return run_cli(args, env());
  }
  std::string add(const std::string& path, std::vector<std::string> more = {}) {
    std::vector<std::string> args{"add", org.url(path)};
    args.insert(args.end(), more.begin(), more.end());
    auto r = cli(args);
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    auto tid = r.out.substr(0, r.out.find('\n'));
    BOOST_REQUIRE_EQUAL(tid.size(), 20u);
    return tid;
  }
};

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(cli, fixture)

BOOST_AUTO_TEST_CASE(usage_errors_exit_2) {
  for (auto args : std::vector<std::vector<std::string>>{
         {}, {"frobnicate"}, {"status"}, {"ls", "extra"}, {"add"},
         {"add", "http://x/y", "--key", "a", "--target", "b/"},
         {"add", "/no/such.torrent"}, {"status", "--bogus", "x"},
         {"get"}, {"add", "http://x/y", "--size", "many"}}) {
    auto r = cli(args);
    BOOST_CHECK_MESSAGE(r.code == 2, "args " << args.size() << " code "
                                               << r.code << " " << r.err);
    BOOST_CHECK(has(r.err, "usage:"));
  }
  // No key anywhere is a usage error too; help is not.
  BOOST_CHECK_EQUAL(run_cli({"ls"}, {"HOME=" + home.dir}).code, 2);
  auto help = cli({"--help"});
  BOOST_CHECK_EQUAL(help.code, 0);
  BOOST_CHECK(has(help.out, "watch"));
}

BOOST_AUTO_TEST_CASE(add_wait_status_ls_and_get) {
  const size_t size = 20000;
  auto want = expected_digests(size);
  auto r = cli({"add", org.url("/file/" + std::to_string(size)), "--bucket",
                "cli", "--key", "dir/x.bin", "--sha1", want.sha1, "--wait"});
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out << r.err);
  std::smatch m;
  BOOST_REQUIRE(std::regex_search(r.out, m, std::regex{"([0-9a-f]{20}) finished"}));
  auto tid = m[1].str();
  // Not a terminal: plain lines, no escape sequences.
  BOOST_CHECK(!has(r.out, "\x1b["));
  BOOST_CHECK(has(r.out, tid + " finished 100.0%"));
  auto st = cli({"status", tid});
  BOOST_CHECK_EQUAL(st.code, 0);
  BOOST_CHECK(has(st.out, "state:    finished"));
  auto js = cli({"status", tid, "--json"});
  BOOST_CHECK_EQUAL(js.code, 0);
  BOOST_CHECK_EQUAL(json_field(js.out, "state"), "finished");
  BOOST_CHECK_EQUAL(json_field(js.out, "tid"), tid);
  auto ls = cli({"ls", "--state", "finished"});
  BOOST_CHECK_EQUAL(ls.code, 0);
  BOOST_CHECK(has(ls.out, tid));
  BOOST_CHECK(has(ls.out, "100.0%"));
  BOOST_CHECK(!has(cli({"ls", "--state", "paused"}).out, tid));
  auto lsj = cli({"--json", "ls"});
  BOOST_CHECK_EQUAL(lsj.code, 0);
  BOOST_CHECK(lsj.out.front() == '[');
  BOOST_CHECK(has(lsj.out, "\"" + tid + "\""));
  BOOST_CHECK_EQUAL(cli({"ls", "--state", "nonsense"}).code, 1);
  // get: by key, to a path; then by default name.
  auto out = home.dir + "/got.bin";
  auto g = cli({"get", tid, "dir/x.bin", "-o", out});
  BOOST_REQUIRE_MESSAGE(g.code == 0, g.err);
  std::ifstream in{out, std::ios::binary};
  std::string body{std::istreambuf_iterator<char>{in}, {}};
  BOOST_CHECK(body == origin_content(size));
  auto gj = cli({"get", tid, "-o", home.dir + "/again.bin", "--json"});
  BOOST_CHECK_EQUAL(gj.code, 0);
  BOOST_CHECK_EQUAL(json_field(gj.out, "size"), std::to_string(size));
  BOOST_CHECK_EQUAL(cli({"get", tid, "nope.bin"}).code, 2);
  BOOST_CHECK_EQUAL(cli({"status", "00000000000000000000"}).code, 1);
}

BOOST_AUTO_TEST_CASE(a_waited_failure_exits_1) {
  auto r = cli({"add", org.url("/status/404"), "--key", "gone.bin", "--wait"});
  BOOST_CHECK_EQUAL(r.code, 1);
  BOOST_CHECK(has(r.out, "failed"));
  auto j = cli({"add", org.url("/status/404"), "--wait", "--json"});
  BOOST_CHECK_EQUAL(j.code, 1);
  BOOST_CHECK(has(j.out, "\"event\":\"task.state\""));
  BOOST_CHECK(has(j.out, "\"state\":\"failed\""));
}

BOOST_AUTO_TEST_CASE(pause_resume_rm_and_watch) {
  auto tid = add("/file/3000", {"--paused", "--key", "p.bin"});
  auto st = cli({"status", tid, "--json"});
  BOOST_CHECK_EQUAL(json_field(st.out, "state"), "paused");
  BOOST_CHECK_EQUAL(cli({"pause", "00000000000000000000"}).code, 1);
  auto aj = cli({"add", org.url("/file/10"), "--paused", "--json"});
  BOOST_CHECK_EQUAL(aj.code, 0);
  auto other = json_field(aj.out, "tid");
  BOOST_CHECK_EQUAL(other.size(), 20u);
  // watch follows both until they end; resume lets them.
  std::thread resumer{[&] {
    // The watch's subscription is not observable from here, but watch
    // reads the status after subscribing, so a resume at any moment is
    // seen either way.
    cli({"resume", tid, other});
  }};
  auto w = cli({"watch", tid, other});
  resumer.join();
  BOOST_CHECK_MESSAGE(w.code == 0, w.out << w.err);
  BOOST_CHECK(has(w.out, tid + " finished"));
  BOOST_CHECK(has(w.out, other + " finished"));
  auto wj = cli({"watch", tid, "--json"});
  BOOST_CHECK_EQUAL(wj.code, 0);
  auto rj = cli({"rm", tid, "--data", "--json"});
  BOOST_CHECK_EQUAL(rj.code, 0);
  BOOST_CHECK(has(rj.out, "\"ok\":true"));
  BOOST_CHECK_EQUAL(cli({"status", tid}).code, 1);
  auto rm = cli({"rm", other, "00000000000000000000"});
  BOOST_CHECK_EQUAL(rm.code, 1);
  BOOST_CHECK(has(rm.out, other + " removed"));
}

BOOST_AUTO_TEST_CASE(login_writes_a_private_config) {
  auto base = std::vector<std::string>{"HOME=" + home.dir};
  // A wrong key is refused and nothing is written.
  auto bad = run_cli({"login", "--api", d.url(), "--key", "wrong"}, base);
  BOOST_CHECK_EQUAL(bad.code, 1);
  auto path = home.dir + "/.config/skyhaul/config";
  BOOST_CHECK(!std::filesystem::exists(path));
  // The key from stdin.
  auto ok = run_cli({"login", "--api", d.url()}, base, d.admin().api_key + "\n");
  BOOST_REQUIRE_MESSAGE(ok.code == 0, ok.err);
  struct stat sb {};
  BOOST_REQUIRE_EQUAL(::stat(path.c_str(), &sb), 0);
  BOOST_CHECK_EQUAL(sb.st_mode & 0777, 0600u);
  BOOST_CHECK_EQUAL(run_cli({"ls"}, base).code, 0);
  // XDG_CONFIG_HOME wins over HOME.
  auto xdg = home.dir + "/xdg";
  auto envx = std::vector<std::string>{"HOME=" + home.dir,
                                       "XDG_CONFIG_HOME=" + xdg};
  auto lj = run_cli({"login", "--api", d.url(), "--key", d.admin().api_key,
                     "--json"},
                    envx);
  BOOST_CHECK_EQUAL(lj.code, 0);
  BOOST_CHECK_EQUAL(json_field(lj.out, "config"), xdg + "/skyhaul/config");
  BOOST_CHECK(std::filesystem::exists(xdg + "/skyhaul/config"));
  // Flags and the environment win over the file.
  auto wrong_env = base;
  wrong_env.push_back("SKYHAUL_KEY=wrong");
  BOOST_CHECK_EQUAL(run_cli({"ls"}, wrong_env).code, 1);
  BOOST_CHECK_EQUAL(run_cli({"--key", d.admin().api_key, "ls"}, wrong_env).code,
                    0);
}

BOOST_AUTO_TEST_CASE(bars_move_and_reach_100_percent_in_a_terminal) {
  auto session = "skyhaul-cli-" + std::to_string(::getpid());
  std::string cmd = "env HOME=" + home.dir + " SKYHAUL_API=" + d.url()
                    + " SKYHAUL_KEY=" + d.admin().api_key + " "
                    + SKYHAUL_CLI_PATH + " add '"
                    + org.url("/slow/600000?bps=200000")
                    + "' --key bar.bin --wait; echo EXIT=\\$?; sleep 60";
  auto sh = [](const std::string& line) {
    std::string out;
    auto* p = ::popen(line.c_str(), "r");
    BOOST_REQUIRE(p);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
      out.append(buf, n);
    ::pclose(p);
    return out;
  };
  // A server of its own: nothing else's sessions are touched.
  auto tmux = "tmux -L " + session + " ";
  sh(tmux + "new-session -d -s " + session + " -x 100 -y 20 \"" + cmd + "\"");
  std::set<double> seen;
  std::string screen;
  bool done = false;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  std::regex bar{R"(\[([#-]+)\]\s+([0-9.]+)%)"};
  while (!done && std::chrono::steady_clock::now() < deadline) {
    screen = sh(tmux + "capture-pane -p -t " + session);
    for (auto it = std::sregex_iterator(screen.begin(), screen.end(), bar);
         it != std::sregex_iterator(); ++it) {
      seen.insert(std::stod((*it)[2].str()));
      // The bar fills the pane's width (100 columns, one spared).
      auto line_start = screen.rfind('\n', it->position()) + 1;
      auto line_end = screen.find('\n', it->position());
      BOOST_CHECK_LE(line_end - line_start, 99u);
    }
    done = has(screen, "EXIT=");
    std::this_thread::sleep_for(50ms); // a polling interval, not a wait
  }
  sh(tmux + "kill-server");
  BOOST_TEST_MESSAGE(screen);
  BOOST_REQUIRE_MESSAGE(done, screen);
  BOOST_CHECK(has(screen, "EXIT=0"));
  BOOST_CHECK(seen.count(100.0) == 1);
  // It moved: a figure between the start and the end was on the screen.
  BOOST_CHECK(std::any_of(seen.begin(), seen.end(),
                          [](double x) { return x > 0 && x < 100; }));
  BOOST_CHECK(has(screen, "100.0%"));
  // Drawn in place: the finished bar is on the screen once.
  BOOST_CHECK_EQUAL(std::count(screen.begin(), screen.end(), '['), 1);
}

BOOST_AUTO_TEST_SUITE_END()
