#include "http/multipart.hpp"

#include "protocol/text.hpp"
#include <cctype>
#include <map>
#include <string_view>

namespace skyhaul::http {

namespace {

std::string_view trim(std::string_view s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return {};
  auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

/// The media type of a header value: what precedes the first ';'.
std::string media_type(std::string_view value) {
  return ascii_lower(trim(value.substr(0, value.find(';'))));
}

/// The parameters of a header value such as
/// `form-data; name="torrent"; filename="a.torrent"`, names lower-cased,
/// quoted values unescaped; the first of a repeated name wins. nullopt for
/// an unterminated quote.
std::optional<std::map<std::string, std::string>>
parameters(std::string_view value) {
  std::map<std::string, std::string> out;
  auto i = value.find(';');
  const auto n = value.size();
  while (i < n) {
    ++i; // past the ';'
    auto end = i;
    while (end < n && value[end] != '=' && value[end] != ';')
      ++end;
    auto name = ascii_lower(trim(value.substr(i, end - i)));
    if (end >= n || value[end] == ';') {
      // A bare word without a value: nothing to keep.
      i = end;
      continue;
    }
    auto j = end + 1;
    while (j < n && (value[j] == ' ' || value[j] == '\t'))
      ++j;
    std::string v;
    if (j < n && value[j] == '"') {
      for (++j; j < n && value[j] != '"'; ++j) {
        if (value[j] == '\\' && j + 1 < n)
          ++j;
        v += value[j];
      }
      if (j >= n)
        return std::nullopt;
      i = value.find(';', j);
    } else {
      i = value.find(';', j);
      v = std::string{trim(value.substr(
          j, i == std::string_view::npos ? std::string_view::npos : i - j))};
    }
    if (!name.empty())
      out.emplace(std::move(name), std::move(v));
  }
  return out;
}

/// A delimiter line found in the body.
struct delimiter {
  /// Where the content before it ends (at the CRLF that starts the line).
  size_t content_end;
  /// Where the next part's headers start (past the line's CRLF).
  size_t next;
  /// `--boundary--`: the last one.
  bool closing;
};

/// The first delimiter line at or after `from`: "CRLF--boundary" followed
/// by "--" or by optional blanks and CRLF (RFC 2046). Look-alikes, such as
/// "--boundaryX" inside a part, are skipped. At the very start of the body
/// the CRLF is not needed (no preamble).
std::optional<delimiter> find_delimiter(const std::string& body,
                                        const std::string& dash, size_t from) {
  const std::string crlf_dash = "\r\n" + dash;
  auto pos = from;
  for (bool first = from == 0;; first = false) {
    size_t line;
    size_t content_end;
    if (first && body.compare(0, dash.size(), dash) == 0) {
      line = 0;
      content_end = 0;
    } else {
      auto hit = body.find(crlf_dash, pos);
      if (hit == std::string::npos)
        return std::nullopt;
      content_end = hit;
      line = hit + 2;
    }
    auto k = line + dash.size();
    if (body.compare(k, 2, "--") == 0)
      return delimiter{content_end, k + 2, true};
    while (k < body.size() && (body[k] == ' ' || body[k] == '\t'))
      ++k;
    if (body.compare(k, 2, "\r\n") == 0)
      return delimiter{content_end, k + 2, false};
    pos = line;
  }
}

/// Reads the header block `headers` of one part into `part`.
bool read_part_headers(std::string_view headers, form_part& part,
                       std::string& error) {
  bool disposition = false;
  while (!headers.empty()) {
    auto eol = headers.find("\r\n");
    auto line = headers.substr(0, eol);
    headers = eol == std::string_view::npos ? std::string_view{}
                                            : headers.substr(eol + 2);
    if (line.empty())
      continue;
    if (line.front() == ' ' || line.front() == '\t') {
      error = "a multipart part header is folded over lines";
      return false;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      error = "a multipart part header line has no name and ':'";
      return false;
    }
    auto name = ascii_lower(trim(line.substr(0, colon)));
    auto value = trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      if (disposition) {
        error = "a multipart part has two Content-Disposition headers";
        return false;
      }
      disposition = true;
      if (media_type(value) != "form-data") {
        error = "a multipart part is not form-data";
        return false;
      }
      auto params = parameters(value);
      if (!params) {
        error = "a multipart Content-Disposition has an unterminated quote";
        return false;
      }
      auto n = params->find("name");
      if (n == params->end() || n->second.empty()) {
        error = "a multipart part has no name";
        return false;
      }
      part.name = n->second;
      if (auto f = params->find("filename"); f != params->end())
        part.filename = f->second;
    } else if (name == "content-type") {
      part.content_type = std::string{value};
    }
  }
  if (!disposition) {
    error = "a multipart part has no Content-Disposition";
    return false;
  }
  return true;
}

} // namespace

bool is_form_data(const std::string& content_type) {
  return media_type(content_type) == "multipart/form-data";
}

std::optional<std::string> form_boundary(const std::string& content_type) {
  if (!is_form_data(content_type))
    return std::nullopt;
  auto params = parameters(content_type);
  if (!params)
    return std::nullopt;
  auto b = params->find("boundary");
  // RFC 2046: 1 to 70 characters, the last not a space.
  if (b == params->end() || b->second.empty() || b->second.size() > 70
      || b->second.back() == ' ')
    return std::nullopt;
  for (auto c : b->second)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return std::nullopt;
  return b->second;
}

std::optional<std::vector<form_part>> parse_form(const std::string& body,
                                                 const std::string& boundary,
                                                 std::string& error,
                                                 size_t max_parts) {
  std::vector<form_part> parts;
  const std::string dash = "--" + boundary;
  auto d = find_delimiter(body, dash, 0);
  if (!d) {
    error = "the multipart body has no delimiter line \"" + dash
            + "\" (lines end in CRLF)";
    return std::nullopt;
  }
  while (!d->closing) {
    auto pos = d->next;
    // The blank line that ends the headers; right away for a part without
    // headers. Looked for within the header limit only.
    size_t head_end;
    size_t data;
    if (body.compare(pos, 2, "\r\n") == 0) {
      head_end = pos;
      data = pos + 2;
    } else {
      auto window
          = std::string_view{body}.substr(pos, max_form_part_headers + 4);
      auto blank = window.find("\r\n\r\n");
      if (blank == std::string_view::npos || blank > max_form_part_headers) {
        error = blank == std::string_view::npos
                        && window.size() < max_form_part_headers + 4
                    ? "a multipart part has no blank line after its headers"
                    : "multipart part headers are larger than "
                          + std::to_string(max_form_part_headers) + " bytes";
        return std::nullopt;
      }
      head_end = pos + blank;
      data = head_end + 4;
    }
    form_part part;
    auto headers = std::string_view{body}.substr(pos, head_end - pos);
    if (!read_part_headers(headers, part, error))
      return std::nullopt;
    // An empty part shares the CRLF of the blank line with the delimiter.
    d = find_delimiter(body, dash, data - 2);
    if (!d) {
      error = "the multipart body is not closed (no \"" + dash + "--\" line)";
      return std::nullopt;
    }
    if (parts.size() == max_parts) {
      error = "too many multipart parts (at most " + std::to_string(max_parts)
              + ")";
      return std::nullopt;
    }
    if (d->content_end > data)
      part.body = body.substr(data, d->content_end - data);
    parts.push_back(std::move(part));
  }
  return parts;
}

} // namespace skyhaul::http
