#include "app/cli/reply_json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace skyhaul::cli {

bool parse_success(const http_reply& r, rapidjson::Document& doc,
                   std::string& error) {
  if (!r.error.empty()) {
    error = r.error;
    return false;
  }
  doc.Parse<rapidjson::kParseIterativeFlag>(r.body.c_str(), r.body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    error = "unexpected answer (HTTP " + std::to_string(r.status) + ")";
    return false;
  }
  if (r.status >= 200 && r.status <= 299 && str(doc, "status") == "success")
    return true;
  auto msg = str(doc, "errmsg");
  if (msg.empty())
    msg = str(doc, "error");
  error = (msg.empty() ? std::string{"refused"} : msg) + " (HTTP "
          + std::to_string(r.status) + ")";
  return false;
}

const rapidjson::Value* payload(const rapidjson::Document& doc,
                                std::initializer_list<const char*> names) {
  for (auto* n : names)
    if (doc.HasMember(n))
      return &doc[n];
  return nullptr;
}

std::string str(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject() || !v.HasMember(name))
    return {};
  auto& x = v[name];
  if (x.IsString())
    return {x.GetString(), x.GetStringLength()};
  if (x.IsInt64())
    return std::to_string(x.GetInt64());
  if (x.IsUint64())
    return std::to_string(x.GetUint64());
  if (x.IsDouble())
    return std::to_string(x.GetDouble());
  return {};
}

int64_t num(const rapidjson::Value& v, const char* name, int64_t fallback) {
  if (!v.IsObject() || !v.HasMember(name))
    return fallback;
  auto& x = v[name];
  if (x.IsInt64())
    return x.GetInt64();
  if (x.IsUint64())
    return static_cast<int64_t>(x.GetUint64());
  if (x.IsDouble())
    return static_cast<int64_t>(x.GetDouble());
  if (x.IsString()) {
    try {
      return std::stoll(x.GetString());
    } catch (...) {
    }
  }
  return fallback;
}

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  v.Accept(w);
  return buf.GetString();
}

} // namespace skyhaul::cli
