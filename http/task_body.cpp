#include "http/task_body.hpp"

#include <optional>
#include <set>

#include <rapidjson/document.h>

#include "http/multipart.hpp"
#include "http/sigv2.hpp"
#include "http/validate.hpp"
#include "protocol/source.hpp"
#include "protocol/error.hpp"

namespace skyhaul::http {

namespace {

/// Longest canned ACL or grant list we keep.

/// Most wanted files of one torrent, and the longest name.
constexpr size_t max_files = 10000;
constexpr size_t max_file_name = 1024;

caf::error bad(std::string msg) {
  return make_error(ec::invalid_argument, std::move(msg));
}

caf::error bad_uri(std::string msg) {
  return make_error(ec::invalid_uri, std::move(msg));
}

/// The string fields of the body and where they go.
std::string* string_field(const std::string& name, task_spec& spec,
                          std::string& rule) {
  if (name == "url")
    return &spec.url;
  if (name == "bucket")
    return &spec.bucket;
  if (name == "key")
    return &spec.key;
  if (name == "target")
    return &spec.target;
  if (name == "md5")
    return &spec.md5;
  if (name == "sha1")
    return &spec.sha1;
  if (name == "crc32")
    return &spec.crc32;
  if (name == "acl")
    return &spec.acl.canned;
  if (name == "on_key_exist")
    return &rule;
  if (name == "success_callback_url")
    return &spec.success_callback_url;
  if (name == "failure_callback_url")
    return &spec.failure_callback_url;
  return nullptr;
}

/// Reads the members into `spec` and `rule`, checking names and types.
caf::error read_members(const rapidjson::Value& obj, task_spec& spec,
                        std::string& rule, std::string& torrent_b64,
                        bool& has_torrent) {
  std::set<std::string> seen;
  for (auto& m : obj.GetObject()) {
    std::string name{m.name.GetString(), m.name.GetStringLength()};
    auto& v = m.value;
    if (!seen.insert(name).second)
      return bad("duplicate field: " + name);
    if (auto* out = string_field(name, spec, rule)) {
      if (!v.IsString())
        return bad("field '" + name + "' must be a string");
      out->assign(v.GetString(), v.GetStringLength());
    } else if (name == "size") {
      if (!v.IsInt64() || v.GetInt64() < 0)
        return bad("field 'size' must be a non-negative integer");
      spec.size = v.GetInt64();
    } else if (name == "paused") {
      if (!v.IsBool())
        return bad("field 'paused' must be true or false");
      spec.start_paused = v.GetBool();
    } else if (name == "torrent") {
      if (!v.IsString())
        return bad("field 'torrent' must be the .torrent file in base64");
      torrent_b64.assign(v.GetString(), v.GetStringLength());
      has_torrent = true;
    } else if (name == "files") {
      if (!v.IsArray() || v.Size() > max_files)
        return bad("field 'files' must be an array of file names");
      for (auto& f : v.GetArray()) {
        if (!f.IsString() || f.GetStringLength() == 0
            || f.GetStringLength() > max_file_name)
          return bad("field 'files' must be an array of file names");
        std::string name{f.GetString(), f.GetStringLength()};
        for (auto c : name)
          if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return bad("field 'files' holds a name with a control "
                       "character");
        spec.files.push_back(std::move(name));
      }
    } else {
      return bad("unknown field: " + name);
    }
  }
  return caf::none;
}

} // namespace

caf::error parse_task_body(const std::string& body, user_id uid,
                           task_spec& spec) {
  return parse_task_request(body, "application/json", uid, default_max_torrent,
                            spec);
}

caf::error parse_task_request(const std::string& body,
                              const std::string& content_type, user_id uid,
                              uint64_t max_torrent, task_spec& spec) {
  spec = task_spec{};
  spec.origin = face::task_api;
  std::string rule;
  std::string torrent_b64;
  bool has_torrent = false;
  std::string json = body;
  bool uploaded = false;
  if (auto boundary = form_boundary(content_type)) {
    std::string why;
    auto parts = parse_form(body, *boundary, why);
    if (!parts)
      return bad("bad multipart body: " + why);
    json = "{}";
    for (auto& p : *parts) {
      if (p.name == "torrent" && !uploaded) {
        spec.torrent = std::move(p.body);
        uploaded = true;
      } else if (p.name == "task" && json == "{}") {
        json = std::move(p.body);
      } else {
        return bad("unexpected multipart part: " + p.name
                   + " (expected one 'torrent' and at most one 'task')");
      }
    }
    if (!uploaded)
      return bad("the multipart body has no 'torrent' part");
  }
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError())
    return bad("the body is not valid JSON");
  if (!doc.IsObject())
    return bad("the body must be a JSON object");
  auto torrent = std::move(spec.torrent);
  if (auto err = read_members(doc, spec, rule, torrent_b64, has_torrent))
    return err;
  spec.torrent = std::move(torrent);
  if (has_torrent) {
    if (uploaded)
      return bad("the torrent is given twice (a part and a field)");
    std::string text;
    for (auto c : torrent_b64)
      if (c != '\n' && c != '\r' && c != ' ')
        text += c;
    if (text.size() > (max_torrent + 2) / 3 * 4 + 4)
      return make_error(ec::too_large, "the torrent is larger than "
                                           + std::to_string(max_torrent)
                                           + " bytes");
    while (text.size() % 4 != 0)
      text += '=';
    auto bytes = base64_decode(text);
    if (!bytes || bytes->empty())
      return bad("field 'torrent' is not valid base64");
    spec.torrent = std::move(*bytes);
    uploaded = true;
  }
  if (uploaded) {
    if (!spec.url.empty())
      return bad("give either 'url' or 'torrent', not both");
    if (spec.torrent.size() > max_torrent)
      return make_error(ec::too_large, "the torrent is larger than "
                                           + std::to_string(max_torrent)
                                           + " bytes");
    if (spec.torrent.empty() || spec.torrent.front() != 'd')
      return make_error(ec::download_source_exception,
                        "the uploaded torrent is not a bencoded dictionary");
  } else if (spec.url.empty()) {
    return bad("field 'url' (or an uploaded 'torrent') is required");
  } else if (spec.url.size() > max_url_length) {
    return bad_uri("bad url: longer than " + std::to_string(max_url_length)
                   + " bytes");
  } else if (source_of(spec) == source_kind::magnet) {
    if (!magnet_info_hash(spec.url))
      return bad_uri("bad url: the magnet link has no usable info-hash "
                     "(xt=urn:btih:... or xt=urn:btmh:...)");
  } else if (auto err = check_http_url(spec.url)) {
    return bad_uri("bad url: " + *err);
  }
  if (!spec.files.empty() && !is_torrent(source_of(spec)))
    return bad("field 'files' chooses files of a BitTorrent source; this url "
               "is HTTP");
  if (spec.bucket.empty())
    spec.bucket = "user-" + std::to_string(uid);
  else if (!valid_bucket_name(spec.bucket))
    return bad("bad bucket name: " + spec.bucket);
  if (!spec.key.empty())
    if (auto err = check_object_key(spec.key))
      return bad("bad key: " + *err);
  if (!spec.target.empty()) {
    // A target is a key prefix: the file name follows a '/'.
    auto probe = spec.target.back() == '/' ? spec.target + "x"
                                           : spec.target + "/x";
    if (auto err = check_object_key(probe))
      return bad("bad target: " + *err);
  }
  if (!spec.md5.empty() && !normalise_hex(spec.md5, 32))
    return bad("md5 must be 32 hex digits");
  if (!spec.sha1.empty() && !normalise_hex(spec.sha1, 40))
    return bad("sha1 must be 40 hex digits");
  if (!spec.crc32.empty() && !normalise_hex(spec.crc32, 8))
    return bad("crc32 must be 1 to 8 hex digits");
  if (!rule.empty() && !from_string(rule, spec.rule))
    return bad("unknown on_key_exist rule: " + rule);
  for (auto* cb : {&spec.success_callback_url, &spec.failure_callback_url})
    if (!cb->empty())
      if (auto err = check_http_url(*cb))
        return bad_uri("bad callback url: " + *err);
  if (!spec.acl.canned.empty() && !valid_canned_acl(spec.acl.canned))
    return bad("acl must be private, public-read, public-read-write or "
               "authenticated-read");
  return caf::none;
}

} // namespace skyhaul::http
