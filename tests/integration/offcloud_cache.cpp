#define BOOST_TEST_MODULE offcloud_cache_integration
#include <boost/test/unit_test.hpp>

// The Offcloud face and BitTorrent: a torrent from a local seeder, then
// the info-hash cache in every encoding clients send hashes in, cache/info
// and cache/download, a cached torrent that answers "downloaded" at once,
// explore and list of a multi-file request, and an uploaded .torrent.

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <curl/curl.h>

#include "tests/support/daemon.hpp"
#include "tests/support/offcloud_calls.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/swarm.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

const std::vector<std::pair<std::string, uint64_t>> pack_files = {
    {"a.bin", 200000}, {"sub/b.bin", 50000}, {"c.txt", 3000}};

/// RFC 4648 base32 of the 20 bytes a 40-hex info-hash spells.
std::string base32_of(const std::string& hex) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string bytes;
  for (size_t i = 0; i < hex.size(); i += 2)
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(buf >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

/// 99 hashes nobody has, and `real` among them at position 42.
std::vector<std::string> batch_with(const std::string& real) {
  std::vector<std::string> out;
  for (int i = 0; i < 99; ++i) {
    char buf[41];
    std::snprintf(buf, sizeof(buf), "%08x%032x", i, 0);
    out.push_back(buf);
  }
  out.insert(out.begin() + 42, real);
  return out;
}

/// The cachedItems of a reply, in order.
std::vector<std::string> cached_items(const std::string& body) {
  auto doc = oc::parse(body);
  std::vector<std::string> out;
  if (!doc.IsObject() || !doc.HasMember("cachedItems"))
    return {"<no cachedItems: " + body + ">"};
  for (auto& v : doc["cachedItems"].GetArray())
    out.push_back(v.GetString());
  return out;
}

/// `curl -F file=@pack.torrent <base>/torrent/upload?key=…`.
response upload(const server_process& d, const std::string& bytes,
                const std::string& key) {
  response res;
  auto* h = curl_easy_init();
  auto* mime = curl_mime_init(h);
  auto* part = curl_mime_addpart(mime);
  curl_mime_name(part, "file");
  curl_mime_filename(part, "pack.torrent");
  curl_mime_data(part, bytes.data(), bytes.size());
  auto url = d.url() + "/torrent/upload?key=" + key;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION,
                   +[](char* p, size_t s, size_t n, void* out) {
                     static_cast<std::string*>(out)->append(p, s * n);
                     return s * n;
                   });
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &res.body);
  if (curl_easy_perform(h) == CURLE_OK)
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res.status);
  curl_mime_free(mime);
  curl_easy_cleanup(h);
  return res;
}

} // namespace

