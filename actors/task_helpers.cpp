#include "actors/task_helpers.hpp"

#include "actors/backoff.hpp"
#include "actors/disk_pool.hpp"
#include "actors/task.hpp"
#include "actors/torrent_files.hpp"
#include "protocol/settings.hpp"
#include "storage/blob_store.hpp"
#include "storage/fsync_file.hpp"

#include <caf/send.hpp>

namespace skyhaul {

fetch_request make_fetch_request(const settings& cfg, task_seq seq,
                                 std::string url, std::string path) {
  fetch_request req;
  req.seq = seq;
  req.url = std::move(url);
  req.path = std::move(path);
  req.max_size = cfg.max_download_size;
  req.rate_limit = cfg.task_rate_limit;
  req.allow_private = cfg.allow_private_networks;
  req.connect_timeout_s = cfg.connect_timeout_s;
  req.low_speed_limit = cfg.low_speed_limit;
  req.low_speed_time_s = cfg.low_speed_time_s;
  req.max_redirects = cfg.max_redirects;
  req.max_per_host = cfg.max_connections_per_host;
  req.min_split_size = cfg.min_split_size;
  return req;
}

object_commit make_object_commit(const task_record& rec, file_record file,
                                 std::string source, bool link) {
  object_commit c;
  c.owner = rec.owner;
  c.bucket = rec.spec.bucket;
  c.file = std::move(file);
  c.rule = rec.spec.rule;
  c.acl = rec.spec.acl;
  c.link_source = link && !source.empty();
  c.source_path = std::move(source);
  return c;
}

caf::timespan retry_delay(const settings& cfg, uint32_t tries) {
  return backoff_delay(cfg.retry_base_ms, cfg.retry_max_ms, tries);
}

void remove_partial_later(const task_deps& deps, task_seq seq) {
  deps.disk->submit(
      [blobs = deps.blobs, seq] { blobs->remove_partial(seq); });
}

void fsync_later(const task_deps& deps, std::string path, task_actor to) {
  deps.disk->submit([path = std::move(path), to] {
    caf::anon_send(to, atom::finalize_v, storage::fsync_file(path));
  });
}

std::string object_key_for(const task_spec& spec, const std::string& name) {
  if (!spec.key.empty())
    return spec.key;
  return key_under(spec.target, name);
}

} // namespace skyhaul
