#include "http/task_body.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>

#include <rapidjson/document.h>

#include "http/multipart.hpp"
#include "base/base64.hpp"
#include "http/validate.hpp"
#include "protocol/error.hpp"
#include "protocol/source.hpp"

namespace skyhaul::http {

namespace {

caf::error bad(std::string msg) {
  return make_error(ec::invalid_argument, std::move(msg));
}

caf::error too_large(uint64_t max_torrent) {
  return make_error(ec::too_large, "the torrent is larger than "
                                       + std::to_string(max_torrent)
                                       + " bytes");
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
  // Beyond the seed: the id of a configured proxy (settings::proxies).
  if (name == "proxy")
    return &spec.proxy_id;
  return nullptr;
}

/// Reads the members into `spec` and `rule`, checking names and types;
/// the base64 of a `torrent` field goes to `torrent_b64`.
caf::error read_members(const rapidjson::Value& obj, task_spec& spec,
                        std::string& rule,
                        std::optional<std::string>& torrent_b64) {
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
    } else if (name == "pick_files") {
      if (!v.IsBool())
        return bad("field 'pick_files' must be true or false");
      spec.pick_files = v.GetBool();
    } else if (name == "torrent") {
      if (!v.IsString())
        return bad("field 'torrent' must be the .torrent file in base64");
      torrent_b64.emplace(v.GetString(), v.GetStringLength());
    } else if (name == "files") {
      if (!v.IsArray() || v.Size() > max_wanted_files)
        return bad("field 'files' must be an array of at most "
                   + std::to_string(max_wanted_files) + " file names");
      for (auto& f : v.GetArray()) {
        if (!f.IsString())
          return bad("field 'files' must be an array of file names");
        spec.files.emplace_back(f.GetString(), f.GetStringLength());
      }
    } else if (name == "urls") {
      // Mirrors of the same file; `url` may be left out, the first counts.
      if (!v.IsArray() || v.Size() == 0 || v.Size() > max_mirrors)
        return bad("field 'urls' must be an array of 1 to "
                   + std::to_string(max_mirrors) + " URLs");
      for (auto& u : v.GetArray()) {
        if (!u.IsString())
          return bad("field 'urls' must be an array of URLs");
        spec.urls.emplace_back(u.GetString(), u.GetStringLength());
      }
    } else if (name == "connections") {
      if (!v.IsUint() || v.GetUint() < 1 || v.GetUint() > max_connections)
        return bad("field 'connections' must be an integer from 1 to "
                   + std::to_string(max_connections));
      spec.connections = v.GetUint();
    } else {
      return bad("unknown field: " + name);
    }
  }
  return caf::none;
}

/// `urls` as the mirrors of `url`: the first becomes `url` when it is not
/// given, duplicates of `url` go, and each must be an HTTP(S) URL.
caf::error read_mirrors(task_spec& spec) {
  if (spec.urls.empty())
    return caf::none;
  if (spec.url.empty()) {
    spec.url = spec.urls.front();
    spec.urls.erase(spec.urls.begin());
  }
  std::vector<std::string> kept;
  for (auto& u : spec.urls) {
    if (auto why = check_http_url(u))
      return make_error(ec::invalid_uri, "bad url in 'urls': " + *why);
    if (u != spec.url
        && std::find(kept.begin(), kept.end(), u) == kept.end())
      kept.push_back(u);
  }
  spec.urls = std::move(kept);
  return caf::none;
}

/// Decodes the `torrent` field: standard base64, padding optional, line
/// breaks and blanks ignored (as `base64` wraps its output).
caf::error decode_torrent(const std::string& b64, uint64_t max_torrent,
                          std::string& out) {
  std::string text;
  text.reserve(b64.size());
  for (auto c : b64)
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t')
      text += c;
  if (text.empty())
    return bad("field 'torrent' is empty");
  // Padded base64 of `max_torrent` bytes; anything longer decodes larger.
  if (text.size() > (max_torrent + 2) / 3 * 4)
    return too_large(max_torrent);
  // Unpadded input: 2 or 3 characters may end it, never 1.
  if (text.size() % 4 == 1)
    return bad("field 'torrent' is not valid base64 (truncated)");
  text.append((4 - text.size() % 4) % 4, '=');
  auto bytes = base64_decode(text);
  if (!bytes)
    return bad("field 'torrent' is not valid base64 (standard alphabet "
               "A-Z a-z 0-9 + /, '=' padding only at the end)");
  // Padding rounds up: the bytes themselves may still be a few too many.
  if (bytes->size() > max_torrent)
    return too_large(max_torrent);
  out = std::move(*bytes);
  return caf::none;
}

/// Checks what the members said and completes `spec` (default bucket,
/// normalised digests, the decoded torrent): the rules every way of
/// creating a task shares.
caf::error check_spec(task_spec& spec, const std::string& rule,
                      const std::optional<std::string>& torrent_b64, bool form,
                      user_id uid, uint64_t max_torrent);

} // namespace

