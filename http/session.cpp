#include "http/session.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "http/file_body.hpp"
#include "http/router.hpp"
#include "protocol/text.hpp"

namespace skyhaul::http::detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr auto linger_timeout = std::chrono::seconds(5);
constexpr uint32_t header_limit = 16 * 1024;
constexpr uint64_t max_drain_bytes = 64 << 20;
/// Bytes of a streamed reply a client may leave unread before it is cut
/// off (it reconnects and resumes from what it has).
constexpr size_t max_stream_backlog = 32 << 20;
/// The deadline of a streamed reply while nothing is being written: its
/// producer's heartbeats keep it busy, a stalled write ends it.
constexpr auto stream_idle = std::chrono::hours(24);

using timer_type
  = net::basic_waitable_timer<std::chrono::steady_clock,
                              net::wait_traits<std::chrono::steady_clock>,
                              executor>;

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

} // namespace

class session;

/// The channel of a streamed reply: the producer's end. Holds the session
/// weakly, so a producer that outlives the connection only learns it is
/// gone.
class stream_pipe final : public stream_channel {
public:
  explicit stream_pipe(std::weak_ptr<session> s) : session_(std::move(s)) {
  }

  bool push(std::string bytes) override;

  void finish() override;

  void on_close(std::function<void()> fn) override {
    std::unique_lock<std::mutex> guard{mtx_};
    if (closed_) {
      guard.unlock();
      fn();
      return;
    }
    hooks_.push_back(std::move(fn));
  }

  /// The connection is gone: runs the hooks, once.
  void closed() {
    std::vector<std::function<void()>> hooks;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (closed_)
        return;
      closed_ = true;
      hooks.swap(hooks_);
    }
    for (auto& fn : hooks)
      fn();
  }

private:
  std::weak_ptr<session> session_;
  std::mutex mtx_;
  bool closed_ = false;
  std::vector<std::function<void()>> hooks_;
};

/// One connection, after Beast's async server example: reads a request,
/// hands it to the face's router, writes the reply, and reads the next
/// request only after that. Everything runs on the connection's own
/// io_context thread; answers from CAF threads are posted there.
///
/// One timer per connection enforces every deadline (idle read, slow
/// write, an answer that never comes, linger): operations only move
/// `deadline_`, and the timer re-arms itself when it wakes early, so a
/// request costs no timer-queue work.
class session : public std::enable_shared_from_this<session> {
public:
  session(socket_type&& socket, std::shared_ptr<context> ctx,
          std::shared_ptr<const router> face, deadlines limits)
    : socket_(std::move(socket)), timer_(socket_.get_executor()),
      ctx_(std::move(ctx)), face_(std::move(face)), limits_(limits) {
  }

  void run() {
    net::dispatch(socket_.get_executor(),
                  [self = shared_from_this()] { self->do_read(); });
  }

  /// Closes the socket; only while no thread runs the io_context.
  void close_now() {
    close();
  }

  /// Queues bytes of a streamed reply; from any thread.
  bool stream_push(std::string bytes) {
    std::shared_lock<std::shared_mutex> guard{ctx_->gate_mtx};
    if (!ctx_->open)
      return false;
    auto queued = stream_queued_.fetch_add(bytes.size()) + bytes.size();
    if (queued > max_stream_backlog) {
      net::post(socket_.get_executor(),
                [self = shared_from_this()] { self->close(); });
      return false;
    }
    net::post(socket_.get_executor(),
              [self = shared_from_this(), bytes = std::move(bytes)] {
                if (self->phase_ != phase::streaming)
                  return;
                self->stream_queue_ += bytes;
                self->stream_flush();
              });
    return true;
  }

  /// Ends a streamed reply once its queue is written; from any thread.
  void stream_finish() {
    std::shared_lock<std::shared_mutex> guard{ctx_->gate_mtx};
    if (!ctx_->open)
      return;
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      self->stream_finishing_ = true;
      self->stream_flush();
    });
  }

