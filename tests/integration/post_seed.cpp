#define BOOST_TEST_MODULE integration_post_seed
// A post made from a finished task is seeded by Skyhaul itself: aria2c
// downloads every byte from Skyhaul's seed alone (no other seeder runs)
// through Skyhaul's tracker, md5 checked, before and after a `kill -9` of
// skyhauld; the seed stops when the post goes and when its blob goes. Tasks
// from a .torrent (fetched from a post), from a magnet link (the metadata
// the swarm sent) and from an HTTP download (a torrent made of the file)
// can all be posted.

#include <boost/test/unit_test.hpp>

#include "tests/support/community_client.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/reference_digests.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/swarm.hpp"
#include "tests/support/task_calls.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace skyhaul::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> seed_flags = {
    "--tracker-interval=2", "--tracker-min-interval=1",
    "--tracker-flush-ms=200"};

std::string file_bytes(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out{path, std::ios::binary};
  out << bytes;
}

std::string md5_of_file(const std::string& path) {
  return digest_of(EVP_md5(), file_bytes(path));
}

/// A file of a download and its md5.
using wanted_file = std::pair<std::string, std::string>;

/// Downloads post `pid` with aria2c as `who`, with the .torrent Skyhaul
/// serves them, into `dir`; true once every file there has its md5
/// (bounded). `aria` runs on, announcing its figures, until it is stopped.
bool leech(const community_client& who, const std::string& pid,
           const std::string& dir, const std::vector<wanted_file>& files,
           child& aria) {
  auto served = who.call("GET", "/user/post/" + pid + "/metainfo");
  BOOST_REQUIRE_EQUAL(served.status, 200);
  fs::create_directories(dir);
  write_file(dir + ".torrent", served.body);
  aria.start({"aria2c", "--quiet=true", "--no-conf", "--interface=127.0.0.1",
              "--seed-time=0", "--enable-dht=false", "--enable-dht6=false",
              "--bt-enable-lpd=false", "--enable-peer-exchange=false",
              "--listen-port=" + std::to_string(free_port()),
              "--dir=" + dir, "--file-allocation=none",
              "--bt-save-metadata=false", dir + ".torrent"},
             false);
  auto deadline = std::chrono::steady_clock::now() + 40s;
  auto complete = [&] {
    for (auto& [file, md5] : files)
      if (!fs::exists(dir + "/" + file) || md5_of_file(dir + "/" + file) != md5)
        return false;
    return true;
  };
  while (std::chrono::steady_clock::now() < deadline) {
    if (complete())
      return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

/// Waits (bounded) until `pred()` holds.
template <class Pred>
bool await(Pred pred, std::chrono::seconds limit = 20s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

uint64_t figure(const community_client& c, const std::string& field) {
  auto v = json_field(c.call("GET", "/user/me").body, "data." + field);
  return v.empty() ? 0 : std::stoull(v);
}

/// Posts the caller's task `tid`; the reply. A task's status says
/// "finished" as its final record goes to the store, a moment before the
/// record is durable and the post can see it: that answer is waited out
/// (bounded).
response post_task(const community_client& c, const std::string& title,
                   const std::string& tid) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    auto r = c.call("POST", "/user/post",
                    R"({"title":")" + title + R"(","fromTask":")" + tid
                        + "\"}");
    if (r.status != 409 || r.body.find("has not finished") == std::string::npos
        || std::chrono::steady_clock::now() > deadline)
      return r;
    std::this_thread::sleep_for(20ms);
  }
}

} // namespace

BOOST_AUTO_TEST_CASE(a_fetched_torrent_posted_again_is_seeded_by_skyhaul) {
  scratch s{"skyhaul-post-seed"};
  server_process d{seed_flags};
  d.start();
  community_client alice{&d, d.add_user("alice", "--level 3")};
  community_client bob{&d, d.add_user("bob", "--level 3")};
  community_client carol{&d, d.add_user("carol", "--level 2")};
  const uint64_t size = 700000;
  auto t = make_torrent(s.dir + "/seed", "movie.bin", {{"movie.bin", size}});
  auto md5 = t.files.front().md5;
  std::string tid;
  {
    // Bob fetches alice's post while her aria2c seeds it.
    auto pid = alice.post("Movie", 1);
    BOOST_REQUIRE_EQUAL(alice.upload(pid, t.bytes()).status, 201);
    auto served = alice.call("GET", "/user/post/" + pid + "/metainfo");
    made_torrent mine = t;
    mine.torrent_path = s.dir + "/alice.torrent";
    write_file(mine.torrent_path, served.body);
    aria2_seeder seeder{mine, s.dir + "/seed"};
    auto fetch = bob.call("POST", "/user/post/" + pid + "/fetch", "{}");
    BOOST_REQUIRE_EQUAL(fetch.status, 201);
    tid = json_field(fetch.body, "data.tid");
    auto body = d.await_status(tid, ended(), 60s, bob.u.api_key);
    BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
    BOOST_REQUIRE_EQUAL(alice.call("DELETE", "/user/post/" + pid).status, 200);
  }
  // Alice's seeder is gone: Skyhaul is the only seeder of bob's post.
  auto made = post_task(bob, "Again", tid);
  BOOST_REQUIRE_EQUAL(made.status, 201);
  auto pid = json_field(made.body, "data.pid");
  BOOST_CHECK_EQUAL(json_field(made.body, "data.infoHash"), [&] {
    auto up = t.info_hash;
    for (auto& c : up)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return up;
  }());
  auto folder = d.data_dir() + "/seeds/" + pid;
  BOOST_CHECK(await([&] { return fs::exists(folder + "/movie.bin"); }));
  auto before = figure(bob, "uploaded");
  child aria;
  BOOST_REQUIRE(
      leech(carol, pid, s.dir + "/carol", {{"movie.bin", md5}}, aria));
  // The seed announces with the poster's passkey: bob uploaded it.
  BOOST_CHECK(await([&] { return figure(bob, "uploaded") >= before + size; }));
  BOOST_CHECK(await([&] { return figure(carol, "downloaded") >= size; }));
  aria.stop();

  // Seeding survives a kill -9 of skyhauld.
  d.crash();
  d.start();
  child again;
  BOOST_REQUIRE(
      leech(carol, pid, s.dir + "/carol2", {{"movie.bin", md5}}, again));
  again.stop();

  // The post goes: so does the seed and its folder of links.
  BOOST_REQUIRE_EQUAL(bob.call("DELETE", "/user/post/" + pid).status, 200);
  BOOST_CHECK(await([&] { return !fs::exists(folder); }));
  // The task's objects are untouched.
  auto got = d.api("GET", "/download/" + tid + "/movie.bin", {}, bob.u.api_key);
  BOOST_CHECK_EQUAL(digest_of(EVP_md5(), got.body), md5);
}

