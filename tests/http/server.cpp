#define BOOST_TEST_MODULE http_server
#include <boost/test/unit_test.hpp>

// The real Beast server in-process, against a fake scheduler that
// implements `scheduler_actor` with canned replies and a temporary LMDB with
// one user, driven by a Beast client over 127.0.0.1.

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

using namespace skyhaul;
using namespace std::chrono_literals;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

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

caf::error fake_error(task_seq seq) {
  if (seq == stuck_seq)
    return make_error(ec::invalid_state, "the task is finished");
  return make_error(ec::not_found, "no such task: " + format_tid(seq));
}

scheduler_actor::behavior_type fake_scheduler(scheduler_actor::pointer self,
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
      [](atom::progress, const fetch_progress&) {},
      [](atom::done, const task_record&) {},
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

tcp::endpoint endpoint_of(const std::string& host_port) {
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

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_server, fixture)

BOOST_AUTO_TEST_CASE(binds_every_listener_on_a_free_port) {
  for (auto name : {"api", "offline", "s3"}) {
    BOOST_REQUIRE_MESSAGE(bound.count(name), name);
    BOOST_CHECK(bound[name].rfind("127.0.0.1:", 0) == 0);
    BOOST_CHECK(bound[name] != "127.0.0.1:0");
  }
  BOOST_CHECK(bound["api"] != bound["s3"]);
}

BOOST_AUTO_TEST_CASE(healthz_needs_no_key_and_the_rest_does) {
  client c{bound["api"]};
  auto health = c.call(bhttp::verb::get, "/healthz");
  BOOST_CHECK_EQUAL(health.status, 200u);
  BOOST_CHECK_EQUAL(health.str("status"), "success");
  auto none = c.call(bhttp::verb::get, "/task/list");
  BOOST_CHECK_EQUAL(none.status, 401u);
  BOOST_CHECK_EQUAL(none.str("status"), "error");
  BOOST_CHECK(!none.str("errmsg").empty());
  auto wrong = c.call(bhttp::verb::get, "/task/list", {},
                      {{"Authorization", "Bearer sk_wrong"}});
  BOOST_CHECK_EQUAL(wrong.status, 401u);
  auto with_bearer = c.call(bhttp::verb::get, "/task/list", {}, bearer());
  BOOST_CHECK_EQUAL(with_bearer.status, 200u);
  BOOST_CHECK_EQUAL(with_bearer.str("status"), "success");
  auto with_query = c.call(bhttp::verb::get, "/task/list?key=" + key);
  BOOST_CHECK_EQUAL(with_query.status, 200u);
  // LMDB is read on every miss: a user added now works at once.
  auto [bob, bob_key] = add_user("bob");
  BOOST_CHECK(bob != uid);
  BOOST_CHECK_EQUAL(c.call(bhttp::verb::get, "/config?key=" + bob_key).status,
                    200u);
}

BOOST_AUTO_TEST_CASE(post_task_becomes_a_create_request) {
  auto res = api(bhttp::verb::post, "/task",
                 R"({"url":"https://example.com/f.iso","crc32":"ABC",
                     "key":"isos/f.iso","paused":true})");
  BOOST_REQUIRE_MESSAGE(res.status == 200u, res.body);
  BOOST_CHECK_EQUAL(res.str("status"), "success");
  BOOST_CHECK_EQUAL(res.str("tid"), format_tid(42));
  std::lock_guard<std::mutex> guard{log->mtx};
  BOOST_REQUIRE_EQUAL(log->created.size(), 1u);
  auto& [who, spec] = log->created.front();
  BOOST_CHECK_EQUAL(who, uid);
  BOOST_CHECK_EQUAL(spec.url, "https://example.com/f.iso");
  BOOST_CHECK_EQUAL(spec.bucket, "user-" + std::to_string(uid));
  BOOST_CHECK_EQUAL(spec.key, "isos/f.iso");
  BOOST_CHECK_EQUAL(spec.crc32, "00000abc");
  BOOST_CHECK(spec.start_paused);
  BOOST_CHECK(spec.origin == face::task_api);
}

