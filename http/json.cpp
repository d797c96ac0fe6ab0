#include "http/json.hpp"

#include <caf/sec.hpp>

namespace skyhaul::http {

reply json_error(unsigned status, const std::string& msg) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  put(w, "status", "error");
  put(w, "errmsg", msg);
  w.EndObject();
  reply r;
  r.status = status;
  r.body = buf.GetString();
  return r;
}

reply offcloud_error(unsigned status, const std::string& msg) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  put(w, "error", msg);
  w.EndObject();
  reply r;
  r.status = status;
  r.body = buf.GetString();
  return r;
}

reply community_error(unsigned status, const std::string& msg) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  put(w, "status", "FAIL");
  put(w, "message", msg);
  w.Key("data");
  w.Null();
  w.EndObject();
  reply r;
  r.status = status;
  r.body = buf.GetString();
  return r;
}

reply json_error(const caf::error& err) {
  auto code = code_of(err);
  auto msg = message_of(err);
  if (err == caf::sec::request_timeout)
    msg = "internal error: no answer within the time limit";
  else if (code == ec::internal_error && err.category() != caf::atom("skyhaul"))
    msg = "internal error: " + msg;
  return json_error(http_status(code), msg);
}

} // namespace skyhaul::http
