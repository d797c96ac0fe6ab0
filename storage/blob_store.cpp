#include "storage/blob_store.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace skyhaul::storage {

namespace fs = std::filesystem;

namespace {

bool fsync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0)
    return false;
  auto ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

} // namespace

blob_store::blob_store(std::string data_dir) : dir_(std::move(data_dir)) {
  fs::create_directories(dir_ + "/partial");
  fs::create_directories(dir_ + "/blobs");
  fs::create_directories(dir_ + "/adopting");
}

std::string blob_store::partial_dir(task_seq seq) const {
  return dir_ + "/partial/" + format_tid(seq);
}

std::string blob_store::partial_file(task_seq seq) const {
  return partial_dir(seq) + "/data";
}

std::string blob_store::blob_path(const std::string& blob) const {
  return dir_ + "/blobs/" + blob.substr(0, 2) + "/" + blob;
}

std::string blob_store::adopt(const std::string& path, const std::string& blob,
                              bool link) const {
  auto dst = blob_path(blob);
  std::error_code err;
  if (fs::exists(dst, err)) {
    if (!link)
      fs::remove(path, err);
    return {};
  }
  if (!fsync_path(path, O_RDONLY))
    return "fsync " + path + ": " + std::strerror(errno);
  auto folder = fs::path(dst).parent_path();
  fs::create_directories(folder, err);
  if (err)
    return "mkdir " + folder.string() + ": " + err.message();
  // The mark comes before the blob: a crash from here to the commit
  // leaves the blob findable.
  auto mark = adopting_mark(blob);
  int fd = ::open(mark.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return "mark " + mark + ": " + std::strerror(errno);
  ::close(fd);
  bool made = true;
  if (link) {
    if (::link(path.c_str(), dst.c_str()) != 0) {
      auto why = errno;
      if (why != EEXIST) {
        ::unlink(mark.c_str());
        return "link " + path + ": " + std::strerror(why);
      }
      made = false;
      ::unlink(mark.c_str()); // not this call's blob
    }
  } else if (::rename(path.c_str(), dst.c_str()) != 0) {
    auto why = errno;
    ::unlink(mark.c_str());
    return "rename " + path + ": " + std::strerror(why);
  }
  if (!fsync_path(folder.string(), O_RDONLY | O_DIRECTORY)) {
    std::string why = "fsync " + folder.string() + ": " + std::strerror(errno);
    // The commit fails: the blob must not stay without its object. The
    // file goes back where it was (a later try adopts it again).
    if (link && made)
      ::unlink(dst.c_str());
    else if (!link)
      ::rename(dst.c_str(), path.c_str());
    ::unlink(mark.c_str());
    return why;
  }
  return {};
}

std::string blob_store::adopting_mark(const std::string& blob) const {
  return dir_ + "/adopting/" + blob;
}

void blob_store::clear_adopting(const std::string& blob) const {
  ::unlink(adopting_mark(blob).c_str());
}

std::vector<std::string> blob_store::adopting() const {
  std::vector<std::string> out;
  std::error_code err;
  for (auto& entry : fs::directory_iterator(dir_ + "/adopting", err))
    out.push_back(entry.path().filename().string());
  return out;
}

void blob_store::remove_blob(const std::string& blob) const {
  std::error_code err;
  fs::remove(blob_path(blob), err);
}

void blob_store::remove_partial(task_seq seq) const {
  // The folder is renamed aside first. A writer still finishing (a parts
  // checkpoint, a late chunk) names its files by path: once the path is
  // gone it can create nothing, not even between remove_all's listing of
  // the folder and its rmdir, which would leave the folder behind.
  auto dir = partial_dir(seq);
  auto gone = dir + gone_suffix;
  std::error_code err;
  fs::remove_all(gone, err); // one a crash left halfway
  if (::rename(dir.c_str(), gone.c_str()) != 0) {
    if (errno != ENOENT)
      fs::remove_all(dir, err); // cannot rename: remove it where it is
    return;
  }
  fs::remove_all(gone, err);
}

void blob_store::remove_halfway_partials() const {
  std::string_view suffix = gone_suffix;
  std::error_code err;
  std::vector<fs::path> halfway;
  for (auto& entry : fs::directory_iterator(dir_ + "/partial", err)) {
    auto name = entry.path().filename().string();
    if (name.size() > suffix.size()
        && name.compare(name.size() - suffix.size(), suffix.size(), suffix)
               == 0)
      halfway.push_back(entry.path());
  }
  // Gathered first, removed after: no changes under a live iterator.
  for (auto& path : halfway)
    fs::remove_all(path, err);
}

uint64_t file_size_or_zero(const std::string& path) {
  std::error_code err;
  auto n = fs::file_size(path, err);
  return err ? 0 : n;
}

} // namespace skyhaul::storage
