// The HTTP/1.1 request parser the daemon uses: Beast's request_parser
// with the session's header limit (16 KiB, http/session.cpp) and the
// default body limit (settings::max_body_bytes, 1 MiB), fed in pieces as
// a socket would. A request that parses, written out again by Beast,
// parses to the same method, target, version, fields and body; its
// target splits (http/message.hpp) into a path and query.
#include "fuzz/check.hpp"
#include "http/message.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>
#include <sstream>

namespace bhttp = boost::beast::http;
using namespace skyhaul;

namespace {

constexpr uint32_t header_limit = 16 * 1024;
constexpr uint64_t body_limit = 1 << 20;

using parser = bhttp::request_parser<bhttp::string_body>;

/// Parses `in` in pieces of `step` bytes, its header at most `limit`
/// bytes; nullopt on an error.
std::optional<bhttp::request<bhttp::string_body>>
parse(const std::string& in, size_t step, uint32_t limit = header_limit) {
  if (in.empty())
    return std::nullopt; // Beast takes end of file before a start line as done
  parser p;
  p.header_limit(limit);
  p.body_limit(body_limit);
  p.eager(true);
  boost::beast::error_code ec;
  size_t pos = 0;
  std::string buffer;
  while (!p.is_done()) {
    if (pos < in.size()) {
      buffer.append(in, pos, step);
      pos = std::min(in.size(), pos + step);
    } else if (buffer.empty()) {
      p.put_eof(ec);
      if (ec || !p.is_done())
        return std::nullopt;
      break;
    }
    auto used = p.put(boost::asio::buffer(buffer), ec);
    if (ec == bhttp::error::need_more) {
      ec = {};
      if (pos >= in.size() && used == 0) {
        p.put_eof(ec);
        if (ec || !p.is_done())
          return std::nullopt;
        break;
      }
    } else if (ec) {
      return std::nullopt;
    }
    buffer.erase(0, used);
  }
  return p.release();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1)
    return 0;
  size_t step = 1 + data[0] % 64;
  auto in = fuzz::text(data + 1, size - 1);
  auto req = parse(in, step);
  if (!req)
    return 0;
  FUZZ_CHECK(req->body().size() <= body_limit);
  std::string path;
  std::map<std::string, std::string> query;
  http::parse_target(std::string{req->target()}, path, query);

  std::ostringstream out;
  // Written out with the body's length: the framing the daemon read is
  // gone once the body is whole (the daemon never writes a request out).
  req->erase(bhttp::field::transfer_encoding);
  req->erase(bhttp::field::content_length);
  req->content_length(req->body().size());
  out << *req;
  // Beast writes `name: value` (a space the input may lack) and the
  // Content-Length line: a header just under the limit may grow past it.
  // What is checked is the round trip, so the limit is looser here.
  auto again = parse(out.str(), 4096, 2 * header_limit);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->method_string() == req->method_string());
  FUZZ_CHECK(again->target() == req->target());
  FUZZ_CHECK(again->version() == req->version());
  FUZZ_CHECK(again->body() == req->body());
  auto a = req->begin();
  auto b = again->begin();
  for (; a != req->end() && b != again->end(); ++a, ++b) {
    FUZZ_CHECK(a->name_string() == b->name_string());
    FUZZ_CHECK(a->value() == b->value());
  }
  FUZZ_CHECK(a == req->end() && b == again->end());
  return 0;
}
