#define BOOST_TEST_MODULE scheduler
#include <boost/test/unit_test.hpp>

// The scheduler, task and store actors against a fake http_fetch that
// implements the same typed interface, so each transfer's end is decided by
// the test.

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <caf/all.hpp>

#include "actors/disk_pool.hpp"
#include "actors/scheduler.hpp"
#include "actors/store.hpp"
#include "protocol/settings.hpp"
#include "storage/blob_store.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/no_space.hpp"
#include "storage/object_table.hpp"
#include "storage/task_table.hpp"
#include "tests/support/reference_digests.hpp"

using namespace skyhaul;
using namespace std::chrono_literals;

namespace {

/// What the fake fetch saw; the test completes transfers through it.
struct fetch_control {
  std::mutex mtx;
  std::condition_variable cv;
  std::map<task_seq, std::pair<fetch_request, fetch_listener_actor>> running;
  std::vector<fetch_request> started;
  std::vector<task_seq> stopped;

  /// Waits until `pred` holds, at most 10 seconds.
  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, 10s, [&] { return pred(); });
  }

  /// Writes `body` (from the request's offset on) and reports success.
  void complete(task_seq seq, const std::string& body) {
    std::pair<fetch_request, fetch_listener_actor> job;
    {
      std::unique_lock<std::mutex> guard{mtx};
      job = running.at(seq);
      running.erase(seq);
    }
    auto& req = job.first;
    std::filesystem::create_directories(
      std::filesystem::path(req.path).parent_path());
    std::ofstream out{req.path, std::ios::binary | std::ios::app};
    out << body.substr(req.offset);
    out.close();
    fetch_result res;
    res.seq = seq;
    res.size = body.size();
    res.md5 = test::digest_of(EVP_md5(), body);
    res.sha1 = test::digest_of(EVP_sha1(), body);
    res.crc32 = test::crc32_of(body);
    res.content_type = "text/plain";
    res.file_name = "file.txt";
    caf::anon_send(job.second, atom::done_v, res);
  }

  void fail(task_seq seq, ec code, bool transient) {
    fetch_listener_actor who;
    {
      std::unique_lock<std::mutex> guard{mtx};
      who = running.at(seq).second;
      running.erase(seq);
    }
    fetch_result res;
    res.seq = seq;
    res.code = code;
    res.transient = transient;
    res.message = "fake failure";
    caf::anon_send(who, atom::done_v, res);
  }
};

http_fetch_actor::behavior_type fake_fetch(http_fetch_actor::pointer self,
                                           std::shared_ptr<fetch_control> c) {
  return {
    [=](atom::start, fetch_request& req, fetch_listener_actor& who) {
      std::unique_lock<std::mutex> guard{c->mtx};
      c->started.push_back(req);
      c->running[req.seq] = {req, who};
      c->cv.notify_all();
    },
    [=](atom::stop, task_seq seq) {
      std::unique_lock<std::mutex> guard{c->mtx};
      c->running.erase(seq);
      c->stopped.push_back(seq);
      c->cv.notify_all();
    },
  };
}

struct fixture {
  std::string dir;
  settings cfg;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<storage::lmdb_env> db;
  std::unique_ptr<storage::blob_store> blobs;
  std::unique_ptr<disk_pool> disk;
  std::shared_ptr<fetch_control> ctl = std::make_shared<fetch_control>();
  store_actor store;
  http_fetch_actor fetch;
  scheduler_actor sched;

  fixture() {
    char tmpl[] = "/tmp/skyhaul-sched-XXXXXX";
    dir = ::mkdtemp(tmpl);
    cfg.data_dir = dir;
    cfg.max_active = 2;
    cfg.max_tries = 3;
    cfg.retry_base_ms = 10;
    cfg.retry_max_ms = 50;
    sys_cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    start();
  }