BOOST_AUTO_TEST_CASE(torrent_cache_explore_and_upload) {
  scratch s{"skyhaul-oc-bt"};
  auto t = make_torrent(s.dir + "/data", "pack", pack_files);
  server_process d;
  d.start();
  auto key = d.admin().api_key;
  // Not cached yet: nothing in any encoding.
  BOOST_CHECK(cached_items(oc::post(d, "/cache",
                                    oc::form({{"hashes[0]", t.info_hash}}),
                                    key)
                               .body)
                  .empty());
  std::string rid;
  {
    seeder seed{t, s.dir + "/data"};
    rid = oc::cloud(d, t.magnet + "&x.pe=" + seed.peer(), key);
    BOOST_REQUIRE_EQUAL(oc::await(d, rid, key, 60s), "downloaded");
  }
  auto st = oc::post(d, "/cloud/status", oc::form({{"requestId", rid}}), key);
  BOOST_CHECK_EQUAL(json_field(st.body, "status.fileName"), "pack");
  BOOST_CHECK_EQUAL(json_field(st.body, "status.isDirectory"), "true");
  BOOST_CHECK_EQUAL(json_field(st.body, "status.site"), "magnet");
  auto hist = oc::get(d, "/api/cloud/history", key);
  BOOST_CHECK(hist.body.find(t.info_hash) != std::string::npos);

  // /api/cache: 100 hashes per call, in each of the four encodings, hex in
  // either case and base32; the answer is lower-case hex.
  auto batch = batch_with(upper(t.info_hash));
  std::vector<std::pair<std::string, std::string>> indexed, repeated,
      brackets;
  std::string json = R"({"hashes":[)";
  for (size_t i = 0; i < batch.size(); ++i) {
    indexed.push_back({"hashes[" + std::to_string(i) + "]", batch[i]});
    repeated.push_back({"hashes", batch[i]});
    brackets.push_back({"hashes[]", i == 42 ? base32_of(t.info_hash)
                                            : batch[i]});
    json += (i ? ",\"" : "\"") + batch[i] + "\"";
  }
  json += "]}";
  for (auto& body : {oc::form(indexed), oc::form(repeated), oc::form(brackets)})
    BOOST_CHECK(cached_items(oc::post(d, "/cache", body, key).body)
                == std::vector<std::string>{t.info_hash});
  auto by_json = http("POST", d.url() + "/api/cache?key=" + key, json,
                      {"Content-Type: application/json"});
  BOOST_CHECK(cached_items(by_json.body)
              == std::vector<std::string>{t.info_hash});

  // cache/info: in input order, with the files' folders when asked.
  auto info = http("POST", d.url() + "/api/cache/info?key=" + key,
                   R"({"urls":[")" + t.magnet + R"(","magnet:?xt=urn:btih:)"
                       + std::string(40, 'e') + R"("],"includeFiles":true})",
                   {"Content-Type: application/json"});
  auto doc = oc::parse(info.body);
  BOOST_REQUIRE_MESSAGE(doc.IsArray() && doc.Size() == 2, info.body);
  BOOST_CHECK(doc[0]["cached"].GetBool());
  BOOST_CHECK(!doc[1]["cached"].GetBool());
  BOOST_REQUIRE_EQUAL(doc[0]["files"].Size(), 3u);
  bool saw_sub = false;
  for (auto& f : doc[0]["files"].GetArray())
    if (std::string{f["filename"].GetString()} == "b.bin") {
      BOOST_REQUIRE_EQUAL(f["folder"].Size(), 2u);
      BOOST_CHECK_EQUAL(f["folder"][0].GetString(), std::string{"pack"});
      BOOST_CHECK_EQUAL(f["folder"][1].GetString(), std::string{"sub"});
      saw_sub = true;
    }
  BOOST_CHECK(saw_sub);

  // The seeder is gone: a new request of the torrent is "downloaded" at
  // once, from the cache.
  auto again = oc::post(d, "/cloud", oc::form({{"url", t.magnet}}), key);
  BOOST_CHECK_EQUAL(json_field(again.body, "status"), "downloaded");

  // cache/download: the files' links, which work without a key.
  auto links = http("POST", d.url() + "/api/cache/download?key=" + key,
                    R"({"url":")" + t.magnet + R"("})",
                    {"Content-Type: application/json"});
  auto ldoc = oc::parse(links.body);
  BOOST_REQUIRE_MESSAGE(ldoc.IsArray() && ldoc.Size() == 3, links.body);
  for (auto& l : ldoc.GetArray()) {
    auto got = http("GET", l["url"].GetString());
    BOOST_CHECK_EQUAL(got.status, 200);
    BOOST_CHECK_EQUAL(got.body.size(), l["size"].GetUint64());
  }

  // explore: one link per file, `/<n>/<path>`; detailed; list as text.
  auto ex = oc::get(d, "/api/cloud/explore/" + rid, key);
  auto exdoc = oc::parse(ex.body);
  BOOST_REQUIRE_MESSAGE(exdoc.IsArray() && exdoc.Size() == 3, ex.body);
  for (auto& u : exdoc.GetArray()) {
    std::string url = u.GetString();
    BOOST_CHECK(url.find("/cloud/download/" + rid + "/") != std::string::npos);
    auto got = http("GET", url);
    BOOST_CHECK_EQUAL(got.status, 200);
    for (auto& f : t.files)
      if (url.find(f.path) != std::string::npos)
        BOOST_CHECK_EQUAL(got.body.size(), f.size);
  }
  auto detailed = oc::parse(
      oc::get(d, "/api/cloud/explore/" + rid + "?format=detailed", key).body);
  BOOST_REQUIRE(detailed.IsObject() && detailed.HasMember("files"));
  BOOST_CHECK_EQUAL(detailed["files"].Size(), 3u);
  BOOST_CHECK_EQUAL(detailed["files"][0]["id"].GetUint(), 1u);
  auto ls = oc::get(d, "/api/cloud/list/" + rid, key);
  BOOST_CHECK(ls.headers["content-type"].find("text/plain") == 0);
  BOOST_CHECK_EQUAL(std::count(ls.body.begin(), ls.body.end(), '\n'), 3);
  // A folder's own link says to explore it.
  BOOST_CHECK_EQUAL(
      http("GET", d.url() + "/cloud/download/" + rid + "/pack?key=" + key)
          .status,
      400);

  // An uploaded .torrent: its URL goes to /api/cloud and comes from the
  // cache too.
  auto up = upload(d, t.bytes(), key);
  BOOST_REQUIRE_MESSAGE(up.status == 200, up.body);
  BOOST_CHECK_EQUAL(json_field(up.body, "success"), "true");
  auto up_url = json_field(up.body, "url");
  auto from_upload = oc::cloud(d, up_url, key);
  BOOST_CHECK_EQUAL(oc::await(d, from_upload, key), "downloaded");
  auto upst = oc::post(d, "/cloud/status", oc::form({{"requestId", from_upload}}),
                       key);
  BOOST_CHECK(json_field(upst.body, "status.originalLink").find(t.info_hash)
              != std::string::npos);
  auto not_torrent = upload(d, "plain text", key);
  BOOST_CHECK_EQUAL(not_torrent.status, 400);
  BOOST_CHECK(!json_field(not_torrent.body, "error").empty());
  BOOST_CHECK_EQUAL(upload(d, t.bytes(), "wrong").status, 401);
}

