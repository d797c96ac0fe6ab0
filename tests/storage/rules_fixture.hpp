#pragma once

// A database and a blob store in a scratch folder, for the tests of the
// transaction bodies in storage/rules/.

#include "protocol/task_record.hpp"
#include "storage/blob_store.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/rules/outbox.hpp"
#include "tests/support/scratch.hpp"

#include <fstream>
#include <memory>
#include <string>

namespace skyhaul::test {

struct rules_fixture {
  scratch dir{"skyhaul-rules"};
  std::unique_ptr<storage::lmdb_env> db
      = std::make_unique<storage::lmdb_env>(dir.dir + "/db", 64 << 20);
  storage::blob_store blobs{dir.dir};

  /// A callback policy that owes success on finished and failure on
  /// failed, with a body naming the task and the kind.
  storage::rules::callback_policy callbacks{
      [](const task_record* old, const task_record& rec)
          -> std::optional<callback_kind> {
        if (old != nullptr && old->state == rec.state)
          return std::nullopt;
        if (rec.state == task_state::finished)
          return callback_kind::success;
        if (rec.state == task_state::failed)
          return callback_kind::failure;
        return std::nullopt;
      },
      [](const task_record& rec, callback_kind kind, uint64_t id,
         int64_t now) {
        callback_event ev;
        ev.id = id;
        ev.task = rec.seq;
        ev.owner = rec.owner;
        ev.kind = kind;
        ev.url = kind == callback_kind::success
                     ? rec.spec.success_callback_url
                     : rec.spec.failure_callback_url;
        ev.body = std::to_string(rec.seq)
                  + (kind == callback_kind::success ? ":success" : ":failure");
        ev.window_start_ms = now;
        ev.next_ms = now;
        ev.created_ms = now;
        return ev;
      }};

  /// Writes `bytes` to a new partial file of task `seq`; returns its path.
  std::string partial(task_seq seq, const std::string& bytes) {
    std::filesystem::create_directories(blobs.partial_dir(seq));
    auto path = blobs.partial_file(seq);
    std::ofstream{path, std::ios::binary} << bytes;
    return path;
  }

  bool blob_file(const std::string& blob) const {
    return std::filesystem::exists(blobs.blob_path(blob));
  }
};

/// A task of `owner` in `state` with both callback URLs set.
inline task_record make_task(task_seq seq, user_id owner, task_state state) {
  task_record rec;
  rec.seq = seq;
  rec.owner = owner;
  rec.state = state;
  rec.spec.url = "http://origin/" + std::to_string(seq);
  rec.spec.bucket = "b";
  rec.spec.success_callback_url = "http://receiver/ok";
  rec.spec.failure_callback_url = "http://receiver/fail";
  return rec;
}

/// A stored file of `size` bytes whose digests all derive from `tag`.
inline file_record make_file(const std::string& key, const std::string& tag,
                             uint64_t size) {
  file_record f;
  f.key = key;
  f.name = key;
  f.size = size;
  f.md5 = "md5-" + tag;
  f.sha1 = "sha1-" + tag;
  f.crc32 = "crc-" + tag;
  f.blob = "blob" + tag;
  f.content_type = "application/octet-stream";
  return f;
}

} // namespace skyhaul::test
