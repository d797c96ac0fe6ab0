#include "http/server.hpp"

#include <algorithm>
#include <atomic>
#include <iostream>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "http/file_body.hpp"
#include "http/offline_api.hpp"
#include "http/router.hpp"
#include "http/s3_api.hpp"
#include "http/task_api.hpp"

namespace skyhaul::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr auto idle_timeout = std::chrono::seconds(30);
constexpr auto linger_timeout = std::chrono::seconds(5);
constexpr uint32_t header_limit = 16 * 1024;
constexpr uint64_t max_drain_bytes = 64 << 20;

class session;

/// What the server shares with every session and listener. Sessions can
/// outlive the server (a bridge actor holds one until the scheduler
/// answers), so this lives as long as the last of them.
struct context {
  net::io_context ioc;
  /// Closed by stop(): later replies are dropped instead of being posted
  /// to a stopped io_context.
  std::shared_mutex gate_mtx;
  bool open = true;
  /// Live sessions, for stop() to close them.
  std::mutex live_mtx;
  std::vector<std::weak_ptr<session>> live;
  size_t prune_at = 64;

  void add(const std::shared_ptr<session>& s) {
    std::lock_guard<std::mutex> guard{live_mtx};
    if (live.size() >= prune_at) {
      live.erase(std::remove_if(live.begin(), live.end(),
                                [](auto& w) { return w.expired(); }),
                 live.end());
      // Doubling keeps the pruning amortised O(1) per connection.
      prune_at = std::max<size_t>(64, live.size() * 2);
    }
    live.push_back(s);
  }
};

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// One connection, as in Beast's async server example: reads a request,
/// hands it to the face's router, writes the reply, and reads the next
/// request only after that.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket&& socket, std::shared_ptr<context> ctx,
          const router& face, uint64_t body_limit)
    : stream_(std::move(socket)), ctx_(std::move(ctx)), face_(face),
      body_limit_(body_limit) {
  }

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&session::do_read,
                                            shared_from_this()));
  }

  /// Closes the socket; only while no thread runs the io_context.
  void close_now() {
    stream_.close();
  }