  void start() {
    db = std::make_unique<storage::lmdb_env>(dir + "/db", 64 << 20);
    blobs = std::make_unique<storage::blob_store>(dir);
    disk = std::make_unique<disk_pool>(2);
    store = spawn_store(*sys, db.get(), blobs.get());
    fetch = sys->spawn(fake_fetch, ctl);
    task_deps deps;
    deps.cfg = &cfg;
    deps.db = db.get();
    deps.blobs = blobs.get();
    deps.disk = disk.get();
    deps.store = store;
    deps.fetch = fetch;
    sched = spawn_scheduler(*sys, deps);
  }

  /// Stops every actor as a crash would leave the disk: no final writes.
  void stop() {
    caf::scoped_actor self{*sys};
    for (auto a : {caf::actor_cast<caf::actor>(sched),
                   caf::actor_cast<caf::actor>(fetch)}) {
      self->send_exit(a, caf::exit_reason::kill);
      self->wait_for(a);
    }
    self->request(store, 10s, atom::flush_v).receive([](caf::ok_atom) {},
                                                    [](caf::error&) {});
    self->send_exit(store, caf::exit_reason::kill);
    self->wait_for(store);
    // A detached actor's thread lives until its last handle goes.
    store = nullptr;
    fetch = nullptr;
    sched = nullptr;
    disk.reset();
    db.reset();
  }

  ~fixture() {
    stop();
    sys.reset();
    std::filesystem::remove_all(dir);
  }

  template <class... Ts>
  caf::expected<caf::message> ask(Ts&&... xs) {
    caf::scoped_actor self{*sys};
    caf::expected<caf::message> out{caf::message{}};
    self->request(caf::actor_cast<caf::actor>(sched), 10s,
                  std::forward<Ts>(xs)...)
      .receive([&](caf::message& m) { out = std::move(m); },
               [&](caf::error& err) { out = std::move(err); });
    return out;
  }

  task_seq create(user_id uid, task_spec spec) {
    caf::scoped_actor self{*sys};
    task_seq seq = 0;
    self->request(sched, 10s, atom::create_v, uid, std::move(spec))
      .receive([&](task_seq s) { seq = s; },
               [&](caf::error& err) {
                 BOOST_FAIL("create failed: " << caf::to_string(err));
               });
    return seq;
  }

  caf::expected<task_status> status(user_id uid, task_seq seq) {
    caf::scoped_actor self{*sys};
    caf::expected<task_status> out{task_status{}};
    self->request(sched, 10s, atom::status_v, uid, seq)
      .receive([&](task_status& st) { out = std::move(st); },
               [&](caf::error& err) { out = std::move(err); });
    return out;
  }

  caf::error call(atom::pause p, user_id uid, task_seq seq) {
    return simple(p, uid, seq);
  }
  caf::error call(atom::resume r, user_id uid, task_seq seq) {
    return simple(r, uid, seq);
  }

  template <class Atom>
  caf::error simple(Atom a, user_id uid, task_seq seq) {
    caf::scoped_actor self{*sys};
    caf::error out;
    self->request(sched, 10s, a, uid, seq)
      .receive([](caf::ok_atom) {}, [&](caf::error& err) { out = err; });
    return out;
  }

  /// Polls the task's status until `pred` holds, at most 10 seconds;
  /// returns the last status.
  template <class Pred>
  caf::expected<task_status> await_status(user_id uid, task_seq seq,
                                          Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    auto st = status(uid, seq);
    while (!(st && pred(*st)) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
      st = status(uid, seq);
    }
    return st;
  }

  /// Polls the task's state until it is `want`, at most 10 seconds.
  bool await_state(user_id uid, task_seq seq, task_state want) {
    auto st = await_status(
        uid, seq, [&](const task_status& ts) { return ts.rec.state == want; });
    return st && st->rec.state == want;
  }

  task_spec spec(std::string key = "k") {
    task_spec s;
    s.url = "http://origin.test/file.txt";
    s.bucket = "b";
    s.key = std::move(key);
    return s;
  }
};

} // namespace

