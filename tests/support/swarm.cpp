#include "tests/support/swarm.hpp"

#include "http/message.hpp"
#include "base/base64.hpp"

#include <cctype>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/daemon.hpp"

namespace skyhaul::test {

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

/// Debian's python, which has python3-libtorrent (a python from elsewhere
/// on the PATH may not).
constexpr const char* python = "/usr/bin/python3";

std::string seeder_script() {
  return std::string{SKYHAUL_TEST_SUPPORT_DIR} + "/seeder.py";
}

/// Replaces the (forked) process with `argv`.
[[noreturn]] void exec(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  ::_exit(127);
}

/// Reads `fd` into `text` until its end (or, with `one_line`, a newline);
/// false when `limit` passed first.
bool read_from(int fd, std::string& text, std::chrono::seconds limit,
               bool one_line) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!one_line || text.find('\n') == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0)
      continue;
    char buf[4096];
    auto n = ::read(fd, buf, sizeof(buf));
    if (n <= 0)
      return !one_line;
    text.append(buf, static_cast<size_t>(n));
  }
  return true;
}

/// Runs `argv` to the end (bounded) and returns its stdout.
std::string run(const std::vector<std::string>& argv,
                std::chrono::seconds limit = 120s) {
  int out[2];
  if (::pipe(out) != 0)
    throw std::runtime_error("pipe failed");
  auto pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    exec(argv);
  }
  ::close(out[1]);
  std::string text;
  if (!read_from(out[0], text, limit, false))
    ::kill(pid, SIGKILL);
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("failed: " + argv.front() + " " + argv.at(1)
                             + ": " + text);
  return text;
}

bool port_open(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
            == 0;
  ::close(fd);
  return ok;
}

bool await_port(uint16_t port, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!port_open(port)) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::string url_encode_bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += "%" + hex.substr(i, 2);
  return out;
}

/// Seeders the tracker at `announce` (an http URL ending in /announce)
/// knows of for `info_hash`, from a scrape (0 before any announce); -1 when
/// it does not answer.
int scrape_seeders(const std::string& announce, const std::string& info_hash) {
  auto slash = announce.rfind("/announce");
  if (announce.rfind("http://", 0) != 0 || slash == std::string::npos)
    return -1;
  auto url = announce.substr(0, slash) + "/scrape"
             + announce.substr(slash + 9)
             + (announce.find('?') == std::string::npos ? "?" : "&")
             + "info_hash=" + url_encode_bytes(info_hash);
  auto res = http("GET", url);
  if (res.status != 200 || res.body.rfind("d5:files", 0) != 0)
    return -1;
  // "d5:filesdee" when no peer announced the torrent yet.
  auto pos = res.body.find("8:completei");
  if (pos == std::string::npos)
    return 0;
  return std::atoi(res.body.c_str() + pos + 11);
}

/// The `announce` URL of a bencoded .torrent; empty when it has none.
std::string announce_of(const std::string& torrent) {
  static const std::string key = "8:announce";
  auto pos = torrent.find(key);
  if (pos == std::string::npos)
    return {};
  pos += key.size();
  auto colon = torrent.find(':', pos);
  if (colon == std::string::npos || colon == pos)
    return {};
  for (auto i = pos; i < colon; ++i)
    if (!std::isdigit(static_cast<unsigned char>(torrent[i])))
      return {};
  auto len = std::stoul(torrent.substr(pos, colon - pos));
  return torrent.substr(colon + 1, len);
}

} // namespace

// -- torrents -----------------------------------------------------------------

