#include "actors/torrent_meta.hpp"

#include "protocol/error.hpp"

#include <iterator>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/hex.hpp>
#include <libtorrent/info_hash.hpp>
#include <libtorrent/torrent_info.hpp>

namespace skyhaul {

namespace {

caf::error bad_torrent(std::string msg) {
  return make_error(ec::download_source_exception,
                    "bad torrent: " + std::move(msg));
}

std::string check_element(lt::string_view element) {
  return unsafe_path_element(std::string{element});
}

/// Checks every path element of a v1 `files` list and a v2 `file tree`.
std::string check_tree(const lt::bdecode_node& tree, int depth) {
  if (depth > 64)
    return "a file tree that is too deep";
  for (int i = 0; i < tree.dict_size(); ++i) {
    auto [key, child] = tree.dict_at(i);
    // A leaf is the empty key holding the file's properties.
    if (key.empty() && child.type() == lt::bdecode_node::dict_t)
      continue;
    if (auto why = check_element(key); !why.empty())
      return why;
    if (child.type() == lt::bdecode_node::dict_t)
      if (auto why = check_tree(child, depth + 1); !why.empty())
        return why;
  }
  return {};
}

std::string check_info(const lt::bdecode_node& info) {
  for (auto key : {"name", "name.utf-8"}) {
    auto name = info.dict_find_string(key);
    if (name)
      if (auto why = check_element(name.string_value()); !why.empty())
        return why + " (torrent name)";
  }
  if (auto files = info.dict_find_list("files")) {
    for (int i = 0; i < files.list_size(); ++i) {
      auto file = files.list_at(i);
      if (file.type() != lt::bdecode_node::dict_t)
        continue;
      for (auto key : {"path", "path.utf-8"}) {
        auto path = file.dict_find_list(key);
        if (!path)
          continue;
        for (int j = 0; j < path.list_size(); ++j) {
          auto el = path.list_at(j);
          if (el.type() != lt::bdecode_node::string_t)
            return "a path element that is not a string";
          if (auto why = check_element(el.string_value()); !why.empty())
            return why;
        }
      }
    }
  }
  if (auto tree = info.dict_find_dict("file tree"))
    return check_tree(tree, 0);
  return {};
}

} // namespace

std::string hash_hex(const lt::info_hash_t& ih) {
  if (ih.has_v1())
    return lt::aux::to_hex(ih.v1);
  return lt::aux::to_hex(ih.v2);
}

caf::error parse_metainfo(const std::string& bytes, uint64_t max_size,
                          std::shared_ptr<const lt::torrent_info>& out) {
  if (bytes.size() > max_size)
    return make_error(ec::too_large, "the torrent is larger than "
                                         + std::to_string(max_size)
                                         + " bytes");
  lt::error_code err;
  int pos = 0;
  auto node = lt::bdecode({bytes.data(), static_cast<long>(bytes.size())},
                          err, &pos, 100, 4000000);
  if (err)
    return bad_torrent("malformed bencode at byte " + std::to_string(pos)
                       + ": " + err.message());
  if (node.type() != lt::bdecode_node::dict_t)
    return bad_torrent("the metainfo is not a dictionary");
  auto info = node.dict_find_dict("info");
  if (!info)
    return bad_torrent("the metainfo has no info dictionary");
  if (auto why = check_info(info); !why.empty())
    return bad_torrent("unsafe file path: " + why);
  auto ti = std::make_shared<lt::torrent_info>(node, err);
  if (err)
    return bad_torrent(err.message());
  if (ti->num_files() <= 0)
    return bad_torrent("the torrent has no files");
  out = std::move(ti);
  return caf::none;
}

std::string keep_dht_nodes(const std::string& bytes,
                           const std::function<bool(const std::string&)>& keep) {
  lt::error_code err;
  auto root = lt::bdecode({bytes.data(), static_cast<long>(bytes.size())},
                          err, nullptr, 100, 4000000);
  if (err || root.type() != lt::bdecode_node::dict_t)
    return bytes;
  for (int i = 0; i < root.dict_size(); ++i) {
    auto [key, value] = root.dict_at_node(i);
    if (key.string_value() != "nodes")
      continue;
    // [[host, port], ...]: anything else is left out too.
    lt::entry::list_type kept;
    bool left_out = value.type() != lt::bdecode_node::list_t;
    for (int j = 0; value.type() == lt::bdecode_node::list_t
                    && j < value.list_size();
         ++j) {
      auto n = value.list_at(j);
      if (n.type() == lt::bdecode_node::list_t && n.list_size() == 2
          && n.list_at(0).type() == lt::bdecode_node::string_t
          && keep(std::string{n.list_at(0).string_value()}))
        kept.emplace_back(n);
      else
        left_out = true;
    }
    if (!left_out)
      return bytes;
    // The key and its value are one run of bytes.
    auto begin = static_cast<size_t>(key.data_offset());
    auto end = static_cast<size_t>(value.data_offset()
                                   + value.data_section().size());
    auto out = bytes.substr(0, begin);
    if (!kept.empty()) {
      out += "5:nodes";
      lt::bencode(std::back_inserter(out), lt::entry{std::move(kept)});
    }
    return out + bytes.substr(end);
  }
  return bytes;
}

std::string unsafe_torrent_paths(const lt::torrent_info& ti) {
  auto info = ti.info_section();
  lt::error_code err;
  auto node = lt::bdecode(info, err);
  if (err || node.type() != lt::bdecode_node::dict_t)
    return "the info dictionary does not decode";
  return check_info(node);
}

caf::error layout_of(const lt::torrent_info& ti,
                     const std::vector<std::string>& wanted,
                     torrent_layout& out) {
  out = torrent_layout{};
  auto& fs = ti.files();
  out.meta.info_hash = hash_hex(ti.info_hashes());
  out.meta.name = ti.name();
  out.piece_length = static_cast<uint64_t>(ti.piece_length());
  std::vector<std::string> paths;
  for (auto i : fs.file_range()) {
    if (fs.pad_file_at(i))
      continue;
    paths.push_back(fs.file_path(i));
    out.lt_index.push_back(static_cast<int>(i));
    file_span span;
    span.offset = static_cast<uint64_t>(fs.file_offset(i));
    span.size = static_cast<uint64_t>(fs.file_size(i));
    out.spans.push_back(span);
  }
  std::string unknown;
  auto chosen = select_files(paths, out.meta.name, wanted, unknown);
  if (!chosen)
    return make_error(ec::download_source_exception,
                      "the torrent has no file named '" + unknown + "'");
  out.priorities.assign(static_cast<size_t>(fs.num_files()), 0);
  for (size_t k = 0; k < paths.size(); ++k) {
    torrent_file_info f;
    f.path = paths[k];
    f.size = out.spans[k].size;
    f.wanted = (*chosen)[k];
    out.meta.total += f.size;
    if (f.wanted) {
      out.meta.wanted += f.size;
      out.priorities[static_cast<size_t>(out.lt_index[k])] = 4;
    }
    out.meta.files.push_back(std::move(f));
  }
  return caf::none;
}

} // namespace skyhaul