namespace {

/// Whether the task's record in LMDB (not any reply) is in state `s`.
bool stored_as(storage::lmdb_env& db, task_seq seq, task_state s) {
  auto t = db.read();
  auto rec = storage::get_task(t, seq);
  return rec && rec->state == s;
}

/// Fills `db`'s map until not even a small write fits. One key is written
/// over and over: while `pin`, an older read transaction, lives, no page
/// freed meanwhile can be used again, so ending it gives the room back.
void fill_map(storage::lmdb_env& db, const storage::txn& pin) {
  BOOST_REQUIRE(!pin.writable());
  // Any record will do as ballast; a task record's text grows it.
  task_record ballast;
  size_t size = 1 << 20;
  for (int i = 0; size >= 16 && i < 10000; ++i) {
    ballast.error_message.assign(size, 'x');
    try {
      auto t = db.write();
      t.put(storage::table::meta, "fill", ballast);
      t.commit();
    } catch (const storage::lmdb_error& e) {
      BOOST_REQUIRE_MESSAGE(storage::names_no_space(e.what()), e.what());
      size /= 4;
    }
  }
  BOOST_REQUIRE_LT(size, 16u);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(scheduler_suite, fixture)

BOOST_AUTO_TEST_CASE(a_task_downloads_verifies_and_stores_its_object) {
  auto s = spec("dir/file.txt");
  s.md5 = test::digest_of(EVP_md5(), "hello world");
  auto seq = create(1, s);
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
  ctl->complete(seq, "hello world");
  BOOST_REQUIRE(await_state(1, seq, task_state::finished));
  auto st = status(1, seq);
  BOOST_REQUIRE_EQUAL(st->rec.files.size(), 1u);
  auto& f = st->rec.files[0];
  BOOST_CHECK_EQUAL(f.key, "dir/file.txt");
  BOOST_CHECK_EQUAL(f.size, 11u);
  BOOST_CHECK_EQUAL(f.sha1, test::digest_of(EVP_sha1(), "hello world"));
  BOOST_CHECK(f.concrete);
  std::ifstream in{blobs->blob_path(f.blob)};
  std::string content((std::istreambuf_iterator<char>(in)), {});
  BOOST_CHECK_EQUAL(content, "hello world");
  // The partial folder goes on the disk pool: wait for it, bounded.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::filesystem::exists(blobs->partial_dir(seq))
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  BOOST_CHECK(!std::filesystem::exists(blobs->partial_dir(seq)));
  auto t = db->read();
  BOOST_CHECK(storage::get_object(t, "b", "dir/file.txt"));
}

BOOST_AUTO_TEST_CASE(a_checksum_mismatch_fails_and_stores_nothing) {
  auto s = spec();
  s.sha1 = std::string(40, 'a');
  auto seq = create(1, s);
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
  ctl->complete(seq, "hello world");
  BOOST_REQUIRE(await_state(1, seq, task_state::failed));
  auto st = status(1, seq);
  BOOST_CHECK(st->rec.error == ec::checksum_mismatch);
  BOOST_CHECK(st->rec.files.empty());
  auto t = db->read();
  BOOST_CHECK(!storage::get_object(t, "b", "k"));
}

BOOST_AUTO_TEST_CASE(a_size_mismatch_fails) {
  auto s = spec();
  s.size = 3;
  auto seq = create(1, s);
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
  ctl->complete(seq, "hello world");
  BOOST_REQUIRE(await_state(1, seq, task_state::failed));
  BOOST_CHECK(status(1, seq)->rec.error == ec::size_mismatch);
}

BOOST_AUTO_TEST_CASE(concurrency_is_limited_and_the_queue_is_fifo) {
  std::vector<task_seq> seqs;
  for (int i = 0; i < 4; ++i)
    seqs.push_back(create(1, spec("k" + std::to_string(i))));
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.size() == 2; }));
  BOOST_CHECK(ctl->running.count(seqs[0]) && ctl->running.count(seqs[1]));
  BOOST_CHECK(status(1, seqs[3])->rec.state == task_state::waiting);
  ctl->complete(seqs[0], "a");
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seqs[2]) == 1; }));
  BOOST_CHECK_EQUAL(ctl->running.size(), 2u);
}