std::string made_torrent::bytes() const {
  std::ifstream in{torrent_path, std::ios::binary};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

made_torrent
make_torrent(const std::string& data_dir, const std::string& name,
             const std::vector<std::pair<std::string, uint64_t>>& files,
             const std::string& tracker) {
  fs::create_directories(data_dir);
  made_torrent t;
  t.torrent_path = data_dir + "/" + name + ".torrent";
  std::vector<std::string> argv{python, seeder_script(), "make", "--data",
                                data_dir, "--name", name, "--out",
                                t.torrent_path};
  if (!tracker.empty()) {
    argv.push_back("--tracker");
    argv.push_back(tracker);
  }
  for (auto& [rel, size] : files)
    argv.push_back(rel + ":" + std::to_string(size));
  auto line = run(argv);
  rapidjson::Document doc;
  doc.Parse(line.c_str());
  if (doc.HasParseError() || !doc.IsObject())
    throw std::runtime_error("seeder.py make printed: " + line);
  t.info_hash = doc["info_hash"].GetString();
  t.magnet = doc["magnet"].GetString();
  for (auto& f : doc["files"].GetArray()) {
    torrent_file_digest d;
    d.path = f["path"].GetString();
    d.size = f["size"].GetUint64();
    d.md5 = f["md5"].GetString();
    d.sha1 = f["sha1"].GetString();
    d.crc32 = f["crc32"].GetString();
    t.files.push_back(std::move(d));
  }
  return t;
}

// -- child --------------------------------------------------------------------

child::~child() {
  stop();
}

std::string child::start(const std::vector<std::string>& argv,
                         bool first_line, const std::string& cwd) {
  int in[2];
  int out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0)
    throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(in[0], 0);
    if (first_line)
      ::dup2(out[1], 1);
    else
      ::dup2(::open("/dev/null", O_WRONLY), 1);
    ::close(in[1]);
    ::close(out[0]);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0)
      ::_exit(126);
    exec(argv);
  }
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  std::string line;
  if (first_line) {
    if (!read_from(out[0], line, 120s, true)) {
      ::close(out[0]);
      stop();
      throw std::runtime_error(argv.front() + " did not start: " + line);
    }
  }
  ::close(out[0]);
  return line;
}

void child::stop() {
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    // Bounded: a child that ignores SIGTERM gets SIGKILL.
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
}

// -- peers --------------------------------------------------------------------

seeder::seeder(const made_torrent& t, const std::string& data_dir,
               const std::string& host)
  : host_(host) {
  auto line = proc_.start({python, seeder_script(), "seed", "--torrent",
                           t.torrent_path, "--data", data_dir, "--listen",
                           host},
                          true);
  auto port = json_field(line, "port");
  if (port.empty())
    throw std::runtime_error("the seeder printed: " + line);
  port_ = static_cast<uint16_t>(std::stoi(port));
}

std::string seeder::peer() const {
  return host_ + ":" + std::to_string(port_);
}

tracker::tracker(const std::vector<std::string>& info_hashes) {
  // opentracker drops to `nobody` and chroots: its folder must be readable.
  char tmpl[] = "/tmp/skyhaul-tracker-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  ::chmod(dir_.c_str(), 0755);
  {
    std::ofstream out{dir_ + "/whitelist"};
    for (auto& h : info_hashes)
      out << h << "\n";
  }
  ::chmod((dir_ + "/whitelist").c_str(), 0644);
  port_ = free_port();
  auto p = std::to_string(port_);
  proc_.start({"opentracker", "-i", "127.0.0.1", "-p", p, "-P", p, "-d", ".",
               "-w", "whitelist"},
              false, dir_);
  if (!await_port(port_, 20s))
    throw std::runtime_error("opentracker did not start on port " + p);
}

tracker::~tracker() {
  proc_.stop();
  std::error_code err;
  fs::remove_all(dir_, err);
}

std::string tracker::announce_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/announce";
}

int tracker::seeders(const std::string& info_hash) const {
  return scrape_seeders(announce_url(), info_hash);
}

bool tracker::await_seeder(const std::string& info_hash) const {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (seeders(info_hash) < 1) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

aria2_seeder::aria2_seeder(const made_torrent& t,
                           const std::string& data_dir) {
  // The tracker's count of seeders before this one, to see it announce.
  auto announce = announce_of(t.bytes());
  auto before = announce.empty() ? -1 : scrape_seeders(announce, t.info_hash);
  port_ = free_port();
  auto p = std::to_string(port_);
  proc_.start({"aria2c", "--quiet=true", "--no-conf",
               "--interface=127.0.0.1", "--check-integrity=true",
               "--seed-ratio=0.0", "--bt-seed-unverified=false",
               "--enable-dht=false", "--enable-dht6=false",
               "--bt-enable-lpd=false", "--enable-peer-exchange=false",
               "--listen-port=" + p, "--dir=" + data_dir,
               "--file-allocation=none", "--auto-save-interval=0",
               "--bt-save-metadata=false", "--rpc-save-upload-metadata=false",
               t.torrent_path},
              false);
  if (!await_port(port_, 60s))
    throw std::runtime_error("aria2c did not listen on port " + p);
  // It announces once its check passed (a tracker that did not answer
  // before is not waited for).
  if (before >= 0) {
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (scrape_seeders(announce, t.info_hash) <= before) {
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("aria2c did not announce to " + announce);
      std::this_thread::sleep_for(50ms);
    }
  }
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string url_escape(const std::string& s) {
  return skyhaul::url_encode(s);
}

std::string base64(const std::string& bytes) {
  return skyhaul::base64_encode(bytes);
}

} // namespace skyhaul::test
