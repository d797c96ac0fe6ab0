#define BOOST_TEST_MODULE integration_torrent_disk_full
// A torrent larger than the disk, through the real skyhauld with a real
// libtorrent seeder on loopback and the data dir on an 8 MB tmpfs the test
// mounts. With the files known (an uploaded .torrent, a magnet link once
// its metadata is in), a torrent whose wanted files cannot fit fails at
// once with insufficient_storage and writes nothing: libtorrent would
// otherwise fill the disk to its last byte, and then the failure itself
// could not be stored. A task that picks its files waits for the choice
// instead, and a choice that fits finishes byte-exact. Needs root for the
// mount; skips without.

#include "storage/digest.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/small_disk.hpp"
#include "tests/support/swarm.hpp"
#include "tests/support/task_calls.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t big_size = 12 << 20;
constexpr uint64_t small_size = 300000;

const std::vector<std::pair<std::string, uint64_t>> files
    = {{"big.bin", big_size}, {"small.bin", small_size}};

/// The daemon on an 8 MB disk, and a seeder of a 12.3 MB torrent with
/// its tracker. The
/// daemon is declared before the disk, so it is stopped after the disk is
/// detached: a lazy unmount finishes when its last file closes.
struct fixture {
  scratch s{"skyhaul-btfull"};
  // An uploaded .torrent finds the seeder through the tracker it names.
  made_torrent probe = make_torrent(s.dir + "/probe", "pack", files);
  tracker trk{{probe.info_hash}};
  made_torrent t
      = make_torrent(s.dir + "/data", "pack", files, trk.announce_url());
  seeder seed{t, s.dir + "/data"};
  server_process d{{"--bt-listen=127.0.0.1:0", "--bt-dht=false",
                    "--bt-lsd=false", "--bt-port-mapping=false"}};
  small_disk disk{d.data_dir(), "8m"};

  fixture() {
    BOOST_REQUIRE(trk.await_seeder(t.info_hash));
    if (disk.mounted)
      d.start();
    else
      std::cerr << "skipped: cannot mount a tmpfs on " << disk.dir << ": "
                << disk.why_not << "\n";
  }

  std::string log() const {
    std::ifstream in(d.data_dir() + "/skyhauld.log");
    return {std::istreambuf_iterator<char>(in), {}};
  }

  std::string magnet() const {
    return t.magnet + "&x.pe=" + seed.peer();
  }

  /// The task failed for want of room, and says so.
  void check_refused(const std::string& body) {
    BOOST_CHECK_MESSAGE(state_of(body) == "failed",
                        body << "\nthe log: " << log());
    BOOST_CHECK_EQUAL(json_field(body, "detail.error.code"),
                      "insufficient_storage");
    BOOST_CHECK_MESSAGE(json_field(body, "detail.error.message")
                                .find("No space left on device: the "
                                      "torrent's wanted files need")
                            != std::string::npos,
                        body);
  }

  /// The task `json` asks for fails for want of room and leaves the disk
  /// as it was (nothing written but the task's records); its status.
  std::string refused_without_writing(const std::string& json) {
    auto free_before = disk.free_bytes();
    auto tid = create(d, json);
    auto body = d.await_status(tid, ended(), 60s);
    BOOST_TEST_MESSAGE(json.substr(0, 60) << ": " << body);
    check_refused(body);
    BOOST_CHECK_GT(disk.free_bytes() + (1 << 20), free_before);
    return body;
  }

  /// The task `json` asks for (the small file alone) finishes byte-exact.
  void small_one_finishes(const std::string& json) {
    auto tid = create(d, json);
    auto body = d.await_status(tid, ended(), 60s);
    BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
    check_object(tid, "pack/small.bin");
  }

  /// The object of `path` in task `tid` holds the seeder's bytes.
  void check_object(const std::string& tid, const std::string& path) {
    const torrent_file_digest* want = nullptr;
    for (auto& f : t.files)
      if (f.path == path)
        want = &f;
    BOOST_REQUIRE(want != nullptr);
    auto got = d.api("GET", "/download/" + tid + "/" + path);
    BOOST_REQUIRE_EQUAL(got.status, 200);
    BOOST_CHECK_EQUAL(got.body.size(), want->size);
    skyhaul::storage::digest_set ds;
    ds.update(got.body.data(), got.body.size());
    BOOST_CHECK_EQUAL(ds.finish().sha1, want->sha1);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(torrent_disk_full, fixture)

BOOST_AUTO_TEST_CASE(an_uploaded_torrent_too_big_for_the_disk_fails_at_once) {
  if (!disk.mounted)
    return;
  BOOST_REQUIRE_LT(disk.free_bytes(), big_size);
  auto body = refused_without_writing(R"({"torrent":")" + base64(t.bytes())
                                      + R"("})");
  BOOST_CHECK_EQUAL(json_field(body, "detail.done_bytes"), "0");

  // The same torrent with the file that fits finishes byte-exact.
  small_one_finishes(R"({"torrent":")" + base64(t.bytes())
                     + R"(","files":["small.bin"]})");
}

BOOST_AUTO_TEST_CASE(
    a_magnet_too_big_for_the_disk_fails_once_its_metadata_is_in) {
  if (!disk.mounted)
    return;
  auto body = refused_without_writing(R"({"url":")" + magnet() + R"("})");
  BOOST_CHECK_EQUAL(json_field(body, "detail.torrent.metadata"), "received");
  // The daemon goes on: a magnet for the file that fits finishes.
  small_one_finishes(R"({"url":")" + magnet() + R"(","files":["small.bin"]})");
}

BOOST_AUTO_TEST_CASE(a_task_that_picks_its_files_waits_for_a_choice_that_fits) {
  if (!disk.mounted)
    return;
  auto free_before = disk.free_bytes();
  auto tid = create(d, R"({"url":")" + magnet() + R"(","pick_files":true})");
  auto waits = [](const std::string& b) {
    return state_of(b) == "paused"
           && json_field(b, "detail.torrent.awaiting_file_choice") == "true";
  };
  auto body = d.await_status(tid, waits, 60s);
  BOOST_REQUIRE_MESSAGE(waits(body), body);
  BOOST_CHECK(json_field(body, "detail.error.code").empty());
  // Not a byte before the choice.
  BOOST_CHECK_EQUAL(json_field(body, "detail.done_bytes"), "0");
  BOOST_CHECK_GT(disk.free_bytes() + (1 << 20), free_before);
  // The whole torrent does not fit: a plain resume (every file) fails.
  // The choice of the small file does.
  auto r = d.api("PUT", "/task/tid/" + tid + "/files",
                 R"({"files":["small.bin"]})");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  body = d.await_status(tid, ended(), 60s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  check_object(tid, "pack/small.bin");
  BOOST_CHECK(json_field(body, "detail.files.1.key").empty());

  // Picked again with every file: refused for want of room.
  auto all = create(d, R"({"torrent":")" + base64(t.bytes())
                           + R"(","target":"all","pick_files":true})");
  body = d.await_status(all, waits, 30s);
  BOOST_REQUIRE_MESSAGE(waits(body), body);
  BOOST_REQUIRE_EQUAL(d.api("PUT", "/task/tid/" + all + "?act=resume").status,
                      200);
  body = d.await_status(all, ended(), 30s);
  check_refused(body);
}

BOOST_AUTO_TEST_SUITE_END()
