#include "tests/support/daemon.hpp"

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <curl/curl.h>
#include <rapidjson/document.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace skyhaul::test {

namespace {

size_t on_body(char* p, size_t size, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(p, size * n);
  return size * n;
}

size_t on_header(char* p, size_t size, size_t n, void* ud) {
  std::string line(p, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    auto name = line.substr(0, colon);
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' '))
      value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
      value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(ud))[name] = value;
  }
  return size * n;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

} // namespace

response http(const std::string& method, const std::string& url,
              const std::string& body,
              const std::vector<std::string>& headers) {
  response res;
  auto* h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &res.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &res.headers);
  if (method == "HEAD")
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body.size()));
  }
  curl_slist* list = nullptr;
  list = curl_slist_append(list, "Expect:");
  for (auto& x : headers)
    list = curl_slist_append(list, x.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  if (curl_easy_perform(h) == CURLE_OK)
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(h);
  return res;
}

std::string json_field(const std::string& json, const std::string& path) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  if (doc.HasParseError() || !doc.IsObject())
    return {};
  const rapidjson::Value* v = &doc;
  std::string rest = path;
  while (!rest.empty()) {
    auto dot = rest.find('.');
    auto name = rest.substr(0, dot);
    rest = dot == std::string::npos ? "" : rest.substr(dot + 1);
    if (v->IsArray() && !name.empty()
        && name.find_first_not_of("0123456789") == std::string::npos) {
      auto i = std::stoul(name);
      if (i >= v->Size())
        return {};
      v = &(*v)[static_cast<rapidjson::SizeType>(i)];
      continue;
    }
    if (!v->IsObject() || !v->HasMember(name.c_str()))
      return {};
    v = &(*v)[name.c_str()];
  }
  if (v->IsString())
    return v->GetString();
  if (v->IsInt64())
    return std::to_string(v->GetInt64());
  if (v->IsUint64())
    return std::to_string(v->GetUint64());
  if (v->IsDouble()) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.2f", v->GetDouble());
    return buf;
  }
  if (v->IsBool())
    return v->GetBool() ? "true" : "false";
  if (v->IsNull())
    return "null";
  return "<composite>";
}

user parse_user(const std::string& json) {
  user u;
  u.id = json_field(json, "id");
  u.name = json_field(json, "name");
  u.api_key = json_field(json, "api_key");
  u.access_key = json_field(json, "access_key");
  u.secret_key = json_field(json, "secret_key");
  u.credential = json_field(json, "credential");
  u.passkey = json_field(json, "passkey");
  u.email = json_field(json, "email");
  return u;
}

server_process::server_process(std::vector<std::string> extra) : extra_(std::move(extra)) {
  char tmpl[] = "/tmp/skyhauld-test-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
}

server_process::~server_process() {
  if (pid_ > 0)
    stop(SIGKILL);
  std::error_code err;
  std::filesystem::remove_all(dir_, err);
}

void server_process::start() {
  auto listen_path = dir_ + "/listen.json";
  std::filesystem::remove(listen_path);
  exit_status_ = -1;
  std::vector<std::string> args = {SKYHAULD_PATH,
                                   "--data-dir",
                                   dir_,
                                   "--api",
                                   "127.0.0.1:0",
                                   "--offline",
                                   "127.0.0.1:0",
                                   "--s3",
                                   "127.0.0.1:0",
                                   "--allow-private-networks",
                                   // BitTorrent on loopback only, no
                                   // discovery: tests talk to local peers.
                                   "--bt-listen=127.0.0.1:0",
                                   "--bt-dht=false",
                                   "--bt-lsd=false",
                                   "--bt-port-mapping=false"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (auto& [name, value] : env_)
      ::setenv(name.c_str(), value.c_str(), 1);
    auto log = dir_ + "/skyhauld.log";
    auto fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 2);
      ::dup2(fd, 1);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!std::filesystem::exists(listen_path)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("skyhauld exited at start: "
                               + read_file(dir_ + "/skyhauld.log"));
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("skyhauld did not write listen.json");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto json = read_file(listen_path);
  for (auto name : {"api", "offline", "s3"})
    listen_[name] = json_field(json, name);
  admin_ = parse_user(read_file(dir_ + "/admin.json"));
}

bool server_process::running() {
  if (pid_ <= 0)
    return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status)
                                     : 128 + WTERMSIG(status);
    pid_ = -1;
    return false;
  }
  return true;
}

int server_process::stop(int sig) {
  if (pid_ <= 0)
    return exit_status_;
  ::kill(pid_, sig);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

user server_process::add_user(const std::string& name,
                              const std::string& flags,
                              const std::string& stdin_text) {
  return parse_user(user_command("add " + name + " " + flags, stdin_text));
}

std::string server_process::user_command(const std::string& args,
                                         const std::string& stdin_text) {
  auto input = dir_ + "/user-command.stdin";
  {
    std::ofstream f{input, std::ios::trunc};
    f << stdin_text;
  }
  auto cmd = std::string{SKYHAULD_PATH} + " user " + args + " --data-dir "
             + dir_ + " < " + input;
  std::string out;
  if (auto* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    size_t n;
    while ((n = ::fread(buf, 1, sizeof(buf), p)) > 0)
      out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

std::string server_process::url(const std::string& listener) const {
  return "http://" + listen_.at(listener);
}

response server_process::api(const std::string& method, const std::string& path,
                     const std::string& body, const std::string& key) const {
  auto k = key.empty() ? admin_.api_key : key;
  return http(method, url("api") + path, body,
              {"Authorization: Bearer " + k,
               "Content-Type: application/json"});
}

} // namespace skyhaul::test
