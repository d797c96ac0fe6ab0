#define BOOST_TEST_MODULE torrent_task
#include <boost/test/unit_test.hpp>

// A torrent task against fakes of http_fetch and the torrent session that
// implement the real typed interfaces, with a real store and disk pool:
// the fetched `.torrent` is read on the disk pool, not in the actor.

#include "actors/disk_pool.hpp"
#include "actors/store.hpp"
#include "actors/task.hpp"
#include "protocol/settings.hpp"
#include "storage/blob_store.hpp"
#include "storage/lmdb_env.hpp"

#include <caf/all.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

using namespace skyhaul;
using namespace std::chrono_literals;

namespace {

/// What the fakes saw.
struct seen {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<std::pair<fetch_request, fetch_listener_actor>> fetches;
  std::vector<torrent_add> adds;

  template <class Pred> bool wait(Pred pred) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, 10s, [&] { return pred(); });
  }
};

http_fetch_actor::behavior_type fake_fetch(http_fetch_actor::pointer,
                                           std::shared_ptr<seen> s) {
  return {
      [=](atom::start, fetch_request& req, fetch_listener_actor& who) {
        std::lock_guard<std::mutex> guard{s->mtx};
        s->fetches.emplace_back(req, who);
        s->cv.notify_all();
      },
      [=](atom::stop, task_seq) {},
  };
}

torrent_session_actor::behavior_type
fake_torrents(torrent_session_actor::pointer, std::shared_ptr<seen> s) {
  return {
      [=](atom::start, torrent_add& add, torrent_listener_actor&) {
        std::lock_guard<std::mutex> guard{s->mtx};
        s->adds.push_back(std::move(add));
        s->cv.notify_all();
        return caf::ok_atom_v;
      },
      [=](atom::pause, task_seq) { return caf::ok_atom_v; },
      [=](atom::remove, task_seq, bool) { return caf::ok_atom_v; },
      [=](atom::seed, task_seq) {},
      [=](caf::put_atom, task_seq,
          std::vector<std::string>&) -> caf::result<torrent_meta> {
        return make_error(ec::invalid_state, "not in this fake");
      },
      [=](atom::flush) { return caf::ok_atom_v; },
      [=](atom::wake) {},
      [=](caf::tick_atom) {},
  };
}

/// Holds every thread of a pool until released (bounded).
struct gate {
  std::mutex mtx;
  std::condition_variable cv;
  bool open = false;
  void release() {
    {
      std::lock_guard<std::mutex> guard{mtx};
      open = true;
    }
    cv.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock{mtx};
    cv.wait_for(lock, 30s, [this] { return open; });
  }
};

struct fixture {
  std::string dir;
  settings cfg;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<storage::lmdb_env> db;
  std::unique_ptr<storage::blob_store> blobs;
  std::unique_ptr<disk_pool> disk;
  std::shared_ptr<seen> s = std::make_shared<seen>();
  store_actor store;
  http_fetch_actor fetch;
  torrent_session_actor torrents;
  task_actor task;

  fixture() {
    char tmpl[] = "/tmp/skyhaul-bttask-XXXXXX";
    dir = ::mkdtemp(tmpl);
    cfg.data_dir = dir;
    sys_cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    db = std::make_unique<storage::lmdb_env>(dir + "/db", 64 << 20);
    blobs = std::make_unique<storage::blob_store>(dir);
    disk = std::make_unique<disk_pool>(2);
    store = spawn_store(*sys, db.get(), blobs.get());
    fetch = sys->spawn(fake_fetch, s);
    torrents = sys->spawn(fake_torrents, s);
  }

  ~fixture() {
    for (auto a : {caf::actor_cast<caf::actor>(task),
                   caf::actor_cast<caf::actor>(fetch),
                   caf::actor_cast<caf::actor>(torrents),
                   caf::actor_cast<caf::actor>(store)})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    task = nullptr;
    fetch = nullptr;
    torrents = nullptr;
    store = nullptr;
    sys.reset();
    disk.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }

