#pragma once

// A full LMDB map refuses every write, deletes too (it copies pages on
// write): nothing could make room again. So writes that add things (a new
// task, a bucket) leave some room free, and deletes and state changes may
// use it.

#include <cstdint>

namespace skyhaul::storage {

class lmdb_env;
class txn;

/// The room `env` keeps for deletes and state changes: 1/32 of its map,
/// at least 64 KB and at most 1 MB.
uint64_t headroom_bytes(lmdb_env& env);

/// Throws a refusal (`ec::insufficient_storage`) unless `t`, a write
/// transaction of `env`, leaves the headroom free. Cheap while the map's
/// high-water mark is far from its end; near it, a nested transaction
/// tries to take the room and is dropped.
void keep_headroom(lmdb_env& env, txn& t);

} // namespace skyhaul::storage
