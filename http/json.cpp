#include "http/json.hpp"

#include <caf/sec.hpp>

namespace skyhaul::http {

namespace {

/// A reply of `status` whose body is the JSON in `buf`.
reply body_reply(unsigned status, const rapidjson::StringBuffer& buf) {
  reply r;
  r.status = status;
  r.body = buf.GetString();
  return r;
}

} // namespace

reply json_error(unsigned status, const std::string& msg) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  put(w, "status", "error");
  put(w, "errmsg", msg);
  w.EndObject();
  return body_reply(status, buf);
}

reply offcloud_error(unsigned status, const std::string& msg) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  put(w, "error", msg);
  w.EndObject();
  return body_reply(status, buf);
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
  return body_reply(status, buf);
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
