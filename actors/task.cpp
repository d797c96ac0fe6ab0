#include "actors/task.hpp"

#include "actors/fd_budget.hpp"
#include "actors/proxy_route.hpp"
#include "actors/task_internal.hpp"
#include "actors/torrent_view.hpp"

#include "protocol/settings.hpp"
#include "protocol/source.hpp"
#include "storage/blob_store.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/no_space.hpp"
#include "storage/object_table.hpp"

#include <caf/all.hpp>
#include <iostream>
#include <utility>

namespace skyhaul {

namespace detail {

void persist_quietly(task_ptr self) {
  persist(self, [] {});
}

void end(task_ptr self, task_state s, ec code, std::string msg) {
  auto& st = self->state;
  if (st.at == phase::ended)
    return;
  st.at = phase::ended;
  st.deferred = nullptr;
  st.rec.error = code;
  st.rec.error_message = std::move(msg);
  if (s == task_state::failed || s == task_state::cancelled) {
    self->send(st.deps.fetch, atom::stop_v, st.rec.seq);
    if (st.torrent && st.deps.torrents)
      caf::anon_send(st.deps.torrents, atom::remove_v, st.rec.seq, false);
  }
  settle(self, s);
}

bool defer_for_descriptors(task_ptr self, const std::string& err,
                           std::function<void()> step) {
  if (!ends_in_descriptors_exhausted(err))
    return false;
  auto& st = self->state;
  if (!st.deferred)
    std::cerr << "skyhauld: task " << st.rec.seq
              << " waits for a file descriptor to finish (" << err
              << "); it goes on when one is free\n";
  st.deferred = std::move(step);
  // As the transfers waiting for a socket (actors/fetch_jobs.cpp), a look
  // four times a second: descriptors free up as other transfers end.
  self->delayed_send(self, std::chrono::milliseconds(250), atom::retry_v);
  return true;
}

bool run_deferred(task_ptr self) {
  auto step = std::exchange(self->state.deferred, nullptr);
  if (!step)
    return false;
  step();
  return true;
}

namespace {

/// The store found no room for a record: a full disk or LMDB map.
bool no_room(const caf::error& err) {
  return code_of(err) == ec::insufficient_storage
         || storage::names_no_space(message_of(err));
}

/// Puts the final record (see `settle`).
void put_settled(task_ptr self) {
  auto& st = self->state;
  self->request(st.deps.store, store_timeout, caf::put_atom_v, st.rec)
      .then(
          [=](caf::ok_atom) {
            auto& st = self->state;
            if (st.settle_waits)
              std::cerr << "skyhauld: task " << st.rec.seq
                        << " stored its end\n";
            st.settled = true;
            for (auto& rp : st.waiting)
              rp.deliver(st.rec);
            st.waiting.clear();
            // Also after a stop the scheduler asked for: its request may
            // have timed out, and the scheduler must let this actor go.
            self->send(st.deps.scheduler, atom::done_v, st.rec);
          },
          [=](caf::error& err) {
            if (!no_room(err)) {
              give_up(self, err);
              return;
            }
            auto& st = self->state;
            if (!st.settle_waits)
              std::cerr << "skyhauld: task " << st.rec.seq
                        << " waits for room to store its end ("
                        << message_of(err) << "); it goes on when there is\n";
            st.settle_waits = true;
            st.settle_again = true;
            self->delayed_send(self, std::chrono::seconds(1), atom::retry_v);
          });
}

} // namespace

void settle(task_ptr self, task_state s) {
  auto& st = self->state;
  st.stored_state = st.rec.state;
  st.rec.state = s;
  st.rec.updated_ms = now_ms();
  st.speed = 0;
  put_settled(self);
}

bool settle_again(task_ptr self) {
  auto& st = self->state;
  if (!st.settle_again)
    return false;
  st.settle_again = false;
  put_settled(self);
  return true;
}

void give_up(task_ptr self, const caf::error& err) {
  for (auto& rp : self->state.waiting)
    rp.deliver(err);
  self->state.waiting.clear();
  self->quit(err);
}

caf::result<task_record> when_settled(task_ptr self) {
  auto& st = self->state;
  if (st.settled)
    return st.rec;
  auto rp = self->make_response_promise<task_record>();
  st.waiting.push_back(rp);
  return rp;
}

void fail(task_ptr self, ec code, std::string msg) {
  if (msg.empty())
    msg = default_message(code);
  end(self, task_state::failed, code, std::move(msg));
}

void reserve_space(task_ptr self, int64_t total) {
  auto& st = self->state;
  if (total < 0 || total == st.reserved || st.at == phase::ended)
    return;
  st.reserved = total;
  self
      ->request(st.deps.store, store_timeout, atom::reserve_v, st.rec.owner,
                st.rec.seq, static_cast<uint64_t>(total))
      .then([](caf::ok_atom) {},
            [=](caf::error& err) {
              // Only a refusal ends the download; a store that did not
              // answer leaves the quota to the finish, as before.
              auto at = self->state.at;
              if (code_of(err) == ec::quota_exceeded
                  && (at == phase::fetching || at == phase::swarm))
                fail(self, ec::quota_exceeded, message_of(err));
            });
}

std::string verify(const task_spec& spec, const file_record& file, ec& code) {
  if (spec.size >= 0 && static_cast<uint64_t>(spec.size) != file.size) {
    code = ec::size_mismatch;
    return "size mismatch: expected " + std::to_string(spec.size) + ", got "
           + std::to_string(file.size);
  }
  auto check = [&](const char* what, const std::string& want,
                   const std::string& got) -> std::string {
    if (want.empty() || want == got)
      return {};
    code = ec::checksum_mismatch;
    return std::string{what} + " mismatch: expected " + want + ", got " + got;
  };
  for (auto msg :
       {check("md5", spec.md5, file.md5), check("sha1", spec.sha1, file.sha1),
        check("crc32", spec.crc32, file.crc32)})
    if (!msg.empty())
      return msg;
  return {};
}

task_status status_of(task_ptr self) {
  auto& st = self->state;
  task_status out;
  out.rec = st.rec;
  // An ended task answers as its stored record does: the live figures
  // (speed, peers) went with the transfer, the torrent's file list is the
  // one its metadata gives (as for a task paused for its choice of files),
  // and the final state shows once it is durable.
  if (st.at == phase::ended) {
    if (!st.settled) {
      out.rec.state = st.stored_state;
      if (st.settle_waits)
        out.waiting_for = waits_for::storage;
    }
    fill_stored_view(*st.deps.cfg, *st.deps.db, out);
    return out;
  }
  out.speed = st.speed;
  out.bt = st.bt;
  out.parts = st.parts;
  out.waiting_for = st.stalled;
  if (st.speed > 0 && st.rec.total_bytes >= 0
      && static_cast<uint64_t>(st.rec.total_bytes) >= st.rec.done_bytes)
    out.eta_s = static_cast<int64_t>(
        (st.rec.total_bytes - st.rec.done_bytes) / st.speed);
  return out;
}

} // namespace detail

namespace {

using namespace detail;

fetch_request make_fetch(task_ptr self) {
  auto& st = self->state;
  auto req = make_fetch_request(*st.deps.cfg, st.rec.seq, st.rec.spec.url,
                                st.deps.blobs->partial_file(st.rec.seq));
  req.offset = storage::file_size_or_zero(req.path);
  req.validator = st.rec.validator;
  req.proxy_id = task_proxy_id(*st.deps.cfg, st.rec.spec);
  // Segmented when the origin allows it (actors/segmented_transfer.hpp).
  req.connections = st.rec.spec.connections > 0 ? st.rec.spec.connections
                                                : st.deps.cfg->split;
  req.mirrors = st.rec.spec.urls;
  if (st.rec.spec.size >= 0
      && (req.max_size < 0 || st.rec.spec.size < req.max_size))
    // A larger body can only fail the size check: stop it early.
    req.max_size = st.rec.spec.size;
  return req;
}

void start_fetch(task_ptr self) {
  auto& st = self->state;
  st.at = phase::fetching;
  ++st.rec.tries;
  st.rec.state = task_state::downloading;
  persist_quietly(self);
  self->send(st.deps.fetch, atom::start_v, make_fetch(self),
             caf::actor_cast<fetch_listener_actor>(self));
}

/// The seed's `OnKeyExist` rules can skip a download entirely when the key
/// exists and the expected checksums already match it.
bool skip_by_rule(task_ptr self) {
  auto& st = self->state;
  auto& spec = st.rec.spec;
  if (spec.key.empty() || spec.rule == on_key_exist::override_)
    return false;
  std::optional<storage::object_entry> existing;
  {
    auto t = st.deps.db->read();
    existing = storage::get_object(t, spec.bucket, spec.key);
  }
  if (!existing
      || !storage::rule_keeps_existing(spec.rule, existing->file, spec.md5,
                                       spec.sha1, spec.crc32, spec.size))
    return false;
  auto file = existing->file;
  file.concrete = false;
  st.rec.files = {file};
  st.rec.done_bytes = file.size;
  st.rec.total_bytes = static_cast<int64_t>(file.size);
  end(self, task_state::finished);
  return true;
}

void commit_file(task_ptr self, file_record file) {
  auto& st = self->state;
  auto c = make_object_commit(st.rec, std::move(file),
                              st.deps.blobs->partial_file(st.rec.seq));
  commit_object(self, std::move(c), [=](file_record& stored) {
    auto& st = self->state;
    st.rec.files = {std::move(stored)};
    remove_partial_later(st.deps, st.rec.seq);
    end(self, task_state::finished);
  });
}

void on_success(task_ptr self, const fetch_result& res) {
  auto& st = self->state;
  auto& rec = st.rec;
  rec.done_bytes = res.size;
  rec.total_bytes = static_cast<int64_t>(res.size);
  if (!res.file_name.empty())
    rec.file_name = res.file_name;
  file_record file;
  file.name = rec.file_name.empty() ? "download" : rec.file_name;
  file.key = object_key_for(rec.spec, file.name);
  file.size = res.size;
  file.md5 = res.md5;
  file.sha1 = res.sha1;
  file.crc32 = res.crc32;
  file.content_type = res.content_type.empty() ? "application/octet-stream"
                                               : res.content_type;
  file.blob = res.sha1;
  file.last_modified_ms = now_ms();
  ec code = ec::none;
  if (auto msg = verify(rec.spec, file, code); !msg.empty()) {
    remove_partial_later(st.deps, rec.seq);
    fail(self, code, msg);
    return;
  }
  st.at = phase::finalizing;
  // fsync of a large file blocks for a while: the disk pool does it, so
  // neither this cooperative actor nor the store's commits wait on it.
  fsync_later(st.deps, st.deps.blobs->partial_file(rec.seq),
              caf::actor_cast<task_actor>(self));
  // The record of the file waits in the state until the worker reports.
  st.rec.files = {std::move(file)};
}

void on_failure(task_ptr self, const fetch_result& res) {
  auto& st = self->state;
  auto& cfg = *st.deps.cfg;
  if (res.transient && st.rec.tries < cfg.max_tries) {
    st.at = phase::backoff;
    st.rec.error = res.code;
    st.rec.error_message = res.message;
    persist_quietly(self);
    self->delayed_send(self, retry_delay(cfg, st.rec.tries), atom::retry_v);
    return;
  }
  if (res.code == ec::too_large && st.rec.spec.size >= 0) {
    remove_partial_later(st.deps, st.rec.seq);
    fail(self, ec::size_mismatch,
         "size mismatch: the source is larger than the expected "
             + std::to_string(st.rec.spec.size) + " bytes");
    return;
  }
  fail(self, res.code == ec::none ? ec::download_source_exception : res.code,
       res.message);
}

task_actor::behavior_type task(task_ptr self, task_record rec, task_deps deps) {
  self->state.rec = std::move(rec);
  self->state.deps = std::move(deps);
  self->state.rec.error = ec::none;
  self->state.rec.error_message.clear();
  if (is_torrent(source_of(self->state.rec.spec)))
    return torrent_task(self);
  if (!skip_by_rule(self))
    start_fetch(self);
  return {
      [=](atom::progress, fetch_progress& p) {
        auto& st = self->state;
        if (st.at != phase::fetching || p.seq != st.rec.seq)
          return;
        if (!p.stalled.empty()) {
          // A wait, not progress: the figures stay, the speed is none,
          // and the log says why once per wait.
          st.speed = 0;
          for (auto& part : st.parts)
            part.speed = 0;
          if (st.stalled.empty()) {
            add_notes(st.rec, std::move(p.notes));
            persist_quietly(self);
          }
          st.stalled = std::move(p.stalled);
          return;
        }
        st.stalled.clear();
        st.rec.done_bytes = p.done;
        st.rec.total_bytes = p.total;
        st.speed = p.speed;
        st.parts = std::move(p.parts);
        // The task's log keeps the latest few notes, stored at once: a
        // dropped mirror's reason outlives the transfer and a restart.
        auto noted = !p.notes.empty();
        add_notes(st.rec, std::move(p.notes));
        auto learnt
            = (!p.validator.empty() && p.validator != st.rec.validator)
              || (!p.file_name.empty() && p.file_name != st.rec.file_name);
        if (learnt) {
          // Persisted at once: a restart must send the same If-Range.
          st.rec.validator = p.validator;
          if (!p.file_name.empty())
            st.rec.file_name = p.file_name;
        }
        if (learnt || noted)
          persist_quietly(self);
        reserve_space(self, p.total);
        self->send(st.deps.scheduler, atom::progress_v, std::move(p));
      },
      [=](atom::done, fetch_result& res) {
        auto& st = self->state;
        if (st.at != phase::fetching || res.seq != st.rec.seq)
          return;
        st.speed = 0;
        st.parts.clear();
        if (!res.validator.empty())
          st.rec.validator = res.validator;
        if (res.code == ec::none)
          on_success(self, res);
        else
          on_failure(self, res);
      },
      [=](atom::finalize, std::string& err) {
        auto& st = self->state;
        if (st.at != phase::finalizing)
          return;
        if (!err.empty()) {
          auto path = st.deps.blobs->partial_file(st.rec.seq);
          if (!defer_for_descriptors(self, err, [=] {
                fsync_later(self->state.deps, path,
                            caf::actor_cast<task_actor>(self));
              })) {
            // The file was never stored: the failed record must not name
            // it (its link would lead nowhere).
            st.rec.files.clear();
            fail(self, storage::storage_error_code(err), err);
          }
          return;
        }
        auto file = st.rec.files.front();
        st.rec.files.clear();
        commit_file(self, std::move(file));
      },
      [=](atom::retry) {
        if (self->state.at == phase::backoff)
          start_fetch(self);
        else if (self->state.at != phase::ended)
          run_deferred(self);
        else
          settle_again(self);
      },
      [=](atom::status) -> task_status { return status_of(self); },
      [=](caf::put_atom,
          std::vector<std::string>&) -> caf::result<task_status> {
        return make_error(ec::invalid_argument,
                          "files can be chosen for torrent tasks only");
      },
      [=](atom::pause) -> caf::result<task_record> {
        auto& st = self->state;
        if (st.at == phase::ended)
          return when_settled(self);
        if (st.at == phase::finalizing)
          return make_error(ec::invalid_state,
                            "the task is finishing and cannot be paused");
        self->send(st.deps.fetch, atom::stop_v, st.rec.seq);
        st.at = phase::ended;
        auto reply = when_settled(self);
        settle(self, task_state::paused);
        return reply;
      },
      [=](atom::cancel, bool del_file) -> caf::result<task_record> {
        auto& st = self->state;
        if (st.at == phase::ended)
          return when_settled(self);
        self->send(st.deps.fetch, atom::stop_v, st.rec.seq);
        st.at = phase::ended;
        if (del_file)
          remove_partial_later(st.deps, st.rec.seq);
        auto reply = when_settled(self);
        settle(self, task_state::cancelled);
        return reply;
      },
      // Torrent messages never reach an HTTP task.
      [=](atom::meta, torrent_meta&) {},
      [=](atom::meta, std::string&) {},
      [=](atom::progress, torrent_progress&) {},
      [=](atom::done, torrent_result&) {},
      [=](atom::finalize, std::vector<file_record>&, std::string&) {},
      [=](atom::timeout) {},
  };
}

} // namespace

task_actor spawn_task(caf::actor_system& sys, task_record rec,
                      const task_deps& deps) {
  return sys.spawn(task, std::move(rec), deps);
}

} // namespace skyhaul
