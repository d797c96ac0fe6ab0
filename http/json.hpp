#pragma once

// The JSON faces' reply shapes. The Task API's carry "status", and
// "errmsg" on error; the Offcloud and community faces have error shapes of
// their own, here so that each face renders its errors in one place.

#include <string>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "http/message.hpp"
#include "protocol/error.hpp"

namespace skyhaul::http {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// `{"status":"error","errmsg":msg}` with `status`.
reply json_error(unsigned status, const std::string& msg);

/// The JSON error for a failed actor call, with the status that fits.
reply json_error(const caf::error& err);

/// The Offcloud face's error: `{"error":msg}` with `status`; its clients
/// treat any reply with "error" as a failure.
reply offcloud_error(unsigned status, const std::string& msg);

/// The community face's envelope for an error:
/// `{"status":"FAIL","message":msg,"data":null}` with `status`.
reply community_error(unsigned status, const std::string& msg);

/// Builds `{"status":"success", ...}`; `fill` writes the other members.
template <class F>
reply json_success(F fill, unsigned status = 200) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  w.Key("status");
  w.String("success");
  fill(w);
  w.EndObject();
  reply r;
  r.status = status;
  r.body = buf.GetString();
  return r;
}

inline void put(json_writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

} // namespace skyhaul::http
