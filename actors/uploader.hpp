#pragma once

#include "actors/s3_upload.hpp"
#include "protocol/actors.hpp"
#include "protocol/settings.hpp"

#include <caf/fwd.hpp>
#include <memory>

namespace skyhaul::storage {
class blob_store;
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul {

class curl_loop;

/// Spawns the uploader: it loads the owed replicas from LMDB at start and
/// on `wake`, uploads them as jobs on `loop` (a few at a time), and
/// reports each outcome to the store. `sign_for` makes the request signer
/// of an IDC (SigV4 with the IDC's keys and region).
uploader_actor
spawn_uploader(caf::actor_system& sys, const settings& cfg,
               storage::lmdb_env* db, const storage::blob_store* blobs,
               store_actor store, std::shared_ptr<curl_loop> loop,
               std::function<request_signer(const idc_config&)> sign_for);

} // namespace skyhaul