private:
  void do_read() {
    parser_.emplace();
    // The largest limit of any route: Beast checks Content-Length against
    // it while parsing the header; the route's own limit follows below.
    parser_->body_limit(face_.largest_body_limit(body_limit_));
    cur_limit_ = body_limit_;
    parser_->header_limit(header_limit);
    stream_.expires_after(idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&session::on_header,
                                                       shared_from_this()));
  }

  void on_header(beast::error_code ec, size_t) {
    if (ec)
      return on_read(ec, 0);
    auto& msg = parser_->get();
    {
      // Some routes take uploads larger than the listener's limit.
      std::string path;
      std::map<std::string, std::string> query;
      parse_target(std::string{msg.target()}, path, query);
      cur_limit_ = face_.body_limit(std::string{msg.method_string()}, path,
                                    body_limit_);
      auto length = parser_->content_length();
      if (length && *length > cur_limit_)
        return on_read(bhttp::error::body_limit, 0);
      parser_->body_limit(cur_limit_);
    }
    if (lower(std::string{msg[bhttp::field::expect]}) == "100-continue") {
      // The client waits for this before it sends the body; without it,
      // curl pauses a second on every upload.
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(
        bhttp::status::continue_, msg.version());
      auto self = shared_from_this();
      bhttp::async_write(stream_, *cont,
                         [self, cont](beast::error_code ec, size_t) {
                           if (ec)
                             return self->shutdown();
                           self->read_body();
                         });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&session::on_read,
                                                shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof
        || ec == beast::error::timeout || ec == net::error::operation_aborted
        || ec == net::error::connection_reset || ec == net::error::bad_descriptor)
      return shutdown();
    if (!is_open())
      return;
    request req;
    if (parser_->is_header_done()) {
      req.method = std::string{parser_->get().method_string()};
      req.target = std::string{parser_->get().target()};
      parse_target(req.target, req.path, req.query);
      version_ = parser_->get().version();
    }
    if (ec) {
      // The rest of the request is unread: answer, then drain and close.
      keep_alive_ = false;
      linger_ = true;
      if (ec == bhttp::error::body_limit)
        return write(face_.error(req, 413,
                                 "the request body is larger than "
                                   + std::to_string(cur_limit_) + " bytes"));
      if (ec == bhttp::error::header_limit)
        return write(face_.error(req, 431, "the request headers are too large"));
      return write(face_.error(req, 400, "malformed request: " + ec.message()));
    }
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == bhttp::verb::head;
    for (auto& field : msg)
      req.headers[lower(std::string{field.name_string()})] =
        std::string{field.value()};
    req.body = std::move(msg.body());
    auto self = shared_from_this();
    auto once = std::make_shared<std::atomic<bool>>(false);
    face_.dispatch(req, [self, once](reply r) {
      // A second answer would corrupt the stream; the first one wins.
      if (!once->exchange(true))
        self->post_reply(std::move(r));
    });
  }

  bool is_open() {
    std::shared_lock<std::shared_mutex> guard{ctx_->gate_mtx};
    return ctx_->open;
  }

  /// Called from any thread (asio or CAF) with the answer.
  void post_reply(reply r) {
    std::shared_lock<std::shared_mutex> guard{ctx_->gate_mtx};
    if (!ctx_->open)
      return;
    // Runs inline when already on the strand, e.g. a 401 or 400.
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this(), r = std::move(r)]() mutable {
                    self->write(std::move(r));
                  });
  }

  template <class Body>
  void finish_header(bhttp::response<Body>& res, const reply& r) {
    res.keep_alive(keep_alive_);
    res.set(bhttp::field::server, "skyhaul");
    if (!r.content_type.empty())
      res.set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers)
      res.set(k, v);
  }

  void write(reply r) {
    auto status = static_cast<bhttp::status>(r.status);
    if (head_ || r.status == 304 || r.status == 204) {
      // The headers of the full answer, no body.
      auto res = std::make_shared<bhttp::response<bhttp::empty_body>>(
        status, version_);
      finish_header(*res, r);
      if (r.status != 304 && r.status != 204)
        res->content_length(r.file_path.empty() ? r.body.size()
                                                : r.file_length);
      return send(std::move(res));
    }
    if (!r.file_path.empty()) {
      auto res = std::make_shared<bhttp::response<range_file_body>>(status,
                                                                    version_);
      beast::error_code ec;
      res->body().file.open(r.file_path.c_str(), beast::file_mode::scan, ec);
      if (ec) {
        request req;
        return write(face_.error(req, 500, "cannot open the file"));
      }
      res->body().offset = r.file_offset;
      res->body().length = r.file_length;
      finish_header(*res, r);
      res->prepare_payload();
      return send(std::move(res));
    }
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
      status, version_);
    finish_header(*res, r);
    res->body() = std::move(r.body);
    res->prepare_payload();
    send(std::move(res));
  }

  template <class Body>
  void send(std::shared_ptr<bhttp::response<Body>> res) {
    auto sr = std::make_shared<bhttp::response_serializer<Body>>(*res);
    write_some(std::move(res), std::move(sr));
  }

  template <class Body>
  void write_some(std::shared_ptr<bhttp::response<Body>> res,
                  std::shared_ptr<bhttp::response_serializer<Body>> sr) {
    // The timeout is per chunk: a slow but moving download of a large
    // file must not be cut off, a reader that stopped reading must.
    stream_.expires_after(idle_timeout);
    auto& ser = *sr;
    bhttp::async_write_some(
      stream_, ser,
      [self = shared_from_this(), res = std::move(res),
       sr = std::move(sr)](beast::error_code ec, size_t) mutable {
        if (ec)
          return self->shutdown();
        if (!sr->is_done())
          return self->write_some(std::move(res), std::move(sr));
        self->on_written();
      });
  }

  void on_written() {
    if (linger_)
      return linger();
    if (!keep_alive_)
      return shutdown();
    do_read();
  }

  void shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  /// After an error answer to a request whose body is still coming: a close
  /// with unread data sends a reset, which can destroy the answer before
  /// the client reads it. So read and drop until the client closes.
  void linger() {
    shutdown();
    stream_.expires_after(linger_timeout);
    drain();
  }

  void drain() {
    buffer_.consume(buffer_.size());
    stream_.async_read_some(
      buffer_.prepare(16 * 1024),
      [self = shared_from_this()](beast::error_code ec, size_t n) {
        self->drained_ += n;
        if (!ec && self->drained_ < max_drain_bytes)
          self->drain();
      });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<context> ctx_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const router& face_;
  uint64_t body_limit_;
  /// The limit of the request being read.
  uint64_t cur_limit_ = 0;
  uint64_t drained_ = 0;
  bool keep_alive_ = true;
  bool linger_ = false;
  bool head_ = false;
  unsigned version_ = 11;
};

/// Accepts connections of one endpoint on a strand.
class listener : public std::enable_shared_from_this<listener> {
public:
  listener(std::shared_ptr<context> ctx, tcp::endpoint ep, const router& face,
           uint64_t body_limit)
    : ctx_(std::move(ctx)), acceptor_(net::make_strand(ctx_->ioc)),
      face_(face), body_limit_(body_limit) {
    beast::error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (!ec)
      acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
      acceptor_.bind(ep, ec);
    if (!ec)
      acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error("cannot listen on " + ep.address().to_string()
                               + ":" + std::to_string(ep.port()) + ": "
                               + ec.message());
  }

  tcp::endpoint local() const {
    return acceptor_.local_endpoint();
  }