caf::error parse_task_request(const std::string& body,
                              const std::string& content_type, user_id uid,
                              uint64_t max_torrent, task_spec& spec,
                              uint64_t max_plain_body) {
  spec = task_spec{};
  spec.origin = face::task_api;
  std::string rule;
  std::optional<std::string> torrent_b64;
  // The JSON fields: the whole body, or the `task` part of a form.
  std::string_view json = body;
  std::string task_part;
  bool form = is_form_data(content_type);
  if (form) {
    auto boundary = form_boundary(content_type);
    if (!boundary)
      return bad("multipart/form-data needs a boundary parameter of 1 to 70 "
                 "characters");
    std::string why;
    auto parts = parse_form(body, *boundary, why);
    if (!parts)
      return bad("bad multipart body: " + why);
    bool uploaded = false;
    bool has_task = false;
    json = "{}";
    for (auto& p : *parts) {
      if (p.name == "torrent" && !uploaded) {
        spec.torrent = std::move(p.body);
        uploaded = true;
      } else if (p.name == "task" && !has_task) {
        task_part = std::move(p.body);
        json = task_part;
        has_task = true;
      } else {
        return bad("unexpected multipart part '" + p.name
                   + "' (expected one 'torrent' and at most one 'task')");
      }
    }
    if (!uploaded)
      return bad("the multipart body has no 'torrent' part");
    // Before parsing anything else: the part may be huge.
    if (spec.torrent.size() > max_torrent)
      return too_large(max_torrent);
    if (task_part.size() > max_plain_body)
      return make_error(ec::too_large, "the 'task' part is larger than "
                                         + std::to_string(max_plain_body)
                                         + " bytes");
  }
  rapidjson::Document doc;
  // Iterative: a body of nested brackets must not exhaust the stack.
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  auto what = form ? std::string{"the 'task' part"} : std::string{"the body"};
  if (doc.HasParseError())
    return bad(what + " is not valid JSON");
  if (!doc.IsObject())
    return bad(what + " must be a JSON object");
  if (auto err = read_members(doc, spec, rule, torrent_b64))
    return err;
  if (!form && !torrent_b64 && body.size() > max_plain_body)
    return make_error(ec::too_large, "the request body is larger than "
                                       + std::to_string(max_plain_body)
                                       + " bytes");
  return check_spec(spec, rule, torrent_b64, form, uid, max_torrent);
}

caf::error parse_task_object(const rapidjson::Value& obj, user_id uid,
                             uint64_t max_torrent, task_spec& spec) {
  spec = task_spec{};
  spec.origin = face::task_api;
  if (!obj.IsObject())
    return bad("a task must be a JSON object");
  std::string rule;
  std::optional<std::string> torrent_b64;
  if (auto err = read_members(obj, spec, rule, torrent_b64))
    return err;
  return check_spec(spec, rule, torrent_b64, false, uid, max_torrent);
}

caf::error check_task_spec(task_spec& spec, user_id uid,
                           uint64_t max_torrent) {
  if (spec.torrent.size() > max_torrent)
    return too_large(max_torrent);
  // An upload is checked as a form's torrent part: bytes, not base64.
  return check_spec(spec, {}, std::nullopt, !spec.torrent.empty(), uid,
                    max_torrent);
}

namespace {

caf::error check_spec(task_spec& spec, const std::string& rule,
                      const std::optional<std::string>& torrent_b64, bool form,
                      user_id uid, uint64_t max_torrent) {
  if (form && torrent_b64)
    return bad("the torrent is given twice (a 'torrent' part and a "
               "'torrent' field)");
  if (form || torrent_b64) {
    if (!spec.url.empty())
      return bad("give either 'url' or 'torrent', not both");
    // A form part was measured as it was read; base64 as it is decoded.
    if (torrent_b64)
      if (auto err = decode_torrent(*torrent_b64, max_torrent, spec.torrent))
        return err;
    if (auto why = check_bencoded_dict(spec.torrent))
      return make_error(ec::download_source_exception,
                        "the uploaded torrent is not a .torrent file: "
                            + *why);
  } else if (auto err = read_mirrors(spec)) {
    return err;
  } else if (spec.url.empty()) {
    return bad("field 'url' (or an uploaded 'torrent') is required");
  } else if (auto why = check_source_url(spec)) {
    return make_error(ec::invalid_uri, "bad url: " + *why);
  }
  if (auto why = check_file_choice(spec))
    return bad("field 'files': " + *why);
  if (spec.pick_files && !is_torrent(source_of(spec)))
    return bad("field 'pick_files' is for torrents and magnet links only");
  if (spec.pick_files && !spec.files.empty())
    return bad("give either 'files' or 'pick_files', not both: "
               "'pick_files' waits for a choice that 'files' already made");
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
        return make_error(ec::invalid_uri, "bad callback url: " + *err);
  if (!spec.acl.canned.empty() && !valid_canned_acl(spec.acl.canned))
    return bad("acl must be private, public-read, public-read-write or "
               "authenticated-read");
  return caf::none;
}

} // namespace

caf::error parse_file_choice(const std::string& body, file_choice& out) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return bad("the body must be a JSON object");
  for (auto& m : doc.GetObject())
    if (std::string_view{m.name.GetString(), m.name.GetStringLength()}
        != "files")
      return bad("unknown field '" + std::string{m.name.GetString()}
                 + "': the body takes 'files' only");
  auto it = doc.FindMember("files");
  auto shape = "field 'files' must be an array of 1 to "
               + std::to_string(max_wanted_files)
               + " file names or indices";
  if (it == doc.MemberEnd() || !it->value.IsArray()
      || it->value.Size() == 0 || it->value.Size() > max_wanted_files)
    return bad(shape);
  for (auto& f : it->value.GetArray()) {
    if (f.IsString())
      out.names.emplace_back(f.GetString(), f.GetStringLength());
    else if (f.IsUint() && f.GetUint() < max_wanted_files * 100)
      out.indices.push_back(f.GetUint());
    else
      return bad(shape);
  }
  if (auto why = check_file_names(out.names))
    return bad("field 'files': " + *why);
  return caf::none;
}

} // namespace skyhaul::http
