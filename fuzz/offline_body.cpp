// Offline API `PUT /<bucket>` bodies (http/offline_body.hpp), trailing
// commas and comments included. A body that parses, written out again as
// plain JSON from the spec, parses to the same spec.
#include "fuzz/check.hpp"
#include "http/offline_body.hpp"
#include "protocol/on_key_exist.hpp"
#include "protocol/task_spec.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

using namespace skyhaul;
using namespace skyhaul::http;

namespace {

std::string written(const task_spec& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  auto str = [&](const char* name, const std::string& v) {
    if (v.empty())
      return;
    w.Key(name);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  };
  w.StartObject();
  str("Url", s.url);
  str("SuccessCallbackUrl", s.success_callback_url);
  str("FailureCallbackUrl", s.failure_callback_url);
  str("Key", s.key);
  str("Target", s.target);
  str("MD5", s.md5);
  str("SHA1", s.sha1);
  str("CRC32", s.crc32);
  w.Key("OnKeyExist");
  w.String(to_string(s.rule));
  if (s.size >= 0) {
    w.Key("Size");
    w.Int64(s.size);
  }
  if (!s.files.empty()) {
    w.Key("Files");
    w.StartArray();
    for (auto& f : s.files)
      w.String(f.data(), static_cast<rapidjson::SizeType>(f.size()));
    w.EndArray();
  }
  w.EndObject();
  return buf.GetString();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto body = fuzz::text(data, size);
  task_spec spec;
  bool malformed = false;
  auto err = parse_offline_body(body, "bucket", spec, malformed);
  FUZZ_CHECK(!malformed || err);
  if (err)
    return 0;
  FUZZ_CHECK(!spec.url.empty());
  FUZZ_CHECK(spec.bucket == "bucket");
  FUZZ_CHECK(spec.origin == face::offline_api);
  if (!spec.acl.canned.empty() || !spec.acl.grants.empty())
    return 0; // ACLs are not written out again
  task_spec again;
  auto text = written(spec);
  auto err2 = parse_offline_body(text, "bucket", again, malformed);
  FUZZ_CHECK(!err2);
  FUZZ_CHECK(again.url == spec.url && again.key == spec.key
             && again.target == spec.target && again.md5 == spec.md5
             && again.sha1 == spec.sha1 && again.crc32 == spec.crc32
             && again.size == spec.size && again.rule == spec.rule
             && again.files == spec.files
             && again.success_callback_url == spec.success_callback_url
             && again.failure_callback_url == spec.failure_callback_url);
  return 0;
}