  void run() {
    do_accept();
  }

  /// Closes the acceptor; only while no thread runs the io_context.
  void close_now() {
    beast::error_code ec;
    acceptor_.close(ec);
  }

private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(ctx_->ioc),
                           beast::bind_front_handler(&listener::on_accept,
                                                     shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open())
      return;
    if (!ec) {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto s = std::make_shared<session>(std::move(socket), ctx_, face_,
                                         body_limit_);
      ctx_->add(s);
      s->run();
    }
    do_accept();
  }

  std::shared_ptr<context> ctx_;
  tcp::acceptor acceptor_;
  const router& face_;
  uint64_t body_limit_;
};

tcp::endpoint parse_endpoint(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos)
    throw std::runtime_error("expected HOST:PORT, got " + host_port);
  auto host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port = host_port.substr(colon + 1);
  if (port.empty() || port.size() > 5
      || port.find_first_not_of("0123456789") != std::string::npos
      || std::stoul(port) > 65535)
    throw std::runtime_error("bad port in " + host_port);
  beast::error_code ec;
  auto addr = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host,
                                    ec);
  if (ec)
    throw std::runtime_error("bad address in " + host_port);
  return {addr, static_cast<unsigned short>(std::stoul(port))};
}

std::string to_host_port(const tcp::endpoint& ep) {
  auto addr = ep.address().to_string();
  if (ep.address().is_v6())
    addr = "[" + addr + "]";
  return addr + ":" + std::to_string(ep.port());
}

} // namespace

struct server::impl {
  std::shared_ptr<const services> svc;
  std::shared_ptr<context> ctx = std::make_shared<context>();
  std::optional<net::executor_work_guard<net::io_context::executor_type>>
    work;
  // One face per listener; a face is a router filled by one file.
  router api;
  router offline;
  router s3;
  std::vector<std::shared_ptr<listener>> listeners;
  std::vector<std::thread> threads;
  bool started = false;
  bool stopped = false;

  explicit impl(services s)
    : svc(std::make_shared<const services>(std::move(s))) {
    add_task_api(api, svc);
    add_offline_api(offline, svc);
    add_s3_api(s3, svc);
  }
};

server::server(services svc) : impl_(std::make_unique<impl>(std::move(svc))) {
}

server::~server() {
  stop();
}

std::map<std::string, std::string> server::start() {
  auto& d = *impl_;
  if (d.started)
    throw std::logic_error("server::start called twice");
  d.started = true;
  auto& cfg = *d.svc->cfg;
  std::map<std::string, std::string> bound;
  std::tuple<const char*, const std::string&, const router&> defs[] = {
    {"api", cfg.api, d.api},
    {"offline", cfg.offline, d.offline},
    {"s3", cfg.s3, d.s3},
  };
  for (auto& [name, addr, face] : defs) {
    tcp::endpoint ep;
    try {
      ep = parse_endpoint(addr);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string{name} + " listener: " + e.what());
    }
    auto l = std::make_shared<listener>(d.ctx, ep, face, cfg.max_body_bytes);
    bound[name] = to_host_port(l->local());
    d.listeners.push_back(std::move(l));
  }
  for (auto& l : d.listeners)
    l->run();
  d.work.emplace(net::make_work_guard(d.ctx->ioc));
  auto n = std::max<uint32_t>(1, cfg.http_threads);
  for (uint32_t i = 0; i < n; ++i)
    d.threads.emplace_back([ctx = d.ctx] {
      for (;;) {
        try {
          ctx->ioc.run();
          return;
        } catch (const std::exception& e) {
          // One bad handler must not take the listener thread with it.
          std::cerr << "skyhauld: http handler failed: " << e.what() << "\n";
        }
      }
    });
  return bound;
}

void server::stop() {
  auto& d = *impl_;
  if (d.stopped)
    return;
  d.stopped = true;
  {
    std::unique_lock<std::shared_mutex> guard{d.ctx->gate_mtx};
    d.ctx->open = false;
  }
  d.work.reset();
  d.ctx->ioc.stop();
  for (auto& t : d.threads)
    t.join();
  d.threads.clear();
  // No thread runs the io_context now, so sockets can be closed from here.
  // Running the aborted handlers afterwards makes them let go of their
  // sessions and listeners, which would otherwise keep `ctx` alive in a
  // cycle through the io_context's queues.
  for (auto& l : d.listeners)
    l->close_now();
  d.listeners.clear();
  std::vector<std::weak_ptr<session>> live;
  {
    std::lock_guard<std::mutex> guard{d.ctx->live_mtx};
    live.swap(d.ctx->live);
  }
  for (auto& w : live)
    if (auto s = w.lock())
      s->close_now();
  d.ctx->ioc.restart();
  d.ctx->ioc.poll();
}

} // namespace skyhaul::http
