#include "http/server.hpp"

#include <iostream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include "http/router.hpp"
#include "http/session.hpp"

namespace skyhaul::http {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using detail::context;
using detail::deadlines;
using detail::executor;
using detail::socket_type;

namespace {

using acceptor_type = net::basic_socket_acceptor<tcp, executor>;

/// Accepts connections of one endpoint; each goes to the next io_context.
class listener : public std::enable_shared_from_this<listener> {
public:
  listener(std::shared_ptr<context> ctx, tcp::endpoint ep,
           std::shared_ptr<const router> face, deadlines limits)
    : ctx_(std::move(ctx)), acceptor_(ctx_->iocs.front()->get_executor()),
      pause_(ctx_->iocs.front()->get_executor()), face_(std::move(face)),
      limits_(limits) {
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
    pause_.cancel();
  }

private:
  void do_accept() {
    acceptor_.async_accept(ctx_->pick(),
                           [self = shared_from_this()](beast::error_code ec,
                                                       socket_type socket) {
                             self->on_accept(ec, std::move(socket));
                           });
  }

  void on_accept(beast::error_code ec, socket_type socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open())
      return;
    if (ec) {
      // Out of descriptors (EMFILE, ENFILE) or memory: the connection
      // stays in the backlog, and accepting again at once would fail at
      // once, in a loop that takes a core. A pause lets transfers and
      // other connections give descriptors back.
      if (!refusing_)
        std::cerr << "skyhauld: cannot accept a connection on "
                  << where() << ": " << ec.message()
                  << "; accepting again in 100 ms\n";
      refusing_ = true;
      pause_.expires_after(std::chrono::milliseconds(100));
      pause_.async_wait([self = shared_from_this()](beast::error_code e) {
        if (!e && self->acceptor_.is_open())
          self->do_accept();
      });
      return;
    }
    if (refusing_) {
      std::cerr << "skyhauld: accepting connections on " << where()
                << " again\n";
      refusing_ = false;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    detail::start_session(std::move(socket), ctx_, face_, limits_);
    do_accept();
  }

  std::string where() const {
    beast::error_code ec;
    auto ep = acceptor_.local_endpoint(ec);
    return ec ? std::string{"a listener"}
              : ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  std::shared_ptr<context> ctx_;
  acceptor_type acceptor_;
  /// Waits out an accept that failed.
  net::basic_waitable_timer<std::chrono::steady_clock,
                            net::wait_traits<std::chrono::steady_clock>,
                            executor>
      pause_;
  /// The last accept failed; logged once until one succeeds.
  bool refusing_ = false;
  std::shared_ptr<const router> face_;
  deadlines limits_;
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
  std::shared_ptr<context> ctx;
  std::vector<net::executor_work_guard<executor>> work;
  std::vector<listener_spec> specs;
  deadlines limits;
  std::vector<std::shared_ptr<listener>> listeners;
  std::vector<std::thread> threads;
  bool started = false;
  bool stopped = false;

  impl(const settings& cfg, std::vector<listener_spec> l)
    : ctx(std::make_shared<context>(std::max<uint32_t>(1, cfg.http_threads))),
      specs(std::move(l)),
      limits{
        std::chrono::milliseconds(std::max<uint32_t>(1, cfg.idle_timeout_ms)),
        std::chrono::milliseconds(
          std::max<uint32_t>(1, cfg.request_timeout_ms))} {
    for (auto& s : specs)
      if (!s.faces)
        throw std::logic_error(s.name + " listener has no router");
  }
};

server::server(const settings& cfg, std::vector<listener_spec> listeners)
  : impl_(std::make_unique<impl>(cfg, std::move(listeners))) {
}

server::~server() {
  stop();
}

std::map<std::string, std::string> server::start() {
  auto& d = *impl_;
  if (d.started)
    throw std::logic_error("server::start called twice");
  d.started = true;
  std::map<std::string, std::string> bound;
  for (auto& spec : d.specs) {
    tcp::endpoint ep;
    try {
      ep = parse_endpoint(spec.address);
    } catch (const std::exception& e) {
      throw std::runtime_error(spec.name + " listener: " + e.what());
    }
    auto l = std::make_shared<listener>(d.ctx, ep, spec.faces, d.limits);
    bound[spec.name] = to_host_port(l->local());
    d.listeners.push_back(std::move(l));
  }
  for (auto& l : d.listeners)
    l->run();
  for (auto& ioc : d.ctx->iocs) {
    d.work.push_back(net::make_work_guard(ioc->get_executor()));
    d.threads.emplace_back([ctx = d.ctx, ioc = ioc.get()] {
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          // One bad handler must not take the listener thread with it.
          std::cerr << "skyhauld: http handler failed: " << e.what() << "\n";
        }
      }
    });
  }
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
  d.work.clear();
  for (auto& ioc : d.ctx->iocs)
    ioc->stop();
  for (auto& t : d.threads)
    t.join();
  d.threads.clear();
  // No thread runs an io_context now, so sockets can be closed from here.
  // Running the aborted handlers afterwards makes them let go of their
  // sessions and listeners, which would otherwise keep `ctx` alive in a
  // cycle through the io_contexts' queues.
  for (auto& l : d.listeners)
    l->close_now();
  d.listeners.clear();
  std::vector<std::weak_ptr<detail::session>> live;
  {
    std::lock_guard<std::mutex> guard{d.ctx->live_mtx};
    live.swap(d.ctx->live);
  }
  for (auto& w : live)
    if (auto s = w.lock())
      detail::close_session(*s);
  for (auto& ioc : d.ctx->iocs) {
    ioc->restart();
    ioc->poll();
  }
}

} // namespace skyhaul::http
