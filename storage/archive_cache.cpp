#include "storage/archive_cache.hpp"

#include "protocol/codec.hpp"
#include "storage/atomic_file.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace skyhaul::storage {

namespace fs = std::filesystem;

namespace {

bool same_limits(const cached_listing& x, const archive_limits& limits) {
  return x.max_entries == limits.max_entries
         && x.max_total_bytes == limits.max_total_bytes
         && x.max_ratio == limits.max_ratio;
}

/// Listings are small; a file past this is not one of ours.
constexpr uintmax_t max_cache_file = 64u << 20;

} // namespace

std::string listing_cache_path(const std::string& data_dir,
                               const std::string& blob) {
  return data_dir + "/listings/" + blob.substr(0, 2) + "/" + blob;
}

std::optional<archive_listing> load_listing(const std::string& cache_file,
                                            const archive_limits& limits) {
  std::error_code err;
  auto size = fs::file_size(cache_file, err);
  if (err || size > max_cache_file)
    return std::nullopt;
  std::ifstream in{cache_file, std::ios::binary};
  std::string bytes{std::istreambuf_iterator<char>{in},
                    std::istreambuf_iterator<char>{}};
  if (!in.good() && !in.eof())
    return std::nullopt;
  cached_listing x;
  try {
    if (!decode(bytes, x) || !same_limits(x, limits))
      return std::nullopt;
  } catch (const record_format_error&) {
    // Written by a newer binary: list again rather than misread it.
    return std::nullopt;
  }
  return std::move(x.listing);
}

std::string save_listing(const std::string& cache_file,
                         const archive_listing& listing,
                         const archive_limits& limits) {
  auto folder = fs::path(cache_file).parent_path();
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec)
    return "mkdir " + folder.string() + ": " + ec.message();
  auto bytes = encode(cached_listing{limits.max_entries, limits.max_total_bytes,
                                     limits.max_ratio, listing});
  atomic_file out{cache_file};
  if (!out.write(bytes.data(), bytes.size()))
    return out.error();
  return out.commit();
}

archive_listing list_archive_cached(const std::string& file,
                                    const std::string& cache_file,
                                    const archive_limits& limits) {
  if (auto hit = load_listing(cache_file, limits))
    return std::move(*hit);
  auto listing = list_archive(file, limits);
  auto open_failed = !listing.is_archive && !listing.error.empty();
  if (!open_failed)
    save_listing(cache_file, listing, limits);
  return listing;
}

void remove_listing(const std::string& cache_file) {
  std::error_code err;
  fs::remove(cache_file, err);
}

std::string unpacked_dir(const std::string& data_dir,
                         const std::string& blob) {
  return data_dir + "/unpacked/" + blob;
}

void remove_derived(const std::string& data_dir, const std::string& blob) {
  // A blob name is hex: nothing in it can leave the folders.
  if (blob.empty() || blob.find_first_of("/.") != std::string::npos)
    return;
  remove_listing(listing_cache_path(data_dir, blob));
  std::error_code err;
  fs::remove_all(unpacked_dir(data_dir, blob), err);
}

} // namespace skyhaul::storage