BOOST_AUTO_TEST_CASE(bad_bodies_never_reach_the_scheduler) {
  auto unknown = api(bhttp::verb::post, "/task",
                     R"({"url":"http://h/f","colour":"red"})");
  BOOST_CHECK_EQUAL(unknown.status, 400u);
  BOOST_CHECK(unknown.str("errmsg").find("colour") != std::string::npos);
  auto magnet
      = api(bhttp::verb::post, "/task", R"({"url":"magnet:?xt=urn:btih:00"})");
  BOOST_CHECK_EQUAL(magnet.status, 400u);
  BOOST_CHECK(magnet.str("errmsg").find("info-hash") != std::string::npos);
  auto ftp = api(bhttp::verb::post, "/task", R"({"url":"gopher://h/f"})");
  BOOST_CHECK_EQUAL(ftp.status, 400u);
  BOOST_CHECK(ftp.str("errmsg").find("unsupported scheme")
              != std::string::npos);
  std::lock_guard<std::mutex> guard{log->mtx};
  BOOST_CHECK(log->created.empty());
}

BOOST_AUTO_TEST_CASE(oversized_bodies_get_413_in_the_face_shape) {
  client c{bound["api"]};
  auto res = c.call(bhttp::verb::post, "/task/batch/pause",
                    R"({"tids":[")" + std::string(8000, 'a') + "\"]}",
                    bearer());
  BOOST_CHECK_EQUAL(res.status, 413u);
  BOOST_CHECK_EQUAL(res.str("status"), "error");
  BOOST_CHECK(res.str("errmsg").find("4096") != std::string::npos);
  BOOST_CHECK(c.closed());
  // POST /task takes uploads beyond that limit, but a task without one
  // still gets the usual limit.
  client t{bound["api"]};
  auto task = t.call(bhttp::verb::post, "/task",
                     R"({"url":"http://h/)" + std::string(8000, 'a') + "\"}",
                     bearer());
  BOOST_CHECK_EQUAL(task.status, 413u);
  BOOST_CHECK(task.str("errmsg").find("4096") != std::string::npos);
  // The s3 listener answers the same condition in S3's shape.
  client s3{bound["s3"]};
  auto xml = s3.call(bhttp::verb::put, "/bucket/key", std::string(5000, 'x'));
  BOOST_CHECK_EQUAL(xml.status, 413u);
  BOOST_CHECK(xml.body.find("<Code>EntityTooLarge</Code>")
              != std::string::npos);
}

BOOST_AUTO_TEST_CASE(only_a_request_with_a_key_gets_the_upload_limit) {
  // A well-formed bencoded dictionary of 6000 bytes, over the 4096 limit.
  auto torrent = "d1:x5990:" + std::string(5990, 'x') + "e";
  auto body = R"({"torrent":")" + skyhaul::base64_encode(torrent) + "\"}";
  client anon{bound["api"]};
  auto refused = anon.call(bhttp::verb::post, "/task", body);
  BOOST_CHECK_EQUAL(refused.status, 413u);
  BOOST_CHECK(refused.str("errmsg").find("4096") != std::string::npos);
  client keyed{bound["api"]};
  auto accepted = keyed.call(bhttp::verb::post, "/task", body, bearer());
  BOOST_CHECK_MESSAGE(accepted.status == 200u, accepted.body);
  std::lock_guard<std::mutex> guard{log->mtx};
  BOOST_REQUIRE_EQUAL(log->created.size(), 1u);
  BOOST_CHECK(log->created.front().second.torrent == torrent);
}

