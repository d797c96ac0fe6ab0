#include "http/s3_error.hpp"

#include "base/crypto.hpp"
#include "protocol/error.hpp"

#include <caf/error.hpp>
#include <cctype>

namespace skyhaul::http {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (auto c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string s3_request_id() {
  auto id = random_hex(8);
  for (auto& c : id)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return id;
}

reply s3_error(unsigned status, const std::string& code,
               const std::string& message, const std::string& resource) {
  reply r;
  r.status = status;
  r.content_type = "application/xml";
  auto id = s3_request_id();
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
           + xml_escape(code) + "</Code><Message>" + xml_escape(message)
           + "</Message><Resource>" + xml_escape(resource)
           + "</Resource><RequestId>" + id + "</RequestId></Error>";
  r.headers.emplace_back("x-amz-request-id", id);
  return r;
}

reply s3_error_of(const caf::error& err, const std::string& resource) {
  auto code = code_of(err);
  return s3_error(s3_status(code), s3_code(code), message_of(err), resource);
}

} // namespace skyhaul::http