BOOST_AUTO_TEST_CASE(pause_keeps_bytes_and_resume_continues_from_them) {
  auto seq = create(1, spec());
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
  // Some bytes reached the disk before the pause.
  std::filesystem::create_directories(blobs->partial_dir(seq));
  std::ofstream{blobs->partial_file(seq)} << "hello";
  BOOST_REQUIRE(!call(atom::pause_v, 1, seq));
  BOOST_CHECK(ctl->wait([&] {
    return std::count(ctl->stopped.begin(), ctl->stopped.end(), seq) == 1;
  }));
  BOOST_CHECK(status(1, seq)->rec.state == task_state::paused);
  // Pausing twice is fine; another user cannot resume it.
  BOOST_CHECK(!call(atom::pause_v, 1, seq));
  BOOST_CHECK(code_of(call(atom::resume_v, 2, seq)) == ec::not_found);
  BOOST_REQUIRE(!call(atom::resume_v, 1, seq));
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
  BOOST_CHECK_EQUAL(ctl->running.at(seq).first.offset, 5u);
  ctl->complete(seq, "hello world");
  BOOST_REQUIRE(await_state(1, seq, task_state::finished));
  // A finished task cannot be paused.
  BOOST_CHECK(code_of(call(atom::pause_v, 1, seq)) == ec::invalid_state);
}

BOOST_AUTO_TEST_CASE(transient_errors_retry_then_fail) {
  auto seq = create(1, spec());
  for (int attempt = 1; attempt <= 3; ++attempt) {
    BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
    ctl->fail(seq, ec::download_source_exception, true);
  }
  BOOST_REQUIRE(await_state(1, seq, task_state::failed));
  auto st = status(1, seq);
  BOOST_CHECK_EQUAL(st->rec.tries, 3u);
  BOOST_CHECK(st->rec.error == ec::download_source_exception);
  // A failed task can be resumed, with fresh tries.
  BOOST_REQUIRE(!call(atom::resume_v, 1, seq));
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
  ctl->complete(seq, "ok");
  BOOST_CHECK(await_state(1, seq, task_state::finished));
}

BOOST_AUTO_TEST_CASE(permanent_errors_fail_at_once) {
  auto seq = create(1, spec());
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
  ctl->fail(seq, ec::no_such_download_source, false);
  BOOST_REQUIRE(await_state(1, seq, task_state::failed));
  BOOST_CHECK_EQUAL(status(1, seq)->rec.tries, 1u);
}

BOOST_AUTO_TEST_CASE(users_see_only_their_own_tasks) {
  auto seq = create(1, spec());
  BOOST_CHECK(status(1, seq));
  BOOST_CHECK(code_of(status(2, seq).error()) == ec::not_found);
  caf::scoped_actor self{*sys};
  self->request(sched, 10s, atom::list_v, user_id{2}, task_query{})
    .receive([](task_page& p) { BOOST_CHECK(p.tasks.empty()); },
             [](caf::error&) { BOOST_FAIL("list failed"); });
  self->request(sched, 10s, atom::counters_v, user_id{1})
    .receive(
      [](state_counters& c) {
        auto total = 0u;
        for (auto n : c.counts)
          total += n;
        BOOST_CHECK_EQUAL(total, 1u);
      },
      [](caf::error&) { BOOST_FAIL("counters failed"); });
}

