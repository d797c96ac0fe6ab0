#define BOOST_TEST_MODULE integration_torrent
// BitTorrent through the real skyhauld, with real peers on loopback: a
// second libtorrent session (python3-libtorrent) as the seeder, opentracker
// as the tracker, and aria2c as a seeder not built on libtorrent.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <thread>

#include "protocol/ids.hpp"
#include "storage/digest.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/torrent_table.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/swarm.hpp"
#include "tests/support/task_calls.hpp"
#include "tests/support/scratch.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> bt_flags = {
    "--bt-listen=127.0.0.1:0", "--bt-dht=false", "--bt-lsd=false",
    "--bt-port-mapping=false"};

std::vector<std::string> flags(std::vector<std::string> more = {}) {
  auto out = bt_flags;
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

auto done_at_least(uint64_t n) {
  return [n](const std::string& body) {
    auto v = json_field(body, "detail.done_bytes");
    return !v.empty() && std::stoull(v) >= n;
  };
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (auto c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

const torrent_file_digest& file_of(const made_torrent& t,
                                   const std::string& path) {
  for (auto& f : t.files)
    if (f.path == path)
      return f;
  throw std::runtime_error("no file " + path);
}

/// The task stored `path` of `t` under `key`, with the right digests, and
/// the object's bytes have the right MD5.
void check_stored(const server_process& d, const std::string& tid,
                  const std::string& body, const made_torrent& t,
                  const std::string& path, const std::string& key) {
  auto& f = file_of(t, path);
  BOOST_CHECK_MESSAGE(body.find("\"key\":\"" + key + "\"") != std::string::npos,
                      key << " missing in " << body);
  for (auto& digest : {f.md5, f.sha1, f.crc32})
    BOOST_CHECK_MESSAGE(body.find(digest) != std::string::npos,
                        digest << " missing in " << body);
  auto got = d.api("GET", "/download/" + tid + "/" + path);
  BOOST_REQUIRE_EQUAL(got.status, 200);
  BOOST_CHECK_EQUAL(got.body.size(), f.size);
  skyhaul::storage::digest_set ds;
  ds.update(got.body.data(), got.body.size());
  BOOST_CHECK_EQUAL(ds.finish().md5, f.md5);
}

size_t count_of(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (auto pos = hay.find(needle); pos != std::string::npos;
       pos = hay.find(needle, pos + 1))
    ++n;
  return n;
}

const std::vector<std::pair<std::string, uint64_t>> pack_files = {
    {"a.bin", 300000}, {"sub/b.bin", 70000}, {"c.txt", 5000}};

} // namespace

BOOST_AUTO_TEST_CASE(torrent_url_with_a_subset_of_files) {
  scratch s{"skyhaul-bt"};
  auto probe = make_torrent(s.dir + "/probe", "pack", pack_files);
  tracker trk{{probe.info_hash}};
  auto t = make_torrent(s.dir + "/data", "pack", pack_files,
                        trk.announce_url());
  BOOST_REQUIRE_EQUAL(t.info_hash, probe.info_hash);
  seeder seed{t, s.dir + "/data"};
  BOOST_REQUIRE(trk.await_seeder(t.info_hash));
  origin org{fs::path(t.torrent_path).parent_path().string()};
  server_process d{flags()};
  d.start();
  auto url = org.url("/files/" + fs::path(t.torrent_path).filename().string());
  auto tid = create(d, R"({"url":)" + json_string(url)
                         + R"(,"target":"movies","files":["a.bin","pack/c.txt"]})");
  auto body = d.await_status(tid, ended(), 60s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  check_stored(d, tid, body, t, "pack/a.bin", "movies/pack/a.bin");
  check_stored(d, tid, body, t, "pack/c.txt", "movies/pack/c.txt");
  // The unwanted file is not an object.
  BOOST_CHECK(body.find("b.bin") == std::string::npos);
  BOOST_CHECK_EQUAL(d.api("GET", "/download/" + tid + "/pack/sub/b.bin").status,
                    404);
  BOOST_CHECK_EQUAL(json_field(body, "detail.total_bytes"), "305000");
  // Nothing is left behind in the partial folder (removed by a worker
  // right after the task ends).
  auto partial = d.data_dir() + "/partial/" + tid;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (fs::exists(partial) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  BOOST_CHECK(!fs::exists(partial));
  // An upload may be larger than the usual 1 MiB body limit (this one is
  // not a torrent, so the task fails), but not larger than the torrent
  // limit.
  // Well-formed bencode (the edge refuses anything else), but no info.
  const size_t n = 1536 << 10;
  auto junk = "d1:x" + std::to_string(n) + ":" + std::string(n, 'x') + "e";
  auto big = d.api("POST", "/task", R"({"torrent":")" + base64(junk) + "\"}");
  BOOST_REQUIRE_MESSAGE(big.status == 200, big.status << " " << big.body);
  auto failed = d.await_status(json_field(big.body, "tid"), ended(), 30s);
  BOOST_CHECK_EQUAL(json_field(failed, "detail.error.code"),
                    "download_source_exception");
  std::string huge(17 << 20, 'd');
  BOOST_CHECK_EQUAL(
      d.api("POST", "/task", R"({"torrent":")" + base64(huge) + "\"}").status,
      413);
}

BOOST_AUTO_TEST_CASE(magnet_with_peer_then_the_cache_without_the_seeder) {
  scratch s{"skyhaul-bt"};
  auto t = make_torrent(s.dir + "/data", "pack", pack_files);
  server_process d{flags()};
  d.start();
  std::string first;
  {
    seeder seed{t, s.dir + "/data"};
    auto magnet = t.magnet + "&x.pe=" + seed.peer();
    first = create(d, R"({"url":)" + json_string(magnet) + "}");
    // The same torrent twice at once: the second waits for the first.
    auto twin = create(d, R"({"url":)" + json_string(magnet)
                            + R"(,"target":"twin"})");
    auto body = d.await_status(first, ended(), 60s);
    BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
    for (auto& f : t.files)
      check_stored(d, first, body, t, f.path, f.path);
    auto twin_body = d.await_status(twin, ended(), 60s);
    BOOST_REQUIRE_MESSAGE(state_of(twin_body) == "finished", twin_body);
    check_stored(d, twin, twin_body, t, "pack/a.bin", "twin/pack/a.bin");
  }
  // The seeder is gone: the info-hash cache answers from stored blobs.
  auto again = create(d, R"({"url":)" + json_string(t.magnet)
                           + R"(,"target":"again","files":["sub/b.bin"]})");
  auto body = d.await_status(again, ended(), 20s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  check_stored(d, again, body, t, "pack/sub/b.bin", "again/pack/sub/b.bin");
  BOOST_CHECK_EQUAL(count_of(body, "\"concrete_upload\":"), 1u);
  // The same torrent uploaded: the cache again, every file.
  auto upload = create(d, R"({"torrent":")" + base64(t.bytes())
                            + R"(","target":"up"})");
  body = d.await_status(upload, ended(), 20s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK_EQUAL(count_of(body, "\"concrete_upload\":"), 3u);
  check_stored(d, upload, body, t, "pack/a.bin", "up/pack/a.bin");
}

BOOST_AUTO_TEST_CASE(magnet_with_a_tracker_only) {
  scratch s{"skyhaul-bt"};
  auto probe = make_torrent(s.dir + "/probe", "pack", pack_files);
  tracker trk{{probe.info_hash}};
  auto t = make_torrent(s.dir + "/data", "pack", pack_files,
                        trk.announce_url());
  seeder seed{t, s.dir + "/data"};
  BOOST_REQUIRE(trk.await_seeder(t.info_hash));
  server_process d{flags()};
  d.start();
  // No x.pe: the peer comes from the magnet's own `tr` tracker.
  auto magnet = t.magnet + "&tr=" + skyhaul::test::url_escape(trk.announce_url());
  auto tid = create(d, R"({"url":)" + json_string(magnet)
                         + R"(,"files":["c.txt"]})");
  auto body = d.await_status(tid, ended(), 60s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  check_stored(d, tid, body, t, "pack/c.txt", "pack/c.txt");
  BOOST_CHECK_EQUAL(count_of(body, "\"concrete_upload\":"), 1u);
}

BOOST_AUTO_TEST_CASE(uploaded_torrent_from_aria2_through_a_tracker) {
  scratch s{"skyhaul-bt"};
  auto probe = make_torrent(s.dir + "/probe", "single.bin", {{"single.bin", 900000}});
  tracker trk{{probe.info_hash}};
  auto t = make_torrent(s.dir + "/data", "single.bin", {{"single.bin", 900000}},
                        trk.announce_url());
  aria2_seeder seed{t, s.dir + "/data"};
  BOOST_REQUIRE(trk.await_seeder(t.info_hash));
  server_process d{flags()};
  d.start();
  auto tid = create(d, R"({"torrent":")" + base64(t.bytes())
                         + R"(","key":"exact/name.bin","md5":")"
                         + t.files.at(0).md5 + R"("})");
  auto body = d.await_status(tid, ended(), 90s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  check_stored(d, tid, body, t, "single.bin", "exact/name.bin");
}

BOOST_AUTO_TEST_CASE(kill_9_then_resume_data_then_pause_and_resume) {
  scratch s{"skyhaul-bt"};
  const uint64_t size = 6 << 20;
  auto probe = make_torrent(s.dir + "/probe", "big.bin", {{"big.bin", size}});
  tracker trk{{probe.info_hash}};
  auto t = make_torrent(s.dir + "/data", "big.bin", {{"big.bin", size}},
                        trk.announce_url());
  server_process d{flags({"--bt-task-download-limit=1000000",
                          "--bt-resume-interval=1"})};
  d.start();
  std::string tid;
  uint64_t before = 0;
  {
    seeder seed{t, s.dir + "/data"};
    BOOST_REQUIRE(trk.await_seeder(t.info_hash));
    tid = create(d, R"({"torrent":")" + base64(t.bytes()) + R"("})");
    auto body = d.await_status(tid, done_at_least(2 << 20), 60s);
    BOOST_REQUIRE_MESSAGE(done_at_least(2 << 20)(body), body);
    before = std::stoull(json_field(body, "detail.done_bytes"));
    // The live status has the torrent's own figures.
    BOOST_CHECK_EQUAL(json_field(body, "detail.torrent.info_hash"), t.info_hash);
    BOOST_CHECK_EQUAL(json_field(body, "detail.torrent.metadata"), "received");
    BOOST_CHECK_EQUAL(json_field(body, "detail.torrent.total_size"),
                      std::to_string(size));
    BOOST_CHECK_EQUAL(json_field(body, "detail.torrent.peers"), "1");
    BOOST_CHECK(body.find("\"progress\":\"") != std::string::npos);
    auto info = d.api("GET", "/task/tid/" + tid + "/info").body;
    BOOST_CHECK_EQUAL(json_field(info, "detail.source.upload"), "true");
    BOOST_CHECK(info.find(base64(t.bytes()).substr(0, 40)) == std::string::npos);
    BOOST_CHECK_EQUAL(json_field(d.api("GET", "/config").body, "config.bt_seed"),
                      "stop");
    // A periodic save of resume data lands within a second or two; LMDB
    // takes a reader from another process.
    auto seq = skyhaul::parse_tid(tid);
    BOOST_REQUIRE(seq);
    auto saved = [&] {
      skyhaul::storage::lmdb_env db{d.data_dir() + "/db", uint64_t{16} << 30};
      auto txn = db.read();
      return skyhaul::storage::get_resume(txn, *seq).has_value();
    };
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!saved() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
    BOOST_REQUIRE(saved());
    d.crash();
  }
  // No seeder now: whatever the task has after the restart came from the
  // resume data and the recheck of the pieces on disk.
  d.start();
  auto body = d.await_status(tid, done_at_least(before / 2), 30s);
  BOOST_REQUIRE_MESSAGE(done_at_least(before / 2)(body), body);
  BOOST_CHECK_EQUAL(state_of(body), "downloading");
  // A graceful stop saves clean resume data (no recheck next time).
  BOOST_CHECK_EQUAL(d.stop(SIGTERM), 0);
  {
    skyhaul::storage::lmdb_env db{d.data_dir() + "/db", uint64_t{16} << 30};
    auto txn = db.read();
    auto row = skyhaul::storage::get_resume(txn, *skyhaul::parse_tid(tid));
    BOOST_REQUIRE(row);
    BOOST_CHECK(row->clean);
  }
  d.start();
  body = d.await_status(tid, done_at_least(before / 2), 30s);
  BOOST_REQUIRE_MESSAGE(done_at_least(before / 2)(body), body);
  // Pause keeps the bytes; resume announces again and finds the new seeder.
  BOOST_CHECK_EQUAL(d.api("PUT", "/task/tid/" + tid + "?act=pause").status, 200);
  body = d.api("GET", "/task/tid/" + tid + "/status").body;
  BOOST_CHECK_EQUAL(state_of(body), "paused");
  seeder seed{t, s.dir + "/data"};
  BOOST_REQUIRE(trk.await_seeder(t.info_hash));
  BOOST_CHECK_EQUAL(d.api("PUT", "/task/tid/" + tid + "?act=resume").status,
                    200);
  body = d.await_status(tid, ended(), 60s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  check_stored(d, tid, body, t, "big.bin", "big.bin");
}

BOOST_AUTO_TEST_CASE(bytes_that_rot_while_paused_are_found_and_fetched_again) {
  scratch s{"skyhaul-bt"};
  const uint64_t size = 2 << 20;
  auto t = make_torrent(s.dir + "/data", "rot.bin", {{"rot.bin", size}});
  seeder seed{t, s.dir + "/data"};
  server_process d{flags({"--bt-task-download-limit=300000"})};
  d.start();
  auto tid = create(d, R"({"url":)"
                         + json_string(t.magnet + "&x.pe=" + seed.peer())
                         + "}");
  auto body = d.await_status(tid, done_at_least(512 << 10), 60s);
  BOOST_REQUIRE_MESSAGE(done_at_least(512 << 10)(body), body);
  // A pause stores clean resume data once every write is in the file: on
  // resume libtorrent trusts the pieces it lists without reading them.
  BOOST_REQUIRE_EQUAL(d.api("PUT", "/task/tid/" + tid + "?act=pause").status,
                      200);
  // The disk rots meanwhile: every 16 KiB block that holds data gets a bad
  // byte, so every piece libtorrent has is wrong on disk.
  auto path = d.data_dir() + "/partial/" + tid + "/rot.bin";
  std::string bytes;
  {
    std::ifstream in{path, std::ios::binary};
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  BOOST_REQUIRE_EQUAL(bytes.size(), size);
  size_t flipped = 0;
  for (size_t at = 0; at < bytes.size(); at += 16384) {
    auto end = std::min(bytes.size(), at + 16384);
    if (std::all_of(bytes.begin() + at, bytes.begin() + end,
                    [](char c) { return c == 0; }))
      continue;
    bytes[at + 7] = static_cast<char>(bytes[at + 7] ^ 0x5a);
    ++flipped;
  }
  BOOST_REQUIRE_GE(flipped, 16u);
  {
    std::fstream out{path, std::ios::in | std::ios::out | std::ios::binary};
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  // The read back before storing finds the bad pieces, a recheck fetches
  // them again, and only the seeded bytes are stored.
  BOOST_REQUIRE_EQUAL(d.api("PUT", "/task/tid/" + tid + "?act=resume").status,
                      200);
  body = d.await_status(tid, ended(), 90s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  check_stored(d, tid, body, t, "rot.bin", "rot.bin");
}

BOOST_AUTO_TEST_CASE(seeding_goes_on_from_the_stored_inodes) {
  scratch s{"skyhaul-bt"};
  auto t = make_torrent(s.dir + "/data", "pack", pack_files);
  seeder seed{t, s.dir + "/data"};
  server_process d{flags({"--bt-seed=time", "--bt-seed-time=600"})};
  d.start();
  auto tid = create(d, R"({"url":)"
                         + json_string(t.magnet + "&x.pe=" + seed.peer())
                         + "}");
  auto body = d.await_status(tid, ended(), 60s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  check_stored(d, tid, body, t, "pack/a.bin", "pack/a.bin");
  // The torrent still seeds from its folder, which shares the blob's inode.
  auto& a = file_of(t, "pack/a.bin");
  auto blob = d.data_dir() + "/blobs/" + a.sha1.substr(0, 2) + "/" + a.sha1;
  struct stat st {};
  BOOST_REQUIRE_EQUAL(::stat(blob.c_str(), &st), 0);
  BOOST_CHECK_EQUAL(st.st_nlink, 2u);
}

BOOST_AUTO_TEST_CASE(bad_sources_fail_clearly) {
  scratch s{"skyhaul-bt"};
  auto t = make_torrent(s.dir + "/data", "pack", pack_files);
  // A .torrent larger than allowed, served over HTTP.
  auto big = make_torrent(s.dir + "/big", "many.bin", {{"many.bin", 4 << 20}});
  fs::copy_file(big.torrent_path, s.dir + "/big.torrent");
  origin org{s.dir};
  server_process d{flags({"--bt-max-torrent-size=2000",
                          "--bt-metadata-timeout=2"})};
  d.start();
  // Refused at the edge (400/413 saying why), or accepted and then failed
  // by the daemon with `code`; `words` are in the message either way.
  auto refused = [&](const std::string& json, const std::string& words) {
    auto res = d.api("POST", "/task", json);
    BOOST_CHECK_MESSAGE(res.status == 400 || res.status == 413,
                        res.status << " " << res.body);
    BOOST_CHECK_MESSAGE(json_field(res.body, "errmsg").find(words)
                            != std::string::npos,
                        res.body);
  };
  auto fails_with = [&](const std::string& json, const std::string& code,
                        const std::string& words) {
    auto res = d.api("POST", "/task", json);
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.status << " " << res.body);
    auto tid = json_field(res.body, "tid");
    auto body = d.await_status(tid, ended(), 30s);
    BOOST_CHECK_MESSAGE(state_of(body) == "failed", body);
    BOOST_CHECK_MESSAGE(json_field(body, "detail.error.code") == code, body);
    BOOST_CHECK_MESSAGE(json_field(body, "detail.error.message").find(words)
                            != std::string::npos,
                        body);
    // Nothing was stored.
    BOOST_CHECK_EQUAL(count_of(body, "\"concrete_upload\":"), 0u);
  };
  auto upload = [](const std::string& bytes) {
    return R"({"torrent":")" + base64(bytes) + R"("})";
  };
  refused(upload("d4:infod4:name"), "not a .torrent file");
  fails_with(upload("d4:infod5:filesld6:lengthi10e4:pathl2:..6:passwdee"
                    "e4:name4:pack12:piece lengthi16384e6:pieces20:"
                    + std::string(20, 'x') + "ee"),
             "download_source_exception", "unsafe");
  fails_with(R"({"url":")" + org.url("/files/big.torrent") + R"("})",
             "download_source_exception", "larger than");
  // An unknown file name.
  fails_with(R"({"torrent":")" + base64(t.bytes())
                 + R"(","files":["nope.bin"]})",
             "download_source_exception", "nope.bin");
  // A magnet nobody serves: the metadata never comes.
  fails_with(R"({"url":"magnet:?xt=urn:btih:)" + std::string(40, 'e')
                 + R"("})",
             "no_such_download_source", "metadata");
  // A magnet with no usable hash is refused at the edge.
  refused(R"({"url":"magnet:?dn=nothing"})", "magnet");
  // Nothing named by the unsafe path was written anywhere.
  for (auto& root : {d.data_dir(), s.dir})
    for (auto& e : fs::recursive_directory_iterator(root))
      BOOST_CHECK_MESSAGE(e.path().filename() != "passwd", e.path());
}
