#include "base/metainfo.hpp"

#include "base/bencode.hpp"

#include <algorithm>
#include <openssl/sha.h>
#include <vector>

namespace skyhaul {

namespace {

using bencode::kind;

bool fail(std::string& error, std::string msg) {
  error = std::move(msg);
  return false;
}

bool add_length(const bencode::value* len, metainfo_facts& out,
                std::string& error) {
  if (len == nullptr || len->type != kind::integer || len->integer < 0)
    return fail(error, "a file has no valid length");
  if (out.size > UINT64_MAX - static_cast<uint64_t>(len->integer))
    return fail(error, "the files are too large");
  out.size += static_cast<uint64_t>(len->integer);
  ++out.file_count;
  return true;
}

bool check_files(const bencode::value& files, metainfo_facts& out,
                 std::string& error) {
  if (files.type != kind::list || files.items.empty())
    return fail(error, "files must be a non-empty list");
  for (auto& f : files.items) {
    if (f.type != kind::dict)
      return fail(error, "a file entry is not a dictionary");
    auto path = f.find("path");
    if (path == nullptr || path->type != kind::list || path->items.empty())
      return fail(error, "a file has no path");
    for (auto& part : path->items)
      if (part.type != kind::string || !safe_path_component(part.text))
        return fail(error, "a file path is unsafe");
    if (!add_length(f.find("length"), out, error))
      return false;
  }
  return true;
}

/// Sets `error` and answers "no metainfo".
std::nullopt_t refuse(std::string& error, const char* msg) {
  error = msg;
  return std::nullopt;
}

} // namespace

bool safe_path_component(std::string_view part) {
  if (part.empty() || part == "." || part == "..")
    return false;
  return std::none_of(part.begin(), part.end(), [](char c) {
    return c == '/' || c == '\\' || c == '\0';
  });
}

std::optional<metainfo_facts> check_metainfo(std::string_view bytes,
                                             std::string& error) {
  auto root = bencode::parse(bytes, error);
  if (!root) {
    error = "not bencoded: " + error;
    return std::nullopt;
  }
  if (root->type != kind::dict)
    return refuse(error, "the metainfo is not a dictionary");
  auto info = root->find("info");
  if (info == nullptr || info->type != kind::dict)
    return refuse(error, "the metainfo has no info dictionary");
  metainfo_facts out;
  auto name = info->find("name");
  if (name == nullptr || name->type != kind::string
      || !safe_path_component(name->text))
    return refuse(error, "the torrent name is missing or unsafe");
  out.name = std::string{name->text};
  auto plen = info->find("piece length");
  if (plen == nullptr || plen->type != kind::integer || plen->integer <= 0)
    return refuse(error, "the piece length is missing or not positive");
  auto pieces = info->find("pieces");
  if (pieces == nullptr || pieces->type != kind::string
      || pieces->text.empty() || pieces->text.size() % 20 != 0)
    return refuse(error, "the pieces are missing or not SHA-1 hashes");
  auto files = info->find("files");
  auto length = info->find("length");
  if ((files == nullptr) == (length == nullptr))
    return refuse(error, "the info needs either length or files");
  if (files != nullptr ? !check_files(*files, out, error)
                       : !add_length(length, out, error))
    return std::nullopt;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(info->raw.data()),
       info->raw.size(), digest);
  out.info_hash.assign(reinterpret_cast<const char*>(digest), sizeof digest);
  return out;
}

std::string with_announce(std::string_view bytes,
                          const std::string& announce_url) {
  std::string error;
  auto root = bencode::parse(bytes, error);
  std::vector<std::pair<std::string_view, std::string>> entries;
  std::string announce;
  bencode::put_string(announce, announce_url);
  entries.emplace_back("announce", announce);
  if (root)
    for (auto& [k, v] : root->entries)
      if (k != "announce" && k != "announce-list")
        entries.emplace_back(k, std::string{v.raw});
  // Keys sorted as raw byte strings, as BEP 3 asks.
  std::stable_sort(entries.begin(), entries.end(),
                   [](auto& x, auto& y) { return x.first < y.first; });
  std::string out = "d";
  for (auto& [k, v] : entries) {
    bencode::put_string(out, k);
    out += v;
  }
  out += 'e';
  return out;
}

} // namespace skyhaul
