#include "app/idc_options.hpp"

#include <rapidjson/document.h>
#include <set>
#include <stdexcept>

namespace skyhaul {

namespace {

[[noreturn]] void fail(const std::string& msg) {
  throw std::invalid_argument("idcs: " + msg);
}

std::string text(const rapidjson::Value& v, const std::string& what) {
  if (!v.IsString())
    fail(what + " must be a string");
  return {v.GetString(), v.GetStringLength()};
}

uint64_t size(const rapidjson::Value& v, const std::string& what) {
  if (!v.IsUint64())
    fail(what + " must be a non-negative integer");
  return v.GetUint64();
}

idc_config parse_one(const rapidjson::Value& v) {
  if (!v.IsObject())
    fail("each IDC must be an object");
  idc_config c;
  for (auto& m : v.GetObject()) {
    std::string key{m.name.GetString(), m.name.GetStringLength()};
    auto& x = m.value;
    if (key == "name")
      c.name = text(x, key);
    else if (key == "endpoint")
      c.endpoint = text(x, key);
    else if (key == "region")
      c.region = text(x, key);
    else if (key == "access_key")
      c.access_key = text(x, key);
    else if (key == "secret_key")
      c.secret_key = text(x, key);
    else if (key == "bucket")
      c.default_bucket = text(x, key);
    else if (key == "multipart_threshold")
      c.multipart_threshold = size(x, key);
    else if (key == "part_size")
      c.part_size = size(x, key);
    else if (key == "bucket_map") {
      if (!x.IsObject())
        fail("bucket_map must map local to remote bucket names");
      for (auto& b : x.GetObject())
        c.bucket_map[b.name.GetString()] = text(b.value, "bucket_map value");
    } else {
      fail("unknown element " + key);
    }
  }
  if (c.name.empty() || c.name.find(',') != std::string::npos)
    fail("every IDC needs a name without commas");
  if (c.endpoint.rfind("http://", 0) != 0
      && c.endpoint.rfind("https://", 0) != 0)
    fail(c.name + ": endpoint must be http://host:port or https://host:port");
  while (!c.endpoint.empty() && c.endpoint.back() == '/')
    c.endpoint.pop_back();
  if (c.access_key.empty() || c.secret_key.empty())
    fail(c.name + ": access_key and secret_key are required");
  if (c.part_size < (uint64_t{5} << 20))
    fail(c.name + ": part_size must be at least 5 MiB (S3's minimum)");
  if (c.multipart_threshold < c.part_size)
    c.multipart_threshold = c.part_size;
  return c;
}

} // namespace

std::vector<idc_config> parse_idcs(const rapidjson::Value& v) {
  if (!v.IsArray())
    fail("must be a list of IDC objects");
  std::vector<idc_config> out;
  std::set<std::string> names;
  for (auto& x : v.GetArray()) {
    out.push_back(parse_one(x));
    if (!names.insert(out.back().name).second)
      fail("two IDCs are named " + out.back().name);
  }
  return out;
}

} // namespace skyhaul
