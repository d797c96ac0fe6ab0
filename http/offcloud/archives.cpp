#include "http/offcloud/archives.hpp"

#include "http/download.hpp"
#include "storage/archive.hpp"
#include "storage/archive_cache.hpp"
#include "storage/blob_store.hpp"
#include "storage/no_space.hpp"

#include <caf/all.hpp>
#include <filesystem>

namespace skyhaul::http::offcloud {

namespace {

/// Runs `fn` on a thread of its own (it blocks on decompression).
template <class F>
void off_thread(const svc_ptr& svc, F fn) {
  svc->sys->spawn<caf::detached>([fn](caf::event_based_actor* self) {
    fn();
    self->quit();
  });
}

storage::archive_listing listing_of(const services& svc,
                                    const file_record& f) {
  auto path = svc.blobs->blob_path(f.blob);
  return storage::list_archive_cached(
      path, storage::listing_cache_path(svc.cfg->data_dir, f.blob),
      storage::archive_limits{});
}

/// Where entry `n` of blob `blob` is kept once unpacked: derived data
/// beside the blobs, made whole or not at all.
std::string entry_path(const services& svc, const std::string& blob,
                       uint32_t n) {
  return storage::unpacked_dir(svc.cfg->data_dir, blob) + "/"
         + std::to_string(n);
}

} // namespace

bool with_archive_files(
    const svc_ptr& svc, const task_record& rec, responder respond,
    std::function<void(std::vector<archive_file>, responder)> done) {
  if (rec.files.size() != 1)
    return false;
  auto f = rec.files.front();
  off_thread(svc, [svc, f, respond, done] {
    auto listing = listing_of(*svc, f);
    if (!listing.is_archive || !listing.error.empty() || listing.files.empty())
      return respond(offcloud_error(400, "Bad archive"));
    std::vector<archive_file> out;
    for (auto& e : listing.files)
      out.push_back({e.index, e.path, e.size});
    done(std::move(out), respond);
  });
  return true;
}

bool serve_archive_entry(const svc_ptr& svc, const task_record& rec,
                         const std::string& file, const request& req,
                         responder& respond) {
  if (rec.files.size() != 1 || rec.state != task_state::finished)
    return false;
  auto slash = file.find('/');
  if (slash == std::string::npos || slash == 0 || slash > 6
      || file.find_first_not_of("0123456789") != slash)
    return false;
  auto n = static_cast<uint32_t>(std::stoul(file.substr(0, slash)));
  auto path = file.substr(slash + 1);
  auto f = rec.files.front();
  auto range = req.header("range");
  auto inm = req.header("if-none-match");
  off_thread(svc, [svc, f, n, path, range, inm, respond] {
    auto listing = listing_of(*svc, f);
    const storage::archive_entry* entry = nullptr;
    for (auto& e : listing.files)
      if (e.index == n && e.path == path)
        entry = &e;
    if (!listing.is_archive || !listing.error.empty() || entry == nullptr)
      return respond(offcloud_error(404, "no such file in the archive"));
    auto dest = entry_path(*svc, f.blob, n);
    std::error_code ec;
    if (!std::filesystem::exists(dest, ec)) {
      std::filesystem::create_directories(
          std::filesystem::path{dest}.parent_path(), ec);
      auto err = storage::extract_archive_entry(
          svc->blobs->blob_path(f.blob), n, dest, storage::archive_limits{});
      if (!err.empty())
        return respond(offcloud_error(
            skyhaul::http_status(storage::storage_error_code(err)),
            "cannot unpack: " + err));
    }
    auto size = std::filesystem::file_size(dest, ec);
    if (ec)
      return respond(offcloud_error(500, "cannot unpack the file"));
    reply r;
    // The archive's digest and the entry's number name its bytes for good.
    auto etag = "\"" + f.blob + "-" + std::to_string(n) + "\"";
    r.content_type = "application/octet-stream";
    r.headers = {{"ETag", etag}, {"Accept-Ranges", "bytes"}};
    if (!inm.empty() && etag_matches(inm, etag)) {
      r.status = 304;
      r.content_type.clear();
      return respond(std::move(r));
    }
    r.file_path = dest;
    r.file_length = size;
    if (!apply_range(r, range, size)) {
      auto bad = offcloud_error(416, "the range is past the end of the file");
      unsatisfiable_range(bad, size);
      return respond(std::move(bad));
    }
    respond(std::move(r));
  });
  return true;
}

} // namespace skyhaul::http::offcloud
