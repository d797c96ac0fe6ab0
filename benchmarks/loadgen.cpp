// loadgen: an HTTP/1.1 keep-alive load generator for Skyhaul's Task API and,
// for comparison in the same run, aria2's JSON-RPC.
//
//   loadgen --url http://127.0.0.1:7700 --mode create|status --key API_KEY
//           [--connections 64] [--duration 10] [--requests N] [--tasks 1000]
//           [--threads 1] [--timeout 30]
//   loadgen --url http://127.0.0.1:6800/jsonrpc --mode aria2-add|aria2-status
//           --secret S ...
//
// create        POST /task {"url":"http://127.0.0.1:9/never.bin","paused":true}
// status        creates --tasks paused tasks, then GET /task/tid/<tid>/status
//               round-robin over them
// aria2-add     aria2.addUri [token, [uri], {"pause":"true"}]
// aria2-status  adds --tasks paused downloads, then aria2.tellStatus(gid)
// health        GET /healthz (a baseline for the HTTP layer alone)
//
// Every connection keeps one request in flight (HTTP/1.1 keep-alive, no
// pipelining). A run ends after --duration seconds or --requests requests,
// whichever comes first. A non-2xx reply, a Task API reply without
// "status":"success", a JSON-RPC error, a timeout or a broken connection
// counts as an error; a broken connection is reopened (at most
// 100 times per connection). Prints one line:
//   mode=... requests=N errors=E seconds=S rps=R p50_ms=X p99_ms=Y
// where requests counts the completed successful requests, rps is
// requests/seconds, and the percentiles are over the successful requests.
// Exit status 1 when not one request succeeded, 2 on a usage error.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr const char* never_url = "http://127.0.0.1:9/never.bin";
constexpr int max_reconnects = 100;

struct options {
  std::string host = "127.0.0.1";
  std::string port = "7700";
  std::string path; // JSON-RPC endpoint; /jsonrpc unless --url names one
  std::string mode = "status";
  std::string key;
  std::string secret;
  size_t connections = 64;
  double duration = 10;
  uint64_t requests = 0; // 0: bounded by duration only
  size_t tasks = 1000;
  size_t threads = 1;
  double timeout = 30; // seconds per request (and per connect)
};

/// Shared by every connection of a run.
struct run_state {
  options opt;
  std::string mode;
  std::vector<std::string> ids; // tids or gids to query
  tcp::resolver::results_type endpoints;
  std::atomic<uint64_t> issued{0};
  std::atomic<uint64_t> errors{0};
  std::mutex mtx;
  std::vector<double> latencies_ms; // successful requests only
  std::vector<std::string> created;
  clock_type::time_point deadline;

  bool take_slot() {
    if (clock_type::now() >= deadline)
      return false;
    auto n = issued.fetch_add(1);
    return opt.requests == 0 || n < opt.requests;
  }
};

std::string extract(const std::string& body, const std::string& field) {
  auto key = "\"" + field + "\":\"";
  auto i = body.find(key);
  if (i == std::string::npos)
    return {};
  i += key.size();
  return body.substr(i, body.find('"', i) - i);
}

bool is_rpc(const std::string& mode) {
  return mode.rfind("aria2-", 0) == 0;
}

class connection : public std::enable_shared_from_this<connection> {
public:
  connection(net::io_context& ioc, run_state& st, size_t index)
    : stream_(ioc), st_(st), index_(index) {
  }

  void start() {
    stream_.expires_after(timeout());
    stream_.async_connect(st_.endpoints,
                          [self = shared_from_this()](beast::error_code ec,
                                                      tcp::endpoint) {
                            if (ec)
                              return self->fail();
                            self->stream_.socket().set_option(
                              tcp::no_delay{true});
                            self->next();
                          });
  }

private:
  std::chrono::steady_clock::duration timeout() const {
    return std::chrono::duration_cast<clock_type::duration>(
      std::chrono::duration<double>(st_.opt.timeout));
  }

  /// Counts the error; reopens the connection unless the run is over.
  void fail() {
    ++st_.errors;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buf_.clear();
    if (++reconnects_ > max_reconnects || clock_type::now() >= st_.deadline)
      return;
    start();
  }