BOOST_AUTO_TEST_CASE(the_upload_limit_is_for_uploads_from_a_valid_key) {
  auto torrent = "d1:x5990:" + std::string(5990, 'x') + "e";
  auto body = R"({"torrent":")" + skyhaul::base64_encode(torrent) + "\"}";
  // A key that opens nothing is no key: the listener's limit.
  client wrong{bound["api"]};
  auto forged = wrong.call(bhttp::verb::post, "/task", body,
                           {{"Authorization", "Bearer sk_wrong"},
                            {"Content-Type", "application/json"}});
  BOOST_CHECK_EQUAL(forged.status, 413u);
  // A body of a type that cannot be an upload gets the usual limit too.
  client text{bound["api"]};
  auto headers = bearer();
  headers["Content-Type"] = "text/plain";
  auto plain = text.call(bhttp::verb::post, "/task", body, headers);
  BOOST_CHECK_EQUAL(plain.status, 413u);
  BOOST_CHECK(plain.str("errmsg").find("4096") != std::string::npos);
  // A multipart upload with a valid key is taken.
  auto form = "--XyZ\r\nContent-Disposition: form-data; name=\"torrent\"; "
              "filename=\"a.torrent\"\r\n\r\n"
              + torrent + "\r\n--XyZ--\r\n";
  client multipart{bound["api"]};
  headers["Content-Type"] = "multipart/form-data; boundary=XyZ";
  auto taken = multipart.call(bhttp::verb::post, "/task", form, headers);
  BOOST_CHECK_MESSAGE(taken.status == 200u, taken.body);
  std::lock_guard<std::mutex> guard{log->mtx};
  BOOST_REQUIRE_EQUAL(log->created.size(), 1u);
  BOOST_CHECK(log->created.front().second.torrent == torrent);
}

BOOST_AUTO_TEST_CASE(expect_continue_is_honoured) {
  client c{bound["api"]};
  std::string body = R"({"url":"http://h/f"})";
  c.raw("POST /task HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
        + "\r\nExpect: 100-continue\r\nContent-Length: "
        + std::to_string(body.size()) + "\r\n\r\n");
  // The body is sent only after the interim answer, as curl does.
  BOOST_REQUIRE_EQUAL(c.receive_header(), 100u);
  c.raw(body);
  auto res = c.receive();
  BOOST_CHECK_EQUAL(res.status, 200u);
  BOOST_CHECK_EQUAL(res.str("tid"), format_tid(42));
  // Too large: the final answer comes at once, without a 100.
  client big{bound["api"]};
  big.raw("POST /task/batch/pause HTTP/1.1\r\nHost: x\r\n"
          "Expect: 100-continue\r\nContent-Length: 100000\r\n\r\n");
  BOOST_CHECK_EQUAL(big.receive().status, 413u);
  BOOST_CHECK(big.closed());
}

BOOST_AUTO_TEST_CASE(malformed_requests_get_400) {
  client c{bound["api"]};
  c.raw("POST /task HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
  auto res = c.receive();
  BOOST_CHECK_EQUAL(res.status, 400u);
  BOOST_CHECK_EQUAL(res.str("status"), "error");
  BOOST_CHECK(c.closed());
}

BOOST_AUTO_TEST_CASE(unknown_paths_and_methods_answer_json) {
  auto missing = api(bhttp::verb::get, "/nope");
  BOOST_CHECK_EQUAL(missing.status, 404u);
  BOOST_CHECK_EQUAL(missing.str("status"), "error");
  auto method = api(bhttp::verb::patch, "/task/list");
  BOOST_CHECK_EQUAL(method.status, 405u);
  BOOST_CHECK_EQUAL(method.str("status"), "error");
}

BOOST_AUTO_TEST_CASE(scheduler_errors_map_to_statuses) {
  auto ok = api(bhttp::verb::put, "/task/tid/" + format_tid(5) + "?act=pause");
  BOOST_CHECK_EQUAL(ok.status, 200u);
  auto gone = api(bhttp::verb::put,
                  "/task/tid/" + format_tid(missing_seq) + "?act=resume");
  BOOST_CHECK_EQUAL(gone.status, 404u);
  BOOST_CHECK(gone.str("errmsg").find("no such task") != std::string::npos);
  auto stuck = api(bhttp::verb::put,
                   "/task/tid/" + format_tid(stuck_seq) + "?act=pause");
  BOOST_CHECK_EQUAL(stuck.status, 409u);
  BOOST_CHECK_EQUAL(stuck.str("errmsg"), "the task is finished");
  BOOST_CHECK_EQUAL(
      api(bhttp::verb::put, "/task/tid/" + format_tid(5) + "?act=jump").status,
      400u);
  BOOST_CHECK_EQUAL(api(bhttp::verb::put, "/task/tid/xyz?act=pause").status,
                    404u);
  BOOST_CHECK_EQUAL(
      api(bhttp::verb::delete_, "/task/tid/" + format_tid(5) + "?del_file=true")
          .status,
      200u);
  std::lock_guard<std::mutex> guard{log->mtx};
  auto u = std::to_string(uid);
  BOOST_CHECK(log->calls
              == (std::vector<std::string>{
                  "pause " + u + " 5", "resume " + u + " 404",
                  "pause " + u + " 409", "remove+files " + u + " 5"}));
}

BOOST_AUTO_TEST_CASE(batch_answers_per_tid) {
  auto res = api(bhttp::verb::post, "/task/batch/pause",
                 R"({"tids":[")" + format_tid(5) + R"(",")"
                     + format_tid(missing_seq) + R"(","bad"]})");
  BOOST_REQUIRE_MESSAGE(res.status == 200u, res.body);
  auto doc = res.json();
  auto& results = doc["results"];
  BOOST_CHECK_EQUAL(results[format_tid(5).c_str()]["status"].GetString(),
                    std::string{"success"});
  BOOST_CHECK_EQUAL(
      results[format_tid(missing_seq).c_str()]["status"].GetString(),
      std::string{"error"});
  BOOST_CHECK(results["bad"].HasMember("errmsg"));
  // The seed's shape: [tid, message] for each tid that failed, none else.
  auto& detail = doc["detail"];
  BOOST_REQUIRE(detail.IsArray());
  BOOST_REQUIRE_EQUAL(detail.Size(), 2u);
  std::set<std::string> failed;
  for (auto& pair : detail.GetArray()) {
    BOOST_REQUIRE(pair.IsArray() && pair.Size() == 2u);
    BOOST_CHECK(pair[1].GetStringLength() > 0);
    failed.insert(pair[0].GetString());
  }
  BOOST_CHECK(failed == (std::set<std::string>{format_tid(missing_seq), "bad"}));
}

