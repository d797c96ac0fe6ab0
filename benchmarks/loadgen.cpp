// loadgen: an HTTP/1.1 keep-alive load generator for Skyhaul's Task API and,
// for comparison in the same run, aria2's JSON-RPC.
//
//   loadgen --url http://127.0.0.1:7700 --mode create|status --key API_KEY
//           [--connections 64] [--duration 10] [--requests N] [--tasks 1000]
//           [--threads 1] [--timeout 30]
//   loadgen --url http://127.0.0.1:6800/jsonrpc --mode aria2-add|aria2-status
//           --secret S ...
//
// create        POST /task {"url":"http://127.0.0.1:9/never.bin","paused":true}
//               (with --paused false: without "paused", so the task waits
//               for a slot; run skyhauld with --max-active 0 to keep it so)
// status        creates --tasks paused tasks, then GET /task/tid/<tid>/status
//               round-robin over them (with --ids FILE: the tids in
//               FILE, one per line, and none created)
// aria2-add     aria2.addUri [token, [uri], {"pause":"true"}]
// aria2-status  adds --tasks paused downloads, then aria2.tellStatus(gid)
// health        GET /healthz (a baseline for the HTTP layer alone)
// oc-status     creates --tasks paused tasks (Task API), then the Offcloud
//               face's POST /api/cloud/status requestId=<24 hex> of them,
//               form-encoded, round-robin
// oc-cache      POST /api/cache with 100 form-encoded hashes[i]: every
//               --cache-stride-th of the --cached hashes `%040x` of 1..N
//               (what benchmarks/offcloud_seed.cpp stores), half of them
//               cached and half unknown
//
// The set-up phase of the status modes (creating the tasks/gids to query)
// is bounded by --tasks requests and by 600 s; it prints nothing.
//
// Every connection keeps one request in flight (HTTP/1.1 keep-alive, no
// pipelining). A run ends after --duration seconds or --requests requests,
// whichever comes first (requests in flight then complete). A non-2xx reply,
// a Task API reply without "status":"success", a JSON-RPC reply with an
// "error" or without a "result", a timeout (--timeout seconds per request
// and per connect), a broken connection or a malformed reply counts as an
// error; a broken connection is reopened (at most 100 times per connection).
// Replies may be framed by Content-Length, chunked transfer coding or the end
// of the connection; any other Transfer-Encoding, or bytes after the end of
// the reply (there is no pipelining), make it malformed. A reply with
// `Connection: close` (or framed by the close) makes the connection reopen,
// which is not an error. For the first 3 errors of a run, the reply's status
// and body (or what was malformed) go to stderr. Prints one line:
//   mode=... requests=N errors=E seconds=S rps=R p50_ms=X p99_ms=Y
// where requests counts the completed successful requests, rps is
// requests/seconds, and the percentiles are over the successful requests.
// Exit status 1 when not one request succeeded, 2 on a usage error.
//
// Why it is written this way: the benchmarks run client and server on the
// same small machine, so every microsecond of CPU loadgen spends per request
// is taken from the server under test. Hence plain non-blocking sockets and
// one level-triggered epoll loop per --threads thread (the connections are
// split between the threads; nothing is shared on the hot path but two
// relaxed atomic counters), TCP_NODELAY, requests rendered into a reused
// per-connection buffer (or sent straight from one pre-rendered copy when
// nothing varies) and sent with one send(), a small incremental response
// parser (status line, Content-Length, Connection, chunked transfer coding)
// working in place in a reused per-connection buffer, latencies appended to a
// preallocated per-thread vector, and no heap allocation per request.
// Timeouts are checked by a sweep over the thread's connections at least
// every 100 ms (epoll_wait never sleeps longer).
// What is left per request is almost all kernel time (one send(), one
// recv(), a share of an epoll_wait() and its wake-up), which a client with
// one request in flight per connection cannot avoid.

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr const char* never_url = "http://127.0.0.1:9/never.bin";
constexpr int max_reconnects = 100;
constexpr size_t max_response = size_t(64) << 20; // a bigger reply is an error
constexpr size_t initial_buffer = 16 << 10;        // fits every expected reply

using nanos = int64_t;