  void build() {
    req_ = {};
    req_.version(11);
    req_.set(http::field::host, st_.opt.host + ":" + st_.opt.port);
    req_.keep_alive(true);
    auto n = counter_++ * st_.opt.connections + index_;
    auto& mode = st_.mode;
    if (mode == "create") {
      req_.method(http::verb::post);
      req_.target("/task");
      req_.set(http::field::authorization, "Bearer " + st_.opt.key);
      req_.set(http::field::content_type, "application/json");
      req_.body() = std::string{R"({"url":")"} + never_url
                    + R"(","paused":true})";
    } else if (mode == "health") {
      req_.method(http::verb::get);
      req_.target("/healthz");
    } else if (mode == "status") {
      auto& tid = st_.ids[n % st_.ids.size()];
      req_.method(http::verb::get);
      req_.target("/task/tid/" + tid + "/status");
      req_.set(http::field::authorization, "Bearer " + st_.opt.key);
    } else {
      req_.method(http::verb::post);
      req_.target(st_.opt.path);
      req_.set(http::field::content_type, "application/json");
      std::string head = R"({"jsonrpc":"2.0","id":")" + std::to_string(n)
                         + R"(","method":")";
      std::string token = "\"token:" + st_.opt.secret + "\",";
      if (mode == "aria2-add")
        req_.body() = head + R"(aria2.addUri","params":[)" + token + "[\""
                      + never_url + R"("],{"pause":"true"}]})";
      else
        req_.body() = head + R"(aria2.tellStatus","params":[)" + token
                      + "\"" + st_.ids[n % st_.ids.size()] + "\"]}";
    }
    req_.prepare_payload();
  }

  void next() {
    if (!st_.take_slot()) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    build();
    began_ = clock_type::now();
    stream_.expires_after(timeout());
    http::async_write(stream_, req_,
                      [self = shared_from_this()](beast::error_code ec,
                                                  size_t) {
                        if (ec)
                          return self->fail();
                        self->read();
                      });
  }

  void read() {
    res_ = {};
    http::async_read(stream_, buf_, res_,
                     [self = shared_from_this()](beast::error_code ec,
                                                 size_t) {
                       self->on_response(ec);
                     });
  }

  bool succeeded() const {
    auto code = res_.result_int();
    if (code < 200 || code > 299)
      return false;
    auto& body = res_.body();
    if (is_rpc(st_.mode))
      return body.find("\"result\":") != std::string::npos
             && body.find("\"error\":{") == std::string::npos;
    if (st_.mode == "health")
      return true;
    return body.find("\"status\":\"success\"") != std::string::npos;
  }

  void on_response(beast::error_code ec) {
    if (ec)
      return fail();
    auto ms = std::chrono::duration<double, std::milli>(clock_type::now()
                                                        - began_)
                .count();
    if (succeeded()) {
      std::lock_guard<std::mutex> guard{st_.mtx};
      st_.latencies_ms.push_back(ms);
      if (st_.mode == "create")
        st_.created.push_back(extract(res_.body(), "tid"));
      else if (st_.mode == "aria2-add")
        st_.created.push_back(extract(res_.body(), "result"));
    } else {
      ++st_.errors;
      if (st_.errors.load() <= 3)
        std::cerr << "loadgen: " << st_.mode << ": HTTP " << res_.result_int()
                  << ": " << res_.body().substr(0, 200) << "\n";
    }
    if (!res_.keep_alive()) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.close();
      buf_.clear();
      return start();
    }
    next();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  run_state& st_;
  size_t index_;
  uint64_t counter_ = 0;
  int reconnects_ = 0;
  clock_type::time_point began_;
};

