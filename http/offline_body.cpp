#include "http/offline_body.hpp"

#include "http/validate.hpp"
#include "protocol/error.hpp"

#include <charconv>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <set>

namespace skyhaul::http {

namespace {

/// Reads a string of decimal digits that fits an int64_t; false for
/// anything else (empty, a sign, other characters, too large).
bool digits_to_int64(const std::string& s, int64_t& out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  int64_t n = 0;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (err != std::errc{} || end != s.data() + s.size())
    return false;
  out = n;
  return true;
}

caf::error bad(std::string msg) {
  return make_error(ec::invalid_argument, std::move(msg));
}

std::string str(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

/// The string elements and where they go.
std::string* string_element(const std::string& name, task_spec& spec,
                            std::string& rule) {
  if (name == "Url")
    return &spec.url;
  if (name == "SuccessCallbackUrl")
    return &spec.success_callback_url;
  if (name == "FailureCallbackUrl")
    return &spec.failure_callback_url;
  if (name == "Target")
    return &spec.target;
  if (name == "Key")
    return &spec.key;
  if (name == "SHA1")
    return &spec.sha1;
  if (name == "MD5")
    return &spec.md5;
  if (name == "CRC32")
    return &spec.crc32;
  if (name == "OnKeyExist")
    return &rule;
  return nullptr;
}

/// `ACLs`: `{"acl": canned}` and/or `{"grant-*": grantees}`.
caf::error read_acls(const rapidjson::Value& v, acl_spec& acl) {
  if (!v.IsObject())
    return bad("ACLs must be an object such as {\"acl\":\"private\"}");
  for (auto& m : v.GetObject()) {
    auto name = str(m.name);
    if (!m.value.IsString())
      return bad("ACLs." + name + " must be a string");
    auto value = str(m.value);
    if (name == "acl") {
      if (!valid_canned_acl(value))
        return bad("ACLs.acl must be private, public-read, "
                   "public-read-write or authenticated-read");
      acl.canned = value;
    } else if (auto perm = parse_grant_name(name)) {
      if (auto err = parse_grantees(*perm, value, acl.grants))
        return bad("ACLs." + name + ": " + *err);
    } else {
      return bad("unknown ACLs element: " + name);
    }
  }
  return caf::none;
}

} // namespace

caf::error parse_offline_body(const std::string& body,
                              const std::string& bucket, task_spec& spec,
                              bool& malformed) {
  malformed = false;
  constexpr auto flags
      = rapidjson::kParseTrailingCommasFlag | rapidjson::kParseCommentsFlag
        | rapidjson::kParseIterativeFlag;
  rapidjson::Document doc;
  doc.Parse<flags>(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    malformed = true;
    return bad(doc.HasParseError()
                   ? std::string{"the body is not valid JSON: "}
                         + rapidjson::GetParseError_En(doc.GetParseError())
                   : std::string{"the body must be a JSON object"});
  }
  spec = task_spec{};
  spec.origin = face::offline_api;
  spec.bucket = bucket;
  std::string rule;
  std::set<std::string> seen;
  for (auto& m : doc.GetObject()) {
    auto name = str(m.name);
    auto& v = m.value;
    if (!seen.insert(name).second)
      return bad("duplicate element: " + name);
    if (auto* out = string_element(name, spec, rule)) {
      if (!v.IsString())
        return bad(name + " must be a string");
      *out = str(v);
    } else if (name == "Size") {
      // The seed types Size as Int; its callbacks print sizes as strings,
      // so a string of digits is taken too.
      if (v.IsInt64() && v.GetInt64() >= 0) {
        spec.size = v.GetInt64();
      } else if (!v.IsString() || !digits_to_int64(str(v), spec.size)) {
        return bad("Size must be a non-negative integer");
      }
    } else if (name == "ACLs") {
      if (auto err = read_acls(v, spec.acl))
        return err;
    } else if (name == "Files") {
      if (!v.IsArray() || v.Size() > max_wanted_files)
        return bad("Files must be an array of at most "
                   + std::to_string(max_wanted_files) + " file names");
      for (auto& f : v.GetArray()) {
        if (!f.IsString())
          return bad("Files must be an array of file names");
        spec.files.push_back(str(f));
      }
    } else {
      return bad("unknown element: " + name);
    }
  }
  if (spec.url.empty())
    return bad("Url is required");
  if (auto why = check_source_url(spec))
    return make_error(ec::invalid_uri, "Url: " + *why);
  for (auto* cb : {&spec.success_callback_url, &spec.failure_callback_url}) {
    auto name = cb == &spec.success_callback_url ? "SuccessCallbackUrl"
                                                 : "FailureCallbackUrl";
    if (cb->empty())
      return bad(std::string{name} + " is required");
    if (auto err = check_http_url(*cb))
      return make_error(ec::invalid_uri, std::string{name} + ": " + *err);
  }
  // "If Key is set, Target is ignored."
  if (!spec.key.empty()) {
    spec.target.clear();
    if (auto err = check_object_key(spec.key))
      return bad("Key: " + *err);
  } else if (seen.count("Key") > 0) {
    return bad("Key: the key is empty");
  } else if (seen.count("Target") > 0) {
    if (spec.target.empty())
      return bad("Target: the prefix is empty");
    // A Target is a key prefix: the file name follows a '/'.
    auto probe
        = spec.target.back() == '/' ? spec.target + "x" : spec.target + "/x";
    if (auto err = check_object_key(probe))
      return bad("Target: " + *err);
  }
  if (!spec.md5.empty() && !normalise_hex(spec.md5, 32))
    return bad("MD5 must be 32 hex digits");
  if (!spec.sha1.empty() && !normalise_hex(spec.sha1, 40))
    return bad("SHA1 must be 40 hex digits");
  if (!spec.crc32.empty() && !normalise_hex(spec.crc32, 8))
    return bad("CRC32 must be 1 to 8 hex digits");
  if (!rule.empty() && !from_string(rule, spec.rule))
    return bad("unknown OnKeyExist rule: " + rule);
  if (auto why = check_file_choice(spec))
    return bad("Files: " + *why);
  return caf::none;
}

} // namespace skyhaul::http
