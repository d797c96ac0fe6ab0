#include "tests/support/receiver.hpp"

#include "tests/support/daemon.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <rapidjson/document.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace skyhaul::test {

receiver::receiver(int fail, int hang, double hang_seconds) {
  char tmpl[] = "/tmp/skyhaul-receiver-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  log_ = dir_ + "/requests.jsonl";
  int in[2];
  int out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0)
    throw std::runtime_error("pipe failed");
  auto script = std::string{SKYHAUL_TEST_SUPPORT_DIR} + "/receiver.py";
  std::vector<std::string> args
      = {"python3",        script,
         "--log",          log_,
         "--fail",         std::to_string(fail),
         "--hang",         std::to_string(hang),
         "--hang-seconds", std::to_string(hang_seconds)};
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::close(in[1]);
    ::close(out[0]);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp("python3", argv.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (line.find('\n') == std::string::npos
         && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 200) < 0)
      break;
    char buf[128];
    if (p.revents & (POLLIN | POLLHUP)) {
      auto n = ::read(out[0], buf, sizeof(buf));
      if (n <= 0)
        break;
      line.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(out[0]);
  auto port = json_field(line, "port");
  if (port.empty())
    throw std::runtime_error("the receiver did not start: " + line);
  port_ = port;
}

receiver::~receiver() {
  ::close(stdin_fd_);
  ::kill(pid_, SIGTERM);
  int status;
  ::waitpid(pid_, &status, 0);
  std::error_code err;
  std::filesystem::remove_all(dir_, err);
}

void receiver::script(int fail, int hang) const {
  auto res = http("POST", url("/_script"),
                  R"({"fail":)" + std::to_string(fail) + R"(,"hang":)"
                      + std::to_string(hang) + "}");
  if (res.status != 200)
    throw std::runtime_error("the receiver refused its script");
}

std::vector<hit> receiver::hits() const {
  std::vector<hit> out;
  std::ifstream in{log_};
  std::string line;
  while (std::getline(in, line)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError())
      continue; // a line still being written
    hit h;
    h.path = doc["path"].GetString();
    h.body = doc["body"].GetString();
    h.answer = doc["answer"].IsString()
                   ? doc["answer"].GetString()
                   : std::to_string(doc["answer"].GetInt());
    for (auto& m : doc["headers"].GetObject())
      h.headers[m.name.GetString()] = m.value.GetString();
    out.push_back(std::move(h));
  }
  return out;
}

} // namespace skyhaul::test
