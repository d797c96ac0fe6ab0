#include "tests/support/push_servers.hpp"

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <pwd.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace skyhaul::test {

namespace fs = std::filesystem;

namespace {

/// Debian's Python, which carries python3-pyftpdlib (another python3 may
/// come first on the PATH).
constexpr const char* system_python = "/usr/bin/python3";

pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  auto pid = ::fork();
  if (pid == 0) {
    auto fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

void reap(pid_t pid) {
  if (pid <= 0)
    return;
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

} // namespace

child_process::child_process(const std::vector<std::string>& argv,
                             std::string log_path)
    : log_(std::move(log_path)) {
  pid_ = spawn(argv, log_);
}

child_process::~child_process() {
  reap(pid_);
}

std::string child_process::log() const {
  return file_bytes(log_);
}

std::string child_process::await_log(const std::string& what,
                                     std::chrono::seconds limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto text = log();
    if (text.find(what) != std::string::npos)
      return text;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_)
      throw std::runtime_error("the server exited: " + text);
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("the server did not say '" + what
                               + "': " + text);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void run(const std::string& cmd) {
  auto full = cmd + " 2>&1";
  auto* p = ::popen(full.c_str(), "r");
  std::string out;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, p))
    out.append(buf, n);
  if (::pclose(p) != 0)
    throw std::runtime_error("failed: " + cmd + ": " + out);
}

std::string file_bytes(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::vector<std::string> ftp_server_argv(const std::string& root,
                                         const std::string& user,
                                         const std::string& password) {
  return {system_python,
          std::string{SKYHAUL_TEST_SUPPORT_DIR} + "/ftp_server.py",
          "--root",
          root,
          "--user",
          user,
          "--password",
          password};
}

ftp_server::ftp_server(const std::string& root, const std::string& user,
                       const std::string& password, const std::string& cert,
                       const std::string& key, uint64_t read_limit,
                       const std::string& host, uint64_t write_limit)
    : proc_(
        [&] {
          auto argv = ftp_server_argv(root, user, password);
          argv.insert(argv.end(), {"--host", host});
          if (!cert.empty())
            argv.insert(argv.end(), {"--cert", cert, "--key", key});
          if (read_limit != 0)
            argv.insert(argv.end(),
                        {"--read-limit", std::to_string(read_limit)});
          // Downloads from it throttled (sources of download tests).
          if (write_limit != 0)
            argv.insert(argv.end(),
                        {"--write-limit", std::to_string(write_limit)});
          return argv;
        }(),
        root + ".log") {
  auto text = proc_.await_log("port ");
  port_ = static_cast<uint16_t>(std::stoi(text.substr(text.find("port ") + 5)));
}

std::string sshd_server::config(const std::string& dir, uint16_t port,
                                const std::string& host_key,
                                const std::string& authorized_keys) {
  // As root, sshd wants its privilege separation folder.
  if (::geteuid() == 0)
    fs::create_directories("/run/sshd");
  auto path = dir + "/sshd_config";
  std::ofstream{path} << "Port " << port << "\nListenAddress 127.0.0.1\n"
                      << "HostKey " << host_key << "\nPidFile " << dir
                      << "/sshd.pid\nAuthorizedKeysFile " << authorized_keys
                      << "\nPasswordAuthentication no\n"
                         "KbdInteractiveAuthentication no\n"
                         "PubkeyAuthentication yes\nStrictModes no\n"
                         "UsePAM no\nPermitRootLogin prohibit-password\n"
                         "Subsystem sftp internal-sftp\n";
  return path;
}

sshd_server::sshd_server(const std::string& dir, uint16_t port,
                         const std::string& host_key,
                         const std::string& authorized_keys)
    : proc_({"/usr/sbin/sshd", "-D", "-e", "-f",
             config(dir, port, host_key, authorized_keys)},
            dir + "/sshd-" + std::to_string(port) + "-"
                + std::to_string(++count_) + ".log") {
  proc_.await_log("Server listening on 127.0.0.1 port");
}

dav_server::dav_server(const std::string& dir, const std::string& user,
                       const std::string& password)
    : dir_(dir) {
  fs::create_directories(dir + "/www");
  fs::create_directories(dir + "/tmp");
  std::ofstream{dir + "/htpasswd"} << user << ":{PLAIN}" << password << "\n";
  port_ = free_port();
  auto conf = dir + "/nginx.conf";
  std::ofstream{conf}
      << (::geteuid() == 0 ? "user root;\n" : "") << "daemon off;\n"
      << "worker_processes 1;\npid " << dir << "/nginx.pid;\n"
      << "error_log " << dir << "/error.log;\nevents {}\nhttp {\n"
      << "  access_log " << dir << "/access.log;\n"
      << "  client_body_temp_path " << dir << "/tmp;\n"
      << "  server {\n    listen 127.0.0.1:" << port_ << ";\n"
      << "    root " << dir << "/www;\n    location / {\n"
      << "      dav_methods PUT MKCOL DELETE;\n"
      << "      create_full_put_path off;\n      client_max_body_size 0;\n"
      << "      auth_basic \"dav\";\n      auth_basic_user_file " << dir
      << "/htpasswd;\n    }\n  }\n}\n";
  pid_ = spawn({"/usr/sbin/nginx", "-p", dir, "-e", dir + "/error.log", "-c",
                conf},
               dir + "/nginx.out");
  // Up once it accepts connections.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    auto fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port_);
    auto ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (ok)
      break;
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("nginx did not start: "
                               + file_bytes(dir + "/error.log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

dav_server::~dav_server() {
  reap(pid_);
}

} // namespace skyhaul::test
