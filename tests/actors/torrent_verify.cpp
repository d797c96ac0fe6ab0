#define BOOST_TEST_MODULE torrent_verify
// Reading a torrent's files back: digests, every piece against its v1
// SHA-1, v2 files against their merkle roots, boundary pieces through
// libtorrent's part file, and a bad byte on disk found and mended by a
// recheck in a real lt::session fed by a second one on loopback.

#include "actors/torrent_verify.hpp"
#include "storage/digest.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/hex.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_info.hpp>
#include <unistd.h>

using namespace skyhaul;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> all_files = {"pack/a.bin", "pack/sub/b.bin",
                                            "pack/c.txt"};

/// A folder `<dir>/pack` with a.bin (40000), sub/b.bin (20000) and c.txt
/// (100), and its torrent with 16 KiB pieces. v1: the files in that order,
/// piece 2 holds the end of a.bin and the start of b.bin, piece 3 the end
/// of b.bin and all of c.txt. v2 and hybrid sort them and align each to a
/// piece.
struct made {
  std::string dir;
  std::shared_ptr<lt::torrent_info> ti;

  explicit made(lt::create_flags_t flags, const std::string& tag = "src") {
    dir = fs::temp_directory_path()
          / ("skyhaul-verify-" + tag + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir + "/pack/sub");
    write("pack/a.bin", 40000);
    write("pack/sub/b.bin", 20000);
    write("pack/c.txt", 100);
    lt::file_storage files;
    files.add_file("pack/a.bin", 40000);
    files.add_file("pack/sub/b.bin", 20000);
    files.add_file("pack/c.txt", 100);
    lt::create_torrent ct{files, 16384, flags};
    lt::set_piece_hashes(ct, dir);
    auto buf = ct.generate_buf();
    ti = std::make_shared<lt::torrent_info>(buf, lt::from_span);
  }

  ~made() {
    std::error_code err;
    fs::remove_all(dir, err);
  }

  std::string info() const {
    auto s = ti->info_section();
    return {s.data(), static_cast<size_t>(s.size())};
  }

  void write(const std::string& rel, size_t size) {
    std::ofstream out{dir + "/" + rel, std::ios::binary};
    for (size_t i = 0; i < size; ++i)
      out.put(static_cast<char>((i * 31 + rel.size()) & 0xff));
  }
};

/// Flips one byte of a file in place.
void flip(const std::string& path, std::streamoff at) {
  std::fstream f{path, std::ios::in | std::ios::out | std::ios::binary};
  f.seekg(at);
  char c = 0;
  f.get(c);
  f.seekp(at);
  f.put(static_cast<char>(c ^ 0x5a));
}

storage::digest_set::result digests_of(const std::string& path) {
  storage::digest_set ds;
  storage::feed_file(ds, path);
  return ds.finish();
}

} // namespace

BOOST_AUTO_TEST_CASE(whole_torrent_every_piece_and_the_digests) {
  made t{lt::create_torrent::v1_only};
  auto res = check_torrent_files(t.info(), t.dir, all_files);
  BOOST_REQUIRE_MESSAGE(res.error.empty(), res.error);
  BOOST_CHECK_EQUAL(res.pieces_checked,
                    static_cast<uint64_t>(t.ti->num_pieces()));
  BOOST_CHECK_EQUAL(res.pieces_skipped, 0u);
  BOOST_CHECK_EQUAL(res.roots_checked, 0u);
  BOOST_REQUIRE_EQUAL(res.files.size(), 3u);
  for (auto& f : res.files) {
    auto d = digests_of(t.dir + "/" + f.name);
    BOOST_CHECK_EQUAL(f.md5, d.md5);
    BOOST_CHECK_EQUAL(f.sha1, d.sha1);
    BOOST_CHECK_EQUAL(f.crc32, d.crc32);
    BOOST_CHECK_EQUAL(f.blob, d.sha1);
  }
  BOOST_CHECK_EQUAL(res.files[0].name, "pack/a.bin");
  BOOST_CHECK_EQUAL(res.files[0].size, 40000u);
  // One bad byte in the middle of a.bin: piece 1, named with its file.
  flip(t.dir + "/pack/a.bin", 20000);
  res = check_torrent_files(t.info(), t.dir, all_files);
  BOOST_CHECK(res.corrupt);
  BOOST_CHECK(res.files.empty());
  BOOST_CHECK_MESSAGE(res.error.find("piece 1 ") != std::string::npos
                          && res.error.find("'pack/a.bin'")
                                 != std::string::npos,
                      res.error);
}