/// CLOCK_MONOTONIC (what steady_clock reads) as plain nanoseconds: a vDSO
/// call, no syscall.
nanos now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return nanos(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

nanos to_ns(double seconds) {
  return nanos(seconds * 1e9);
}

struct options {
  std::string host = "127.0.0.1";
  std::string port = "7700";
  std::string path; // JSON-RPC endpoint; /jsonrpc unless --url names one
  std::string mode = "status";
  std::string key;
  std::string secret;
  size_t connections = 64;
  double duration = 10;
  uint64_t requests = 0; // 0: bounded by duration only
  size_t tasks = 1000;
  size_t threads = 1;
  double timeout = 30; // seconds per request (and per connect)
  uint64_t cached = 100000; // oc-cache: how many hashes are cached
  std::string ids_file; // status modes: query these ids, create none
  bool paused = true; // create: tasks created paused, or waiting
};

enum class mode_kind {
  create, status, aria2_add, aria2_status, health, oc_status, oc_cache
};

bool parse_mode(const std::string& s, mode_kind& m) {
  if (s == "create")
    m = mode_kind::create;
  else if (s == "status")
    m = mode_kind::status;
  else if (s == "aria2-add")
    m = mode_kind::aria2_add;
  else if (s == "aria2-status")
    m = mode_kind::aria2_status;
  else if (s == "health")
    m = mode_kind::health;
  else if (s == "oc-status")
    m = mode_kind::oc_status;
  else if (s == "oc-cache")
    m = mode_kind::oc_cache;
  else
    return false;
  return true;
}

const char* mode_name(mode_kind m) {
  switch (m) {
  case mode_kind::create: return "create";
  case mode_kind::status: return "status";
  case mode_kind::aria2_add: return "aria2-add";
  case mode_kind::aria2_status: return "aria2-status";
  case mode_kind::health: return "health";
  case mode_kind::oc_status: return "oc-status";
  case mode_kind::oc_cache: return "oc-cache";
  }
  return "?";
}

bool is_rpc(mode_kind m) {
  return m == mode_kind::aria2_add || m == mode_kind::aria2_status;
}

struct address {
  sockaddr_storage sa;
  socklen_t len;
  int family;
};

bool contains(std::string_view hay, std::string_view needle) {
  return memmem(hay.data(), hay.size(), needle.data(), needle.size())
         != nullptr;
}

/// The string value of "field":"..." in a JSON body, or empty.
std::string_view extract(std::string_view body, std::string_view field) {
  char key[32];
  if (field.size() + 4 > sizeof key)
    return {};
  key[0] = '"';
  std::memcpy(key + 1, field.data(), field.size());
  std::memcpy(key + 1 + field.size(), "\":\"", 3);
  std::string_view k{key, field.size() + 4};
  auto i = body.find(k);
  if (i == std::string_view::npos)
    return {};
  i += k.size();
  auto e = body.find('"', i);
  if (e == std::string_view::npos)
    return {};
  return body.substr(i, e - i);
}

bool iequals(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z')
      c = char(c - 'A' + 'a');
    if (c != lower[i])
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// Calls f(token) for each trimmed element of a comma-separated list.
template <class F> void each_token(std::string_view list, F f) {
  while (!list.empty()) {
    auto comma = list.find(',');
    f(trim(list.substr(0, comma)));
    if (comma == std::string_view::npos)
      break;
    list.remove_prefix(comma + 1);
  }
}

/// One load phase: what to send, where, the limits, and the counters that
/// every thread shares. Read-only on the hot path but for `issued`/`errors`.
struct run_state {
  mode_kind mode = mode_kind::health;
  size_t connections = 1;
  uint64_t requests = 0; // 0: unbounded
  nanos end = 0;         // no request starts at or after this instant
  nanos timeout = 0;
  bool collect = false; // keep the tids/gids the replies carry (set-up)
  const std::vector<address>* addrs = nullptr;
  std::vector<std::string> ids; // tids or gids to query round-robin

  // The requests, rendered once (see connection::render):
  std::string fixed; // the whole request when nothing varies
  std::string head;  // status: "GET /task/tid/"; JSON-RPC: the headers up
                     // to the Content-Length value
  std::string tail;  // status: the rest of the request line and headers
  std::string body1, body2, body3; // JSON-RPC body around the id and gid
  size_t max_request = 0;          // room for the longest rendered request

  // Separate cache lines: with several threads these are the only shared
  // writes.
  alignas(64) std::atomic<uint64_t> issued{0};
  alignas(64) std::atomic<uint64_t> errors{0};

  /// Whether the run is over (no further request would be allowed).
  bool over(nanos t) const {
    return t >= end
           || (requests != 0
               && issued.load(std::memory_order_relaxed) >= requests);
  }

  /// Claims the right to send one more request.
  bool take_slot(nanos t) {
    if (t >= end)
      return false;
    auto n = issued.fetch_add(1, std::memory_order_relaxed);
    return requests == 0 || n < requests;
  }

  /// Counts an error; true for the first 3, whose details are printed.
  bool count_error() {
    return errors.fetch_add(1, std::memory_order_relaxed) < 3;
  }
};

/// What one thread owns besides its connections.
struct thread_ctx {
  int ep = -1;       // this thread's epoll instance
  size_t active = 0; // connections not finished yet
  std::vector<nanos> latencies; // successful requests only
  std::vector<std::string> created;
};

/// Prints "loadgen: MODE: PREFIX: DETAIL" (DETAIL cut at 200 bytes) as one
/// write, so lines from several threads do not interleave.
void report(mode_kind mode, const char* prefix, std::string_view detail) {
  char line[512];
  int n = std::snprintf(line, sizeof line, "loadgen: %s: %s: ",
                        mode_name(mode), prefix);
  if (n < 0)
    return;
  size_t len = std::min<size_t>(size_t(n), sizeof line - 1);
  size_t d = std::min<size_t>({detail.size(), 200, sizeof line - 1 - len});
  std::memcpy(line + len, detail.data(), d);
  len += d;
  line[len++] = '\n';
  std::fwrite(line, 1, len, stderr);
}

class connection {
public:
  connection(run_state& st, thread_ctx& tc, size_t index)
    : st_(st), tc_(tc), index_(index), in_(initial_buffer) {
    req_.resize(st.max_request);
  }

  /// Opens the connection (again): the resolved addresses are tried in
  /// order, as Beast's async_connect did; the timeout covers them all.
  void open() {
    addr_ = 0;
    deadline_ = now_ns() + st_.timeout;
    connect_next();
  }

  /// Readiness of the socket; what to do follows from the state (errors and
  /// hang-ups surface as failing send/recv/SO_ERROR).
  void on_event(uint32_t /*events*/) {
    switch (state_) {
    case state::connecting:
      return on_connect();
    case state::sending:
      return flush();
    case state::receiving:
      return receive();
    case state::done:
      return;
    }
  }

  void check_timeout(nanos t) {
    if (state_ != state::done && t >= deadline_)
      fail();
  }

private:
  enum class state { connecting, sending, receiving, done };
  enum class parsed { more, done, bad };

  // ---- connection management ------------------------------------------

  void connect_next() {
    auto& addrs = *st_.addrs;
    while (addr_ < addrs.size()) {
      auto& a = addrs[addr_];
      fd_ = ::socket(a.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd_ < 0)
        break;
      // One write per request: never let Nagle hold it back waiting for the
      // ACK of the previous one.
      int one = 1;
      ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a.sa), a.len)
          == 0) {
        if (!watch(EPOLLIN))
          return fail();
        return next(now_ns());
      }
      if (errno == EINPROGRESS) {
        state_ = state::connecting;
        if (!watch(EPOLLOUT))
          return fail();
        return;
      }
      close_fd(); // refused at once: try the next address
      ++addr_;
    }
    fail();
  }

  void on_connect() {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
      err = errno;
    if (err != 0) {
      close_fd();
      ++addr_;
      return connect_next();
    }
    if (!watch(EPOLLIN))
      return fail();
    next(now_ns());
  }

  /// Sets what epoll reports for the socket; a no-op when unchanged, which
  /// is the case on the hot path (EPOLLIN stays armed between requests).
  bool watch(uint32_t events) {
    if (events == interest_)
      return true;
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = this;
    if (::epoll_ctl(tc_.ep, interest_ ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd_,
                    &ev)
        < 0)
      return false;
    interest_ = events;
    return true;
  }

  void close_fd() {
    if (fd_ >= 0)
      ::close(fd_); // also removes it from the epoll set
    fd_ = -1;
    interest_ = 0;
    reset_parser();
    in_len_ = 0;
  }

  void finish() {
    close_fd();
    if (state_ != state::done) {
      state_ = state::done;
      --tc_.active;
    }
  }

  /// A broken connection, a timeout or a malformed reply: counts the error
  /// and reopens the connection unless the run is over or it has been
  /// reopened too often.
  void fail(const char* why = nullptr) {
    if (st_.count_error() && why)
      report(st_.mode, "bad reply", why);
    close_fd();
    if (++reconnects_ > max_reconnects || st_.over(now_ns()))
      return finish();
    open();
  }

  // ---- requests ----------------------------------------------------------

  void next(nanos t) {
    if (!st_.take_slot(t))
      return finish();
    render(counter_++ * st_.connections + index_);
    began_ = t;
    deadline_ = t + st_.timeout;
    sent_ = 0;
    flush();
  }

  /// Points out_ at the bytes of request number n. Nothing is allocated:
  /// the varying requests are assembled in req_, sized once for the longest.
  void render(uint64_t n) {
    if (st_.mode == mode_kind::create || st_.mode == mode_kind::health
        || st_.mode == mode_kind::oc_cache) {
      out_ = st_.fixed.data();
      out_len_ = st_.fixed.size();
      return;
    }
    char* p = req_.data();
    auto put = [&p](const char* s, size_t len) {
      std::memcpy(p, s, len);
      p += len;
    };
    auto put_s = [&put](const std::string& s) { put(s.data(), s.size()); };
    if (st_.mode == mode_kind::status || st_.mode == mode_kind::oc_status) {
      put_s(st_.head);
      put_s(st_.ids[n % st_.ids.size()]);
      put_s(st_.tail);
    } else {
      char num[24];
      size_t num_len = std::to_chars(num, num + sizeof num, n).ptr - num;
      const std::string* gid = st_.mode == mode_kind::aria2_status
                                 ? &st_.ids[n % st_.ids.size()]
                                 : nullptr;
      size_t body = st_.body1.size() + num_len + st_.body2.size()
                    + (gid ? gid->size() + st_.body3.size() : 0);
      char len[24];
      size_t len_len = std::to_chars(len, len + sizeof len, body).ptr - len;
      put_s(st_.head);
      put(len, len_len);
      put("\r\n\r\n", 4);
      put_s(st_.body1);
      put(num, num_len);
      put_s(st_.body2);
      if (gid) {
        put_s(*gid);
        put_s(st_.body3);
      }
    }
    out_ = req_.data();
    out_len_ = size_t(p - req_.data());
  }

  /// Sends what is left of the request; normally all of it at once.
  void flush() {
    while (sent_ < out_len_) {
      ssize_t w = ::send(fd_, out_ + sent_, out_len_ - sent_, MSG_NOSIGNAL);
      if (w > 0) {
        sent_ += size_t(w);
        continue;
      }
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        state_ = state::sending; // socket buffer full: wait until writable
        if (!watch(EPOLLOUT))
          fail();
        return;
      }
      return fail();
    }
    state_ = state::receiving;
    if (!watch(EPOLLIN))
      fail();
  }

  // ---- replies -----------------------------------------------------------

  void receive() {
    for (;;) {
      if (in_.size() - in_len_ < 4096) {
        if (in_.size() >= max_response)
          return fail("reply too large");
        in_.resize(in_.size() * 2); // rare: an unusually big reply
      }
      size_t room = in_.size() - in_len_;
      ssize_t r = ::recv(fd_, in_.data() + in_len_, room, 0);
      if (r > 0) {
        in_len_ += size_t(r);
        auto p = parse(false);
        if (p == parsed::done)
          return complete();
        if (p == parsed::bad)
          return fail(why_);
        if (size_t(r) < room)
          return; // drained: the rest comes with a later event
        continue;
      }
      if (r == 0) { // the peer closed the connection
        auto p = parse(true);
        if (p == parsed::done)
          return complete();
        return fail(p == parsed::bad ? why_ : nullptr);
      }
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return;
      return fail();
    }
  }

  void reset_parser() {
    scan_ = 0;
    body_at_ = 0;
    chunked_body_.clear(); // keeps its capacity
  }

  parsed bad(const char* why) {
    why_ = why;
    return parsed::bad;
  }

  bool reject(const char* why) {
    why_ = why;
    return false;
  }

  /// Parses what has arrived of the reply, resuming where the previous call
  /// stopped. `eof`: the peer has closed the connection.
  parsed parse(bool eof) {
    const char* b = in_.data();
    if (body_at_ == 0) {
      size_t from = scan_ > 3 ? scan_ - 3 : 0;
      auto* e = static_cast<const char*>(
        memmem(b + from, in_len_ - from, "\r\n\r\n", 4));
      if (!e) {
        scan_ = in_len_;
        return parsed::more;
      }
      size_t head_end = size_t(e - b) + 4;
      if (!parse_head({b, head_end}))
        return parsed::bad;
      body_at_ = head_end;
      chunk_at_ = head_end;
    }
    size_t end = 0;
    switch (framing_) {
    case framing::none:
      end = body_at_;
      body_ = {};
      break;
    case framing::length:
      if (in_len_ - body_at_ < content_length_)
        return parsed::more;
      end = body_at_ + content_length_;
      body_ = {b + body_at_, content_length_};
      break;
    case framing::until_eof:
      if (!eof)
        return parsed::more;
      end = in_len_;
      body_ = {b + body_at_, in_len_ - body_at_};
      break;
    case framing::chunked: {
      auto p = parse_chunks(end);
      if (p != parsed::done)
        return p;
      body_ = chunked_body_;
      break;
    }
    }
    // No pipelining: nothing may follow the reply to our only request.
    if (end != in_len_)
      return bad("data after the end of the reply");
    return parsed::done;
  }

  /// The status line and the headers that matter; sets code_, keep_alive_,
  /// framing_ and content_length_.
  bool parse_head(std::string_view h) {
    // "HTTP/1.x NNN ..."
    if (h.size() < 14 || h.compare(0, 7, "HTTP/1.") != 0 || h[8] != ' '
        || !(h[12] == ' ' || h[12] == '\r'))
      return reject("malformed status line");
    int code = 0;
    for (int i = 9; i < 12; ++i) {
      if (h[i] < '0' || h[i] > '9')
        return reject("malformed status line");
      code = code * 10 + (h[i] - '0');
    }
    code_ = code;
    bool http10 = h[7] == '0';
    bool close = false, keep_alive = false, chunked = false, other_te = false,
         has_length = false;
    uint64_t length = 0;
    size_t pos = h.find('\n') + 1;
    while (pos < h.size()) {
      size_t eol = h.find('\n', pos);
      auto line = h.substr(pos, eol - pos);
      pos = eol + 1;
      if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
      if (line.empty())
        break; // the blank line that ends the headers
      auto colon = line.find(':');
      if (colon == std::string_view::npos)
        return reject("malformed header");
      auto name = line.substr(0, colon);
      auto value = trim(line.substr(colon + 1));
      if (iequals(name, "content-length")) {
        uint64_t v = 0;
        auto r = std::from_chars(value.data(), value.data() + value.size(), v);
        if (value.empty() || r.ec != std::errc{}
            || r.ptr != value.data() + value.size()
            || (has_length && v != length))
          return reject("bad Content-Length");
        has_length = true;
        length = v;
      } else if (iequals(name, "transfer-encoding")) {
        // Only chunked is understood; it must be the last coding applied.
        std::string_view last;
        each_token(value, [&](std::string_view t) { last = t; });
        if (iequals(last, "chunked"))
          chunked = true;
        else
          other_te = true;
      } else if (iequals(name, "connection")) {
        each_token(value, [&](std::string_view t) {
          if (iequals(t, "close"))
            close = true;
          else if (iequals(t, "keep-alive"))
            keep_alive = true;
        });
      }
    }
    keep_alive_ = http10 ? keep_alive && !close : !close;
    if ((code_ >= 100 && code_ < 200) || code_ == 204 || code_ == 304) {
      framing_ = framing::none; // never a body
    } else if (other_te) {
      return reject("unsupported Transfer-Encoding");
    } else if (chunked) {
      framing_ = framing::chunked; // overrides any Content-Length
    } else if (has_length) {
      if (length > max_response)
        return reject("reply too large");
      content_length_ = size_t(length);
      framing_ = length ? framing::length : framing::none;
    } else {
      framing_ = framing::until_eof; // the close delimits the body
      keep_alive_ = false;
    }
    return true;
  }

  /// Decodes the chunks that have arrived into chunked_body_; `end` is set
  /// to the end of the reply once the last chunk and trailers are in.
  parsed parse_chunks(size_t& end) {
    const char* b = in_.data();
    for (;;) {
      auto* eol = static_cast<const char*>(
        memmem(b + chunk_at_, in_len_ - chunk_at_, "\r\n", 2));
      if (!eol)
        return parsed::more;
      // chunk-size [; extensions]
      const char* p = b + chunk_at_;
      uint64_t size = 0;
      int digits = 0;
      for (; p < eol; ++p, ++digits) {
        int d;
        if (*p >= '0' && *p <= '9')
          d = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
          d = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
          d = *p - 'A' + 10;
        else
          break;
        size = size * 16 + uint64_t(d);
        if (size > max_response)
          return bad("chunk too large");
      }
      if (digits == 0 || (p < eol && *p != ';' && *p != ' ' && *p != '\t'))
        return bad("malformed chunk size");
      size_t data_at = size_t(eol - b) + 2;
      if (size == 0) {
        // The last chunk: trailer lines (usually none), then a blank line.
        if (in_len_ - data_at >= 2 && b[data_at] == '\r'
            && b[data_at + 1] == '\n') {
          end = data_at + 2;
          return parsed::done;
        }
        auto* t = static_cast<const char*>(
          memmem(b + data_at, in_len_ - data_at, "\r\n\r\n", 4));
        if (!t)
          return parsed::more;
        end = size_t(t - b) + 4;
        return parsed::done;
      }
      if (in_len_ - data_at < size + 2)
        return parsed::more;
      if (b[data_at + size] != '\r' || b[data_at + size + 1] != '\n')
        return bad("malformed chunk");
      chunked_body_.append(b + data_at, size_t(size));
      chunk_at_ = data_at + size_t(size) + 2;
    }
  }

  bool succeeded() const {
    if (code_ < 200 || code_ > 299)
      return false;
    if (is_rpc(st_.mode))
      return contains(body_, "\"result\":") && !contains(body_, "\"error\":{");
    if (st_.mode == mode_kind::health)
      return true;
    if (st_.mode == mode_kind::oc_status)
      return contains(body_, "\"requestId\"") && !contains(body_, "\"error\"");
    if (st_.mode == mode_kind::oc_cache)
      return contains(body_, "\"cachedItems\":[\"");
    return contains(body_, "\"status\":\"success\"");
  }

  /// A whole reply is in: records it, then sends the next request.
  void complete() {
    nanos t = now_ns(); // the end of this request and the start of the next
    if (succeeded()) {
      tc_.latencies.push_back(t - began_);
      if (st_.collect) {
        auto id = extract(body_, st_.mode == mode_kind::create ? "tid"
                                                               : "result");
        if (!id.empty())
          tc_.created.emplace_back(id);
      }
    } else if (st_.count_error()) {
      char prefix[32];
      std::snprintf(prefix, sizeof prefix, "HTTP %d", code_);
      report(st_.mode, prefix, body_);
    }
    bool keep = keep_alive_;
    reset_parser();
    in_len_ = 0;
    if (!keep) { // the server closes: reopen (not an error)
      close_fd();
      if (st_.over(t))
        return finish();
      return open();
    }
    next(t);
  }

  enum class framing { none, length, chunked, until_eof };

  run_state& st_;
  thread_ctx& tc_;
  size_t index_;     // among all connections of the run
  int fd_ = -1;
  uint32_t interest_ = 0; // epoll events armed; 0: not registered
  state state_ = state::connecting;
  size_t addr_ = 0;
  int reconnects_ = 0;
  uint64_t counter_ = 0; // requests sent on this connection
  nanos began_ = 0;
  nanos deadline_ = 0; // of the connect or request in progress

  std::string req_; // rendered request (varying modes)
  const char* out_ = nullptr;
  size_t out_len_ = 0;
  size_t sent_ = 0;

  std::vector<char> in_; // received bytes of the current reply
  size_t in_len_ = 0;
  // parser state
  size_t scan_ = 0;    // bytes already searched for the end of the headers
  size_t body_at_ = 0; // 0: headers not complete yet
  size_t chunk_at_ = 0;
  int code_ = 0;
  bool keep_alive_ = true;
  framing framing_ = framing::none;
  size_t content_length_ = 0;
  std::string chunked_body_;
  std::string_view body_;
  const char* why_ = "";
};