BOOST_AUTO_TEST_CASE(a_single_file_is_no_archive) {
  origin org;
  server_process d;
  d.start();
  auto key = d.admin().api_key;
  auto rid = oc::cloud(d, org.url("/file/100"), key);
  BOOST_REQUIRE_EQUAL(oc::await(d, rid, key), "downloaded");
  auto ex = oc::get(d, "/api/cloud/explore/" + rid, key);
  BOOST_CHECK_EQUAL(json_field(ex.body, "error"), "Bad archive");
  BOOST_CHECK_EQUAL(json_field(oc::get(d, "/api/cloud/list/" + rid, key).body,
                               "error"),
                    "Bad archive");
}

// Archives: explore lists the files inside, a link streams one out of it,
// and an archive whose names escape is refused.
BOOST_AUTO_TEST_CASE(explore_archives_and_refuse_a_malicious_one) {
  scratch s{"skyhaul-oc-arc"};
  auto files = s.dir + "/files";
  std::filesystem::create_directories(files);
  auto script = R"(
import io, sys, tarfile, zipfile
d = sys.argv[1]
with zipfile.ZipFile(d + "/good.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("docs/readme.txt", "hello archive\n")
    z.writestr("data.bin", bytes(range(256)) * 40)
with tarfile.open(d + "/good.tar.gz", "w:gz") as t:
    for name, body in (("a/one.txt", b"one\n"), ("two.txt", b"two two\n")):
        info = tarfile.TarInfo(name); info.size = len(body)
        t.addfile(info, io.BytesIO(body))
with zipfile.ZipFile(d + "/evil.zip", "w") as z:
    z.writestr("../../escape.txt", "out")
)";
  auto cmd = "python3 -c '" + std::string{script} + "' " + files;
  BOOST_REQUIRE_EQUAL(std::system(cmd.c_str()), 0);
  // RAR has no Debian creator: the checked-in generator writes it, and
  // 7-Zip (an independent reader) confirms it is a sound archive.
  auto make_rar = std::string{"python3 "} + SKYHAUL_FIXTURES_DIR
                  + "/rar/make_rar.py ";
  BOOST_REQUIRE_EQUAL(
      std::system((make_rar + files + "/good.rar 'docs/notes.txt=rar inside'"
                   + " 'top.txt=top'")
                      .c_str()),
      0);
  BOOST_REQUIRE_EQUAL(
      std::system((make_rar + files + "/evil.rar '../escape.txt=out'").c_str()),
      0);
  BOOST_REQUIRE_EQUAL(
      std::system(("7z t -bso0 -bsp0 " + files + "/good.rar").c_str()), 0);
  origin org{files};
  server_process d;
  d.start();
  auto key = d.admin().api_key;
  auto zip = oc::cloud(d, org.url("/files/good.zip"), key);
  auto tgz = oc::cloud(d, org.url("/files/good.tar.gz"), key);
  auto evil = oc::cloud(d, org.url("/files/evil.zip"), key);
  for (auto& r : {zip, tgz, evil})
    BOOST_REQUIRE_EQUAL(oc::await(d, r, key), "downloaded");
  auto ex = oc::parse(
      oc::get(d, "/api/cloud/explore/" + zip + "?format=detailed", key).body);
  BOOST_REQUIRE_MESSAGE(ex.IsObject() && ex.HasMember("files"), "no files");
  BOOST_REQUIRE_EQUAL(ex["files"].Size(), 2u);
  std::string readme_url;
  for (auto& f : ex["files"].GetArray())
    if (std::string{f["path"].GetString()} == "docs/readme.txt") {
      readme_url = f["url"].GetString();
      BOOST_CHECK_EQUAL(f["name"].GetString(), std::string{"readme.txt"});
      BOOST_CHECK_EQUAL(f["size"].GetUint64(), 14u);
    }
  BOOST_REQUIRE(!readme_url.empty());
  auto got = http("GET", readme_url);
  BOOST_CHECK_EQUAL(got.status, 200);
  BOOST_CHECK_EQUAL(got.body, "hello archive\n");
  auto part = http("GET", readme_url, {}, {"Range: bytes=0-4"});
  BOOST_CHECK_EQUAL(part.status, 206);
  BOOST_CHECK_EQUAL(part.body, "hello");
  auto tar = oc::parse(oc::get(d, "/api/cloud/explore/" + tgz, key).body);
  BOOST_REQUIRE(tar.IsArray());
  BOOST_CHECK_EQUAL(tar.Size(), 2u);
  auto ls = oc::get(d, "/api/cloud/list/" + tgz, key);
  BOOST_CHECK_EQUAL(std::count(ls.body.begin(), ls.body.end(), '\n'), 2);
  auto refused = oc::get(d, "/api/cloud/explore/" + evil, key);
  BOOST_CHECK_EQUAL(refused.status, 400);
  BOOST_CHECK_EQUAL(json_field(refused.body, "error"), "Bad archive");
  // RAR: listed, an entry streamed out, and escaping names refused.
  auto rar = oc::cloud(d, org.url("/files/good.rar"), key);
  auto evil_rar = oc::cloud(d, org.url("/files/evil.rar"), key);
  for (auto& r : {rar, evil_rar})
    BOOST_REQUIRE_EQUAL(oc::await(d, r, key), "downloaded");
  auto rx = oc::parse(
      oc::get(d, "/api/cloud/explore/" + rar + "?format=detailed", key).body);
  BOOST_REQUIRE_MESSAGE(rx.IsObject() && rx.HasMember("files"), "no rar files");
  BOOST_REQUIRE_EQUAL(rx["files"].Size(), 2u);
  std::string notes_url;
  for (auto& f : rx["files"].GetArray())
    if (std::string{f["path"].GetString()} == "docs/notes.txt") {
      notes_url = f["url"].GetString();
      BOOST_CHECK_EQUAL(f["size"].GetUint64(), 10u);
    }
  BOOST_REQUIRE(!notes_url.empty());
  BOOST_CHECK_EQUAL(http("GET", notes_url).body, "rar inside");
  auto rar_refused = oc::get(d, "/api/cloud/explore/" + evil_rar, key);
  BOOST_CHECK_EQUAL(rar_refused.status, 400);
  BOOST_CHECK_EQUAL(json_field(rar_refused.body, "error"), "Bad archive");
}

