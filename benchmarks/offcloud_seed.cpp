// offcloud_seed: fills the info-hash cache of a stopped skyhauld's data dir
// with N whole torrents, for benchmarks/offcloud_bench.sh.
//
//   offcloud_seed DATA_DIR N
//
// Torrent i (1..N) has the info-hash `%040x` of i and one file whose blob
// row says one object refers to it: what the cache lookup of /api/cache
// reads (the entry and its blobs' reference counts). No blob file is
// written; the benchmark asks whether torrents are cached, it downloads
// none. Writes in batches of 10000 per transaction.

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>

#include "storage/lmdb_env.hpp"
#include "storage/rows.hpp"
#include "storage/torrent_table.hpp"

int main(int argc, char** argv) {
  using namespace skyhaul;
  using namespace skyhaul::storage;
  if (argc != 3) {
    std::cerr << "usage: offcloud_seed DATA_DIR N\n";
    return 2;
  }
  std::string dir = argv[1];
  uint64_t n = std::stoull(argv[2]);
  lmdb_env db{dir + "/db", uint64_t{16} << 30};
  uint64_t i = 1;
  while (i <= n) {
    auto t = db.write();
    for (uint64_t end = std::min<uint64_t>(n, i + 9999); i <= end; ++i) {
      char hash[41];
      std::snprintf(hash, sizeof hash, "%040llx",
                    static_cast<unsigned long long>(i));
      char blob[41];
      std::snprintf(blob, sizeof blob, "b%039llx",
                    static_cast<unsigned long long>(i));
      cached_torrent entry;
      entry.name = "bench-" + std::to_string(i);
      entry.file_count = 1;
      file_record f;
      f.name = entry.name + ".bin";
      f.size = 1000;
      f.blob = blob;
      entry.files.push_back(f);
      t.put(table::torrent_cache, hash, entry);
      t.put(table::blobs, blob, blob_row{1, 1000});
    }
    t.commit();
  }
  std::cout << "seeded " << n << " cached torrents\n";
  return 0;
}