/// The event loop of one thread, until all its connections are finished.
void event_loop(thread_ctx& tc, std::vector<connection>& conns,
                nanos sweep_every) {
  int wait_ms = int(std::max<nanos>(1, sweep_every / 1000000));
  for (auto& c : conns)
    c.open();
  std::vector<epoll_event> events(std::max<size_t>(1, conns.size()));
  nanos next_sweep = now_ns() + sweep_every;
  while (tc.active > 0) {
    int n = ::epoll_wait(tc.ep, events.data(), int(events.size()), wait_ms);
    if (n < 0 && errno != EINTR) {
      std::perror("loadgen: epoll_wait");
      std::exit(1);
    }
    for (int i = 0; i < n; ++i)
      static_cast<connection*>(events[i].data.ptr)
        ->on_event(events[i].events);
    nanos t = now_ns();
    if (t >= next_sweep) {
      for (auto& c : conns)
        c.check_timeout(t);
      next_sweep = t + sweep_every;
    }
  }
}

/// Renders the request pieces of `mode` into st.
void prepare_requests(run_state& st, const options& opt) {
  const char* create_tail = opt.paused ? R"(","paused":true})" : R"("})";
  std::string host = "Host: " + opt.host + ":" + opt.port + "\r\n";
  std::string auth = "Authorization: Bearer " + opt.key + "\r\n";
  size_t longest_id = 0;
  for (auto& id : st.ids)
    longest_id = std::max(longest_id, id.size());
  switch (st.mode) {
  case mode_kind::create: {
    std::string body = std::string{R"({"url":")"} + never_url + create_tail;
    st.fixed = "POST /task HTTP/1.1\r\n" + host + auth
               + "Content-Type: application/json\r\nContent-Length: "
               + std::to_string(body.size()) + "\r\n\r\n" + body;
    break;
  }
  case mode_kind::health:
    st.fixed = "GET /healthz HTTP/1.1\r\n" + host + "\r\n";
    break;
  case mode_kind::status:
    st.head = "GET /task/tid/";
    st.tail = "/status HTTP/1.1\r\n" + host + auth + "\r\n";
    break;
  case mode_kind::oc_status:
    // requestId = "0000" + the 20-digit tid: 24 hex digits, a fixed length.
    st.head = "POST /api/cloud/status?key=" + opt.key + " HTTP/1.1\r\n" + host
              + "Content-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 34\r\n\r\nrequestId=0000";
    break;
  case mode_kind::oc_cache: {
    std::string body;
    auto stride = std::max<uint64_t>(1, opt.cached / 50);
    for (int i = 0; i < 100; ++i) {
      // Even places: cached hashes spread over the table; odd: unknown.
      uint64_t x = i % 2 == 0 ? 1 + (uint64_t(i / 2) * stride) % opt.cached
                              : (uint64_t{0xfeed} << 40) + uint64_t(i);
      char hash[41];
      std::snprintf(hash, sizeof hash, "%040llx",
                    static_cast<unsigned long long>(x));
      body += (i ? "&" : "") + std::string{"hashes%5B"} + std::to_string(i)
              + "%5D=" + hash;
    }
    st.fixed = "POST /api/cache?key=" + opt.key + " HTTP/1.1\r\n" + host
               + "Content-Type: application/x-www-form-urlencoded\r\n"
                 "Content-Length: "
               + std::to_string(body.size()) + "\r\n\r\n" + body;
    break;
  }
  case mode_kind::aria2_add:
  case mode_kind::aria2_status: {
    std::string token = "\"token:" + opt.secret + "\",";
    st.head = "POST " + opt.path + " HTTP/1.1\r\n" + host
              + "Content-Type: application/json\r\nContent-Length: ";
    st.body1 = R"({"jsonrpc":"2.0","id":")";
    if (st.mode == mode_kind::aria2_add) {
      st.body2 = R"(","method":"aria2.addUri","params":[)" + token + "[\""
                 + never_url + R"("],{"pause":"true"}]})";
    } else {
      st.body2 = R"(","method":"aria2.tellStatus","params":[)" + token
                 + "\"";
      st.body3 = "\"]}";
    }
    break;
  }
  }
  // The longest rendered request, with room for two 20-digit numbers.
  st.max_request = st.head.size() + st.tail.size() + st.body1.size()
                   + st.body2.size() + st.body3.size() + longest_id + 48;
}

