#include "http/multipart.hpp"

#include <cctype>

namespace skyhaul::http {

namespace {

constexpr size_t max_part_headers = 8 * 1024;

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos)
    return {};
  auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

/// The value of parameter `key` in a header value like
/// `form-data; name="torrent"; filename="a.torrent"`.
std::optional<std::string> param(const std::string& value,
                                 const std::string& key) {
  size_t pos = value.find(';');
  while (pos != std::string::npos) {
    ++pos;
    auto eq = value.find('=', pos);
    if (eq == std::string::npos)
      return std::nullopt;
    auto name = lower(trim(value.substr(pos, eq - pos)));
    std::string v;
    size_t next;
    if (eq + 1 < value.size() && value[eq + 1] == '"') {
      size_t i = eq + 2;
      for (; i < value.size() && value[i] != '"'; ++i) {
        if (value[i] == '\\' && i + 1 < value.size())
          ++i;
        v += value[i];
      }
      if (i >= value.size())
        return std::nullopt;
      next = value.find(';', i);
    } else {
      next = value.find(';', eq);
      v = trim(value.substr(eq + 1, next == std::string::npos
                                        ? std::string::npos
                                        : next - eq - 1));
    }
    if (name == key)
      return v;
    pos = next;
  }
  return std::nullopt;
}

} // namespace

std::optional<std::string> form_boundary(const std::string& content_type) {
  auto semi = content_type.find(';');
  if (lower(trim(content_type.substr(0, semi))) != "multipart/form-data")
    return std::nullopt;
  auto b = param(content_type, "boundary");
  // RFC 2046: 1 to 70 characters.
  if (!b || b->empty() || b->size() > 70)
    return std::nullopt;
  return b;
}

std::optional<std::vector<form_part>> parse_form(const std::string& body,
                                                 const std::string& boundary,
                                                 std::string& error,
                                                 size_t max_parts) {
  std::vector<form_part> parts;
  const std::string delim = "--" + boundary;
  // The first delimiter may follow a preamble; later ones follow a CRLF.
  auto pos = body.compare(0, delim.size(), delim) == 0
                 ? 0
                 : body.find("\r\n" + delim);
  if (pos == std::string::npos) {
    error = "the multipart body has no boundary line";
    return std::nullopt;
  }
  pos = body.compare(0, delim.size(), delim) == 0 ? delim.size()
                                                  : pos + 2 + delim.size();
  for (;;) {
    if (body.compare(pos, 2, "--") == 0)
      return parts; // the closing delimiter
    // Transport padding, then the CRLF that ends the delimiter line.
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t'))
      ++pos;
    if (body.compare(pos, 2, "\r\n") != 0) {
      error = "malformed multipart delimiter line";
      return std::nullopt;
    }
    pos += 2;
    auto head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string::npos || head_end - pos > max_part_headers) {
      error = "malformed or oversized multipart part headers";
      return std::nullopt;
    }
    form_part part;
    bool disposition = false;
    auto headers = body.substr(pos, head_end - pos);
    size_t line_start = 0;
    while (line_start < headers.size()) {
      auto line_end = headers.find("\r\n", line_start);
      auto line = headers.substr(line_start, line_end == std::string::npos
                                                 ? std::string::npos
                                                 : line_end - line_start);
      line_start = line_end == std::string::npos ? headers.size()
                                                 : line_end + 2;
      auto colon = line.find(':');
      if (colon == std::string::npos) {
        error = "malformed multipart part header";
        return std::nullopt;
      }
      auto name = lower(trim(line.substr(0, colon)));
      auto value = trim(line.substr(colon + 1));
      if (name == "content-disposition") {
        if (lower(trim(value.substr(0, value.find(';')))) != "form-data") {
          error = "a multipart part is not form-data";
          return std::nullopt;
        }
        auto n = param(value, "name");
        if (!n || n->empty()) {
          error = "a multipart part has no name";
          return std::nullopt;
        }
        part.name = *n;
        part.filename = param(value, "filename").value_or("");
        disposition = true;
      } else if (name == "content-type") {
        part.content_type = value;
      }
    }
    if (!disposition) {
      error = "a multipart part has no Content-Disposition";
      return std::nullopt;
    }
    auto data = head_end + 4;
    auto next = body.find("\r\n" + delim, data);
    if (next == std::string::npos) {
      error = "the multipart body is not closed";
      return std::nullopt;
    }
    part.body = body.substr(data, next - data);
    if (parts.size() == max_parts) {
      error = "too many multipart parts";
      return std::nullopt;
    }
    parts.push_back(std::move(part));
    pos = next + 2 + delim.size();
  }
}

} // namespace skyhaul::http