  void start(const std::string& url, const std::string& torrent = {},
             bool pick_files = false) {
    task_record rec;
    rec.seq = 7;
    rec.owner = 1;
    rec.spec.url = url;
    rec.spec.torrent = torrent;
    rec.spec.pick_files = pick_files;
    rec.spec.bucket = "b";
    rec.spec.key = "k";
    rec.state = task_state::downloading;
    task_deps deps;
    deps.cfg = &cfg;
    deps.db = db.get();
    deps.blobs = blobs.get();
    deps.disk = disk.get();
    deps.store = store;
    deps.fetch = fetch;
    deps.torrents = torrents;
    task = spawn_task(*sys, rec, deps);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(torrent_task_suite, fixture)

BOOST_AUTO_TEST_CASE(the_fetched_torrent_is_read_on_the_disk_pool) {
  start("http://origin.test/pack.torrent");
  BOOST_REQUIRE(s->wait([&] { return s->fetches.size() == 1; }));
  auto [req, who] = s->fetches.front();
  BOOST_CHECK_EQUAL(req.max_size,
                    static_cast<int64_t>(cfg.bt_max_torrent_size));
  // Any bytes do: the fake session takes them as they are.
  std::string bytes = "d4:infod4:name4:pack12:piece lengthi16384eee";
  bytes += std::string(100000, 'x');
  std::filesystem::create_directories(
      std::filesystem::path(req.path).parent_path());
  {
    std::ofstream out{req.path, std::ios::binary};
    out << bytes;
  }
  // Both threads of the pool busy: the read must wait in its queue.
  auto busy = std::make_shared<gate>();
  struct release_at_end {
    std::shared_ptr<gate> g;
    ~release_at_end() {
      g->release();
    }
  } guard{busy};
  auto held = std::make_shared<std::atomic<int>>(0);
  for (size_t i = 0; i < disk->threads(); ++i)
    disk->submit([busy, held] {
      ++*held;
      busy->wait();
    });
  auto until = std::chrono::steady_clock::now() + 10s;
  while (*held < 2 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(1ms);
  BOOST_REQUIRE_EQUAL(*held, 2);
  fetch_result res;
  res.seq = req.seq;
  res.code = ec::none;
  res.size = bytes.size();
  caf::anon_send(who, atom::done_v, res);
  until = std::chrono::steady_clock::now() + 10s;
  while (disk->pending() == 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(1ms);
  BOOST_CHECK_EQUAL(disk->pending(), 1u);
  {
    std::lock_guard<std::mutex> guard{s->mtx};
    BOOST_CHECK(s->adds.empty());
  }
  // Once the pool reads it, the bytes reach the actor and the session.
  busy->release();
  BOOST_REQUIRE(s->wait([&] { return s->adds.size() == 1; }));
  BOOST_CHECK(s->adds.front().metainfo == bytes);
  BOOST_CHECK(s->adds.front().magnet.empty());
  // It is the task's now: the fetched file is gone.
  until = std::chrono::steady_clock::now() + 10s;
  while (std::filesystem::exists(req.path)
         && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(1ms);
  BOOST_CHECK(!std::filesystem::exists(req.path));
}

BOOST_AUTO_TEST_CASE(an_empty_torrent_fails_the_task) {
  start("http://origin.test/empty.torrent");
  BOOST_REQUIRE(s->wait([&] { return s->fetches.size() == 1; }));
  auto [req, who] = s->fetches.front();
  std::filesystem::create_directories(
      std::filesystem::path(req.path).parent_path());
  std::ofstream{req.path, std::ios::binary}.close();
  fetch_result res;
  res.seq = req.seq;
  caf::anon_send(who, atom::done_v, res);
  caf::scoped_actor self{*sys};
  auto until = std::chrono::steady_clock::now() + 10s;
  task_status st;
  while (std::chrono::steady_clock::now() < until) {
    self->request(task, 5s, atom::status_v)
        .receive([&](task_status& x) { st = std::move(x); },
                 [](caf::error&) {});
    if (st.rec.state == task_state::failed)
      break;
    std::this_thread::sleep_for(5ms);
  }
  BOOST_CHECK(st.rec.state == task_state::failed);
  BOOST_CHECK_EQUAL(st.rec.error_message, "the .torrent is empty");
  std::lock_guard<std::mutex> guard{s->mtx};
  BOOST_CHECK(s->adds.empty());
}

BOOST_AUTO_TEST_CASE(a_task_paused_for_its_choice_lists_the_files_to_choose) {
  // Two files in one piece: a metainfo libtorrent reads.
  std::string info = "d5:filesld6:lengthi3e4:pathl5:a.txteed6:lengthi4e4:path"
                     "l5:b.txteee4:name4:pack12:piece lengthi16384e6:pieces20:"
                     + std::string(20, 'p') + "e";
  start("", "d4:info" + info + "e", true);
  caf::scoped_actor self{*sys};
  auto until = std::chrono::steady_clock::now() + 10s;
  task_status st;
  while (std::chrono::steady_clock::now() < until) {
    self->request(task, 5s, atom::status_v)
        .receive([&](task_status& x) { st = std::move(x); },
                 [](caf::error&) {});
    if (st.rec.state == task_state::paused)
      break;
    std::this_thread::sleep_for(5ms);
  }
  // Its actor, ended but not yet let go, answers with the files that
  // `PUT /task/tid/<tid>/files` chooses from, as the stored task does.
  BOOST_REQUIRE(st.rec.state == task_state::paused);
  BOOST_CHECK(st.bt.metadata == metadata_state::received);
  BOOST_CHECK_EQUAL(st.bt.name, "pack");
  BOOST_CHECK_EQUAL(st.bt.total_size, 7u);
  BOOST_REQUIRE_EQUAL(st.bt.files.size(), 2u);
  BOOST_CHECK_EQUAL(st.bt.files[0].path, "pack/a.txt");
  BOOST_CHECK_EQUAL(st.bt.files[1].path, "pack/b.txt");
  BOOST_CHECK(st.bt.files[1].wanted);
  std::lock_guard<std::mutex> guard{s->mtx};
  BOOST_CHECK(s->adds.empty());
}

BOOST_AUTO_TEST_SUITE_END()