/// Runs one load phase; returns the ids created when `collect`. `ok` is
/// false when not one request succeeded.
std::vector<std::string> run(bool& ok, const options& opt,
                             const std::vector<address>& addrs,
                             mode_kind mode, std::vector<std::string> ids,
                             double duration, uint64_t requests, bool collect,
                             bool print) {
  run_state st;
  st.mode = mode;
  st.connections = opt.connections;
  st.requests = requests;
  st.timeout = std::max<nanos>(1, to_ns(opt.timeout));
  st.collect = collect;
  st.addrs = &addrs;
  st.ids = std::move(ids);
  prepare_requests(st, opt);

  size_t nthreads = std::min(opt.threads, opt.connections);
  // Timeouts are noticed within a tenth of --timeout, and within 100 ms.
  nanos sweep_every = std::clamp<nanos>(st.timeout / 10, 1000000, 100000000);
  // Room for every latency up front (only the pages written get memory).
  size_t expect = requests ? size_t(requests)
                           : size_t(std::min(duration, 600.0) * 200000) + 1;
  expect = std::min<size_t>(expect, size_t(1) << 24) / nthreads + 1;

  std::vector<std::unique_ptr<thread_ctx>> ctx;
  std::vector<std::vector<connection>> conns(nthreads);
  for (size_t t = 0; t < nthreads; ++t) {
    auto c = std::make_unique<thread_ctx>();
    c->ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (c->ep < 0)
      throw std::runtime_error(std::string{"epoll_create1: "}
                               + std::strerror(errno));
    c->latencies.reserve(expect);
    if (collect)
      c->created.reserve(size_t(requests / nthreads + 1));
    ctx.push_back(std::move(c));
  }
  for (size_t t = 0; t < nthreads; ++t)
    conns[t].reserve(opt.connections / nthreads + 1); // never reallocated:
                                                     // epoll holds pointers
  for (size_t i = 0; i < opt.connections; ++i) {
    auto& c = *ctx[i % nthreads];
    conns[i % nthreads].emplace_back(st, c, i);
    ++c.active;
  }

  auto begin = now_ns();
  st.end = begin + to_ns(duration);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < nthreads; ++t)
    pool.emplace_back(
      [&, t] { event_loop(*ctx[t], conns[t], sweep_every); });
  event_loop(*ctx[0], conns[0], sweep_every);
  for (auto& th : pool)
    th.join();
  double secs = double(now_ns() - begin) / 1e9;

  std::vector<nanos> lat = std::move(ctx[0]->latencies);
  std::vector<std::string> created = std::move(ctx[0]->created);
  for (size_t t = 1; t < nthreads; ++t) {
    lat.insert(lat.end(), ctx[t]->latencies.begin(), ctx[t]->latencies.end());
    for (auto& s : ctx[t]->created)
      created.push_back(std::move(s));
  }
  for (auto& c : ctx)
    ::close(c->ep);

  // The element a full sort would put at index p * size (as before), found
  // in linear time.
  auto pct = [&](double p) {
    if (lat.empty())
      return 0.0;
    auto k = std::min(lat.size() - 1, size_t(p * double(lat.size())));
    std::nth_element(lat.begin(), lat.begin() + ptrdiff_t(k), lat.end());
    return double(lat[k]) / 1e6;
  };
  ok = !lat.empty();
  if (print) {
    double p50 = pct(0.50);
    double p99 = pct(0.99);
    std::printf("mode=%s requests=%zu errors=%llu seconds=%.3f rps=%.1f "
                "p50_ms=%.3f p99_ms=%.3f\n",
                mode_name(mode), lat.size(),
                static_cast<unsigned long long>(st.errors.load()), secs,
                double(lat.size()) / secs, p50, p99);
    std::fflush(stdout);
  }
  return created;
}

