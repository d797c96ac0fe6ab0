#pragma once

// Requests whose one file is an archive: explore lists its files, and
// `/cloud/download/<id>/<n>/<path>` streams one of them out of it. The
// archive is untrusted; storage/archive.hpp refuses what escapes and
// bounds what it unpacks. Listing and unpacking block, so they run on a
// thread of their own, never on the listener's.

#include <string>

#include "http/offcloud/common.hpp"

namespace skyhaul::http::offcloud {

/// The files of an archive request as the explore calls render them.
struct archive_file {
  uint32_t n = 0;
  std::string path;
  uint64_t size = 0;
};

/// Lists the archive of `rec` (finished, one file) and hands the files to
/// `done`, or answers `{"error":"Bad archive"}` (a plain file, or an
/// archive refused) itself. False when `rec` has not exactly one file.
bool with_archive_files(
    const svc_ptr& svc, const task_record& rec, responder respond,
    std::function<void(std::vector<archive_file>, responder)> done);

/// Serves entry `n` of the archive of `rec` when `file` reads
/// "<n>/<path>" and names it; false when it does not (the caller answers).
bool serve_archive_entry(const svc_ptr& svc, const task_record& rec,
                         const std::string& file, const request& req,
                         responder& respond);

} // namespace skyhaul::http::offcloud
