// loadgen: an HTTP/1.1 keep-alive load generator for Skyhaul's Task API and,
// for comparison in the same run, aria2's JSON-RPC.
//
//   loadgen --target http://127.0.0.1:7700 --mode create|status
//           [--key API_KEY] [--connections 64] [--duration 10]
//           [--requests N] [--tasks 1000] [--threads 1]
//   loadgen --target http://127.0.0.1:6800 --mode aria2-add|aria2-status
//           --secret S ...
//
// Prints one line: mode=... requests=N errors=E seconds=S rps=R p50_ms=X
// p99_ms=Y

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
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

struct options {
  std::string host = "127.0.0.1";
  std::string port = "7700";
  std::string mode = "status";
  std::string key;
  std::string secret;
  size_t connections = 64;
  double duration = 10;
  uint64_t requests = 0; // 0: bounded by duration only
  size_t tasks = 1000;
  size_t threads = 1;
};

/// Shared by every connection of a run.
struct run_state {
  options opt;
  std::string mode;
  std::vector<std::string> ids; // tids or gids to query
  std::atomic<uint64_t> issued{0};
  std::atomic<uint64_t> errors{0};
  std::mutex mtx;
  std::vector<double> latencies_ms;
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

class connection : public std::enable_shared_from_this<connection> {
public:
  connection(net::io_context& ioc, run_state& st, size_t index)
    : stream_(ioc), st_(st), index_(index) {
  }

  void start(const tcp::resolver::results_type& ep) {
    stream_.async_connect(ep, [self = shared_from_this()](
                                beast::error_code ec, tcp::endpoint) {
      if (ec) {
        ++self->st_.errors;
        return;
      }
      self->next();
    });
  }

private:
  void build() {
    req_ = {};
    req_.version(11);
    req_.set(http::field::host, st_.opt.host);
    req_.keep_alive(true);
    auto n = counter_++ * st_.opt.connections + index_;
    auto& mode = st_.mode;
    if (mode == "create") {
      req_.method(http::verb::post);
      req_.target("/task");
      req_.set(http::field::authorization, "Bearer " + st_.opt.key);
      req_.set(http::field::content_type, "application/json");
      req_.body() = R"({"url":"http://127.0.0.1:9/never.bin","paused":true})";
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
      req_.target("/jsonrpc");
      req_.set(http::field::content_type, "application/json");
      std::string params = "\"token:" + st_.opt.secret + "\",";
      if (mode == "aria2-add")
        req_.body() = R"({"jsonrpc":"2.0","id":"1","method":"aria2.addUri",)"
                      R"("params":[)"
                      + params
                      + R"(["http://127.0.0.1:9/never.bin"],{"pause":"true"}]})";
      else
        req_.body() = R"({"jsonrpc":"2.0","id":"1","method":"aria2.tellStatus",)"
                      R"("params":[)"
                      + params + "\"" + st_.ids[n % st_.ids.size()] + "\"]}";
    }
    req_.prepare_payload();
  }

  void next() {
    if (!st_.take_slot())
      return;
    build();
    began_ = clock_type::now();
    http::async_write(stream_, req_,
                      [self = shared_from_this()](beast::error_code ec,
                                                  size_t) {
                        if (ec) {
                          ++self->st_.errors;
                          return;
                        }
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

  void on_response(beast::error_code ec) {
    if (ec) {
      ++st_.errors;
      return;
    }
    auto ms = std::chrono::duration<double, std::milli>(clock_type::now()
                                                        - began_)
                .count();
    auto& body = res_.body();
    bool ok = res_.result_int() == 200
              && body.find("\"error\"") == std::string::npos;
    {
      std::lock_guard<std::mutex> guard{st_.mtx};
      st_.latencies_ms.push_back(ms);
      if (ok && st_.mode == "create")
        st_.created.push_back(extract(body, "tid"));
      if (ok && st_.mode == "aria2-add")
        st_.created.push_back(extract(body, "result"));
    }
    if (!ok)
      ++st_.errors;
    next();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  run_state& st_;
  size_t index_;
  uint64_t counter_ = 0;
  clock_type::time_point began_;
};

/// Runs one load phase; returns the ids created (create modes).
std::vector<std::string> run(const options& opt, const std::string& mode,
                             std::vector<std::string> ids, double duration,
                             uint64_t requests, bool print) {
  run_state st;
  st.opt = opt;
  st.opt.requests = requests;
  st.mode = mode;
  st.ids = std::move(ids);
  net::io_context ioc;
  tcp::resolver resolver{ioc};
  auto ep = resolver.resolve(opt.host, opt.port);
  auto begin = clock_type::now();
  st.deadline = begin
                + std::chrono::duration_cast<clock_type::duration>(
                  std::chrono::duration<double>(duration));
  for (size_t i = 0; i < opt.connections; ++i)
    std::make_shared<connection>(ioc, st, i)->start(ep);
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
    return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1,
                                            size_t(p * lat.size()))];
  };
  if (print)
    std::printf("mode=%s requests=%zu errors=%llu seconds=%.3f rps=%.1f "
                "p50_ms=%.3f p99_ms=%.3f\n",
                mode.c_str(), lat.size(),
                static_cast<unsigned long long>(st.errors.load()), secs,
                lat.size() / secs, pct(0.50), pct(0.99));
  return std::move(st.created);
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    std::string v = argv[i + 1];
    if (k == "--target") {
      auto rest = v.substr(v.find("://") + 3);
      rest = rest.substr(0, rest.find('/'));
      opt.host = rest.substr(0, rest.rfind(':'));
      opt.port = rest.substr(rest.rfind(':') + 1);
    } else if (k == "--mode") {
      opt.mode = v;
    } else if (k == "--key") {
      opt.key = v;
    } else if (k == "--secret") {
      opt.secret = v;
    } else if (k == "--connections") {
      opt.connections = std::stoul(v);
    } else if (k == "--duration") {
      opt.duration = std::stod(v);
    } else if (k == "--requests") {
      opt.requests = std::stoull(v);
    } else if (k == "--tasks") {
      opt.tasks = std::stoul(v);
    } else if (k == "--threads") {
      opt.threads = std::stoul(v);
    } else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  try {
    auto& m = opt.mode;
    if (m == "create" || m == "aria2-add" || m == "health") {
      run(opt, m, {}, opt.duration, opt.requests, true);
    } else if (m == "status" || m == "aria2-status") {
      auto maker = m == "status" ? "create" : "aria2-add";
      auto ids = run(opt, maker, {}, 600, opt.tasks, false);
      if (ids.empty()) {
        std::cerr << "loadgen: could not create the tasks to query\n";
        return 1;
      }
      run(opt, m, std::move(ids), opt.duration, opt.requests, true);
    } else {
      std::cerr << "unknown mode " << m << "\n";
      return 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