BOOST_AUTO_TEST_CASE(on_key_exist_ignore_skips_the_download) {
  auto first = create(1, spec("same"));
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(first) == 1; }));
  ctl->complete(first, "one");
  BOOST_REQUIRE(await_state(1, first, task_state::finished));
  auto s = spec("same");
  s.rule = on_key_exist::ignore;
  auto second = create(1, s);
  BOOST_REQUIRE(await_state(1, second, task_state::finished));
  auto st = status(1, second);
  BOOST_REQUIRE_EQUAL(st->rec.files.size(), 1u);
  BOOST_CHECK(!st->rec.files[0].concrete);
  std::unique_lock<std::mutex> guard{ctl->mtx};
  BOOST_CHECK_EQUAL(ctl->started.size(), 1u);
}

BOOST_AUTO_TEST_CASE(a_restart_resumes_interrupted_and_waiting_tasks) {
  cfg.max_active = 1;
  stop();
  start();
  auto a = create(1, spec("a"));
  auto b = create(1, spec("b"));
  auto paused = spec("c");
  paused.start_paused = true;
  auto c = create(1, paused);
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(a) == 1; }));
  std::filesystem::create_directories(blobs->partial_dir(a));
  std::ofstream{blobs->partial_file(a)} << "part";
  stop(); // as after kill -9: `a` is downloading on disk, `b` waiting
  {
    std::unique_lock<std::mutex> guard{ctl->mtx};
    ctl->running.clear();
  }
  start();
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(a) == 1; }));
  BOOST_CHECK_EQUAL(ctl->running.at(a).first.offset, 4u);
  ctl->complete(a, "partial file");
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(b) == 1; }));
  ctl->complete(b, "b");
  BOOST_CHECK(await_state(1, b, task_state::finished));
  BOOST_CHECK(status(1, c)->rec.state == task_state::paused);
  auto st = status(1, a);
  BOOST_REQUIRE_EQUAL(st->rec.files.size(), 1u);
  BOOST_CHECK_EQUAL(st->rec.files[0].size, 12u);
}

BOOST_AUTO_TEST_CASE(remove_with_del_file_deletes_the_objects) {
  auto seq = create(1, spec("gone"));
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
  ctl->complete(seq, "data");
  BOOST_REQUIRE(await_state(1, seq, task_state::finished));
  auto blob = status(1, seq)->rec.files.at(0).blob;
  caf::scoped_actor self{*sys};
  self->request(sched, 10s, atom::remove_v, user_id{1}, seq, true)
    .receive([](caf::ok_atom) {}, [](caf::error&) { BOOST_FAIL("remove"); });
  BOOST_CHECK(code_of(status(1, seq).error()) == ec::not_found);
  // The object erase is asynchronous to the reply; wait for it.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  bool gone = false;
  while (!gone && std::chrono::steady_clock::now() < deadline) {
    auto t = db->read();
    gone = !storage::get_object(t, "b", "gone");
    if (!gone)
      std::this_thread::sleep_for(5ms);
  }
  BOOST_CHECK(gone);
  BOOST_CHECK(!std::filesystem::exists(blobs->blob_path(blob)));
}

BOOST_AUTO_TEST_CASE(a_task_actor_that_dies_fails_its_task_visibly) {
  std::vector<task_seq> seqs;
  for (int i = 0; i < 3; ++i)
    seqs.push_back(create(1, spec("d" + std::to_string(i))));
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.size() == 2; }));
  fetch_listener_actor victim;
  {
    std::unique_lock<std::mutex> guard{ctl->mtx};
    victim = ctl->running.at(seqs[0]).second;
    ctl->running.erase(seqs[0]);
  }
  caf::anon_send_exit(victim, caf::exit_reason::kill);
  BOOST_REQUIRE(await_state(1, seqs[0], task_state::failed));
  auto st = status(1, seqs[0]);
  BOOST_CHECK(st->rec.error == ec::internal_error);
  BOOST_CHECK(st->rec.error_message.find("died") != std::string::npos);
  // Its slot went to the next task in the queue.
  BOOST_CHECK(ctl->wait([&] { return ctl->running.count(seqs[2]) == 1; }));
}

