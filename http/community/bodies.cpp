#include "http/community/bodies.hpp"

#include "protocol/object_key.hpp"

namespace skyhaul::http::community {

namespace {

/// Code points of valid UTF-8 (checked by `bad_utf8` first).
size_t chars(const rapidjson::Value& v) {
  size_t n = 0;
  for (rapidjson::SizeType i = 0; i < v.GetStringLength(); ++i)
    n += (static_cast<unsigned char>(v.GetString()[i]) & 0xc0) != 0x80;
  return n;
}

std::string text(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

/// Why a member's name or string value is not valid UTF-8, or nullopt.
/// The parser checks the bytes it reads, but a `\u` escape of a lone
/// surrogate (`"\udc00"`) decodes to bytes that are not UTF-8.
std::optional<std::string> bad_utf8(const std::string& name,
                                    const rapidjson::Value& v) {
  if (!valid_utf8(name))
    return std::string{"A field name is not valid UTF-8"};
  if (v.IsString() && !valid_utf8(text(v)))
    return name + " is not valid UTF-8";
  return std::nullopt;
}

} // namespace

std::optional<std::string> parse_object(const std::string& body,
                                        rapidjson::Document& doc) {
  doc.Parse<rapidjson::kParseValidateEncodingFlag
                | rapidjson::kParseIterativeFlag>(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return std::string{"The body must be a JSON object"};
  return std::nullopt;
}

std::optional<std::string> read_post(const rapidjson::Document& doc,
                                     post_record& p, bool& has_level,
                                     std::string* from_task) {
  for (auto& m : doc.GetObject()) {
    auto name = text(m.name);
    auto& v = m.value;
    if (auto bad = bad_utf8(name, v))
      return bad;
    if (name == "title") {
      if (!v.IsString() || chars(v) < 1 || chars(v) > max_title_chars)
        return "title must be a string of 1-200 characters";
      p.title = text(v);
    } else if (name == "content") {
      if (!v.IsString() || v.GetStringLength() > max_content_bytes)
        return "content must be a string of at most 65536 bytes";
      p.content = text(v);
    } else if (name == "enabled") {
      if (!v.IsBool())
        return "enabled must be true or false";
      p.enabled = v.GetBool();
    } else if (name == "minLevel") {
      if (!v.IsObject() || !v.HasMember("lid") || !v["lid"].IsUint()
          || v["lid"].GetUint() == 0)
        return "minLevel must be {\"lid\":<level id>}";
      p.min_level = v["lid"].GetUint();
      has_level = true;
    } else if (name == "fromTask" && from_task != nullptr) {
      if (!v.IsString())
        return "fromTask must be a task id";
      *from_task = text(v);
    } else if (name != "pid" && name != "postTime" && name != "infoHash"
               && name != "size" && name != "rate" && name != "author") {
      return "Unknown field: " + name;
    }
  }
  return std::nullopt;
}

std::optional<std::string> read_thread(const rapidjson::Document& doc,
                                       thread_record& th) {
  bool has_content = false;
  for (auto& m : doc.GetObject()) {
    auto name = text(m.name);
    auto& v = m.value;
    if (auto bad = bad_utf8(name, v))
      return bad;
    if (name == "content") {
      if (!v.IsString() || v.GetStringLength() == 0
          || v.GetStringLength() > max_thread_bytes)
        return std::string{"content must be a string of 1-16384 bytes"};
      th.content = text(v);
      has_content = true;
    } else if (name == "rate") {
      if (v.IsNull())
        continue;
      if (!v.IsUint() || v.GetUint() < 1 || v.GetUint() > 5)
        return std::string{"rate must be an integer from 1 to 5"};
      th.rate = v.GetUint();
    } else if (name != "tid" && name != "postTime" && name != "replyer"
               && name != "post" && name != "pid") {
      return "Unknown field: " + name;
    }
  }
  if (!has_content)
    return std::string{"content is required"};
  return std::nullopt;
}

std::optional<std::string> read_level(const std::string& body,
                                      level_record& l) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag
                | rapidjson::kParseIterativeFlag>(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return std::string{"The body must be a JSON object"};
  for (auto& m : doc.GetObject()) {
    std::string name{m.name.GetString(), m.name.GetStringLength()};
    auto& v = m.value;
    if (auto bad = bad_utf8(name, v))
      return bad;
    auto count = [&](uint64_t& out) {
      if (!v.IsUint64())
        return false;
      out = v.GetUint64();
      return true;
    };
    if (name == "name") {
      if (!v.IsString() || v.GetStringLength() == 0
          || v.GetStringLength() > max_level_name)
        return std::string{"name must be a string of 1-64 bytes"};
      l.name = {v.GetString(), v.GetStringLength()};
    } else if (name == "minimum") {
      if (!count(l.minimum))
        return std::string{"minimum must be a number"};
    } else if (name == "minUploadBytes" || name == "minUploadByte") {
      if (!count(l.min_upload_bytes))
        return name + " must be a number";
    } else if (name == "minDownloadBytes" || name == "minDownloadByte") {
      if (!count(l.min_download_bytes))
        return name + " must be a number";
    } else if (name != "lid" && name != "icon") {
      return "Unknown field: " + name;
    }
  }
  if (l.name.empty())
    return std::string{"name is required"};
  return std::nullopt;
}

} // namespace skyhaul::http::community
