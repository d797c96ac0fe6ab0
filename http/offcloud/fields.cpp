#include "http/offcloud/fields.hpp"

#include "base/percent.hpp"
#include "http/multipart.hpp"

#include <rapidjson/document.h>

namespace skyhaul::http::offcloud {

namespace {

const std::string empty_text;
const std::vector<std::string> empty_list;

/// `a[]` and `a[12]` name `a`; anything else stays as it is.
std::string base_name(std::string name) {
  if (!name.empty() && name.back() == ']') {
    auto open = name.find('[');
    if (open != std::string::npos && open > 0) {
      auto inside = name.substr(open + 1, name.size() - open - 2);
      if (inside.find_first_not_of("0123456789") == std::string::npos)
        name.resize(open);
    }
  }
  return name;
}

bool json_value(const std::string& name, const rapidjson::Value& v,
                fields& out) {
  if (v.IsString())
    return out.add(name, {v.GetString(), v.GetStringLength()});
  if (v.IsBool())
    return out.add(name, v.GetBool() ? "true" : "false");
  if (v.IsInt64())
    return out.add(name, std::to_string(v.GetInt64()));
  if (v.IsUint64())
    return out.add(name, std::to_string(v.GetUint64()));
  if (v.IsNumber())
    return out.add(name, std::to_string(v.GetDouble()));
  // Nested objects are no parameter of any call: ignored, like null.
  return true;
}

bool read_json(const std::string& body, fields& out, std::string& why) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    why = "the body is not a JSON object";
    return false;
  }
  for (auto& m : doc.GetObject()) {
    std::string name{m.name.GetString(), m.name.GetStringLength()};
    bool ok = true;
    if (m.value.IsArray())
      for (auto& item : m.value.GetArray())
        ok = ok && json_value(name, item, out);
    else
      ok = json_value(name, m.value, out);
    if (!ok) {
      why = "the body carries too many values or a too long name";
      return false;
    }
  }
  return true;
}

std::string media_type(const std::string& content_type) {
  auto t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t'))
    t.pop_back();
  for (auto& c : t)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

} // namespace

const std::string& fields::get(const std::string& name) const {
  auto i = values_.find(name);
  return i == values_.end() || i->second.empty() ? empty_text
                                                 : i->second.front();
}

const std::vector<std::string>& fields::all(const std::string& name) const {
  auto i = values_.find(name);
  return i == values_.end() ? empty_list : i->second;
}

bool fields::add(std::string name, std::string value) {
  name = base_name(std::move(name));
  if (name.empty() || name.size() > max_field_name
      || count_ >= max_field_values)
    return false;
  values_[name].push_back(std::move(value));
  ++count_;
  return true;
}

bool read_urlencoded(const std::string& text, fields& out) {
  size_t pos = 0;
  while (pos < text.size()) {
    auto amp = text.find('&', pos);
    auto item = text.substr(pos, amp == std::string::npos ? std::string::npos
                                                          : amp - pos);
    pos = amp == std::string::npos ? text.size() : amp + 1;
    if (item.empty())
      continue;
    auto eq = item.find('=');
    auto name = url_decode(item.substr(0, eq), true);
    auto value = eq == std::string::npos ? std::string{}
                                         : url_decode(item.substr(eq + 1), true);
    if (!out.add(std::move(name), std::move(value)))
      return false;
  }
  return true;
}

std::optional<fields> read_fields(const request& req, std::string& why) {
  fields out;
  auto& ct = req.header("content-type");
  auto type = media_type(ct);
  auto& body = req.body;
  auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    // No body: the query string alone.
  } else if (is_form_data(ct)) {
    auto boundary = form_boundary(ct);
    if (!boundary) {
      why = "multipart/form-data needs a boundary";
      return std::nullopt;
    }
    auto parts = parse_form(body, *boundary, why, max_field_values);
    if (!parts) {
      why = "bad multipart body: " + why;
      return std::nullopt;
    }
    for (auto& p : *parts)
      if (!out.add(p.name, std::move(p.body))) {
        why = "the body carries too many values or a too long name";
        return std::nullopt;
      }
  } else if (type == "application/json"
             || (type.size() > 5
                 && type.compare(type.size() - 5, 5, "+json") == 0)
             || (type.empty() && body[first] == '{')) {
    if (!read_json(body, out, why))
      return std::nullopt;
  } else if (!read_urlencoded(body, out)) {
    // Form-encoded is what most clients send, with or without a type.
    why = "the body carries too many values or a too long name";
    return std::nullopt;
  }
  // The body wins: a query value only fills a name the body lacks.
  fields from_body = out;
  for (auto& [name, value] : req.query) {
    if (from_body.has(base_name(name)))
      continue;
    if (!out.add(name, value)) {
      why = "the call carries too many values or a too long name";
      return std::nullopt;
    }
  }
  return out;
}

} // namespace skyhaul::http::offcloud
