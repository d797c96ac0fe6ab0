#include "http/task_body.hpp"

#include <optional>
#include <set>

#include <rapidjson/document.h>

#include "http/validate.hpp"
#include "protocol/error.hpp"

namespace skyhaul::http {

namespace {

/// Longest canned ACL or grant list we keep.

/// Most wanted files of one torrent.
constexpr size_t max_files = 10000;

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
                        std::string& rule) {
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
    } else if (name == "files") {
      if (!v.IsArray() || v.Size() > max_files)
        return bad("field 'files' must be an array of file names");
      for (auto& f : v.GetArray()) {
        if (!f.IsString())
          return bad("field 'files' must be an array of file names");
        spec.files.emplace_back(f.GetString(), f.GetStringLength());
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
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError())
    return bad("the body is not valid JSON");
  if (!doc.IsObject())
    return bad("the body must be a JSON object");
  spec = task_spec{};
  spec.origin = face::task_api;
  std::string rule;
  if (auto err = read_members(doc, spec, rule))
    return err;
  if (spec.url.empty())
    return bad("field 'url' is required");
  if (auto err = check_http_url(spec.url))
    return bad_uri("bad url: " + *err);
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
