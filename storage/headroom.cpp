#include "storage/headroom.hpp"

#include "storage/lmdb_env.hpp"
#include "storage/rows.hpp"
#include "storage/rules/group_commit.hpp"

#include <algorithm>
#include <string>

#include <lmdb.h>

namespace skyhaul::storage {

uint64_t headroom_bytes(lmdb_env& env) {
  MDB_envinfo info;
  mdb_env_info(env.native(), &info);
  return std::clamp<uint64_t>(info.me_mapsize / 32, 64 << 10, 1 << 20);
}

void keep_headroom(lmdb_env& env, txn& t) {
  MDB_envinfo info;
  MDB_stat st;
  mdb_env_info(env.native(), &info);
  mdb_env_stat(env.native(), &st);
  auto room = headroom_bytes(env);
  auto used = (uint64_t{info.me_last_pgno} + 1) * st.ms_psize;
  if (used + 2 * room <= info.me_mapsize)
    return;
  // Near the end: freed pages may still hold the room. Small rows, as a
  // large value would need contiguous pages.
  const std::string chunk(2000, '\0');
  try {
    auto probe = t.nested();
    for (uint64_t i = 0; i * chunk.size() < room; ++i)
      probe.put(table::meta, "headroom/" + std::to_string(i),
                text_row{chunk});
  } catch (const lmdb_error&) {
    throw rules::refusal(ec::insufficient_storage,
                         "the database is nearly full (the rest is kept for "
                         "deletes and state changes); a larger --map-size "
                         "makes room");
  }
}

} // namespace skyhaul::storage
