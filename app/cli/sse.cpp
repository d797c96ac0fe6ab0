#include "app/cli/sse.hpp"

namespace skyhaul::cli {

std::vector<sse_event> sse_reader::feed(std::string_view bytes) {
  std::vector<sse_event> out;
  buf_.append(bytes.data(), bytes.size());
  size_t start = 0;
  for (;;) {
    auto nl = buf_.find_first_of("\r\n", start);
    if (nl == std::string::npos)
      break;
    // A CR at the very end may be the first half of a CRLF.
    if (buf_[nl] == '\r' && nl + 1 == buf_.size())
      break;
    line(std::string_view{buf_}.substr(start, nl - start), out);
    start = nl + 1;
    if (buf_[nl] == '\r' && start < buf_.size() && buf_[start] == '\n')
      ++start;
  }
  buf_.erase(0, start);
  return out;
}

void sse_reader::line(std::string_view l, std::vector<sse_event>& out) {
  if (l.empty()) {
    if (has_data_ || !cur_.type.empty()) {
      if (!cur_.id.empty())
        last_id_ = cur_.id;
      if (cur_.type.empty())
        cur_.type = "message";
      out.push_back(std::move(cur_));
    } else if (has_comment_) {
      cur_.comment = true;
      out.push_back(std::move(cur_));
    }
    cur_ = sse_event{};
    has_data_ = false;
    has_comment_ = false;
    return;
  }
  if (l.front() == ':') {
    auto text = l.substr(1);
    if (!text.empty() && text.front() == ' ')
      text.remove_prefix(1);
    if (!has_data_) {
      cur_.data.assign(text.data(), text.size());
      has_comment_ = true;
    }
    return;
  }
  auto colon = l.find(':');
  auto field = l.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = l.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_comment_) {
      cur_.data.clear();
      has_comment_ = false;
    }
    if (has_data_)
      cur_.data += '\n';
    cur_.data.append(value.data(), value.size());
    has_data_ = true;
  } else if (field == "event") {
    cur_.type.assign(value.data(), value.size());
  } else if (field == "id") {
    cur_.id.assign(value.data(), value.size());
  }
}

} // namespace skyhaul::cli
