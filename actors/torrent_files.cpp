#include "actors/torrent_files.hpp"

#include "protocol/task_spec.hpp"
#include "protocol/text.hpp"
#include "protocol/torrent.hpp"
#include "storage/torrent_table.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <sys/stat.h>

namespace skyhaul {

namespace {

/// `path` without its first element (`pack/a.bin` -> `a.bin`), or empty.
std::string without_root(const std::string& path, const std::string& name) {
  if (name.empty() || path.size() <= name.size() + 1
      || path.compare(0, name.size(), name) != 0 || path[name.size()] != '/')
    return {};
  return path.substr(name.size() + 1);
}

} // namespace

std::optional<std::vector<bool>>
select_files(const std::vector<std::string>& paths, const std::string& name,
             const std::vector<std::string>& wanted, std::string& unknown) {
  if (wanted.empty())
    return std::vector<bool>(paths.size(), true);
  std::vector<bool> out(paths.size(), false);
  for (auto& w : wanted) {
    bool found = false;
    for (size_t i = 0; i < paths.size(); ++i) {
      if (paths[i] == w || (!w.empty() && without_root(paths[i], name) == w)) {
        out[i] = true;
        found = true;
      }
    }
    if (!found) {
      unknown = w;
      return std::nullopt;
    }
  }
  return out;
}

std::vector<uint64_t> file_done(const std::vector<file_span>& files,
                                uint64_t piece_length,
                                const std::vector<bool>& have) {
  std::vector<uint64_t> out(files.size(), 0);
  if (piece_length == 0)
    return out;
  for (size_t i = 0; i < files.size(); ++i) {
    auto& f = files[i];
    if (f.size == 0)
      continue;
    auto end = f.offset + f.size;
    for (auto p = f.offset / piece_length; p * piece_length < end; ++p) {
      if (p >= have.size() || !have[p])
        continue;
      auto lo = std::max(f.offset, p * piece_length);
      auto hi = std::min(end, (p + 1) * piece_length);
      out[i] += hi - lo;
    }
  }
  return out;
}

std::string unsafe_path_element(const std::string& element) {
  if (element.empty())
    return "an empty path element";
  if (element == "." || element == "..")
    return "a '" + element + "' path element";
  for (auto c : element) {
    if (c == '/' || c == '\\')
      return "a path separator inside a path element";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return "a control character in a path";
  }
  return {};
}

std::string torrent_object_key(const task_spec& spec, const std::string& path,
                               bool single_file) {
  if (!spec.key.empty() && single_file)
    return spec.key;
  return key_under(spec.target, path);
}

std::string key_under(const std::string& prefix, const std::string& name) {
  if (prefix.empty())
    return name;
  if (prefix.back() == '/')
    return prefix + name;
  return prefix + "/" + name;
}

std::string content_type_for(const std::string& path) {
  static const std::map<std::string, std::string> types = {
      {"txt", "text/plain"},
      {"html", "text/html"},
      {"htm", "text/html"},
      {"css", "text/css"},
      {"csv", "text/csv"},
      {"json", "application/json"},
      {"xml", "application/xml"},
      {"pdf", "application/pdf"},
      {"zip", "application/zip"},
      {"gz", "application/gzip"},
      {"tar", "application/x-tar"},
      {"7z", "application/x-7z-compressed"},
      {"rar", "application/vnd.rar"},
      {"iso", "application/x-iso9660-image"},
      {"torrent", "application/x-bittorrent"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"png", "image/png"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"svg", "image/svg+xml"},
      {"mp3", "audio/mpeg"},
      {"flac", "audio/flac"},
      {"ogg", "audio/ogg"},
      {"wav", "audio/wav"},
      {"mp4", "video/mp4"},
      {"mkv", "video/x-matroska"},
      {"webm", "video/webm"},
      {"avi", "video/x-msvideo"},
      {"mov", "video/quicktime"},
      {"srt", "application/x-subrip"},
  };
  auto slash = path.rfind('/');
  auto dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
    return "application/octet-stream";
  auto ext = ascii_lower(path.substr(dot + 1));
  auto i = types.find(ext);
  return i == types.end() ? "application/octet-stream" : i->second;
}

std::optional<std::vector<file_record>>
cached_files(const storage::cached_torrent& entry,
             const std::vector<std::string>& wanted) {
  if (wanted.empty()) {
    if (entry.file_count == 0 || entry.files.size() != entry.file_count)
      return std::nullopt;
    return entry.files;
  }
  std::vector<file_record> out;
  for (auto& w : wanted) {
    bool found = false;
    for (auto& f : entry.files) {
      if (f.name == w || without_root(f.name, entry.name) == w) {
        auto dup = [&](const file_record& x) { return x.name == f.name; };
        if (std::none_of(out.begin(), out.end(), dup))
          out.push_back(f);
        found = true;
      }
    }
    if (!found)
      return std::nullopt;
  }
  return out;
}

uint64_t bytes_still_needed(const std::string& save_path,
                            const std::vector<torrent_file_info>& files) {
  uint64_t need = 0;
  for (auto& f : files) {
    if (!f.wanted)
      continue;
    uint64_t held = 0;
    struct stat sb {};
    if (::stat((save_path + "/" + f.path).c_str(), &sb) == 0
        && S_ISREG(sb.st_mode))
      held = static_cast<uint64_t>(sb.st_blocks) * 512;
    need += f.size > held ? f.size - held : 0;
  }
  return need;
}

std::string lacks_space(const std::string& save_path, uint64_t need) {
  // The folder may not be there yet: its nearest existing parent is on the
  // same file system.
  std::filesystem::path at = save_path;
  std::error_code err;
  while (!at.empty() && !std::filesystem::exists(at, err))
    at = at.parent_path();
  auto space = std::filesystem::space(at.empty() ? "." : at, err);
  if (err)
    return {}; // Unknown: the writes themselves tell.
  if (need + torrent_space_margin <= space.available)
    return {};
  return "No space left on device: the torrent's wanted files need "
         + std::to_string(need) + " more bytes, and the disk has "
         + std::to_string(space.available) + " bytes free";
}

} // namespace skyhaul
