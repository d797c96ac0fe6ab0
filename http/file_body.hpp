#pragma once

// A Beast body that sends part of a file. Included by server.cpp only, so
// that faces never see Beast.

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

namespace skyhaul::http {

/// Sends `length` bytes of a file from `offset`, a chunk at a time: Beast
/// 1.74's file_body always sends a whole file, which a Range reply cannot
/// use, and a file is never loaded whole into memory.
struct range_file_body {
  struct value_type {
    boost::beast::file file;
    uint64_t offset = 0;
    uint64_t length = 0;
  };

  static uint64_t size(const value_type& v) {
    return v.length;
  }

  class writer {
  public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool is_request, class Fields>
    writer(boost::beast::http::header<is_request, Fields>&, value_type& b)
      : body_(b) {
    }

    void init(boost::beast::error_code& ec) {
      body_.file.seek(body_.offset, ec);
      remain_ = body_.length;
    }

    boost::optional<std::pair<const_buffers_type, bool>>
    get(boost::beast::error_code& ec) {
      auto amount = std::min<uint64_t>(remain_, buf_.size());
      if (amount == 0) {
        ec = {};
        return boost::none;
      }
      auto n = body_.file.read(buf_.data(), static_cast<size_t>(amount), ec);
      if (ec)
        return boost::none;
      if (n == 0) {
        // The file shrank under us: fail rather than pad the body.
        ec = boost::beast::http::error::short_read;
        return boost::none;
      }
      remain_ -= n;
      return {{const_buffers_type{buf_.data(), n}, remain_ > 0}};
    }

  private:
    value_type& body_;
    uint64_t remain_ = 0;
    // One chunk per write: big enough for throughput, small enough that
    // thousands of concurrent downloads stay cheap.
    std::array<char, 64 * 1024> buf_;
  };
};

} // namespace skyhaul::http