BOOST_AUTO_TEST_CASE(a_subset_checks_its_boundary_pieces_too) {
  made t{lt::create_torrent::v1_only};
  // c.txt shares piece 3 with the end of b.bin, read from b.bin itself
  // (libtorrent writes an unwanted file in place when it already exists).
  auto res = check_torrent_files(t.info(), t.dir, {"pack/c.txt"});
  BOOST_REQUIRE_MESSAGE(res.error.empty(), res.error);
  BOOST_CHECK_EQUAL(res.pieces_checked, 1u);
  BOOST_CHECK_EQUAL(res.pieces_skipped, 0u);
  // A bad byte in b.bin's part of that piece fails c.txt too: its hash
  // covers both.
  flip(t.dir + "/pack/sub/b.bin", 19990);
  res = check_torrent_files(t.info(), t.dir, {"pack/c.txt"});
  BOOST_CHECK(res.corrupt);
  BOOST_CHECK_MESSAGE(res.error.find("piece 3 of the torrent file 'pack/c.txt'")
                          != std::string::npos,
                      res.error);
  // With b.bin nowhere on disk the boundary piece cannot be checked.
  fs::remove(t.dir + "/pack/sub/b.bin");
  res = check_torrent_files(t.info(), t.dir, {"pack/c.txt"});
  BOOST_REQUIRE_MESSAGE(res.error.empty(), res.error);
  BOOST_CHECK_EQUAL(res.pieces_checked, 0u);
  BOOST_CHECK_EQUAL(res.pieces_skipped, 1u);
}

