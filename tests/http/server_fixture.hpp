#pragma once

// The in-process server fixture of the http server tests: the real Beast
// server against a fake scheduler that implements `scheduler_actor` with
// canned replies, a temporary LMDB with one user, and a Beast client over
// 127.0.0.1.

#include "http/auth.hpp"
#include "http/listeners.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "base/base64.hpp"
#include "base/http_date.hpp"
#include "storage/blob_store.hpp"
#include "storage/bucket_table.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/task_table.hpp"
#include "storage/user_table.hpp"
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <caf/all.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <rapidjson/document.h>
#include <stdlib.h>
#include <thread>

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace skyhaul::test {

using namespace std::chrono_literals;

/// Task 7 is finished with one stored file; 404 and 409 answer errors.
constexpr task_seq known_seq = 7;
constexpr task_seq missing_seq = 404;
constexpr task_seq stuck_seq = 409;
/// Pausing task 408 is never answered.
constexpr task_seq hung_seq = 408;
const std::string file_body = "0123456789abcdefghij";

/// What the fake scheduler was asked, for the test to check.
struct fake_log {
  std::mutex mtx;
  std::vector<std::pair<user_id, task_spec>> created;
  std::vector<std::string> calls;
  /// Promises of calls that are never answered.
  std::vector<caf::typed_response_promise<caf::ok_atom>> hung;
  user_id owner = 0;
  std::string blob;

  void note(std::string call) {
    std::lock_guard<std::mutex> guard{mtx};
    calls.push_back(std::move(call));
  }
};

inline caf::error fake_error(task_seq seq) {
  if (seq == stuck_seq)
    return make_error(ec::invalid_state, "the task is finished");
  return make_error(ec::not_found, "no such task: " + format_tid(seq));
}

inline scheduler_actor::behavior_type fake_scheduler(scheduler_actor::pointer self,
                                              std::shared_ptr<fake_log> log) {
  auto simple = [log](const char* what, user_id uid,
                      task_seq seq) -> caf::result<caf::ok_atom> {
    log->note(std::string{what} + " " + std::to_string(uid) + " "
              + std::to_string(seq));
    if (seq == missing_seq || seq == stuck_seq)
      return fake_error(seq);
    return caf::ok_atom_v;
  };
  return {
      [log](atom::create, user_id uid,
            task_spec& spec) -> caf::result<task_seq> {
        std::lock_guard<std::mutex> guard{log->mtx};
        log->created.emplace_back(uid, std::move(spec));
        return task_seq{42};
      },
      [simple, self, log](atom::pause, user_id uid,
                          task_seq seq) -> caf::result<caf::ok_atom> {
        if (seq == hung_seq) {
          auto rp = self->make_response_promise<caf::ok_atom>();
          std::lock_guard<std::mutex> guard{log->mtx};
          log->hung.push_back(rp);
          return rp;
        }
        return simple("pause", uid, seq);
      },
      [simple](atom::resume, user_id uid, task_seq seq) {
        return simple("resume", uid, seq);
      },
      [simple](atom::cancel, user_id uid, task_seq seq) {
        return simple("cancel", uid, seq);
      },
      [simple](atom::remove, user_id uid, task_seq seq, bool del) {
        return simple(del ? "remove+files" : "remove", uid, seq);
      },
      [log](atom::status, user_id uid,
            task_seq seq) -> caf::result<task_status> {
        std::lock_guard<std::mutex> guard{log->mtx};
        // uid 0 is the trusted caller of signed links.
        if (seq != known_seq || (uid != 0 && uid != log->owner))
          return fake_error(seq);
        task_status ts;
        ts.rec.seq = seq;
        ts.rec.owner = log->owner;
        ts.rec.state = task_state::finished;
        ts.rec.spec.url = "http://origin/a.bin";
        ts.rec.spec.bucket = "user-1";
        file_record f;
        f.name = "a b.bin";
        f.key = "dir/a b.bin";
        f.size = file_body.size();
        f.md5 = std::string(32, 'e');
        f.content_type = "application/x-test";
        f.blob = log->blob;
        f.last_modified_ms = 1000;
        ts.rec.files.push_back(f);
        return ts;
      },
      [log](atom::list, user_id, task_query& q) -> caf::result<task_page> {
        log->note("list " + std::to_string(int{q.state}) + " "
                  + std::to_string(q.limit) + " " + std::to_string(q.after));
        task_page page;
        task_status ts;
        ts.rec.seq = 3;
        ts.rec.state = task_state::downloading;
        ts.rec.done_bytes = 1;
        ts.rec.total_bytes = 3;
        page.tasks.push_back(ts);
        page.next = 3;
        return page;
      },
      [](atom::counters, user_id) -> caf::result<state_counters> {
        state_counters c;
        c.counts[static_cast<size_t>(task_state::waiting)] = 2;
        c.counts[static_cast<size_t>(task_state::finished)] = 3;
        return c;
      },
      [log](atom::create, user_id,
            std::vector<task_spec>& specs) -> std::vector<task_seq> {
        log->note("create " + std::to_string(specs.size()));
        std::vector<task_seq> seqs;
        for (size_t i = 0; i < specs.size(); ++i)
          seqs.push_back(100 + i);
        return seqs;
      },
      [log](caf::put_atom, user_id, task_seq seq,
            std::vector<std::string>& files) -> caf::result<task_status> {
        log->note("files " + std::to_string(files.size()));
        return fake_error(seq);
      },
      [](atom::progress, const fetch_progress&) {},
      [](atom::done, const task_record&) {},
      [](atom::retry, task_seq, const std::string&) {},
  };
}

struct response {
  unsigned status = 0;
  std::string body;
  bhttp::fields headers;

  rapidjson::Document json() const {
    rapidjson::Document doc;
    doc.Parse(body.c_str(), body.size());
    BOOST_REQUIRE_MESSAGE(!doc.HasParseError() && doc.IsObject(),
                          "not a JSON object: " << body);
    return doc;
  }

  std::string str(const char* name) const {
    auto doc = json();
    if (!doc.HasMember(name) || !doc[name].IsString())
      return "<missing>";
    return doc[name].GetString();
  }
};

inline tcp::endpoint endpoint_of(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  return {net::ip::make_address(host_port.substr(0, colon)),
          static_cast<unsigned short>(std::stoi(host_port.substr(colon + 1)))};
}

/// A keep-alive client connection with a bound on every exchange.
class client {
public:
  explicit client(const std::string& host_port) : stream_(ioc_) {
    stream_.expires_after(10s);
    stream_.connect(endpoint_of(host_port));
  }

  void send(bhttp::verb method, const std::string& target,
            const std::string& body = {},
            std::map<std::string, std::string> headers = {}) {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    for (auto& [k, v] : headers)
      req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    stream_.expires_after(10s);
    bhttp::write(stream_, req);
  }

  response receive(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);
    parser.body_limit(64 << 20);
    stream_.expires_after(10s);
    bhttp::read(stream_, buffer_, parser);
    auto& msg = parser.get();
    response out;
    out.status = msg.result_int();
    out.body = msg.body();
    out.headers = msg.base();
    return out;
  }

  /// Writes bytes as they are, e.g. a request Beast would not produce.
  void raw(const std::string& bytes) {
    stream_.expires_after(10s);
    net::write(stream_, net::buffer(bytes));
  }

  /// Reads only a header, e.g. an interim `100 Continue`.
  unsigned receive_header() {
    bhttp::response_parser<bhttp::empty_body> parser;
    stream_.expires_after(10s);
    bhttp::read_header(stream_, buffer_, parser);
    return parser.get().result_int();
  }

  response call(bhttp::verb method, const std::string& target,
                const std::string& body = {},
                std::map<std::string, std::string> headers = {}) {
    send(method, target, body, std::move(headers));
    return receive(method == bhttp::verb::head);
  }

  /// True when the server closed the connection.
  bool closed() {
    beast::error_code ec;
    stream_.expires_after(10s);
    char c;
    stream_.read_some(net::buffer(&c, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

private:
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

struct fixture {
  std::string dir;
  settings cfg;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<storage::lmdb_env> db;
  std::unique_ptr<storage::blob_store> blobs;
  std::shared_ptr<fake_log> log = std::make_shared<fake_log>();
  scheduler_actor sched;
  std::shared_ptr<http::services> svc = std::make_shared<http::services>();
  /// The daemon's own wiring: every listener with its faces.
  std::vector<http::listener_spec> listeners;
  std::unique_ptr<http::server> srv;
  std::map<std::string, std::string> bound;
  user_id uid = 0;
  std::string key;

  fixture() {
    char tmpl[] = "/tmp/skyhaul-http-XXXXXX";
    dir = ::mkdtemp(tmpl);
    cfg.data_dir = dir;
    cfg.api = cfg.offline = cfg.s3 = "127.0.0.1:0";
    cfg.max_body_bytes = 4096;
    cfg.http_threads = 2;
    cfg.request_timeout_ms = 1500;
    cfg.idle_timeout_ms = 2000;
    db = std::make_unique<storage::lmdb_env>(dir + "/db", 64 << 20);
    blobs = std::make_unique<storage::blob_store>(dir);
    std::tie(uid, key) = add_user("alice");
    log->owner = uid;
    log->blob = std::string(40, 'b');
    auto path = blobs->blob_path(log->blob);
    std::filesystem::create_directories(
        std::filesystem::path{path}.parent_path());
    std::ofstream{path} << file_body;
    sys_cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    sched = sys->spawn(fake_scheduler, log);
    svc->sys = sys.get();
    svc->scheduler = sched;
    svc->db = db.get();
    svc->blobs = blobs.get();
    svc->cfg = &cfg;
    svc->link_secret = "test-secret";
    listeners = http::standard_listeners(svc);
    srv = std::make_unique<http::server>(cfg, listeners);
    bound = srv->start();
  }

  ~fixture() {
    srv->stop();
    srv.reset();
    caf::anon_send_exit(sched, caf::exit_reason::user_shutdown);
    sched = nullptr;
    {
      // Promises refer to their actors: they go before the actor system.
      std::lock_guard<std::mutex> guard{log->mtx};
      log->hung.clear();
    }
    sys.reset();
    std::filesystem::remove_all(dir);
  }

  std::pair<user_id, std::string> add_user(const std::string& name) {
    auto t = db->write();
    auto u = storage::make_user(storage::next_user_id(t), name, false, 0);
    storage::put_user(t, u.rec);
    t.commit();
    return {u.rec.id, u.api_key};
  }

  std::map<std::string, std::string> bearer() const {
    return {{"Authorization", "Bearer " + key}};
  }

  response api(bhttp::verb method, const std::string& target,
               const std::string& body = {}) {
    client c{bound["api"]};
    return c.call(method, target, body, bearer());
  }
};

} // namespace skyhaul::test
