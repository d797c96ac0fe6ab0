#pragma once

// One HTTP connection of a listener, and what the server shares with all
// of them. Internal to server.cpp and session.cpp: Beast stays in http/.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include <boost/asio.hpp>

namespace skyhaul::http {

class router;

namespace detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;

using executor = net::io_context::executor_type;
using socket_type = net::basic_stream_socket<tcp, executor>;

class session;

/// How long a connection may take: `idle` for a request to arrive (and for
/// each chunk of a reply to be taken), `answer` for the face to answer.
struct deadlines {
  std::chrono::milliseconds idle;
  std::chrono::milliseconds answer;
};

/// What the server shares with every session and listener. Sessions can
/// outlive the server (a bridge actor holds one until the scheduler
/// answers), so this lives as long as the last of them.
struct context {
  /// One io_context per thread: a connection lives on one of them, so its
  /// handlers never need a strand and never wake another thread.
  std::vector<std::unique_ptr<net::io_context>> iocs;
  std::atomic<size_t> next{0};
  /// Closed by stop(): later replies are dropped instead of being posted
  /// to a stopped io_context.
  std::shared_mutex gate_mtx;
  bool open = true;
  /// Live sessions, for stop() to close them.
  std::mutex live_mtx;
  std::vector<std::weak_ptr<session>> live;
  size_t prune_at = 64;

  explicit context(size_t threads) {
    for (size_t i = 0; i < threads; ++i)
      iocs.push_back(std::make_unique<net::io_context>(1));
  }

  /// The io_context of the next connection, round robin.
  net::io_context& pick() {
    return *iocs[next.fetch_add(1, std::memory_order_relaxed) % iocs.size()];
  }

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

/// Starts serving `socket` with the faces of `face`; the session keeps
/// itself alive while it has work, and `ctx` remembers it for stop().
void start_session(socket_type&& socket, std::shared_ptr<context> ctx,
                   std::shared_ptr<const router> face, deadlines limits);

/// Closes the socket of `s`; only while no thread runs its io_context.
void close_session(session& s);

} // namespace detail

} // namespace skyhaul::http
