#include "base/url_text.hpp"
#include "actors/callback_body.hpp"

#include "protocol/text.hpp"
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace skyhaul {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string join(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs) {
    if (!out.empty())
      out += ',';
    out += x;
  }
  return out;
}

/// The seed's per-file object, keyed by file name.
void write_files(writer& w, const task_record& rec) {
  auto task = callback_task_name(rec);
  for (auto& f : rec.files) {
    auto& name = f.name.empty() ? f.key : f.name;
    w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    w.StartObject();
    put(w, "ETag", "\"" + f.md5 + "\"");
    put(w, "MD5", f.md5);
    put(w, "SHA1", f.sha1);
    put(w, "CRC32", f.crc32);
    put(w, "Key", f.key);
    w.Key("Size");
    w.Uint64(f.size);
    put(w, "Content-Type", ascii_lower(f.content_type));
    put(w, "LastModified", std::to_string(f.last_modified_ms));
    put(w, "Task", task);
    w.Key("Concrete-Upload");
    w.Bool(f.concrete);
    for (auto [key, failed] :
         {std::pair{"Success-IDC", false}, std::pair{"Failure-IDC", true}}) {
      w.Key(key);
      if (!f.concrete)
        w.Null();
      else
        w.String(join(failed ? f.idc_failed : f.idc_ok).c_str());
    }
    w.EndObject();
  }
}

} // namespace

std::string callback_task_name(const task_record& rec) {
  return rec.spec.bucket + "/" + format_tid(rec.seq);
}

std::string success_body(const task_record& rec) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartObject();
  write_files(w, rec);
  w.EndObject();
  return buf.GetString();
}

std::string failure_body(const task_record& rec,
                         const std::string& request_id) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartObject();
  auto code = rec.error == ec::none ? ec::internal_error : rec.error;
  put(w, "Code", s3_code(code));
  put(w, "Message",
      rec.error_message.empty() ? default_message(code) : rec.error_message);
  // The owner knows the credentials of an FTP or SFTP source; the
  // receiver need not.
  put(w, "Resource", redact_url(rec.spec.url));
  put(w, "RequestId", request_id);
  put(w, "Task", callback_task_name(rec));
  if (!rec.files.empty()) {
    // Seed 000 lists the element as `Files` and its example names it
    // `Uploaded_Files`: both, with the same content, suit receivers
    // written from either part.
    for (auto name : {"Files", "Uploaded_Files"}) {
      w.Key(name);
      w.StartObject();
      write_files(w, rec);
      w.EndObject();
    }
  }
  w.EndObject();
  return buf.GetString();
}

std::optional<callback_kind> callback_due(const task_record* old,
                                          const task_record& rec) {
  if (old != nullptr && old->state == rec.state)
    return std::nullopt;
  if (rec.state == task_state::finished
      && !rec.spec.success_callback_url.empty())
    return callback_kind::success;
  if (rec.state == task_state::failed && !rec.spec.failure_callback_url.empty())
    return callback_kind::failure;
  return std::nullopt;
}

callback_event make_callback_event(const task_record& rec, callback_kind kind,
                                   uint64_t id, int64_t now_ms) {
  callback_event ev;
  ev.id = id;
  ev.task = rec.seq;
  ev.owner = rec.owner;
  ev.kind = kind;
  if (kind == callback_kind::success) {
    ev.url = rec.spec.success_callback_url;
    ev.body = success_body(rec);
  } else {
    ev.url = rec.spec.failure_callback_url;
    ev.body = failure_body(rec, format_event_id(id));
  }
  ev.window_start_ms = now_ms;
  ev.next_ms = now_ms;
  ev.created_ms = now_ms;
  return ev;
}

} // namespace skyhaul
