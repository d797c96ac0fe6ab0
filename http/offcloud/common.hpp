#pragma once

// What the files of the Offcloud face share: the request ids, how a task
// reads as an Offcloud request, the caller's plan, links and replies.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/json.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "http/services.hpp"
#include "protocol/plan.hpp"
#include "protocol/task_status.hpp"

namespace skyhaul::http::offcloud {

using svc_ptr = std::shared_ptr<const services>;

/// A handler of an `access::required` route, which always has its caller.
using authed_handler
    = std::function<void(const user_record&, request&, responder)>;

/// Wraps `fn` for `mounted::add`.
handler authed(authed_handler fn);

/// The 24 lower-case hex digits Offcloud clients expect of a requestId:
/// the task's sequence number, zero-padded. The same task has the Task
/// API's tid `format_tid(seq)`.
std::string request_id(task_seq seq);

/// The task of a requestId; the Task API's 20-digit tid is taken too.
std::optional<task_seq> parse_request_id(std::string_view id);

/// The 24-hex userId Offcloud clients see for a user.
std::string user_key(user_id id);

/// `t` (ms since the epoch) as ISO 8601 UTC with milliseconds.
std::string iso_time(int64_t ms);

/// Offcloud's word for a task's state: created, queued, downloading,
/// downloaded, error, canceled.
const char* status_word(const task_record& rec);

/// `scheme://host[:port]` the caller reached the face under, for the links
/// of replies (from the Host header when it is a plausible one).
std::string base_url(const services& svc, const request& req);

/// The host of a source URL (`site`); "magnet" or "torrent" for sources
/// without one.
std::string site_of(const task_spec& spec);

/// The source a request shows: its URL, or for an uploaded torrent a
/// magnet link of its info-hash once known (clients find a torrent in the
/// history by its hash in `originalLink`).
std::string original_link(const task_record& rec);

/// The file name a request shows: the torrent's name, the file's, or the
/// last segment of its URL.
std::string display_name(const task_record& rec);

/// The self-signed link of `file` ("<name>" or "<n>/<path>") of request
/// `rid`: it works without any other credential until it expires.
std::string file_link(const services& svc, const std::string& base,
                      const std::string& rid, const std::string& file);

/// The link a request's `url` names: its one file, or the folder name of a
/// multi-file request (explore lists its files).
std::string request_link(const services& svc, const std::string& base,
                         const task_record& rec);

/// Writes the members of a request object (no braces): requestId,
/// fileName, status, originalLink, createdOn, site, server, fileSize,
/// amount, isDirectory, url, and errorMessage when it failed.
void write_request_members(json_writer& w, const services& svc,
                           const std::string& base, const task_status& ts);

/// `{"success":true}`.
reply success_reply();

/// A JSON reply of `status` whose body `fill` writes whole.
reply json_reply(const std::function<void(json_writer&)>& fill,
                 unsigned status = 200);

/// The Offcloud error shape for a failed actor call.
reply actor_error(const caf::error& err);

/// The plan of `u` (the built-in plan that allows everything when none is
/// configured).
const plan_config& plan_of(const settings& cfg, const user_record& u);

/// `{"not_available":what}`: the plan does not allow it; nothing started.
reply not_available(const std::string& what);

/// Loads task `seq` of `u`: nullopt for an unknown or another user's task.
std::optional<task_record> owned_task(const services& svc, const user_record& u,
                                      task_seq seq);

/// The request id of path parameter `name` as a task of `u`; answers the
/// error itself and returns nullopt when there is none.
std::optional<task_record> owned_param(const services& svc,
                                       const user_record& u,
                                       const request& req,
                                       const std::string& name,
                                       responder& respond);

} // namespace skyhaul::http::offcloud

namespace skyhaul::http::offcloud {

/// Turns stored records into statuses with live figures: a downloading
/// task's figures come from the scheduler (its record lags), every other
/// one is answered by its record. The state stays the record's until the
/// record itself has ended, so that what a client does next (download,
/// explore, retry) finds what it was told. `done` runs once, on any thread.
void with_live(const svc_ptr& svc, user_id uid, std::vector<task_record> recs,
               std::function<void(std::vector<task_status>)> done);

/// Calls `fn` with `rec` and, when it is downloading, its live figures
/// (see `with_live`); else with `rec` at once.
void with_current(const svc_ptr& svc, task_record rec,
                  std::function<void(const task_record&)> fn);

/// Puts `rec` (the caller `uid`'s) back into the queue when it failed, as
/// `retry` asks; answers success, 409 for a request that did not fail, or
/// the scheduler's error.
void retry_failed(const svc_ptr& svc, user_id uid, task_record rec,
                  responder respond);

/// The newest-first page `page` (from 0) of `size` of the user's tasks.
std::vector<task_record> newest_tasks(const services& svc, user_id uid,
                                      uint64_t page, uint32_t size);

} // namespace skyhaul::http::offcloud
