#pragma once

// Listings of archives kept beside the blob store, so that exploring a
// large tar.gz decompresses it once, not on every request.
//
// A listing is a file `<data>/listings/<aa>/<blob>`, not an LMDB record:
// it is derived data, a pure function of a content-addressed (so never
// changing) blob and the limits it was made under. A missing, unreadable
// or stale file only costs a new listing, so it needs neither the store
// actor's transactions nor its writer; it is still written through the
// codec, with its format version, and atomically (temporary, fsync,
// rename), so a reader sees a whole listing or none.

#include "protocol/record_format.hpp"
#include "storage/archive.hpp"

#include <optional>
#include <string>

namespace skyhaul::storage {

/// The stored form of a listing: the limits it was made under, since a
/// listing made under other limits may answer differently.
struct cached_listing {
  uint64_t max_entries = 0;
  uint64_t max_total_bytes = 0;
  uint32_t max_ratio = 0;
  archive_listing listing;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cached_listing& x) {
  return f(x.max_entries, x.max_total_bytes, x.max_ratio, x.listing);
}

/// Where the listing of blob `blob` is kept.
std::string listing_cache_path(const std::string& data_dir,
                               const std::string& blob);

/// The listing stored in `cache_file` when it was made under `limits`;
/// nothing when there is none, it is malformed, of a newer format, or made
/// under other limits. Blocking.
std::optional<archive_listing> load_listing(const std::string& cache_file,
                                            const archive_limits& limits);

/// Stores `listing` in `cache_file` (creating its folder). Returns an
/// error text, empty on success. Blocking.
std::string save_listing(const std::string& cache_file,
                         const archive_listing& listing,
                         const archive_limits& limits);

/// The listing of `file` from `cache_file`, or made with `list_archive`
/// and stored there. A listing that failed to open the file is not
/// stored: that may pass. A failure to store is not an error (the listing
/// is still right). Blocking.
archive_listing list_archive_cached(const std::string& file,
                                    const std::string& cache_file,
                                    const archive_limits& limits);

/// Drops a stored listing (with the blob it lists). Blocking.
void remove_listing(const std::string& cache_file);

/// The folder entries of blob `blob` are unpacked into (one file per entry
/// number): `<data>/unpacked/<blob>`.
std::string unpacked_dir(const std::string& data_dir, const std::string& blob);

/// Removes what is kept beside blob `blob` (its listing and its unpacked
/// entries) once the blob went. Blocking: run on a worker
/// (`blob_store::on_removed`).
void remove_derived(const std::string& data_dir, const std::string& blob);

} // namespace skyhaul::storage

namespace skyhaul {

template <>
struct record_format<storage::cached_listing> : format_version<1, 0> {
  static constexpr const char* table = "listings";
};

} // namespace skyhaul