BOOST_AUTO_TEST_CASE(settled_status_comes_from_lmdb) {
  task_record rec;
  rec.seq = 77;
  rec.owner = uid;
  rec.state = task_state::failed;
  rec.error = ec::no_such_download_source;
  rec.error_message = "origin said 404";
  rec.total_bytes = 4;
  rec.done_bytes = 1;
  {
    auto t = db->write();
    storage::put_task(t, rec);
    rec.seq = 78;
    rec.owner = uid + 1000; // someone else's
    storage::put_task(t, rec);
    t.commit();
  }
  auto res = api(bhttp::verb::get, "/task/tid/" + format_tid(77) + "/status");
  BOOST_REQUIRE_MESSAGE(res.status == 200u, res.body);
  auto doc = res.json();
  auto& task = doc["detail"];
  BOOST_CHECK_EQUAL(task["state"].GetString(), std::string{"failed"});
  BOOST_CHECK_EQUAL(task["percent"].GetDouble(), 25.0);
  BOOST_CHECK_EQUAL(task["error"]["code"].GetString(),
                    std::string{"no_such_download_source"});
  auto ex = api(bhttp::verb::get,
                "/task/tid/" + format_tid(77) + "/status?excerpt=true");
  BOOST_CHECK(!ex.json()["detail"].HasMember("error"));
  BOOST_CHECK_EQUAL(
      api(bhttp::verb::get, "/task/tid/" + format_tid(78) + "/status").status,
      404u);
}

