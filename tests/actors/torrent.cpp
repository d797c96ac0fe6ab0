#define BOOST_TEST_MODULE torrent
// Unit tests of the torrent parts: file selection, per-file progress, path
// checks, metainfo parsing, and alerts of a real lt::session turned into
// values.

#include "actors/torrent_alerts.hpp"
#include "actors/torrent_files.hpp"
#include "actors/torrent_meta.hpp"
#include "protocol/source.hpp"
#include "protocol/task_spec.hpp"
#include "storage/torrent_table.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_info.hpp>

using namespace skyhaul;
namespace fs = std::filesystem;

namespace {

/// A folder with a multi-file torrent `pack` (a.bin, sub/b.bin, c.txt).
struct made {
  std::string dir;
  std::string bytes;
  std::shared_ptr<const lt::torrent_info> ti;

  made() {
    dir = fs::temp_directory_path()
          / ("skyhaul-torrent-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir + "/pack/sub");
    write("pack/a.bin", 40000);
    write("pack/sub/b.bin", 20000);
    write("pack/c.txt", 100);
    lt::file_storage files;
    lt::add_files(files, dir + "/pack");
    lt::create_torrent ct{files, 16384, lt::create_torrent::v1_only};
    lt::set_piece_hashes(ct, dir);
    auto buf = ct.generate_buf();
    bytes.assign(buf.begin(), buf.end());
    BOOST_REQUIRE(!parse_metainfo(bytes, 1 << 20, ti));
  }

  ~made() {
    std::error_code err;
    fs::remove_all(dir, err);
  }

  void write(const std::string& rel, size_t size) {
    std::ofstream out{dir + "/" + rel, std::ios::binary};
    for (size_t i = 0; i < size; ++i)
      out.put(static_cast<char>((i * 31 + rel.size()) & 0xff));
  }
};

/// Bencode of a dictionary with the given info dictionary body.
std::string metainfo_with_info(const std::string& info) {
  return "d4:info" + info + "e";
}

std::string bstr(const std::string& s) {
  return std::to_string(s.size()) + ":" + s;
}

/// An info dictionary of one file at `path` (list of elements).
std::string info_with_path(const std::vector<std::string>& path,
                           const std::string& name = "pack") {
  std::string p = "l";
  for (auto& el : path)
    p += bstr(el);
  p += "e";
  return "d5:filesld6:lengthi10e4:path" + p + "ee4:name" + bstr(name)
         + "12:piece lengthi16384e6:pieces20:" + std::string(20, 'x') + "e";
}

} // namespace

// -- file selection and progress ---------------------------------------------

BOOST_AUTO_TEST_CASE(select_files_matches_paths_with_and_without_root) {
  std::vector<std::string> paths{"pack/a.bin", "pack/sub/b.bin", "pack/c.txt"};
  std::string unknown;
  auto all = select_files(paths, "pack", {}, unknown);
  BOOST_REQUIRE(all);
  BOOST_CHECK((*all == std::vector<bool>{true, true, true}));
  auto some = select_files(paths, "pack", {"a.bin", "pack/c.txt"}, unknown);
  BOOST_REQUIRE(some);
  BOOST_CHECK((*some == std::vector<bool>{true, false, true}));
  auto nested = select_files(paths, "pack", {"sub/b.bin"}, unknown);
  BOOST_REQUIRE(nested);
  BOOST_CHECK((*nested == std::vector<bool>{false, true, false}));
  BOOST_CHECK(!select_files(paths, "pack", {"b.bin"}, unknown));
  BOOST_CHECK_EQUAL(unknown, "b.bin");
  BOOST_CHECK(!select_files(paths, "pack", {"pack"}, unknown));
  // A single-file torrent: the path is the name.
  auto single = select_files({"movie.mkv"}, "movie.mkv", {"movie.mkv"},
                             unknown);
  BOOST_REQUIRE(single);
  BOOST_CHECK((*single == std::vector<bool>{true}));
}

BOOST_AUTO_TEST_CASE(file_done_counts_the_pieces_of_each_file) {
  // Pieces of 10 bytes; files [0,15), [15,15) (empty), [15,40).
  std::vector<file_span> files{{0, 15}, {15, 0}, {15, 25}};
  auto none = file_done(files, 10, {false, false, false, false});
  BOOST_CHECK((none == std::vector<uint64_t>{0, 0, 0}));
  auto first = file_done(files, 10, {true, false, false, false});
  BOOST_CHECK((first == std::vector<uint64_t>{10, 0, 0}));
  // Piece 1 holds bytes 10-19: 5 of file 0 and 5 of file 2.
  auto second = file_done(files, 10, {false, true, false, false});
  BOOST_CHECK((second == std::vector<uint64_t>{5, 0, 5}));
  auto all = file_done(files, 10, {true, true, true, true});
  BOOST_CHECK((all == std::vector<uint64_t>{15, 0, 25}));
  // Without the bitfield (no metadata) nothing is done.
  BOOST_CHECK((file_done(files, 10, {}) == std::vector<uint64_t>{0, 0, 0}));
}

BOOST_AUTO_TEST_CASE(unsafe_path_elements) {
  BOOST_CHECK(unsafe_path_element("a.bin").empty());
  BOOST_CHECK(unsafe_path_element("..a").empty());
  for (auto bad : std::vector<std::string>{"", ".", "..", "a/b", "a\\b",
                                           std::string{"a\0b", 3}, "a\nb"})
    BOOST_CHECK_MESSAGE(!unsafe_path_element(bad).empty(), bad);
}

BOOST_AUTO_TEST_CASE(object_keys_and_content_types) {
  task_spec spec;
  BOOST_CHECK_EQUAL(torrent_object_key(spec, "pack/a.bin", false),
                    "pack/a.bin");
  spec.target = "movies";
  BOOST_CHECK_EQUAL(torrent_object_key(spec, "pack/a.bin", false),
                    "movies/pack/a.bin");
  spec.target = "movies/";
  BOOST_CHECK_EQUAL(torrent_object_key(spec, "pack/a.bin", false),
                    "movies/pack/a.bin");
  spec.key = "exact/name.bin";
  BOOST_CHECK_EQUAL(torrent_object_key(spec, "pack/a.bin", true),
                    "exact/name.bin");
  BOOST_CHECK_EQUAL(torrent_object_key(spec, "pack/a.bin", false),
                    "movies/pack/a.bin");
  BOOST_CHECK_EQUAL(content_type_for("pack/x.MKV"), "video/x-matroska");
  BOOST_CHECK_EQUAL(content_type_for("pack/readme.txt"), "text/plain");
  BOOST_CHECK_EQUAL(content_type_for("pack.d/noext"),
                    "application/octet-stream");
}

BOOST_AUTO_TEST_CASE(cached_files_need_every_wanted_file) {
  storage::cached_torrent entry;
  entry.name = "pack";
  entry.file_count = 3;
  for (auto name : {"pack/a.bin", "pack/c.txt"}) {
    file_record f;
    f.name = name;
    f.blob = std::string(40, 'a');
    entry.files.push_back(f);
  }
  BOOST_CHECK(!cached_files(entry, {}));
  auto some = cached_files(entry, {"a.bin", "pack/c.txt"});
  BOOST_REQUIRE(some);
  BOOST_CHECK_EQUAL(some->size(), 2u);
  BOOST_CHECK(!cached_files(entry, {"a.bin", "sub/b.bin"}));
  entry.file_count = 2;
  BOOST_CHECK(cached_files(entry, {}));
}

BOOST_AUTO_TEST_CASE(magnet_hashes) {
  auto hex = std::string{"2560ace1cfca2aefc741e76b637c02405e27fb7b"};
  BOOST_CHECK_EQUAL(*magnet_info_hash("magnet:?xt=urn:btih:" + hex), hex);
  BOOST_CHECK_EQUAL(
      *magnet_info_hash("magnet:?dn=x&xt=urn:btih:2560ACE1CFCA2AEFC741E76B637"
                        "C02405E27FB7B&tr=http%3A%2F%2Ft"),
      hex);
  // The same hash in base32.
  BOOST_CHECK_EQUAL(
      *magnet_info_hash("magnet:?xt=urn:btih:EVQKZYOPZIVO7R2B45VWG7ACIBPCP633"),
      hex);
  auto v2 = std::string(64, 'a');
  BOOST_CHECK_EQUAL(*magnet_info_hash("magnet:?xt=urn:btmh:1220" + v2), v2);
  BOOST_CHECK(!magnet_info_hash("magnet:?dn=nothing"));
  BOOST_CHECK(!magnet_info_hash("magnet:?xt=urn:btih:1234"));
  BOOST_CHECK(!magnet_info_hash("magnet:?xt=urn:sha1:" + hex));
  BOOST_CHECK(!magnet_info_hash("http://example.com/?xt=urn:btih:" + hex));
  task_spec spec;
  spec.url = "MAGNET:?xt=urn:btih:" + hex;
  BOOST_CHECK(source_of(spec) == source_kind::magnet);
  spec.url = "https://h/x/a.Torrent?sig=1";
  BOOST_CHECK(source_of(spec) == source_kind::torrent_url);
  spec.url = "https://h/x/a.torrent.zip";
  BOOST_CHECK(source_of(spec) == source_kind::http);
  spec.torrent = "d4:infode";
  BOOST_CHECK(source_of(spec) == source_kind::torrent_file);
}

// -- metainfo -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(metainfo_parses_and_lays_out_the_selection) {
  made t;
  torrent_layout layout;
  BOOST_REQUIRE(!layout_of(*t.ti, {"a.bin", "pack/c.txt"}, layout));
  BOOST_CHECK_EQUAL(layout.meta.name, "pack");
  BOOST_CHECK_EQUAL(layout.meta.info_hash.size(), 40u);
  BOOST_REQUIRE_EQUAL(layout.meta.files.size(), 3u);
  BOOST_CHECK_EQUAL(layout.meta.total, 60100u);
  BOOST_CHECK_EQUAL(layout.meta.wanted, 40100u);
  uint64_t wanted = 0;
  for (size_t i = 0; i < layout.meta.files.size(); ++i) {
    auto& f = layout.meta.files[i];
    BOOST_CHECK_EQUAL(f.path.compare(0, 5, "pack/"), 0);
    auto prio = layout.priorities[static_cast<size_t>(layout.lt_index[i])];
    BOOST_CHECK_EQUAL(prio, f.wanted ? 4 : 0);
    if (f.wanted)
      wanted += f.size;
  }
  BOOST_CHECK_EQUAL(wanted, 40100u);
  auto err = layout_of(*t.ti, {"nope.bin"}, layout);
  BOOST_CHECK(code_of(err) == ec::download_source_exception);
  BOOST_CHECK_NE(message_of(err).find("nope.bin"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_metainfo_is_refused) {
  std::shared_ptr<const lt::torrent_info> ti;
  auto check = [&](const std::string& bytes, ec want, const char* what) {
    auto err = parse_metainfo(bytes, 1 << 20, ti);
    BOOST_CHECK_MESSAGE(code_of(err) == want,
                        what << ": " << to_string(code_of(err)) << " "
                             << message_of(err));
  };
  check("this is not bencode", ec::download_source_exception, "garbage");
  check("d4:info", ec::download_source_exception, "truncated");
  check("le", ec::download_source_exception, "a list");
  check("d3:foo3:bare", ec::download_source_exception, "no info");
  check(metainfo_with_info(info_with_path({"..", "etc", "passwd"})),
        ec::download_source_exception, "dot-dot element");
  check(metainfo_with_info(info_with_path({"a", "."})),
        ec::download_source_exception, "dot element");
  check(metainfo_with_info(info_with_path({"/etc/passwd"})),
        ec::download_source_exception, "absolute path");
  check(metainfo_with_info(info_with_path({"a\\..\\b"})),
        ec::download_source_exception, "backslashes");
  check(metainfo_with_info(info_with_path({"ok.bin"}, "..")),
        ec::download_source_exception, "dot-dot name");
  check(metainfo_with_info(info_with_path({"ok.bin"}, "/abs")),
        ec::download_source_exception, "absolute name");
  made t;
  BOOST_CHECK(code_of(parse_metainfo(t.bytes, t.bytes.size() - 1, ti))
              == ec::too_large);
  BOOST_CHECK(!parse_metainfo(t.bytes, t.bytes.size(), ti));
  // A well-formed info dictionary that libtorrent itself refuses.
  check(metainfo_with_info("d4:name4:pack12:piece lengthi16384e6:pieces"
                           "3:abce"),
        ec::download_source_exception, "no length");
}

BOOST_AUTO_TEST_CASE(dht_nodes_are_kept_by_the_caller_s_rule) {
  made t;
  // The made torrent with a `nodes` list spliced in before `info`: two
  // private contacts, a public one and an element that is none.
  auto info_at = t.bytes.find("4:info");
  BOOST_REQUIRE(info_at != std::string::npos);
  auto with = t.bytes.substr(0, info_at)
              + "5:nodesll9:127.0.0.1i6881eel7:8.8.8.8i6881eel"
                "9:loop.testi1ee4:junke"
              + t.bytes.substr(info_at);
  std::shared_ptr<const lt::torrent_info> ti;
  BOOST_REQUIRE(!parse_metainfo(with, 1 << 20, ti));
  BOOST_REQUIRE_EQUAL(ti->nodes().size(), 3u);
  auto only_public = [](const std::string& host) { return host == "8.8.8.8"; };
  auto kept = keep_dht_nodes(with, only_public);
  BOOST_REQUIRE(!parse_metainfo(kept, 1 << 20, ti));
  BOOST_REQUIRE_EQUAL(ti->nodes().size(), 1u);
  BOOST_CHECK_EQUAL(ti->nodes()[0].first, "8.8.8.8");
  BOOST_CHECK_EQUAL(ti->nodes()[0].second, 6881);
  // The info dictionary is the same bytes: the same torrent.
  BOOST_CHECK_EQUAL(hash_hex(ti->info_hashes()), hash_hex(t.ti->info_hashes()));
  // None kept: the key goes; nothing to leave out: the same bytes.
  auto none = keep_dht_nodes(with, [](const std::string&) { return false; });
  BOOST_CHECK_EQUAL(none, t.bytes);
  BOOST_CHECK_EQUAL(keep_dht_nodes(t.bytes, only_public), t.bytes);
  BOOST_CHECK_EQUAL(keep_dht_nodes("not bencode", only_public), "not bencode");
}

// -- alerts ---------------------------------------------------------------------

namespace {

/// Pops alerts until `pred` accepts a converted event; bounded.
template <class Pred>
std::optional<torrent_event> await_event(lt::session& ses, Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    ses.wait_for_alert(std::chrono::milliseconds(200));
    std::vector<lt::alert*> alerts;
    ses.pop_alerts(&alerts);
    for (auto* a : alerts)
      if (auto ev = to_event(a); ev && pred(*ev))
        return ev;
  }
  return std::nullopt;
}

} // namespace

BOOST_AUTO_TEST_CASE(alerts_become_values) {
  made t;
  lt::settings_pack pack;
  pack.set_str(lt::settings_pack::listen_interfaces, "127.0.0.1:0");
  pack.set_bool(lt::settings_pack::enable_dht, false);
  pack.set_bool(lt::settings_pack::enable_lsd, false);
  pack.set_bool(lt::settings_pack::enable_upnp, false);
  pack.set_bool(lt::settings_pack::enable_natpmp, false);
  pack.set_int(lt::settings_pack::alert_mask,
               lt::alert_category::status | lt::alert_category::error
                   | lt::alert_category::storage);
  lt::session ses{pack};
  using k = torrent_event::kind;
  lt::add_torrent_params p;
  p.ti = std::const_pointer_cast<lt::torrent_info>(t.ti);
  p.save_path = t.dir;
  p.flags |= lt::torrent_flags::duplicate_is_error;
  ses.async_add_torrent(p);
  auto added = await_event(ses, [](auto& ev) { return ev.what == k::added; });
  BOOST_REQUIRE(added);
  BOOST_CHECK(added->code == ec::none);
  BOOST_CHECK(added->handle.is_valid());
  BOOST_CHECK_EQUAL(added->info_hash, hash_hex(t.ti->info_hashes()));
  // The data is all there: the check finishes the torrent.
  BOOST_CHECK(await_event(ses, [](auto& ev) { return ev.what == k::finished; }));
  ses.post_torrent_updates(lt::torrent_handle::query_pieces);
  auto update = await_event(ses, [](auto& ev) {
    return ev.what == k::update && !ev.statuses.empty();
  });
  BOOST_REQUIRE(update);
  auto& st = update->statuses.front();
  BOOST_CHECK(st.handle == added->handle);
  BOOST_CHECK(st.finished);
  BOOST_CHECK_EQUAL(st.pieces.size(),
                    static_cast<size_t>(t.ti->num_pieces()));
  BOOST_CHECK(std::all_of(st.pieces.begin(), st.pieces.end(),
                          [](bool b) { return b; }));
  // Resume data comes out as bytes libtorrent reads back, metadata included.
  added->handle.save_resume_data(lt::torrent_handle::save_info_dict);
  auto resume
      = await_event(ses, [](auto& ev) { return ev.what == k::resume; });
  BOOST_REQUIRE(resume);
  BOOST_CHECK(resume->code == ec::none);
  BOOST_CHECK(resume->ti);
  lt::error_code err;
  auto back = lt::read_resume_data(
      {resume->resume.data(), static_cast<long>(resume->resume.size())}, err);
  BOOST_CHECK(!err);
  BOOST_CHECK(back.info_hashes == t.ti->info_hashes());
  // A second add of the same torrent is refused as a duplicate.
  ses.async_add_torrent(p);
  auto dup = await_event(ses, [](auto& ev) { return ev.what == k::added; });
  BOOST_REQUIRE(dup);
  BOOST_CHECK(dup->code == ec::invalid_state);
  ses.remove_torrent(added->handle);
  auto removed
      = await_event(ses, [](auto& ev) { return ev.what == k::removed; });
  BOOST_REQUIRE(removed);
  BOOST_CHECK_EQUAL(removed->info_hash, added->info_hash);
}
