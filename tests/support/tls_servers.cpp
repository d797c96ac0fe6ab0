#include "tests/support/tls_servers.hpp"

#include <filesystem>
#include <fstream>
#include <pwd.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace skyhaul::test {

namespace {

/// Debian's Python, which carries python3-pyftpdlib.
constexpr const char* system_python = "/usr/bin/python3";

uint16_t port_in(const std::string& log) {
  return static_cast<uint16_t>(std::stoi(log.substr(log.find("port ") + 5)));
}

} // namespace

test_ca::test_ca(std::string dir, std::string name)
    : dir_(std::move(dir)), name_(std::move(name)),
      cert_(dir_ + "/" + name_ + ".crt") {
  run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=" + name_
      + " -keyout " + dir_ + "/" + name_ + ".key -out " + cert_);
}

test_ca::issued test_ca::issue(const std::string& name,
                               const std::string& ip) const {
  issued out{dir_ + "/" + name + ".crt", dir_ + "/" + name + ".key"};
  auto ext = dir_ + "/" + name + ".ext";
  std::ofstream{ext} << "subjectAltName=IP:" << ip << "\n";
  run("openssl req -newkey rsa:2048 -nodes -subj /CN=" + ip + " -keyout "
      + out.key + " -out " + dir_ + "/" + name + ".csr");
  run("openssl x509 -req -in " + dir_ + "/" + name + ".csr -CA " + cert_
      + " -CAkey " + dir_ + "/" + name_ + ".key -CAcreateserial -days 1"
      + " -extfile " + ext + " -out " + out.cert);
  return out;
}

ftps_server::ftps_server(const std::string& root, const std::string& user,
                         const std::string& password,
                         const test_ca::issued& cert, bool implicit,
                         uint64_t write_limit)
    : proc_(
        [&] {
          auto argv = ftp_server_argv(root, user, password);
          argv.insert(argv.end(), {"--cert", cert.cert, "--key", cert.key});
          if (implicit)
            argv.push_back("--implicit");
          if (write_limit != 0)
            argv.insert(argv.end(),
                        {"--write-limit", std::to_string(write_limit)});
          return argv;
        }(),
        root + ".log") {
  port_ = port_in(proc_.await_log("port "));
}

tls_proxy::tls_proxy(const std::string& dir, const test_ca::issued& cert)
    : proc_({system_python,
             std::string{SKYHAUL_TEST_SUPPORT_DIR} + "/tls_proxy.py", "--cert",
             cert.cert, "--key", cert.key},
            dir + "/tls_proxy.log") {
  port_ = port_in(proc_.await_log("port "));
}

std::string tls_proxy::url() const {
  return "https://127.0.0.1:" + std::to_string(port_);
}

std::string sftp_server::prepare(const std::string& dir, uint16_t port) {
  run("ssh-keygen -q -t ed25519 -N '' -f " + dir + "/host_key");
  run("ssh-keygen -q -t ed25519 -N '' -f " + dir + "/user_key");
  // As root, sshd wants its privilege separation folder.
  if (::geteuid() == 0)
    fs::create_directories("/run/sshd");
  auto path = dir + "/sshd_config";
  std::ofstream{path} << "Port " << port << "\nListenAddress 127.0.0.1\n"
                      << "HostKey " << dir << "/host_key\nPidFile " << dir
                      << "/sshd.pid\nAuthorizedKeysFile " << dir
                      << "/user_key.pub\nPasswordAuthentication no\n"
                         "KbdInteractiveAuthentication no\n"
                         "PubkeyAuthentication yes\nStrictModes no\n"
                         "UsePAM no\nPermitRootLogin prohibit-password\n"
                         "LogLevel INFO\n"
                         // The command runs under the user's shell: its
                         // log (-e: to stderr) goes to a file of ours.
                         "Subsystem sftp /usr/lib/openssh/sftp-server -e "
                         "-l INFO 2>>"
                      << dir << "/sftp-server.log\n";
  return path;
}

sftp_server::sftp_server(const std::string& dir)
    : dir_(dir), port_(free_port()),
      proc_({"/usr/sbin/sshd", "-D", "-e", "-f", prepare(dir, port_)},
            dir + "/sshd.log") {
  proc_.await_log("Server listening on 127.0.0.1 port");
}

std::string sftp_server::log() const {
  return proc_.log() + file_bytes(dir_ + "/sftp-server.log");
}

std::string sftp_server::known_hosts_line() const {
  auto pub = file_bytes(dir_ + "/host_key.pub");
  // "TYPE BASE64 COMMENT": the comment is not part of the entry.
  auto second_space = pub.find(' ', pub.find(' ') + 1);
  return "[127.0.0.1]:" + std::to_string(port_) + " "
         + pub.substr(0, second_space) + "\n";
}

std::string current_user() {
  auto* pw = ::getpwuid(::geteuid());
  return pw != nullptr ? pw->pw_name : "root";
}

} // namespace skyhaul::test