BOOST_AUTO_TEST_CASE(a_dead_actors_failure_waits_for_room_in_the_store) {
  auto seq = create(1, spec("room"));
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
  fetch_listener_actor victim;
  {
    std::unique_lock<std::mutex> guard{ctl->mtx};
    victim = ctl->running.at(seq).second;
    ctl->running.erase(seq);
  }
  std::optional<storage::txn> pin{db->read()};
  fill_map(*db, *pin);
  caf::anon_send_exit(victim, caf::exit_reason::kill);
  // The failure cannot be stored: the status says the task waits for it,
  // and shows the stored state meanwhile.
  auto st = await_status(1, seq, [](const task_status& ts) {
    return ts.waiting_for == "storage";
  });
  BOOST_REQUIRE(st);
  BOOST_REQUIRE_EQUAL(st->waiting_for, "storage");
  BOOST_CHECK(st->rec.state == task_state::downloading);
  BOOST_CHECK(stored_as(*db, seq, task_state::downloading));
  // Room again: the failure is stored, with its reason, and said no more.
  pin.reset();
  BOOST_REQUIRE(await_state(1, seq, task_state::failed));
  BOOST_CHECK(stored_as(*db, seq, task_state::failed));
  st = status(1, seq);
  BOOST_REQUIRE(st);
  BOOST_CHECK(st->rec.error == ec::internal_error);
  BOOST_CHECK(st->rec.error_message.find("died") != std::string::npos);
  BOOST_CHECK(st->waiting_for.empty());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// The number of threads of this process.
size_t thread_count() {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Threads:", 0) == 0)
      return std::stoul(line.substr(8));
  return 0;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(single_writer_suite, fixture)

BOOST_AUTO_TEST_CASE(an_accepted_reply_means_the_record_is_committed) {
  auto seq = create(1, spec());
  // Read from LMDB at once: nothing may lag behind a reply.
  BOOST_CHECK(storage::get_task(db->read(), seq).has_value());
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
  BOOST_REQUIRE(!call(atom::pause_v, 1, seq));
  BOOST_CHECK(stored_as(*db, seq, task_state::paused));
  BOOST_REQUIRE(!call(atom::resume_v, 1, seq));
  BOOST_CHECK(stored_as(*db, seq, task_state::waiting)
              || stored_as(*db, seq, task_state::downloading));
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
  BOOST_REQUIRE(!simple(atom::cancel_v, 1, seq));
  BOOST_CHECK(stored_as(*db, seq, task_state::cancelled));
  // Cancelling twice is fine; resuming a cancelled task is not.
  BOOST_CHECK(!simple(atom::cancel_v, 1, seq));
  BOOST_CHECK(code_of(call(atom::resume_v, 1, seq)) == ec::invalid_state);
}

BOOST_AUTO_TEST_CASE(a_burst_of_requests_on_one_task_acts_in_order) {
  auto seq = create(1, spec());
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
  // Sent without waiting for replies: each must act on the record the
  // one before left, live task or not.
  caf::scoped_actor self{*sys};
  std::vector<caf::error> replies;
  auto collect = [&](auto handle) {
    handle.receive([&](caf::ok_atom) { replies.emplace_back(); },
                   [&](caf::error& err) { replies.push_back(err); });
  };
  auto p1 = self->request(sched, 10s, atom::pause_v, user_id{1}, seq);
  auto r1 = self->request(sched, 10s, atom::resume_v, user_id{1}, seq);
  auto p2 = self->request(sched, 10s, atom::pause_v, user_id{1}, seq);
  auto c1 = self->request(sched, 10s, atom::cancel_v, user_id{1}, seq);
  auto p3 = self->request(sched, 10s, atom::pause_v, user_id{1}, seq);
  collect(std::move(p1));
  collect(std::move(r1));
  collect(std::move(p2));
  collect(std::move(c1));
  collect(std::move(p3));
  BOOST_REQUIRE_EQUAL(replies.size(), 5u);
  for (size_t i = 0; i < 4; ++i)
    BOOST_CHECK_MESSAGE(!replies[i], "reply " << i << ": "
                                              << caf::to_string(replies[i]));
  // The last pause came after the cancel.
  BOOST_CHECK(code_of(replies[4]) == ec::invalid_state);
  BOOST_CHECK(stored_as(*db, seq, task_state::cancelled));
  BOOST_CHECK(status(1, seq)->rec.state == task_state::cancelled);
}

BOOST_AUTO_TEST_CASE(remove_of_a_live_task_stops_it_and_deletes_the_record) {
  auto seq = create(1, spec());
  BOOST_REQUIRE(ctl->wait([&] { return ctl->running.count(seq) == 1; }));
  std::filesystem::create_directories(blobs->partial_dir(seq));
  std::ofstream{blobs->partial_file(seq)} << "some";
  caf::scoped_actor self{*sys};
  caf::error err;
  self->request(sched, 10s, atom::remove_v, user_id{1}, seq, true)
    .receive([](caf::ok_atom) {}, [&](caf::error& e) { err = e; });
  BOOST_REQUIRE(!err);
  BOOST_CHECK(!storage::get_task(db->read(), seq).has_value());
  BOOST_CHECK(code_of(status(1, seq).error()) == ec::not_found);
  BOOST_CHECK(ctl->wait([&] {
    return std::count(ctl->stopped.begin(), ctl->stopped.end(), seq) == 1;
  }));
  // Its slot is free again.
  auto next = create(1, spec("n"));
  BOOST_CHECK(ctl->wait([&] { return ctl->running.count(next) == 1; }));
}

BOOST_AUTO_TEST_CASE(a_batch_delete_uses_a_bounded_number_of_threads) {
  constexpr size_t n = 300;
  std::vector<task_seq> seqs;
  auto paused = spec();
  paused.start_paused = true;
  for (size_t i = 0; i < n; ++i) {
    auto seq = create(1, paused);
    std::filesystem::create_directories(blobs->partial_dir(seq));
    std::ofstream{blobs->partial_file(seq)} << "partial bytes";
    seqs.push_back(seq);
  }
  // Every worker waits at a gate, so each removal must wait in the queue.
  std::mutex gate_mtx;
  std::condition_variable gate_cv;
  bool open = false;
  for (size_t i = 0; i < disk->threads(); ++i)
    disk->submit([&] {
      std::unique_lock<std::mutex> guard{gate_mtx};
      gate_cv.wait(guard, [&] { return open; });
    });
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (disk->pending() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  BOOST_REQUIRE_EQUAL(disk->pending(), 0u);
  auto before = thread_count();
  caf::scoped_actor self{*sys};
  for (auto seq : seqs)
    self->request(sched, 10s, atom::remove_v, user_id{1}, seq, true)
      .receive([](caf::ok_atom) {},
               [](caf::error& e) { BOOST_FAIL(caf::to_string(e)); });
  // Every removal is queued, none got a thread of its own.
  BOOST_CHECK_EQUAL(disk->pending(), n);
  BOOST_CHECK_LE(thread_count(), before);
  {
    std::lock_guard<std::mutex> guard{gate_mtx};
    open = true;
  }
  gate_cv.notify_all();
  auto left = [&] {
    return std::count_if(seqs.begin(), seqs.end(), [&](task_seq seq) {
      return std::filesystem::exists(blobs->partial_dir(seq));
    });
  };
  deadline = std::chrono::steady_clock::now() + 30s;
  while (left() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  BOOST_CHECK_EQUAL(left(), 0);
  BOOST_CHECK_LE(thread_count(), before);
  auto t = db->read();
  for (auto seq : seqs)
    BOOST_CHECK(!storage::get_task(t, seq));
}

BOOST_AUTO_TEST_SUITE_END()