/// Runs one load phase; returns the ids created (create modes). `ok` is
/// false when not one request succeeded.
std::vector<std::string> run(bool& ok, const options& opt, const std::string& mode,
                             std::vector<std::string> ids, double duration,
                             uint64_t requests, bool print) {
  run_state st;
  st.opt = opt;
  st.opt.requests = requests;
  st.mode = mode;
  st.ids = std::move(ids);
  if (requests > 0)
    st.latencies_ms.reserve(requests);
  net::io_context ioc;
  tcp::resolver resolver{ioc};
  st.endpoints = resolver.resolve(opt.host, opt.port);
  auto begin = clock_type::now();
  st.deadline = begin
                + std::chrono::duration_cast<clock_type::duration>(
                  std::chrono::duration<double>(duration));
  for (size_t i = 0; i < opt.connections; ++i)
    std::make_shared<connection>(ioc, st, i)->start();
  std::vector<std::thread> pool;
  for (size_t i = 1; i < opt.threads; ++i)
    pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool)
    t.join();
  auto secs = std::chrono::duration<double>(clock_type::now() - begin).count();
  auto& lat = st.latencies_ms;
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0.0
                       : lat[std::min(lat.size() - 1, size_t(p * lat.size()))];
  };
  ok = !lat.empty();
  if (print) {
    std::printf("mode=%s requests=%zu errors=%llu seconds=%.3f rps=%.1f "
                "p50_ms=%.3f p99_ms=%.3f\n",
                mode.c_str(), lat.size(),
                static_cast<unsigned long long>(st.errors.load()), secs,
                lat.size() / secs, pct(0.50), pct(0.99));
    std::fflush(stdout);
  }
  return std::move(st.created);
}

void usage() {
  std::cerr
    << "usage: loadgen --url http://HOST:PORT[/jsonrpc] --mode "
       "create|status|aria2-add|aria2-status|health\n"
       "               [--key API_KEY] [--secret RPC_SECRET]\n"
       "               [--connections 64] [--duration 10] [--requests N]\n"
       "               [--tasks 1000] [--threads 1] [--timeout 30]\n";
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  bool ok = false;
  try {
    for (int i = 1; i < argc; i += 2) {
      std::string k = argv[i];
      if (k == "--help" || k == "-h") {
        usage();
        return 0;
      }
      if (i + 1 >= argc) {
        std::cerr << "loadgen: " << k << " needs a value\n";
        return 2;
      }
      std::string v = argv[i + 1];
      if (k == "--url" || k == "--target") {
        auto s = v.find("://");
        auto rest = s == std::string::npos ? v : v.substr(s + 3);
        auto slash = rest.find('/');
        if (slash != std::string::npos) {
          opt.path = rest.substr(slash);
          rest = rest.substr(0, slash);
        }
        auto colon = rest.rfind(':');
        opt.host = rest.substr(0, colon);
        opt.port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
      } else if (k == "--mode") {
        opt.mode = v;
      } else if (k == "--key") {
        opt.key = v;
      } else if (k == "--secret") {
        opt.secret = v;
      } else if (k == "--connections") {
        opt.connections = std::max<size_t>(1, std::stoul(v));
      } else if (k == "--duration") {
        opt.duration = std::stod(v);
      } else if (k == "--requests") {
        opt.requests = std::stoull(v);
      } else if (k == "--tasks") {
        opt.tasks = std::max<size_t>(1, std::stoul(v));
      } else if (k == "--threads") {
        opt.threads = std::max<size_t>(1, std::stoul(v));
      } else if (k == "--timeout") {
        opt.timeout = std::stod(v);
      } else {
        std::cerr << "loadgen: unknown option " << k << "\n";
        usage();
        return 2;
      }
    }
    if (opt.path.empty() || opt.path == "/")
      opt.path = "/jsonrpc";
    auto& m = opt.mode;
    if (m == "create" || m == "aria2-add" || m == "health") {
      run(ok, opt, m, {}, opt.duration, opt.requests, true);
    } else if (m == "status" || m == "aria2-status") {
      auto maker = m == "status" ? "create" : "aria2-add";
      // Set-up phase: bounded by --tasks and by 600 s.
      auto ids = run(ok, opt, maker, {}, 600, opt.tasks, false);
      if (ids.size() < opt.tasks) {
        std::cerr << "loadgen: created only " << ids.size() << " of "
                  << opt.tasks << " tasks to query\n";
        if (ids.empty())
          return 1;
      }
      run(ok, opt, m, std::move(ids), opt.duration, opt.requests, true);
    } else {
      std::cerr << "loadgen: unknown mode " << m << "\n";
      usage();
      return 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << "\n";
    return 1;
  }
  return ok ? 0 : 1;
}
