#include "http/server.hpp"

#include <atomic>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "http/json.hpp"
#include "http/router.hpp"
#include "http/s3_error.hpp"
#include "http/task_api.hpp"

namespace skyhaul::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr auto idle_timeout = std::chrono::seconds(30);
constexpr uint32_t header_limit = 16 * 1024;

/// Sends `length` bytes of a file from `offset`: Beast 1.74's file_body
/// always sends a whole file, which a Range reply cannot use.
struct range_file_body {
  struct value_type {
    beast::file file;
    uint64_t offset = 0;
    uint64_t length = 0;
  };

  static uint64_t size(const value_type& v) {
    return v.length;
  }

  class writer {
  public:
    using const_buffers_type = net::const_buffer;

    template <bool is_request, class Fields>
    writer(bhttp::header<is_request, Fields>&, value_type& b) : body_(b) {
    }

    void init(beast::error_code& ec) {
      body_.file.seek(body_.offset, ec);
      remain_ = body_.length;
    }

    boost::optional<std::pair<const_buffers_type, bool>>
    get(beast::error_code& ec) {
      auto amount = std::min<uint64_t>(remain_, buf_.size());
      if (amount == 0) {
        ec = {};
        return boost::none;
      }
      auto n = body_.file.read(buf_.data(), static_cast<size_t>(amount), ec);
      if (ec)
        return boost::none;
      if (n == 0) {
        ec = bhttp::error::short_read;
        return boost::none;
      }
      remain_ -= n;
      return {{const_buffers_type{buf_.data(), n}, remain_ > 0}};
    }

  private:
    value_type& body_;
    uint64_t remain_ = 0;
    std::array<char, 256 * 1024> buf_;
  };
};

/// What a listener answers with.
struct face {
  router routes;
  /// Renders errors of the transport (413, 400) in the face's shape.
  std::function<reply(unsigned, const std::string&)> error;
};

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket&& socket, const face& f, uint64_t body_limit)
    : stream_(std::move(socket)), face_(f), body_limit_(body_limit) {
  }

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&session::do_read,
                                            shared_from_this()));
  }

private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(body_limit_);
    parser_->header_limit(header_limit);
    stream_.expires_after(idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&session::on_read,
                                                shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof
        || ec == beast::error::timeout || ec == net::error::operation_aborted
        || ec == net::error::connection_reset)
      return close();
    if (ec == bhttp::error::body_limit) {
      keep_alive_ = false;
      return write(face_.error(413, "the request body is larger than "
                                      + std::to_string(body_limit_)
                                      + " bytes"));
    }
    if (ec == bhttp::error::header_limit) {
      keep_alive_ = false;
      return write(face_.error(431, "the request headers are too large"));
    }
    if (ec) {
      keep_alive_ = false;
      return write(face_.error(400, "malformed request: " + ec.message()));
    }
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == bhttp::verb::head;
    version_ = msg.version();
    request req;
    req.method = std::string{msg.method_string()};
    req.target = std::string{msg.target()};
    parse_target(req.target, req.path, req.query);
    for (auto& field : msg) {
      std::string name{field.name_string()};
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = std::string{field.value()};
    }
    req.body = std::move(msg.body());
    auto self = shared_from_this();
    face_.routes.dispatch(req, [self](reply r) {
      net::dispatch(self->stream_.get_executor(),
                [self, r = std::move(r)]() mutable {
                  self->write(std::move(r));
                });
    });
  }

  template <class Body>
  void finish_header(bhttp::response<Body>& res, const reply& r) {
    res.version(version_);
    res.keep_alive(keep_alive_);
    res.set(bhttp::field::server, "skyhaul");
    if (!r.content_type.empty())
      res.set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers)
      res.set(k, v);
  }

  void write(reply r) {
    if (!r.file_path.empty() && !head_) {
      auto res = std::make_shared<bhttp::response<range_file_body>>(
        static_cast<bhttp::status>(r.status), version_);
      beast::error_code ec;
      res->body().file.open(r.file_path.c_str(), beast::file_mode::scan, ec);
      if (ec)
        return write(face_.error(500, "cannot open the file"));
      res->body().offset = r.file_offset;
      res->body().length = r.file_length;
      finish_header(*res, r);
      res->prepare_payload();
      return send(res);
    }
    if (!r.file_path.empty() || (head_ && r.body.empty() == false)) {
      // HEAD: the headers of the full answer, no body.
      auto length = r.file_path.empty() ? r.body.size() : r.file_length;
      auto res = std::make_shared<bhttp::response<bhttp::empty_body>>(
        static_cast<bhttp::status>(r.status), version_);
      finish_header(*res, r);
      res->content_length(length);
      return send(res);
    }
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
      static_cast<bhttp::status>(r.status), version_);
    finish_header(*res, r);
    res->body() = std::move(r.body);
    res->prepare_payload();
    send(res);
  }

  template <class Response>
  void send(std::shared_ptr<Response> res) {
    auto self = shared_from_this();
    bhttp::async_write(stream_, *res,
                       [self, res](beast::error_code ec, size_t) {
                         if (ec || !self->keep_alive_)
                           return self->close();
                         self->do_read();
                       });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const face& face_;
  uint64_t body_limit_;
  bool keep_alive_ = true;
  bool head_ = false;
  unsigned version_ = 11;
};

