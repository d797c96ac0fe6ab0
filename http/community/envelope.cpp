#include "http/community/envelope.hpp"

#include "protocol/error.hpp"

#include <caf/sec.hpp>

namespace skyhaul::http::community {

reply success(unsigned status, const std::string& message,
              const std::function<void(json_writer&)>& data) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  put(w, "status", "SUCCESS");
  put(w, "message", message);
  w.Key("data");
  if (data)
    data(w);
  else
    w.Null();
  w.EndObject();
  reply r;
  r.status = status;
  r.body = buf.GetString();
  return r;
}

reply failure(const caf::error& err) {
  auto code = code_of(err);
  auto msg = message_of(err);
  if (err == caf::sec::request_timeout)
    msg = "internal error: no answer within the time limit";
  if (msg.empty())
    msg = default_message(code);
  return community_error(http_status(code), msg);
}

} // namespace skyhaul::http::community
