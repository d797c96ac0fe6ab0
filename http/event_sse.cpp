#include "http/event_sse.hpp"

#include <cmath>

#include "http/json.hpp"

namespace skyhaul::http {

namespace {

void put_num(json_writer& w, const char* key, int64_t x) {
  w.Key(key);
  w.Int64(x);
}

void put_unum(json_writer& w, const char* key, uint64_t x) {
  w.Key(key);
  w.Uint64(x);
}

/// Percent done with two decimals; 0 while the size is unknown.
double percent_of(uint64_t done, int64_t total) {
  if (total <= 0)
    return total == 0 ? 100.0 : 0.0;
  auto pct = 100.0 * static_cast<double>(done) / static_cast<double>(total);
  return std::round(std::min(pct, 100.0) * 100.0) / 100.0;
}

} // namespace

std::string event_data(const task_event& ev) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  if (ev.type != event_type::reset)
    put(w, "tid", format_tid(ev.tid));
  switch (ev.type) {
  case event_type::task_created:
    put(w, "state", to_string(ev.state));
    put(w, "url", ev.url);
    put(w, "title", ev.title);
    put(w, "bucket", ev.bucket);
    put(w, "key", ev.key);
    break;
  case event_type::task_state:
    put(w, "state", to_string(ev.state));
    put(w, "previous", to_string(ev.previous));
    if (ev.error != ec::none) {
      w.Key("error");
      w.StartObject();
      put(w, "code", to_string(ev.error));
      put(w, "message", ev.error_message);
      w.EndObject();
    }
    break;
  case event_type::task_progress:
    put_unum(w, "done_bytes", ev.done_bytes);
    put_num(w, "total_bytes", ev.total_bytes);
    w.Key("percent");
    w.Double(percent_of(ev.done_bytes, ev.total_bytes));
    put_unum(w, "speed", ev.speed);
    put_num(w, "eta", ev.eta);
    if (ev.peers >= 0)
      put_num(w, "peers", ev.peers);
    break;
  case event_type::task_file:
    w.Key("file");
    w.StartObject();
    put(w, "name", ev.file.name);
    put(w, "key", ev.file.key);
    put_unum(w, "size", ev.file.size);
    put(w, "md5", ev.file.md5);
    put(w, "sha1", ev.file.sha1);
    put(w, "crc32", ev.file.crc32);
    w.EndObject();
    break;
  case event_type::callback_attempt:
    put(w, "url", ev.callback_url);
    put_unum(w, "attempt", ev.attempt);
    put_unum(w, "http_status", ev.http_status);
    put(w, "outcome", ev.outcome);
    break;
  case event_type::task_removed:
  case event_type::reset:
    break;
  }
  w.EndObject();
  return buf.GetString();
}

std::string sse_frame(const task_event& ev) {
  // RapidJSON escapes control characters, so the data is one line.
  std::string out = "id: ";
  out += std::to_string(ev.id);
  out += "\nevent: ";
  out += to_string(ev.type);
  out += "\ndata: ";
  out += event_data(ev);
  out += "\n\n";
  return out;
}

std::string sse_comment(std::string_view text) {
  std::string out = ": ";
  for (auto c : text)
    out += (c == '\n' || c == '\r') ? ' ' : c;
  out += "\n\n";
  return out;
}

} // namespace skyhaul::http