std::vector<address> resolve(const options& opt) {
  // "[::1]" in a URL names an IPv6 address.
  std::string host = opt.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), opt.port.c_str(), &hints, &res);
  if (rc != 0)
    throw std::runtime_error("resolve " + opt.host + ":" + opt.port + ": "
                             + ::gai_strerror(rc));
  std::vector<address> out;
  for (auto* a = res; a; a = a->ai_next) {
    if (a->ai_addrlen > sizeof(sockaddr_storage))
      continue;
    address ad{};
    std::memcpy(&ad.sa, a->ai_addr, a->ai_addrlen);
    ad.len = socklen_t(a->ai_addrlen);
    ad.family = a->ai_family;
    out.push_back(ad);
  }
  ::freeaddrinfo(res);
  if (out.empty())
    throw std::runtime_error("resolve " + opt.host + ": no address");
  return out;
}

void usage() {
  std::cerr
    << "usage: loadgen --url http://HOST:PORT[/jsonrpc] --mode "
       "create|status|aria2-add|aria2-status|health|oc-status|oc-cache\n"
       "               [--key API_KEY] [--secret RPC_SECRET]\n"
       "               [--connections 64] [--duration 10] [--requests N]\n"
       "               [--tasks 1000] [--threads 1] [--timeout 30]\n"
       "               [--cached 100000] [--ids FILE] [--paused true|false]\n";
}

} // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN); // a peer that vanishes is an error, not a kill
  options opt;
  bool ok = false;
  try {
    for (int i = 1; i < argc; i += 2) {
      std::string k = argv[i];
      if (k == "--help" || k == "-h") {
        usage();
        return 0;
      }
      if (i + 1 >= argc) {
        std::cerr << "loadgen: " << k << " needs a value\n";
        return 2;
      }
      std::string v = argv[i + 1];
      if (k == "--url" || k == "--target") {
        auto s = v.find("://");
        auto rest = s == std::string::npos ? v : v.substr(s + 3);
        auto slash = rest.find('/');
        if (slash != std::string::npos) {
          opt.path = rest.substr(slash);
          rest = rest.substr(0, slash);
        }
        auto colon = rest.rfind(':');
        opt.host = rest.substr(0, colon);
        opt.port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
      } else if (k == "--mode") {
        opt.mode = v;
      } else if (k == "--key") {
        opt.key = v;
      } else if (k == "--secret") {
        opt.secret = v;
      } else if (k == "--connections") {
        opt.connections = std::max<size_t>(1, std::stoul(v));
      } else if (k == "--duration") {
        opt.duration = std::stod(v);
      } else if (k == "--requests") {
        opt.requests = std::stoull(v);
      } else if (k == "--tasks") {
        opt.tasks = std::max<size_t>(1, std::stoul(v));
      } else if (k == "--threads") {
        opt.threads = std::max<size_t>(1, std::stoul(v));
      } else if (k == "--timeout") {
        opt.timeout = std::stod(v);
      } else if (k == "--cached") {
        opt.cached = std::max<uint64_t>(1, std::stoull(v));
      } else if (k == "--ids") {
        opt.ids_file = v;
      } else if (k == "--paused") {
        opt.paused = v != "false" && v != "0";
      } else {
        std::cerr << "loadgen: unknown option " << k << "\n";
        usage();
        return 2;
      }
    }
    if (opt.path.empty() || opt.path == "/")
      opt.path = "/jsonrpc";
    mode_kind m;
    if (!parse_mode(opt.mode, m)) {
      std::cerr << "loadgen: unknown mode " << opt.mode << "\n";
      usage();
      return 2;
    }
    auto addrs = resolve(opt);
    if (m == mode_kind::status || m == mode_kind::aria2_status
        || m == mode_kind::oc_status) {
      auto maker = m == mode_kind::aria2_status ? mode_kind::aria2_add
                                                : mode_kind::create;
      std::vector<std::string> ids;
      if (!opt.ids_file.empty()) {
        // The tids/gids of live work, one per line, instead of new ones.
        std::ifstream in{opt.ids_file};
        for (std::string line; std::getline(in, line);)
          if (!line.empty())
            ids.push_back(line);
        if (ids.empty())
          throw std::runtime_error("no ids in " + opt.ids_file);
      } else {
        // Set-up phase: bounded by --tasks and by 600 s.
        ids = run(ok, opt, addrs, maker, {}, 600, opt.tasks, true, false);
      }
      if (opt.ids_file.empty() && ids.size() < opt.tasks) {
        std::cerr << "loadgen: created only " << ids.size() << " of "
                  << opt.tasks << " tasks to query\n";
        if (ids.empty())
          return 1;
      }
      run(ok, opt, addrs, m, std::move(ids), opt.duration, opt.requests,
          false, true);
    } else {
      run(ok, opt, addrs, m, {}, opt.duration, opt.requests, false, true);
    }
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << "\n";
    return 1;
  }
  return ok ? 0 : 1;
}
