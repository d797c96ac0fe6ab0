#define BOOST_TEST_MODULE uploader
#include <boost/test/unit_test.hpp>

// The uploader against a real store and LMDB: a failed attempt at a
// replica is stored with its next attempt due after the configured
// backoff (--replica-retry-base-ms, --replica-retry-max-ms).

#include "actors/curl_loop.hpp"
#include "actors/store.hpp"
#include "actors/uploader.hpp"
#include "storage/blob_store.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/replica_table.hpp"

#include <caf/all.hpp>
#include <filesystem>
#include <optional>
#include <thread>

using namespace skyhaul;
using namespace std::chrono_literals;

namespace {

struct fixture {
  std::string dir;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<storage::lmdb_env> db;
  std::unique_ptr<storage::blob_store> blobs;
  std::shared_ptr<curl_loop> loop;
  store_actor store;
  uploader_actor uploader;

  fixture() {
    char tmpl[] = "/tmp/skyhaul-uploader-XXXXXX";
    dir = ::mkdtemp(tmpl);
    sys_cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    db = std::make_unique<storage::lmdb_env>(dir + "/db", 64 << 20);
    blobs = std::make_unique<storage::blob_store>(dir);
    loop = std::make_shared<curl_loop>(curl_defaults{});
    store = spawn_store(*sys, db.get(), blobs.get(), {"east"});
  }

  ~fixture() {
    caf::anon_send_exit(uploader, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
    uploader = nullptr;
    store = nullptr;
    sys.reset();
    loop->shutdown();
    db.reset();
    std::filesystem::remove_all(dir);
  }

  /// A replica owed to IDC `east` of a blob that is not there: every
  /// attempt fails at once, without the network.
  uint64_t owe() {
    replica_job job;
    job.task = 1;
    job.idc = "east";
    job.bucket = "b";
    job.key = "k";
    job.blob = "0000000000000000000000000000000000000000";
    job.size = 10;
    job.md5 = "00000000000000000000000000000000";
    auto t = db->write();
    auto id = storage::add_replica(t, job);
    t.commit();
    return id;
  }

  /// The stored job once its first attempt is recorded; bounded.
  std::optional<replica_job> after_first_attempt(uint64_t id) {
    auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
      {
        auto t = db->read();
        auto job = storage::get_replica(t, id);
        if (job && job->tries >= 1)
          return job;
      }
      std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
  }

  settings config() {
    settings cfg;
    idc_config idc;
    idc.name = "east";
    idc.endpoint = "http://127.0.0.1:9";
    cfg.idcs.push_back(idc);
    return cfg;
  }
};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(uploader_suite, fixture)

BOOST_AUTO_TEST_CASE(the_retry_delays_keep_their_defaults) {
  settings cfg;
  BOOST_CHECK_EQUAL(cfg.replica_retry_base_ms, 2000u);
  BOOST_CHECK_EQUAL(cfg.replica_retry_max_ms, 600000u);
  auto id = owe();
  auto t0 = wall_ms();
  uploader = spawn_uploader(*sys, config(), db.get(), blobs.get(), store,
                            loop, sigv4_signer);
  auto job = after_first_attempt(id);
  auto t1 = wall_ms();
  BOOST_REQUIRE(job);
  BOOST_CHECK(!job->last_error.empty());
  // 2 s plus up to a quarter of jitter.
  BOOST_CHECK_GE(job->next_ms, t0 + 2000);
  BOOST_CHECK_LE(job->next_ms, t1 + 2500);
}

BOOST_AUTO_TEST_CASE(the_retry_delays_come_from_the_settings) {
  auto cfg = config();
  // The longest wait caps the first one: both settings count.
  cfg.replica_retry_base_ms = 40000;
  cfg.replica_retry_max_ms = 30000;
  auto id = owe();
  auto t0 = wall_ms();
  uploader = spawn_uploader(*sys, cfg, db.get(), blobs.get(), store, loop,
                            sigv4_signer);
  auto job = after_first_attempt(id);
  auto t1 = wall_ms();
  BOOST_REQUIRE(job);
  BOOST_CHECK_GE(job->next_ms, t0 + 30000);
  BOOST_CHECK_LE(job->next_ms, t1 + 37500);
}

BOOST_AUTO_TEST_SUITE_END()
