#include "app/plan_options.hpp"

#include <rapidjson/document.h>
#include <set>
#include <stdexcept>

namespace skyhaul {

namespace {

[[noreturn]] void fail(const std::string& msg) {
  throw std::invalid_argument(msg);
}

bool flag(const rapidjson::Value& x, const std::string& what) {
  if (!x.IsBool())
    fail("plans: " + what + " must be true or false");
  return x.GetBool();
}

plan_config parse_one(const rapidjson::Value& v) {
  if (!v.IsObject())
    fail("plans: each plan must be an object");
  plan_config p;
  for (auto& m : v.GetObject()) {
    std::string key{m.name.GetString(), m.name.GetStringLength()};
    auto& x = m.value;
    if (key == "name") {
      if (!x.IsString() || x.GetStringLength() == 0 || x.GetStringLength() > 64)
        fail("plans: name must be a string of 1 to 64 characters");
      p.name = x.GetString();
    } else if (key == "cloud") {
      p.cloud = flag(x, key);
    } else if (key == "remote") {
      p.remote = flag(x, key);
    } else if (key == "instant") {
      p.instant = flag(x, key);
    } else if (key == "proxy") {
      p.proxy = flag(x, key);
    } else if (key == "torrent") {
      p.torrent = flag(x, key);
    } else if (key == "premium") {
      p.premium = flag(x, key);
    } else if (key == "video") {
      p.video = flag(x, key);
    } else if (key == "links_per_day") {
      if (!x.IsUint())
        fail("plans: links_per_day must be a non-negative integer");
      p.links_per_day = x.GetUint();
    } else if (key == "storage_quota") {
      if (!x.IsUint64())
        fail("plans: storage_quota must be a non-negative integer");
      p.storage_quota = x.GetUint64();
    } else {
      fail("plans: unknown field " + key);
    }
  }
  if (p.name.empty())
    fail("plans: every plan needs a name");
  return p;
}

} // namespace

std::vector<plan_config> parse_plans(const rapidjson::Value& v) {
  if (!v.IsArray())
    fail("plans must be a list");
  std::vector<plan_config> out;
  std::set<std::string> names;
  for (auto& item : v.GetArray()) {
    out.push_back(parse_one(item));
    if (!names.insert(out.back().name).second)
      fail("plans: two plans are named " + out.back().name);
  }
  return out;
}

std::vector<std::string> parse_cors_origins(const rapidjson::Value& v) {
  if (!v.IsArray())
    fail("cors_origins must be a list");
  std::vector<std::string> out;
  for (auto& item : v.GetArray()) {
    if (!item.IsString())
      fail("cors_origins must list strings");
    std::string o = item.GetString();
    auto scheme = o.find("://");
    bool ok = o == "*"
              || (scheme != std::string::npos && scheme > 0
                  && o.size() > scheme + 3
                  && o.find('/', scheme + 3) == std::string::npos);
    if (!ok)
      fail("cors_origins: not an origin (scheme://host[:port]): " + o);
    out.push_back(std::move(o));
  }
  return out;
}

} // namespace skyhaul
