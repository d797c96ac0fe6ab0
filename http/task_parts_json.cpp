#include "http/task_parts_json.hpp"

namespace skyhaul::http {

void write_task_parts(json_writer& w, const task_status& ts) {
  if (!ts.parts.empty()) {
    w.Key("parts");
    w.StartArray();
    for (auto& p : ts.parts) {
      w.StartObject();
      w.Key("start");
      w.Uint64(p.start);
      // Inclusive, as a Range header names it.
      w.Key("end");
      w.Uint64(p.end > 0 ? p.end - 1 : 0);
      w.Key("done");
      w.Uint64(p.done);
      w.Key("speed");
      w.Uint64(p.speed);
      put(w, "source", p.source);
      w.EndObject();
    }
    w.EndArray();
  }
  // A task that moves no bytes because it waits says for what.
  if (!ts.waiting_for.empty())
    put(w, "waiting_for", ts.waiting_for);
  if (!ts.rec.notes.empty()) {
    w.Key("notes");
    w.StartArray();
    for (auto& n : ts.rec.notes)
      w.String(n.c_str(), static_cast<rapidjson::SizeType>(n.size()));
    w.EndArray();
  }
}

} // namespace skyhaul::http