private:
  enum class phase { reading, waiting, writing, streaming, lingering, closed };

  /// The request line of the request being answered, for error replies.
  const request& line() const {
    return head_;
  }

  void touch(std::chrono::steady_clock::duration d) {
    deadline_ = std::chrono::steady_clock::now() + d;
    if (!armed_ || deadline_ < armed_at_)
      arm();
  }

  void arm() {
    armed_ = true;
    armed_at_ = deadline_;
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      // A re-arm cancels the previous wait; that handler has nothing to do.
      if (ec == net::error::operation_aborted)
        return;
      self->armed_ = false;
      self->on_deadline();
    });
  }

  void on_deadline() {
    if (phase_ == phase::closed)
      return;
    if (std::chrono::steady_clock::now() < deadline_)
      return arm();
    if (phase_ == phase::waiting) {
      // The face did not answer in time: a 500 now, and whatever it sends
      // later is dropped.
      ++call_id_;
      keep_alive_ = false;
      return write(face_->error(line(), 500, "the request timed out"));
    }
    close();
  }

  void close() {
    phase_ = phase::closed;
    beast::error_code ec;
    socket_.close(ec);
    timer_.cancel();
    if (pipe_)
      pipe_->closed();
  }

  void do_read() {
    phase_ = phase::reading;
    parser_.emplace();
    // The largest limit of any route: Beast checks Content-Length against
    // it while parsing the header; the route's own limit follows below.
    parser_->body_limit(face_->largest_body_limit());
    cur_limit_ = face_->listener_body_limit();
    parser_->header_limit(header_limit);
    head_ = request{};
    adm_ = admission{};
    touch(limits_.idle);
    bhttp::async_read_header(socket_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec,
                                                         size_t) {
                               self->on_header(ec);
                             });
  }

  void on_header(beast::error_code ec) {
    if (ec)
      return on_read(ec);
    auto& msg = parser_->get();
    head_.method = std::string{msg.method_string()};
    head_.target = std::string{msg.target()};
    parse_target(head_.target, head_.path, head_.query);
    // The peer of a connection does not change: looked up once.
    if (!peer_known_) {
      beast::error_code peer_ec;
      auto ep = socket_.remote_endpoint(peer_ec);
      if (!peer_ec)
        peer_ = ep.address().to_string();
      peer_known_ = true;
    }
    head_.peer = peer_;
    for (auto& field : msg)
      head_.headers[ascii_lower(
        {field.name_string().data(), field.name_string().size()})]
        = std::string{field.value()};
    // The route and its body limit, which may depend on who is calling.
    adm_ = face_->admit(head_);
    cur_limit_ = adm_.body_limit;
    auto length = parser_->content_length();
    if (length && *length > cur_limit_)
      return on_read(bhttp::error::body_limit);
    parser_->body_limit(cur_limit_);
    auto expect = msg[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      // The client waits for this before it sends the body; without it,
      // curl pauses a second on every upload.
      static const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
      touch(limits_.idle);
      net::async_write(socket_, net::buffer(cont),
                       [self = shared_from_this()](beast::error_code ec,
                                                   size_t) {
                         if (ec)
                           return self->shutdown();
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    touch(limits_.idle);
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec,
                                                  size_t) {
                        self->on_read(ec);
                      });
  }

  void on_read(beast::error_code ec) {
    if (phase_ == phase::closed)
      return;
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof
        || ec == net::error::operation_aborted
        || ec == net::error::connection_reset || ec == net::error::bad_descriptor)
      return shutdown();
    if (!is_open())
      return;
    // Without a header, the listener's default face answers.
    request req = std::move(head_);
    head_ = request{};
    head_.method = req.method;
    head_.path = req.path;
    if (parser_->is_header_done())
      version_ = parser_->get().version();
    if (ec) {
      // The rest of the request is unread: answer, then drain and close.
      keep_alive_ = false;
      linger_ = true;
      if (ec == bhttp::error::body_limit)
        return write(face_->error(req, 413,
                                  "the request body is larger than "
                                    + std::to_string(cur_limit_) + " bytes"));
      if (ec == bhttp::error::header_limit)
        return write(
          face_->error(req, 431, "the request headers are too large"));
      return write(
        face_->error(req, 400, "malformed request: " + ec.message()));
    }
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    head_only_ = msg.method() == bhttp::verb::head;
    req.body = std::move(msg.body());
    phase_ = phase::waiting;
    touch(limits_.answer);
    auto id = ++call_id_;
    std::weak_ptr<session> weak = shared_from_this();
    face_->dispatch(
      req,
      [weak, id](reply r) {
        if (auto self = weak.lock())
          self->post_reply(id, std::move(r));
      },
      std::move(adm_));
  }

  bool is_open() {
    std::shared_lock<std::shared_mutex> guard{ctx_->gate_mtx};
    return ctx_->open;
  }

  /// Called from any thread (asio or CAF) with the answer to call `id`.
  void post_reply(uint64_t id, reply r) {
    std::shared_lock<std::shared_mutex> guard{ctx_->gate_mtx};
    if (!ctx_->open)
      return;
    // Runs inline when already on the connection's thread, e.g. a 401.
    net::dispatch(socket_.get_executor(),
                  [self = shared_from_this(), id, r = std::move(r)]() mutable {
                    // A second answer, or one after the timeout's 500,
                    // would corrupt the stream.
                    if (id != self->call_id_ || self->phase_ != phase::waiting)
                      return;
                    self->write(std::move(r));
                  });
  }

  /// Status line and headers of `r`, Beast-free: the hot path of every
  /// JSON answer.
  void render_header(const reply& r, bool with_length, uint64_t length) {
    auto& out = head_buf_;
    out.clear();
    out += version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(r.status);
    out += ' ';
    auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
    out.append(reason.data(), reason.size());
    out += "\r\nServer: skyhaul\r\n";
    if (!r.content_type.empty() && !has_line_break(r.content_type)) {
      out += "Content-Type: ";
      out += r.content_type;
      out += "\r\n";
    }
    for (auto& [k, v] : r.headers) {
      // A value with a line break would inject headers: dropped.
      if (k.empty() || has_line_break(k) || has_line_break(v))
        continue;
      out += k;
      out += ": ";
      out += v;
      out += "\r\n";
    }
    if (version_ == 10 && keep_alive_)
      out += "Connection: keep-alive\r\n";
    else if (version_ != 10 && !keep_alive_)
      out += "Connection: close\r\n";
    if (with_length) {
      out += "Content-Length: ";
      out += std::to_string(length);
      out += "\r\n";
    }
    out += "\r\n";
  }

  void write(reply r) {
    if (r.stream && !head_only_)
      return write_stream(std::move(r));
    phase_ = phase::writing;
    touch(limits_.idle);
    if (head_only_ || r.status == 304 || r.status == 204) {
      // The headers of the full answer, no body.
      bool with_length = r.status != 304 && r.status != 204;
      render_header(r, with_length,
                    r.file_path.empty() ? r.body.size() : r.file_length);
      body_buf_.clear();
      return send_buffers();
    }
    if (!r.file_path.empty())
      return write_file(r);
    render_header(r, true, r.body.size());
    body_buf_ = std::move(r.body);
    send_buffers();
  }

  void send_buffers() {
    std::array<net::const_buffer, 2> bufs{net::buffer(head_buf_),
                                          net::buffer(body_buf_)};
    net::async_write(socket_, bufs,
                     [self = shared_from_this()](beast::error_code ec,
                                                 size_t) {
                       if (ec)
                         return self->shutdown();
                       self->on_written();
                     });
  }

  void write_file(const reply& r) {
    auto status = static_cast<bhttp::status>(r.status);
    auto res = std::make_shared<bhttp::response<range_file_body>>(status,
                                                                  version_);
    beast::error_code ec;
    res->body().file.open(r.file_path.c_str(), beast::file_mode::scan, ec);
    if (ec)
      return write(face_->error(line(), 500, "cannot open the file"));
    res->body().offset = r.file_offset;
    res->body().length = r.file_length;
    res->keep_alive(keep_alive_);
    res->set(bhttp::field::server, "skyhaul");
    if (!r.content_type.empty() && !has_line_break(r.content_type))
      res->set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers)
      if (!k.empty() && !has_line_break(k) && !has_line_break(v))
        res->set(k, v);
    res->prepare_payload();
    auto sr = std::make_shared<bhttp::response_serializer<range_file_body>>(
      *res);
    write_some(std::move(res), std::move(sr));
  }

  void write_some(
    std::shared_ptr<bhttp::response<range_file_body>> res,
    std::shared_ptr<bhttp::response_serializer<range_file_body>> sr) {
    // The timeout is per chunk: a slow but moving download of a large
    // file must not be cut off, a reader that stopped reading must.
    touch(limits_.idle);
    auto& ser = *sr;
    bhttp::async_write_some(
      socket_, ser,
      [self = shared_from_this(), res = std::move(res),
       sr = std::move(sr)](beast::error_code ec, size_t) mutable {
        if (ec)
          return self->shutdown();
        if (!sr->is_done())
          return self->write_some(std::move(res), std::move(sr));
        self->on_written();
      });
  }

  /// A streamed reply: the headers without a length (the body ends with
  /// the connection), then whatever the producer pushes. The socket is
  /// read meanwhile only to notice the client going away.
  void write_stream(reply r) {
    keep_alive_ = false;
    phase_ = phase::streaming;
    render_header(r, false, 0);
    stream_queue_ = std::move(head_buf_);
    head_buf_.clear();
    // Counted like every other byte: each write subtracts what it wrote.
    stream_queued_ += stream_queue_.size();
    pipe_ = std::make_shared<stream_pipe>(weak_from_this());
    auto producer = std::move(r.stream);
    stream_flush();
    watch_peer();
    producer(pipe_);
  }

  void stream_flush() {
    if (stream_writing_ || phase_ != phase::streaming)
      return;
    if (stream_queue_.empty()) {
      if (stream_finishing_)
        return shutdown();
      touch(stream_idle);
      return;
    }
    stream_out_ = std::move(stream_queue_);
    stream_queue_.clear();
    stream_writing_ = true;
    touch(limits_.idle);
    net::async_write(socket_, net::buffer(stream_out_),
                     [self = shared_from_this()](beast::error_code ec,
                                                 size_t) {
                       self->stream_writing_ = false;
                       self->stream_queued_ -= self->stream_out_.size();
                       if (ec)
                         return self->close();
                       self->stream_flush();
                     });
  }

  void watch_peer() {
    socket_.async_read_some(
      net::buffer(peek_buf_),
      [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec)
          return self->close();
        self->watch_peer();
      });
  }

  void on_written() {
    if (linger_)
      return linger();
    if (!keep_alive_)
      return shutdown();
    do_read();
  }

  /// Ends the connection: the client sees a clean end of stream, and the
  /// socket goes with the last handler that holds the session.
  void shutdown() {
    if (phase_ == phase::closed)
      return;
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    close();
  }

  /// After an error answer to a request whose body is still coming: a close
  /// with unread data sends a reset, which can destroy the answer before
  /// the client reads it. So read and drop until the client closes.
  void linger() {
    phase_ = phase::lingering;
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    touch(linger_timeout);
    drain();
  }

  void drain() {
    buffer_.consume(buffer_.size());
    socket_.async_read_some(
      buffer_.prepare(16 * 1024),
      [self = shared_from_this()](beast::error_code ec, size_t n) {
        self->drained_ += n;
        if (!ec && self->drained_ < max_drain_bytes)
          return self->drain();
        self->close();
      });
  }

  socket_type socket_;
  timer_type timer_;
  std::shared_ptr<context> ctx_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<const router> face_;
  deadlines limits_;
  /// The limit of the request being read.
  uint64_t cur_limit_ = 0;
  uint64_t drained_ = 0;
  /// The request being read, from its header on; once it is dispatched,
  /// only its method and path stay, for the errors of its answer.
  request head_;
  std::string peer_;
  bool peer_known_ = false;
  /// What the router decided from that header.
  admission adm_;
  /// The reply being written.
  std::string head_buf_;
  std::string body_buf_;
  phase phase_ = phase::reading;
  /// Numbers the calls to the face; an answer for another number is stale.
  uint64_t call_id_ = 0;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::time_point armed_at_;
  bool armed_ = false;
  bool keep_alive_ = true;
  bool linger_ = false;
  bool head_only_ = false;
  unsigned version_ = 11;
  /// A streamed reply: its channel, what is queued and being written, the
  /// bytes not yet written (any thread adds), whether it is to end.
  std::shared_ptr<stream_pipe> pipe_;
  std::string stream_queue_;
  std::string stream_out_;
  std::atomic<size_t> stream_queued_{0};
  bool stream_writing_ = false;
  bool stream_finishing_ = false;
  std::array<char, 512> peek_buf_{};
};

bool stream_pipe::push(std::string bytes) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return false;
  }
  auto s = session_.lock();
  return s && s->stream_push(std::move(bytes));
}

void stream_pipe::finish() {
  if (auto s = session_.lock())
    s->stream_finish();
}

void start_session(socket_type&& socket, std::shared_ptr<context> ctx,
                   std::shared_ptr<const router> face, deadlines limits) {
  auto s = std::make_shared<session>(std::move(socket), ctx, std::move(face),
                                     limits);
  ctx->add(s);
  s->run();
}

void close_session(session& s) {
  s.close_now();
}

} // namespace skyhaul::http::detail