BOOST_AUTO_TEST_CASE(short_and_missing_files_are_mendable) {
  made t{lt::create_torrent::v1_only};
  fs::resize_file(t.dir + "/pack/c.txt", 10);
  auto res = check_torrent_files(t.info(), t.dir, all_files);
  BOOST_CHECK(res.corrupt);
  BOOST_CHECK_EQUAL(res.error,
                    "the torrent file 'pack/c.txt' has 10 of 100 bytes on disk");
  fs::remove(t.dir + "/pack/c.txt");
  res = check_torrent_files(t.info(), t.dir, {"pack/c.txt"});
  BOOST_CHECK(res.corrupt);
  BOOST_CHECK_EQUAL(res.error,
                    "the torrent file 'pack/c.txt' has 0 of 100 bytes on disk");
  res = check_torrent_files("not bencode", t.dir, all_files);
  BOOST_CHECK(!res.corrupt);
  BOOST_CHECK(res.error.find("does not parse") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(v2_files_are_checked_against_their_merkle_roots) {
  // v2 only: no SHA-1 piece hashes, so the roots are the only check.
  made t{lt::create_torrent::v2_only, "v2"};
  auto res = check_torrent_files(t.info(), t.dir, all_files);
  BOOST_REQUIRE_MESSAGE(res.error.empty(), res.error);
  BOOST_CHECK_EQUAL(res.pieces_checked, 0u);
  BOOST_CHECK_EQUAL(res.roots_checked, 3u);
  BOOST_CHECK_EQUAL(res.files.size(), 3u);
  flip(t.dir + "/pack/sub/b.bin", 17000);
  res = check_torrent_files(t.info(), t.dir, all_files);
  BOOST_CHECK(res.corrupt);
  BOOST_CHECK_EQUAL(res.error, "the torrent file 'pack/sub/b.bin' does not "
                               "match its SHA-256 merkle root");
  // Hybrid: both; pad files keep every file piece-aligned.
  made h{{}, "hybrid"};
  res = check_torrent_files(h.info(), h.dir, all_files);
  BOOST_REQUIRE_MESSAGE(res.error.empty(), res.error);
  BOOST_CHECK_EQUAL(res.roots_checked, 3u);
  BOOST_CHECK_EQUAL(res.pieces_checked,
                    static_cast<uint64_t>(h.ti->num_pieces()));
}

// -- with real sessions -------------------------------------------------------

namespace {

lt::settings_pack loopback_pack() {
  lt::settings_pack pack;
  pack.set_str(lt::settings_pack::listen_interfaces, "127.0.0.1:0");
  pack.set_bool(lt::settings_pack::enable_dht, false);
  pack.set_bool(lt::settings_pack::enable_lsd, false);
  pack.set_bool(lt::settings_pack::enable_upnp, false);
  pack.set_bool(lt::settings_pack::enable_natpmp, false);
  pack.set_bool(lt::settings_pack::enable_outgoing_utp, false);
  pack.set_bool(lt::settings_pack::enable_incoming_utp, false);
  pack.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
  pack.set_int(lt::settings_pack::alert_mask,
               lt::alert_category::status | lt::alert_category::error
                   | lt::alert_category::storage);
  return pack;
}

/// Pops alerts of `ses` until one of type T comes; bounded.
template <class T>
bool await_alert(lt::session& ses) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    ses.wait_for_alert(std::chrono::milliseconds(200));
    std::vector<lt::alert*> alerts;
    ses.pop_alerts(&alerts);
    for (auto* a : alerts)
      if (lt::alert_cast<T>(a))
        return true;
  }
  return false;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_real_download_of_a_subset_then_a_bad_byte_is_mended) {
  made t{lt::create_torrent::v1_only};
  auto out = t.dir + "-out";
  fs::remove_all(out);
  lt::session seed{loopback_pack()};
  lt::add_torrent_params sp;
  sp.ti = t.ti;
  sp.save_path = t.dir;
  auto seeding = seed.add_torrent(sp);
  BOOST_REQUIRE(await_alert<lt::torrent_finished_alert>(seed));
  lt::session ses{loopback_pack()};
  lt::add_torrent_params p;
  p.ti = t.ti;
  p.save_path = out;
  // Only c.txt: piece 3 holds b.bin's last bytes too, which libtorrent
  // keeps in its part file.
  p.file_priorities = {lt::dont_download, lt::dont_download,
                       lt::default_priority};
  auto h = ses.add_torrent(p);
  auto peer = lt::tcp::endpoint{lt::make_address("127.0.0.1"),
                                seed.listen_port()};
  h.connect_peer(peer);
  BOOST_REQUIRE(await_alert<lt::torrent_finished_alert>(ses));
  // What the task waits for before it reads: every queued write is in the
  // files (and the part file's header is written).
  h.flush_cache();
  BOOST_REQUIRE(await_alert<lt::cache_flushed_alert>(ses));
  BOOST_CHECK(!fs::exists(out + "/pack/sub/b.bin"));
  auto res = check_torrent_files(t.info(), out, {"pack/c.txt"});
  BOOST_REQUIRE_MESSAGE(res.error.empty(), res.error);
  BOOST_CHECK_EQUAL(res.pieces_checked, 1u);
  BOOST_CHECK_EQUAL(res.pieces_skipped, 0u);
  BOOST_REQUIRE_EQUAL(res.files.size(), 1u);
  BOOST_CHECK_EQUAL(res.files[0].md5, digests_of(t.dir + "/pack/c.txt").md5);
  // The disk flips a byte after libtorrent verified the piece: the read
  // back finds it, a recheck makes libtorrent fetch the piece again.
  flip(out + "/pack/c.txt", 42);
  res = check_torrent_files(t.info(), out, {"pack/c.txt"});
  BOOST_CHECK(res.corrupt);
  h.force_recheck();
  h.connect_peer(peer);
  BOOST_REQUIRE(await_alert<lt::torrent_finished_alert>(ses));
  h.flush_cache();
  BOOST_REQUIRE(await_alert<lt::cache_flushed_alert>(ses));
  res = check_torrent_files(t.info(), out, {"pack/c.txt"});
  BOOST_REQUIRE_MESSAGE(res.error.empty(), res.error);
  BOOST_CHECK_EQUAL(res.files.at(0).md5,
                    digests_of(t.dir + "/pack/c.txt").md5);
  ses.remove_torrent(h);
  seed.remove_torrent(seeding);
  std::error_code err;
  fs::remove_all(out, err);
}

// b.bin chosen after a.bin: the boundary piece 2 came while a.bin was
// wanted, so its a.bin bytes are in a.bin; the part file's slot for the
// piece was made for b.bin's bytes and holds nothing of a.bin's. The check
// takes a.bin's bytes from a.bin once the part file's do not match.
BOOST_AUTO_TEST_CASE(a_boundary_piece_from_before_the_choice_changed) {
  made t{lt::create_torrent::v1_only};
  auto num = t.ti->num_pieces();
  std::string part;
  auto u32 = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      part.push_back(static_cast<char>((v >> shift) & 0xff));
  };
  u32(static_cast<uint32_t>(num));
  u32(16384);
  for (int i = 0; i < num; ++i)
    u32(i == 2 ? 0u : 0xffffffffu);
  part.resize(1024, '\0');
  part.append(16384, '\0'); // slot 0: piece 2, a.bin's part never written
  std::ofstream{t.dir + "/." + lt::aux::to_hex(t.ti->info_hashes().get_best())
                    + ".parts",
                std::ios::binary}
      << part;
  auto res = check_torrent_files(t.info(), t.dir, {"pack/sub/b.bin"});
  BOOST_REQUIRE_MESSAGE(res.error.empty(), res.error);
  BOOST_CHECK_EQUAL(res.pieces_checked, 2u);
  // A bad byte in a.bin's part of the piece is still found.
  flip(t.dir + "/pack/a.bin", 39990);
  res = check_torrent_files(t.info(), t.dir, {"pack/sub/b.bin"});
  BOOST_CHECK(res.corrupt);
  BOOST_CHECK_MESSAGE(res.error.find("piece 2 ") != std::string::npos,
                      res.error);
}
