#pragma once

// What HTTP and torrent tasks build and ask for alike: the fetch request,
// the object commit, the backoff between attempts, and the blocking file
// work they hand to the disk pool.

#include "protocol/actors.hpp"

#include <caf/timespan.hpp>
#include <string>

namespace skyhaul {

struct settings;
struct task_deps;

/// The fetch of `url` into `path` for task `seq` under the service's
/// limits: rate, network policy, connect and low-speed timeouts, redirects.
/// The caller sets the offset, validator and size limit of its transfer.
fetch_request make_fetch_request(const settings& cfg, task_seq seq,
                                 std::string url, std::string path);

/// The commit of `file` as an object of `rec`'s owner under its spec's
/// bucket, `OnKeyExist` rule and ACL. `source` is the durable file to
/// adopt (empty: the blob is stored already); `link` keeps it in place and
/// hard-links it (a torrent that seeds on).
object_commit make_object_commit(const task_record& rec, file_record file,
                                 std::string source, bool link = false);

/// Backoff before attempt `tries + 1` of a task, under the configured base
/// and cap.
caf::timespan retry_delay(const settings& cfg, uint32_t tries);

/// Deletes a task's partial folder on the disk pool: unlinking a large file
/// can block for a while, and cooperative actors must not.
void remove_partial_later(const task_deps& deps, task_seq seq);

/// Makes the file at `path` durable on the disk pool, then sends
/// `(atom::finalize, error text)` to `to` (empty text: durable).
void fsync_later(const task_deps& deps, std::string path, task_actor to);

/// The object key a task stores its file under: `key`, or `target` joined
/// with the file name.
std::string object_key_for(const task_spec& spec, const std::string& name);

} // namespace skyhaul
