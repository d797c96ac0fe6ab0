#define BOOST_TEST_MODULE integration_torrent_files
// Choosing a torrent task's files after its metadata came in, through the
// real skyhauld with a real peer on loopback (a second libtorrent session,
// tests/support/seeder.py): `PUT /task/tid/<tid>/files` on a running magnet
// task, its refusals, the peers and per-file figures of the status, and a
// choice that outlives a restart.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <string>

#include "storage/digest.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/event_stream.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/swarm.hpp"
#include "tests/support/task_calls.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

// Slow enough that every file is still coming in while the test acts.
const std::vector<std::string> bt_flags = {
    "--bt-listen=127.0.0.1:0", "--bt-dht=false", "--bt-lsd=false",
    "--bt-port-mapping=false", "--bt-task-download-limit=150000"};

const std::vector<std::pair<std::string, uint64_t>> pack_files = {
    {"a.bin", 1500000}, {"sub/b.bin", 300000}, {"c.txt", 5000}};

std::string files_path(const std::string& tid) {
  return "/task/tid/" + tid + "/files";
}

/// The index in `torrent.files` of the status whose name is `name`.
int index_of(const std::string& body, const std::string& name) {
  for (int i = 0; i < 16; ++i) {
    auto n = json_field(body, "detail.torrent.files." + std::to_string(i)
                                  + ".name");
    if (n.empty())
      break;
    if (n == name)
      return i;
  }
  return -1;
}

std::string file_field(const std::string& body, int i, const char* field) {
  return json_field(body, "detail.torrent.files." + std::to_string(i) + "."
                              + field);
}

/// The stored object `path` of the task has the bytes the torrent has.
void check_stored(const server_process& d, const std::string& tid,
                  const made_torrent& t, const std::string& path) {
  for (auto& f : t.files) {
    if (f.path != path)
      continue;
    auto got = d.api("GET", "/download/" + tid + "/" + path);
    BOOST_REQUIRE_MESSAGE(got.status == 200, path << ": " << got.status);
    BOOST_CHECK_EQUAL(got.body.size(), f.size);
    skyhaul::storage::digest_set ds;
    ds.update(got.body.data(), got.body.size());
    BOOST_CHECK_EQUAL(ds.finish().sha1, f.sha1);
    return;
  }
  BOOST_FAIL("the torrent has no file " << path);
}

} // namespace