namespace {

/// Files under `dir` (recursively); 0 when it does not exist.
size_t files_under(const std::string& dir) {
  std::error_code err;
  size_t n = 0;
  for (auto i = std::filesystem::recursive_directory_iterator(dir, err);
       !err && i != std::filesystem::recursive_directory_iterator();
       i.increment(err))
    n += i->is_regular_file() ? 1 : 0;
  return n;
}

} // namespace

// What is kept beside a blob (the cached listing, the unpacked entries)
// goes when the blob goes, and only then.
BOOST_AUTO_TEST_CASE(unpacked_entries_and_listings_go_with_their_blob) {
  scratch s{"skyhaul-oc-derived"};
  auto files = s.dir + "/files";
  std::filesystem::create_directories(files);
  auto script = R"(
import sys, zipfile
d = sys.argv[1]
for name in ("one", "two"):
    with zipfile.ZipFile(d + "/" + name + ".zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("in/" + name + ".txt", name * 100)
        z.writestr("other.txt", "x" + name)
)";
  auto cmd = "python3 -c '" + std::string{script} + "' " + files;
  BOOST_REQUIRE_EQUAL(std::system(cmd.c_str()), 0);
  origin org{files};
  server_process d;
  d.start();
  auto key = d.admin().api_key;
  auto one = oc::cloud(d, org.url("/files/one.zip"), key);
  auto two = oc::cloud(d, org.url("/files/two.zip"), key);
  for (auto& r : {one, two}) {
    BOOST_REQUIRE_EQUAL(oc::await(d, r, key), "downloaded");
    auto ex = oc::parse(oc::get(d, "/api/cloud/explore/" + r, key).body);
    BOOST_REQUIRE(ex.IsArray() && ex.Size() == 2u);
    for (auto& link : ex.GetArray())
      BOOST_REQUIRE_EQUAL(http("GET", link.GetString()).status, 200);
  }
  auto listings = d.data_dir() + "/listings";
  auto unpacked = d.data_dir() + "/unpacked";
  BOOST_REQUIRE_EQUAL(files_under(listings), 2u);
  BOOST_REQUIRE_EQUAL(files_under(unpacked), 4u);
  BOOST_REQUIRE_EQUAL(json_field(oc::get(d, "/cloud/remove/" + one, key).body,
                                 "success"),
                      "true");
  // Removal runs on a worker after the commit: wait for it, bounded.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((files_under(listings) != 1 || files_under(unpacked) != 2)
         && std::chrono::steady_clock::now() < deadline) {
    struct timespec ts {0, 10 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  BOOST_CHECK_EQUAL(files_under(listings), 1u);
  BOOST_CHECK_EQUAL(files_under(unpacked), 2u);
  // The other archive's entries are still served from what is left.
  auto ex = oc::parse(oc::get(d, "/api/cloud/explore/" + two, key).body);
  BOOST_REQUIRE(ex.IsArray() && ex.Size() == 2u);
  BOOST_CHECK_EQUAL(http("GET", ex[0].GetString()).status, 200);
}
