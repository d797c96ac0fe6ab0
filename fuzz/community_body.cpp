// The community face's JSON bodies (http/community/bodies.hpp): a post
// (create, with `fromTask`, and update, without), a thread and a level,
// each read from the whole input. What reads holds to the limits (a title
// of 1-200 code points, content of at most 64 KiB, a thread of 1-16384
// bytes rated 1-5, a level name of 1-64 bytes), in valid UTF-8, and
// written out as JSON again it reads back the same.
#include "fuzz/check.hpp"
#include "http/community/bodies.hpp"
#include "protocol/object_key.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

using namespace skyhaul;
using namespace skyhaul::http::community;

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xc0) != 0x80;
  return n;
}

void put(writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string post_json(const post_record& p, bool has_level,
                      const std::string& from_task) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartObject();
  if (!p.title.empty())
    put(w, "title", p.title);
  put(w, "content", p.content);
  w.Key("enabled");
  w.Bool(p.enabled);
  if (has_level) {
    w.Key("minLevel");
    w.StartObject();
    w.Key("lid");
    w.Uint(p.min_level);
    w.EndObject();
  }
  if (!from_task.empty())
    put(w, "fromTask", from_task);
  w.EndObject();
  return buf.GetString();
}

void check_post(const std::string& body) {
  rapidjson::Document doc;
  if (parse_object(body, doc))
    return;
  FUZZ_CHECK(doc.IsObject());
  post_record p;
  bool has_level = false;
  std::string from_task;
  if (read_post(doc, p, has_level, &from_task))
    return;
  if (!p.title.empty()) {
    FUZZ_CHECK(code_points(p.title) >= 1);
    FUZZ_CHECK(code_points(p.title) <= max_title_chars);
    FUZZ_CHECK(valid_utf8(p.title));
  }
  FUZZ_CHECK(p.content.size() <= max_content_bytes);
  FUZZ_CHECK(valid_utf8(p.content));
  FUZZ_CHECK(valid_utf8(from_task));
  FUZZ_CHECK(!has_level || p.min_level > 0);
  FUZZ_CHECK(has_level || p.min_level == 0);

  // An update takes no fromTask; without one it reads the same.
  post_record u;
  bool u_level = false;
  auto bad = read_post(doc, u, u_level, nullptr);
  FUZZ_CHECK(bool(bad) == doc.HasMember("fromTask"));

  rapidjson::Document again;
  FUZZ_CHECK(!parse_object(post_json(p, has_level, from_task), again));
  post_record q;
  bool q_level = false;
  std::string q_task;
  FUZZ_CHECK(!read_post(again, q, q_level, &q_task));
  FUZZ_CHECK(q.title == p.title && q.content == p.content
             && q.enabled == p.enabled && q.min_level == p.min_level);
  FUZZ_CHECK(q_level == has_level && q_task == from_task);
}

void check_thread(const std::string& body) {
  rapidjson::Document doc;
  if (parse_object(body, doc))
    return;
  thread_record th;
  if (read_thread(doc, th))
    return;
  FUZZ_CHECK(!th.content.empty() && th.content.size() <= max_thread_bytes);
  FUZZ_CHECK(valid_utf8(th.content));
  FUZZ_CHECK(th.rate <= 5);

  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartObject();
  put(w, "content", th.content);
  w.Key("rate");
  if (th.rate == 0)
    w.Null();
  else
    w.Uint(th.rate);
  w.EndObject();
  rapidjson::Document again;
  FUZZ_CHECK(!parse_object(buf.GetString(), again));
  thread_record t2;
  FUZZ_CHECK(!read_thread(again, t2));
  FUZZ_CHECK(t2.content == th.content && t2.rate == th.rate);
}

void check_level(const std::string& body) {
  level_record l;
  if (read_level(body, l))
    return;
  FUZZ_CHECK(!l.name.empty() && l.name.size() <= max_level_name);
  FUZZ_CHECK(valid_utf8(l.name));
  FUZZ_CHECK(l.lid == 0);

  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartObject();
  put(w, "name", l.name);
  w.Key("minimum");
  w.Uint64(l.minimum);
  w.Key("minUploadByte");
  w.Uint64(l.min_upload_bytes);
  w.Key("minDownloadBytes");
  w.Uint64(l.min_download_bytes);
  w.EndObject();
  level_record l2;
  FUZZ_CHECK(!read_level(buf.GetString(), l2));
  FUZZ_CHECK(l2.name == l.name && l2.minimum == l.minimum
             && l2.min_upload_bytes == l.min_upload_bytes
             && l2.min_download_bytes == l.min_download_bytes);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto body = fuzz::text(data, size);
  check_post(body);
  check_thread(body);
  check_level(body);
  return 0;
}