BOOST_AUTO_TEST_CASE(signed_links_stream_the_file) {
  auto info
      = api(bhttp::verb::get, "/task/tid/" + format_tid(known_seq) + "/info");
  BOOST_REQUIRE_MESSAGE(info.status == 200u, info.body);
  auto doc = info.json();
  std::string link = doc["detail"]["files"][0]["url"].GetString();
  BOOST_CHECK(link.find("/a%20b.bin?expires=") != std::string::npos);
  client c{bound["api"]};
  auto full = c.call(bhttp::verb::get, link);
  BOOST_CHECK_EQUAL(full.status, 200u);
  BOOST_CHECK_EQUAL(full.body, file_body);
  BOOST_CHECK_EQUAL(full.headers[bhttp::field::etag],
                    "\"" + std::string(32, 'e') + "\"");
  BOOST_CHECK_EQUAL(full.headers[bhttp::field::content_type],
                    "application/x-test");
  auto part = c.call(bhttp::verb::get, link, {}, {{"Range", "bytes=2-5"}});
  BOOST_CHECK_EQUAL(part.status, 206u);
  BOOST_CHECK_EQUAL(part.body, "2345");
  BOOST_CHECK_EQUAL(part.headers[bhttp::field::content_range], "bytes 2-5/20");
  auto tail = c.call(bhttp::verb::get, link, {}, {{"Range", "bytes=-3"}});
  BOOST_CHECK_EQUAL(tail.body, "hij");
  auto past = c.call(bhttp::verb::get, link, {}, {{"Range", "bytes=20-"}});
  BOOST_CHECK_EQUAL(past.status, 416u);
  auto same = c.call(bhttp::verb::get, link, {},
                     {{"If-None-Match", "\"" + std::string(32, 'e') + "\""}});
  BOOST_CHECK_EQUAL(same.status, 304u);
  auto head = c.call(bhttp::verb::head, link);
  BOOST_CHECK_EQUAL(head.status, 200u);
  BOOST_CHECK_EQUAL(head.headers[bhttp::field::content_length], "20");
  auto tampered = link;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  BOOST_CHECK_EQUAL(c.call(bhttp::verb::get, tampered).status, 403u);
  // The owner's key works without a signature, by key as well as by name.
  auto by_key = c.call(bhttp::verb::get, "/download/" + format_tid(known_seq)
                                             + "/dir/a%20b.bin?key=" + key);
  BOOST_CHECK_EQUAL(by_key.body, file_body);
}

BOOST_AUTO_TEST_CASE(keep_alive_answers_in_order) {
  client c{bound["api"]};
  // Pipelined: both requests are on the wire before either answer.
  c.send(bhttp::verb::get, "/task/state_coutner", {}, bearer());
  c.send(bhttp::verb::get, "/healthz");
  auto first = c.receive();
  auto second = c.receive();
  BOOST_REQUIRE_MESSAGE(first.status == 200u, first.body);
  auto doc = first.json();
  BOOST_CHECK_EQUAL(doc["detail"]["waiting"].GetUint64(), 2u);
  BOOST_CHECK_EQUAL(doc["detail"]["all"].GetUint64(), 5u);
  BOOST_CHECK_EQUAL(second.body, R"({"status":"success"})");
}

BOOST_AUTO_TEST_CASE(an_answer_that_never_comes_is_a_500_after_the_timeout) {
  client c{bound["api"]};
  auto begin = std::chrono::steady_clock::now();
  auto res = c.call(bhttp::verb::put,
                    "/task/tid/" + format_tid(hung_seq) + "?act=pause", {},
                    bearer());
  auto waited = std::chrono::steady_clock::now() - begin;
  BOOST_CHECK_EQUAL(res.status, 500u);
  BOOST_CHECK_EQUAL(res.str("status"), "error");
  BOOST_CHECK_EQUAL(res.str("errmsg"), "the request timed out");
  BOOST_CHECK_EQUAL(res.headers[bhttp::field::connection], "close");
  BOOST_CHECK(waited >= 1400ms);
  BOOST_CHECK(c.closed());
  {
    std::lock_guard<std::mutex> guard{log->mtx};
    BOOST_CHECK_EQUAL(log->hung.size(), 1u);
  }
  // The server goes on serving other connections.
  BOOST_CHECK_EQUAL(api(bhttp::verb::get, "/task/state_counter").status, 200u);
}

BOOST_AUTO_TEST_CASE(a_silent_or_stalled_connection_is_closed_when_idle) {
  // Nothing at all, then a header that never ends (slowloris).
  std::string stalled = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (const auto& sent : {std::string{}, stalled}) {
    client c{bound["api"]};
    auto begin = std::chrono::steady_clock::now();
    if (!sent.empty())
      c.raw(sent);
    BOOST_CHECK(c.closed());
    auto waited = std::chrono::steady_clock::now() - begin;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(waited);
    BOOST_CHECK_MESSAGE(ms >= 1900ms && ms < 9s,
                        "closed after " << ms.count() << " ms");
  }
}