BOOST_AUTO_TEST_CASE(a_magnet_tasks_files_chosen_after_metadata_then_kept) {
  scratch s{"skyhaul-btfiles"};
  auto t = make_torrent(s.dir + "/data", "pack", pack_files);
  seeder seed{t, s.dir + "/data"};
  server_process d{bt_flags};
  d.start();
  event_stream events{d.url() + "/events",
                      {"Authorization: Bearer " + d.admin().api_key}};
  BOOST_REQUIRE(events.wait_subscribed());
  // Every file at first: the magnet link names none.
  auto tid = create(d, R"({"url":")" + t.magnet + "&x.pe=" + seed.peer()
                         + R"("})");
  auto known = [](const std::string& b) {
    return json_field(b, "detail.torrent.metadata") == "received"
           && !json_field(b, "detail.torrent.files.2.name").empty();
  };
  auto body = d.await_status(tid, known, 30s);
  BOOST_REQUIRE_MESSAGE(known(body), body);
  BOOST_CHECK_EQUAL(json_field(body, "detail.total_bytes"), "1805000");
  auto a = index_of(body, "pack/a.bin");
  auto b = index_of(body, "pack/sub/b.bin");
  auto c = index_of(body, "pack/c.txt");
  BOOST_REQUIRE(a >= 0 && b >= 0 && c >= 0);

  // Refused, each with the Task API's error shape and a reason.
  auto refused = [&](const std::string& path, const std::string& json,
                     int status, const std::string& words,
                     const std::string& key = {}) {
    auto r = d.api("PUT", path, json, key);
    BOOST_CHECK_MESSAGE(r.status == status, json << ": " << r.status << " "
                                                  << r.body);
    BOOST_CHECK_EQUAL(json_field(r.body, "status"), "error");
    BOOST_CHECK_MESSAGE(json_field(r.body, "errmsg").find(words)
                            != std::string::npos,
                        json << ": " << r.body);
  };
  refused(files_path(tid), R"({"files":["nope.bin"]})", 400, "nope.bin");
  refused(files_path(tid), R"({"files":[7]})", 400, "index 7");
  refused(files_path(tid), R"({"files":[]})", 400, "'files'");
  refused(files_path(tid), R"({"files":[-1]})", 400, "'files'");
  refused(files_path(tid), R"({"files":["c.txt"],"more":1})", 400, "more");
  refused(files_path(tid), "not json", 400, "JSON");
  refused(files_path(tid), "{\"files\":[\"a\\u0001\"]}", 400,
          "control character");
  refused(files_path("00000000000000000fff"), R"({"files":["c.txt"]})", 404,
          "no such task");
  auto bob = d.add_user("bob");
  refused(files_path(tid), R"({"files":["c.txt"]})", 404, "no such task",
          bob.api_key);
  BOOST_CHECK_EQUAL(
      d.api("PUT", files_path(tid), R"({"files":["c.txt"]})", "wrong").status,
      401);
  auto http_task = create(d, R"({"url":"http://127.0.0.1:1/x.bin"})");
  refused(files_path(http_task), R"({"files":["c.txt"]})", 400,
          "torrent tasks only");

  // The choice of a running task: a name without the root folder and an
  // index, applied at once and answered with the status.
  auto r = d.api("PUT", files_path(tid),
                 R"({"files":["c.txt",)" + std::to_string(a) + "]}");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_CHECK_EQUAL(json_field(r.body, "status"), "success");
  BOOST_CHECK_EQUAL(json_field(r.body, "detail.tid"), tid);
  BOOST_CHECK_EQUAL(json_field(r.body, "detail.total_bytes"), "1505000");
  BOOST_CHECK_EQUAL(file_field(r.body, a, "wanted"), "true");
  BOOST_CHECK_EQUAL(file_field(r.body, b, "wanted"), "false");
  BOOST_CHECK_EQUAL(file_field(r.body, c, "wanted"), "true");
  BOOST_CHECK_EQUAL(file_field(r.body, c, "index"), std::to_string(c));

  // The live status lists the peer, and the per-file figures move.
  auto peer_listed = [&](const std::string& b) {
    return json_field(b, "detail.torrent.peer_list.0.port")
               == std::to_string(seed.port())
           && std::stoull("0" + file_field(b, a, "done_bytes")) > 0;
  };
  body = d.await_status(tid, peer_listed, 20s);
  BOOST_REQUIRE_MESSAGE(peer_listed(body), body);
  BOOST_CHECK_EQUAL(json_field(body, "detail.torrent.peer_list.0.ip"),
                    "127.0.0.1");
  BOOST_CHECK(json_field(body, "detail.torrent.peer_list.1.ip").empty());
  BOOST_CHECK_EQUAL(file_field(body, a, "done_bytes"),
                    file_field(body, a, "done"));
  BOOST_CHECK_EQUAL(json_field(body, "detail.total_bytes"), "1505000");
  // The progress events count the torrent's peers.
  BOOST_CHECK(events.wait([&](const event_stream::events& got) {
    for (auto& ev : got)
      if (ev.type == "task.progress"
          && json_field(ev.data, "tid") == tid
          && json_field(ev.data, "peers") == "1")
        return true;
    return false;
  }));

  // Paused, then a restart: the stored record keeps the choice.
  BOOST_REQUIRE_EQUAL(d.api("PUT", "/task/tid/" + tid + "?act=pause").status,
                      200);
  BOOST_CHECK_EQUAL(d.stop(SIGTERM), 0);
  d.start();
  body = d.api("GET", "/task/tid/" + tid + "/status").body;
  BOOST_CHECK_EQUAL(state_of(body), "paused");
  BOOST_CHECK_EQUAL(json_field(body, "detail.torrent.metadata"), "received");
  BOOST_CHECK_EQUAL(json_field(body, "detail.total_bytes"), "1505000");
  BOOST_CHECK_EQUAL(file_field(body, a, "wanted"), "true");
  BOOST_CHECK_EQUAL(file_field(body, b, "wanted"), "false");
  auto info = d.api("GET", "/task/tid/" + tid + "/info").body;
  BOOST_CHECK_EQUAL(json_field(info, "detail.source.files.0"), "c.txt");
  BOOST_CHECK_EQUAL(json_field(info, "detail.source.files.1"), "pack/a.bin");

  // Chosen again while paused (from the metadata the resume data keeps):
  // the big file goes, the other one comes.
  refused(files_path(tid), R"({"files":["gone.bin"]})", 400, "gone.bin");
  r = d.api("PUT", files_path(tid), R"({"files":["sub/b.bin","pack/c.txt"]})");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_CHECK_EQUAL(json_field(r.body, "detail.state"), "paused");
  BOOST_CHECK_EQUAL(json_field(r.body, "detail.total_bytes"), "305000");
  BOOST_CHECK_EQUAL(file_field(r.body, a, "wanted"), "false");
  BOOST_CHECK_EQUAL(file_field(r.body, b, "wanted"), "true");
  BOOST_CHECK_EQUAL(d.api("PUT", "/task/tid/" + tid + "?act=resume").status,
                    200);
  body = d.await_status(tid, ended(), 40s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK_EQUAL(json_field(body, "detail.total_bytes"), "305000");
  check_stored(d, tid, t, "pack/sub/b.bin");
  check_stored(d, tid, t, "pack/c.txt");
  // Only the chosen files are objects.
  BOOST_CHECK(json_field(body, "detail.files.2.key").empty());
  BOOST_CHECK_EQUAL(d.api("GET", "/download/" + tid + "/pack/a.bin").status,
                    404);
  // A finished task's choice is over.
  refused(files_path(tid), R"({"files":["c.txt"]})", 409, "finished");
}

BOOST_AUTO_TEST_CASE(a_task_created_to_pick_files_waits_for_the_choice) {
  scratch s{"skyhaul-btpick"};
  // The uploaded .torrent finds the seeder through a tracker.
  auto probe = make_torrent(s.dir + "/probe", "pack", pack_files);
  tracker trk{{probe.info_hash}};
  auto t = make_torrent(s.dir + "/data", "pack", pack_files,
                        trk.announce_url());
  seeder seed{t, s.dir + "/data"};
  BOOST_REQUIRE(trk.await_seeder(t.info_hash));
  server_process d{bt_flags};
  d.start();
  auto bad = [&](const std::string& json, const std::string& words) {
    auto r = d.api("POST", "/task", json);
    BOOST_CHECK_MESSAGE(r.status == 400, json << ": " << r.status);
    BOOST_CHECK_MESSAGE(json_field(r.body, "errmsg").find(words)
                            != std::string::npos,
                        json << ": " << r.body);
  };
  bad(R"({"url":"http://127.0.0.1:1/x.bin","pick_files":true})",
      "torrents and magnet links only");
  bad(R"({"url":")" + t.magnet + R"(","pick_files":true,"files":["c.txt"]})",
      "not both");
  bad(R"({"url":")" + t.magnet + R"(","pick_files":1})", "true or false");

  // A magnet link: it pauses itself once the metadata came, and says why.
  auto magnet = create(d, R"({"url":")" + t.magnet + "&x.pe=" + seed.peer()
                              + R"(","pick_files":true})");
  auto waits = [](const std::string& b) {
    return state_of(b) == "paused"
           && json_field(b, "detail.torrent.awaiting_file_choice") == "true";
  };
  auto body = d.await_status(magnet, waits, 30s);
  BOOST_REQUIRE_MESSAGE(waits(body), body);
  BOOST_CHECK_EQUAL(json_field(body, "detail.torrent.metadata"), "received");
  BOOST_CHECK_EQUAL(json_field(body, "detail.torrent.files.2.wanted"), "true");
  auto info = d.api("GET", "/task/tid/" + magnet + "/info").body;
  BOOST_CHECK_EQUAL(json_field(info, "detail.source.pick_files"), "true");
  // Still waiting after a restart.
  BOOST_CHECK_EQUAL(d.stop(SIGTERM), 0);
  d.start();
  body = d.api("GET", "/task/tid/" + magnet + "/status").body;
  BOOST_REQUIRE_MESSAGE(waits(body), body);

  // The choice starts it: only the chosen file is fetched and stored.
  auto c = index_of(body, "pack/c.txt");
  BOOST_REQUIRE(c >= 0);
  auto r = d.api("PUT", files_path(magnet),
                 R"({"files":[)" + std::to_string(c) + "]}");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_CHECK_NE(json_field(r.body, "detail.state"), "paused");
  BOOST_CHECK_EQUAL(json_field(r.body, "detail.total_bytes"), "5000");
  BOOST_CHECK_EQUAL(json_field(r.body, "detail.torrent.awaiting_file_choice"),
                    "false");
  body = d.await_status(magnet, ended(), 40s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  check_stored(d, magnet, t, "pack/c.txt");
  BOOST_CHECK(json_field(body, "detail.files.1.key").empty());
  info = d.api("GET", "/task/tid/" + magnet + "/info").body;
  BOOST_CHECK_EQUAL(json_field(info, "detail.source.pick_files"), "false");

  // An uploaded .torrent waits before the session sees it: not a byte.
  auto upload = create(d, R"({"torrent":")" + base64(t.bytes())
                              + R"(","bucket":"picked","pick_files":true})");
  body = d.await_status(upload, waits, 20s);
  BOOST_REQUIRE_MESSAGE(waits(body), body);
  BOOST_CHECK_EQUAL(json_field(body, "detail.done_bytes"), "0");
  BOOST_CHECK_EQUAL(json_field(body, "detail.torrent.name"), "pack");
  BOOST_CHECK_EQUAL(json_field(body, "detail.torrent.files.2.name").empty(),
                    false);
  // A plain resume takes every file.
  BOOST_REQUIRE_EQUAL(
      d.api("PUT", "/task/tid/" + upload + "?act=resume").status, 200);
  body = d.await_status(upload, ended(), 60s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  for (auto& f : t.files)
    check_stored(d, upload, t, f.path);
}
