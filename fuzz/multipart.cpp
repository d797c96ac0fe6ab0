// multipart/form-data (http/multipart.hpp). The input is a Content-Type,
// a NUL, then the body. Parts that parse are written out again under the
// same boundary (names quoted, quotes and backslashes escaped) and must
// parse to the same parts.
#include "fuzz/check.hpp"
#include "http/multipart.hpp"

using namespace skyhaul;
using namespace skyhaul::http;

namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + '"';
}

/// Fields that survive a header line: no line breaks, no edge blanks.
bool writable(const std::string& s) {
  return s.find_first_of("\r\n") == std::string::npos
         && (s.empty() || (s.front() != ' ' && s.front() != '\t'
                           && s.back() != ' ' && s.back() != '\t'));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [content_type, body] = fuzz::split2(fuzz::text(data, size));
  (void) is_form_data(content_type);
  auto boundary = form_boundary(content_type);
  if (!boundary)
    return 0;
  FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70);
  std::string error;
  auto parts = parse_form(body, *boundary, error);
  if (!parts) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  FUZZ_CHECK(parts->size() <= 16);
  std::string again = "--" + *boundary + "\r\n";
  for (auto& p : *parts) {
    if (!writable(p.name) || !writable(p.filename)
        || !writable(p.content_type) || p.name.empty())
      return 0;
    again += "Content-Disposition: form-data; name=" + quoted(p.name);
    if (!p.filename.empty())
      again += "; filename=" + quoted(p.filename);
    again += "\r\n";
    if (!p.content_type.empty())
      again += "Content-Type: " + p.content_type + "\r\n";
    again += "\r\n" + p.body + "\r\n--" + *boundary + "\r\n";
  }
  if (parts->empty())
    return 0;
  again.resize(again.size() - 2);
  again += "--\r\n";
  std::string error2;
  auto reparsed = parse_form(again, *boundary, error2);
  FUZZ_CHECK(reparsed.has_value());
  FUZZ_CHECK(reparsed->size() == parts->size());
  for (size_t i = 0; i < parts->size(); ++i) {
    auto& a = (*parts)[i];
    auto& b = (*reparsed)[i];
    FUZZ_CHECK(a.name == b.name);
    FUZZ_CHECK(a.filename == b.filename);
    FUZZ_CHECK(a.content_type == b.content_type);
    FUZZ_CHECK(a.body == b.body);
  }
  return 0;
}
