#include "storage/rules/object_commit.hpp"

#include "storage/blob_store.hpp"
#include "storage/object_table.hpp"

#include <cstdio>
#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace skyhaul::storage::rules {

object_commit_result store_object(txn& t, const blob_store& blobs,
                                  const object_commit& c,
                                  orphan_list& orphans) {
  if (!c.source_path.empty()) {
    std::error_code ec;
    auto blob = blobs.blob_path(c.file.blob);
    bool fresh = !std::filesystem::exists(blob, ec);
    auto err = blobs.adopt(c.source_path, c.file.blob, c.link_source);
    if (!err.empty())
      throw std::runtime_error(err);
    // Should the rows not be written (a full map, a failed commit), the
    // blob this write made goes back where it came from: the task keeps
    // its download for a later try.
    if (fresh) {
      orphans.undo.push_back([&blobs, blob, source = c.source_path,
                              link = c.link_source, name = c.file.blob] {
        if (link)
          ::unlink(blob.c_str());
        else
          std::rename(blob.c_str(), source.c_str());
        blobs.clear_adopting(name);
      });
      orphans.settle.push_back(
          [&blobs, name = c.file.blob] { blobs.clear_adopting(name); });
    }
  }
  return commit_object(t, c, orphans);
}

} // namespace skyhaul::storage::rules