class listener : public std::enable_shared_from_this<listener> {
public:
  listener(net::io_context& ioc, tcp::endpoint ep, const face& f,
           uint64_t body_limit)
    : ioc_(ioc), acceptor_(net::make_strand(ioc)), face_(f),
      body_limit_(body_limit) {
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

  void close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&listener::on_accept,
                                                     shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open())
      return;
    if (!ec) {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<session>(std::move(socket), face_, body_limit_)->run();
    }
    do_accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  const face& face_;
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

} // namespace

struct server::impl {
  services svc;
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>>
    work;
  face api;
  face offline;
  face s3;
  std::vector<std::shared_ptr<listener>> listeners;
  std::vector<std::thread> threads;
  bool stopped = false;

  explicit impl(services s) : svc(std::move(s)) {
    add_task_api(api.routes, svc);
    api.error = [](unsigned status, const std::string& msg) {
      return json_error(status, msg);
    };
    // The offline and s3 faces come with S3 signatures; until then every
    // request there is answered in S3's own error shape.
    for (auto* f : {&offline, &s3}) {
      f->error = [](unsigned status, const std::string& msg) {
        return s3_error(status, status == 413 ? "EntityTooLarge"
                                              : "InvalidRequest",
                        msg, "");
      };
      f->routes.error = [](unsigned, const std::string& msg) {
        return s3_error(501, "NotImplemented",
                        "Current request not implemented.", "");
      };
    }
  }
};

server::server(services svc) : impl_(std::make_unique<impl>(std::move(svc))) {
}

server::~server() {
  stop();
}

std::map<std::string, std::string> server::start() {
  auto& d = *impl_;
  auto& cfg = *d.svc.cfg;
  std::map<std::string, std::string> bound;
  std::pair<const char*, std::pair<const std::string*, face*>> defs[] = {
    {"api", {&cfg.api, &d.api}},
    {"offline", {&cfg.offline, &d.offline}},
    {"s3", {&cfg.s3, &d.s3}},
  };
  for (auto& [name, def] : defs) {
    auto l = std::make_shared<listener>(d.ioc, parse_endpoint(*def.first),
                                        *def.second, cfg.max_body_bytes);
    auto ep = l->local();
    bound[name] = ep.address().to_string() + ":" + std::to_string(ep.port());
    d.listeners.push_back(l);
  }
  for (auto& l : d.listeners)
    l->run();
  d.work.emplace(net::make_work_guard(d.ioc));
  auto n = std::max<uint32_t>(1, cfg.http_threads);
  for (uint32_t i = 0; i < n; ++i)
    d.threads.emplace_back([&d] { d.ioc.run(); });
  return bound;
}

void server::stop() {
  auto& d = *impl_;
  if (d.stopped)
    return;
  d.stopped = true;
  for (auto& l : d.listeners)
    l->close();
  d.work.reset();
  d.ioc.stop();
  for (auto& t : d.threads)
    t.join();
  d.threads.clear();
  d.listeners.clear();
}

} // namespace skyhaul::http