BOOST_AUTO_TEST_CASE(a_magnet_task_is_posted_with_the_swarms_metadata) {
  scratch s{"skyhaul-post-seed"};
  server_process d{seed_flags};
  d.start();
  community_client bob{&d, d.add_user("bob", "--level 3")};
  community_client carol{&d, d.add_user("carol", "--level 1")};
  auto t = make_torrent(s.dir + "/data", "pack",
                        {{"a.bin", 300000}, {"sub/b.bin", 200000}});
  std::string tid;
  {
    seeder seed{t, s.dir + "/data"};
    tid = create(d,
                 R"({"url":")" + t.magnet + "&x.pe=" + seed.peer() + "\"}",
                 bob.u.api_key);
    auto body = d.await_status(tid, ended(), 60s, bob.u.api_key);
    BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  }
  auto made = post_task(bob, "Pack", tid);
  BOOST_REQUIRE_MESSAGE(made.status == 201, made.body);
  auto pid = json_field(made.body, "data.pid");
  BOOST_CHECK_EQUAL(json_field(made.body, "data.size"), "500000");
  // The served torrent carries the swarm's info dictionary: same hash.
  auto hex = json_field(made.body, "data.infoHash");
  for (auto& c : hex)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  BOOST_CHECK_EQUAL(hex, t.info_hash);
  std::vector<wanted_file> files;
  for (auto& f : t.files)
    files.emplace_back(f.path, f.md5);
  child aria;
  BOOST_CHECK(leech(carol, pid, s.dir + "/carol", files, aria));
  aria.stop();

  // The blob goes (the task is deleted with its objects): the seed stops.
  auto folder = d.data_dir() + "/seeds/" + pid;
  BOOST_CHECK(fs::exists(folder));
  BOOST_REQUIRE_EQUAL(
      d.api("DELETE", "/task/tid/" + tid + "?del_file=true", {},
            bob.u.api_key)
          .status,
      200);
  BOOST_CHECK(await([&] { return !fs::exists(folder); }));
}

BOOST_AUTO_TEST_CASE(an_http_download_is_posted_as_a_private_torrent) {
  scratch s{"skyhaul-post-seed"};
  origin org;
  server_process d{seed_flags};
  d.start();
  community_client bob{&d, d.add_user("bob", "--level 3")};
  community_client carol{&d, d.add_user("carol", "--level 1")};
  const size_t size = 1000000;
  auto tid = create(d,
                    R"({"url":")"
                        + org.url("/file/" + std::to_string(size)
                                  + "?name=film.bin")
                        + "\"}",
                    bob.u.api_key);
  auto body = d.await_status(tid, ended(), 60s, bob.u.api_key);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  auto made = post_task(bob, "Film", tid);
  BOOST_REQUIRE_MESSAGE(made.status == 201, made.body);
  auto pid = json_field(made.body, "data.pid");
  BOOST_CHECK_EQUAL(json_field(made.body, "data.size"), std::to_string(size));
  auto served = carol.call("GET", "/user/post/" + pid + "/metainfo");
  BOOST_REQUIRE_EQUAL(served.status, 200);
  // BEP 27: clients look for peers at the passkey tracker only.
  BOOST_CHECK_NE(served.body.find("7:privatei1e"), std::string::npos);
  BOOST_CHECK_NE(served.body.find("/announce/" + carol.u.passkey),
                 std::string::npos);
  auto name = json_field(body, "detail.files.0.name");
  BOOST_REQUIRE(!name.empty());
  child aria;
  BOOST_CHECK(leech(carol, pid, s.dir + "/carol",
                    {{name, expected_digests(size).md5}}, aria));
  aria.stop();
  // Fetched by another user of this Skyhaul, the post is stored from the
  // file Skyhaul holds (the info-hash cache), byte for byte.
  auto fetch = carol.call("POST", "/user/post/" + pid + "/fetch", "{}");
  BOOST_REQUIRE_MESSAGE(fetch.status == 201, fetch.body);
  auto fetched = d.await_status(json_field(fetch.body, "data.tid"), ended(),
                                30s, carol.u.api_key);
  BOOST_REQUIRE_MESSAGE(state_of(fetched) == "finished", fetched);
  BOOST_CHECK_EQUAL(json_field(fetched, "detail.files.0.md5"),
                    expected_digests(size).md5);
  // The same task again: its torrent is another post's already.
  auto twice = post_task(bob, "Film again", tid);
  BOOST_CHECK_EQUAL(twice.status, 409);
  BOOST_CHECK_EQUAL(envelope(twice), "FAIL");
}