BOOST_AUTO_TEST_CASE(a_busy_keep_alive_connection_outlives_the_idle_timeout) {
  // Six requests 600 ms apart: 3 s on one connection, longer than the
  // 2 s idle limit, but never silent for that long.
  client c{bound["api"]};
  for (int i = 0; i < 6; ++i) {
    if (i > 0)
      std::this_thread::sleep_for(600ms);
    auto res = c.call(bhttp::verb::get, "/healthz");
    BOOST_REQUIRE_EQUAL(res.status, 200u);
  }
}

BOOST_AUTO_TEST_CASE(list_passes_the_query) {
  auto res
      = api(bhttp::verb::get,
            "/task/list?state=downloading&limit=5&cursor=" + format_tid(2));
  BOOST_REQUIRE_MESSAGE(res.status == 200u, res.body);
  BOOST_CHECK_EQUAL(res.str("next"), format_tid(3));
  // The seed's shape: the excerpts in "detail", the counters beside them.
  auto doc = res.json();
  BOOST_REQUIRE(doc["detail"].IsArray() && doc["detail"].Size() == 1u);
  auto& first = doc["detail"][0];
  BOOST_CHECK_EQUAL(first["tid"].GetString(), format_tid(3));
  for (auto key : {"state", "percent", "total_bytes", "title", "eta", "speed"})
    BOOST_CHECK_MESSAGE(first.HasMember(key), key);
  BOOST_CHECK(!first.HasMember("url"));
  BOOST_CHECK_EQUAL(doc["state_counter"]["waiting"].GetUint64(), 2u);
  BOOST_CHECK_EQUAL(doc["state_counter"]["all"].GetUint64(), 5u);
  BOOST_CHECK_EQUAL(doc["state_counter"]["invalid"].GetUint64(), 0u);
  BOOST_CHECK_EQUAL(api(bhttp::verb::get, "/task/list?state=gone").status,
                    400u);
  BOOST_CHECK_EQUAL(api(bhttp::verb::get, "/task/list?limit=0").status, 400u);
  std::lock_guard<std::mutex> guard{log->mtx};
  BOOST_REQUIRE_EQUAL(log->calls.size(), 1u);
  BOOST_CHECK_EQUAL(log->calls[0], "list 1 5 2");
}

BOOST_AUTO_TEST_CASE(offline_listener_answers_in_s3_xml) {
  client c{bound["offline"]};
  // No signature: the Offline API has no anonymous access.
  auto res = c.call(bhttp::verb::put, "/bucket?x=1");
  BOOST_CHECK_EQUAL(res.status, 403u);
  BOOST_CHECK(res.body.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error>"
                             "<Code>AccessDenied</Code>",
                             0)
              == 0);
  BOOST_CHECK(res.body.find("<Resource>/bucket</Resource>")
              != std::string::npos);
  BOOST_CHECK(res.body.find("<RequestId>") != std::string::npos);
}

namespace {

/// A concrete path for a route pattern: a sample value per capture.
std::string sample_path(const std::string& pattern) {
  static const std::map<std::string, std::string> samples{
      {":tid", format_tid(5)}, {":op", "pause"},    {":bucket", "walk-bucket"},
      {"*key", "dir/a.bin"},   {"*file", "a.bin"},
      {":pid", "5"},           {":lid", "3"},       {":uid", "7"},
      {":passkey", std::string(32, '0')},
      // The Offcloud face's request ids and preflight paths.
      {":id", "000000000000000000000005"},
      {":rid", "000000000000000000000005"}};
  std::string out;
  for (auto& seg : http::split_path(pattern)) {
    out += "/";
    if (seg.empty() || (seg[0] != ':' && seg[0] != '*')) {
      out += seg;
      continue;
    }
    auto i = samples.find(seg);
    BOOST_REQUIRE_MESSAGE(i != samples.end(),
                          "no sample value for " << seg << " in " << pattern);
    out += i->second;
  }
  return out;
}

bhttp::verb verb_of(const std::string& method) {
  return bhttp::string_to_verb(method);
}

/// True when `res` has the error shape of the face `face`.
bool in_face_shape(const std::string& face, const response& res) {
  // The web UI's pages and JSON, the events face (GET /events), /metrics
  // and /openapi.json answer errors as the Task API does.
  if (face == "task" || face == "ui" || face == "ui_api"
      || face == "events" || face == "metrics" || face == "openapi") {
    rapidjson::Document doc;
    doc.Parse(res.body.c_str(), res.body.size());
    return !doc.HasParseError() && doc.IsObject() && doc.HasMember("status")
           && doc["status"] == "error" && doc.HasMember("errmsg")
           && doc["errmsg"].IsString()
           && res.headers[bhttp::field::content_type] == "application/json";
  }
  if (face == "offcloud" || face == "offcloud-upload") {
    rapidjson::Document doc;
    doc.Parse(res.body.c_str(), res.body.size());
    return !doc.HasParseError() && doc.IsObject() && doc.HasMember("error")
           && doc["error"].IsString()
           && res.headers[bhttp::field::content_type] == "application/json";
  }
  if (face == "s3" || face == "offline")
    return res.body.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                          "<Error><Code>",
                          0)
               == 0
           && res.body.find("<RequestId>") != std::string::npos
           && res.headers[bhttp::field::content_type] == "application/xml";
  if (face == "community") {
    rapidjson::Document doc;
    doc.Parse(res.body.c_str(), res.body.size());
    return !doc.HasParseError() && doc.IsObject() && doc.HasMember("status")
           && doc["status"] == "FAIL" && doc.HasMember("message")
           && doc["message"].IsString() && doc.HasMember("data")
           && doc["data"].IsNull()
           && res.headers[bhttp::field::content_type] == "application/json";
  }
  if (face == "tracker")
    return res.status == 200u && res.body.rfind("d14:failure reason", 0) == 0;
  BOOST_ERROR("the test knows no error shape of face " << face);
  return false;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_route_refuses_strangers_in_its_faces_shape) {
  // A private bucket of alice's, so that the routes anonymous callers may
  // use (S3's public-read) have something to refuse.
  {
    auto t = db->write();
    storage::create_bucket(t, "walk-bucket", uid, acl_spec{}, 0);
    t.commit();
  }
  auto aws_wrong = std::map<std::string, std::string>{
      {"Authorization", "AWS AKIANOSUCHKEY00000:c2lnbmF0dXJl"},
      {"Date", skyhaul::format_http_date(std::time(nullptr))}};
  auto api_wrong = std::map<std::string, std::string>{
      {"Authorization", "Bearer sk_wrong"}};
  auto community_wrong = std::map<std::string, std::string>{
      {"id", "1"}, {"credential", "wrong"}};
  // What each face makes of the router's 405: S3 answers every operation
  // it does not do (PutObject, POST ?delete...) with 501 NotImplemented.
  const std::map<std::string, unsigned> status_405{
      {"task", 405}, {"offline", 405}, {"s3", 501},
      {"offcloud", 405}, {"offcloud-upload", 405}, {"community", 405},
      {"tracker", 200}, {"ui", 405}, {"ui_api", 405}, {"events", 405},
      {"metrics", 405}, {"openapi", 405}};
  std::set<std::string> open_routes;
  size_t walked = 0;
  for (auto& l : listeners) {
    auto& faces = *l.faces;
    auto table = faces.table();
    BOOST_REQUIRE_MESSAGE(!table.empty(), l.name);
    for (auto& route : table) {
      auto what = l.name + " " + route.method + " " + route.pattern;
      auto path = sample_path(route.pattern);
      ++walked;
      if (route.auth == http::access::open && route.method == "OPTIONS"
          && route.face.rfind("offcloud", 0) == 0) {
        // The Offcloud faces' CORS preflights: open, and nothing but 204.
        client c{bound[l.name]};
        auto res = c.call(bhttp::verb::options, path);
        BOOST_CHECK_MESSAGE(res.status == 204u, what << " -> " << res.status);
        BOOST_CHECK_MESSAGE(res.body.empty(), what << " -> " << res.body);
      } else if (route.auth == http::access::open) {
        open_routes.insert(what);
      } else {
        // The api listener's faces take api keys (the community face its
        // id and credential headers); the others signatures.
        bool keyed = l.name == "api";
        auto& forged = route.face == "community" ? community_wrong
                       : keyed                   ? api_wrong
                                                 : aws_wrong;
        for (bool anonymous : {true, false}) {
          client c{bound[l.name]};
          auto res = c.call(verb_of(route.method), path, {},
                            anonymous ? std::map<std::string, std::string>{}
                                      : forged);
          BOOST_CHECK_MESSAGE(res.status == 401u || res.status == 403u,
                              what << (anonymous ? " anonymous" : " forged")
                                   << " -> " << res.status << " " << res.body);
          BOOST_CHECK_MESSAGE(in_face_shape(route.face, res),
                              what << " -> " << res.body);
          // A forged signature is refused as such, not let through as an
          // anonymous caller that the ACL happens to stop.
          if (!anonymous && !keyed)
            BOOST_CHECK_MESSAGE(res.body.find("InvalidAccessKeyId")
                                  != std::string::npos,
                                what << " forged -> " << res.body);
        }
        if (keyed) {
          // The other way to present a key: ?key=.
          client c{bound[l.name]};
          auto sep = path.find('?') == std::string::npos ? "?" : "&";
          auto res = c.call(verb_of(route.method),
                            path + sep + "key=sk_wrong");
          BOOST_CHECK_MESSAGE(res.status == 401u || res.status == 403u,
                              what << " ?key= -> " << res.status);
          BOOST_CHECK_MESSAGE(in_face_shape(route.face, res),
                              what << " ?key= -> " << res.body);
        }
        if (route.method == "GET") {
          // GET routes answer HEAD too: it needs a caller just the same.
          client c{bound[l.name]};
          auto res = c.call(bhttp::verb::head, path);
          BOOST_CHECK_MESSAGE(res.status == 401u || res.status == 403u,
                              what << " as HEAD -> " << res.status);
        }
      }
      // Every method the path does not take is refused by its face.
      for (auto* method : {"GET", "PUT", "POST", "DELETE", "PATCH"}) {
        http::request head;
        head.method = method;
        head.path = path;
        auto adm = faces.admit(head);
        if (adm.route >= 0)
          continue;
        client c{bound[l.name]};
        auto res = c.call(verb_of(method), path);
        BOOST_CHECK_MESSAGE(res.status == status_405.at(route.face),
                            what << " as " << method << " -> " << res.status
                                 << " " << res.body);
        BOOST_CHECK_MESSAGE(in_face_shape(route.face, res),
                            what << " as " << method << " -> " << res.body);
      }
    }
  }
  BOOST_CHECK_GE(walked, 20u);
  // The public routes, each on purpose: a new one must be added here.
  BOOST_CHECK(open_routes
              == (std::set<std::string>{"api GET /healthz",
                                        "api GET /download/:tid/*file",
                                        "api GET /announce/:passkey",
                                        "api GET /scrape/:passkey",
                                        // Offcloud: logging in and out,
                                        // its signed links.
                                        "api POST /api/login",
                                        "api POST /api/logout",
                                        "api GET /api/check",
                                        "api POST /api/check",
                                        "api GET /cloud/download/:rid/*file",
                                        // The web UI's static files.
                                        "api GET /", "api GET /ui/*file",
                                        "api GET /ui/api/session",
                                        // Documentation; and /metrics checks
                                        // its token or an admin's key itself.
                                        "api GET /openapi.json",
                                        "api GET /metrics"}));
}

BOOST_AUTO_TEST_CASE(stop_closes_listeners_and_is_idempotent) {
  client idle{bound["api"]};
  BOOST_CHECK_EQUAL(idle.call(bhttp::verb::get, "/healthz").status, 200u);
  srv->stop();
  srv->stop();
  BOOST_CHECK(idle.closed());
  net::io_context ioc;
  tcp::socket s{ioc};
  beast::error_code ec;
  s.connect(endpoint_of(bound["api"]), ec);
  BOOST_CHECK(ec == net::error::connection_refused);
}

BOOST_AUTO_TEST_SUITE_END()
