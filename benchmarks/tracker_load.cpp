// tracker_load: an announce load generator (BEP 3) for Skyhaul's tracker
// and, in the same run, opentracker.
//
//   tracker_load --port N --prefix /announce/<passkey> --hashes FILE
//                [--peers 100000] [--connections 32] [--duration 10]
//                [--host 127.0.0.1]
//
// FILE holds one info-hash (40 hex digits) per line. Peer i announces on
// torrent i % torrents with its own peer id; half the peers are seeders.
// First every peer announces once ("started", not timed), then the timed
// phase cycles over the peers for --duration seconds. Every connection
// keeps one request in flight over keep-alive; a server that closes after
// its reply gets a new connection (not an error). A reply that is not 200,
// or that carries "failure reason", is an error. Prints one line:
//   requests=N errors=E seconds=S rps=R p50_ms=X p99_ms=Y
//
// One epoll loop on one thread with non-blocking sockets: client and
// server share a small machine, so the client must cost little per request.

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string prefix = "/announce";
  std::string hashes;
  size_t peers = 100000;
  size_t connections = 32;
  double duration = 10;
};

std::string escape(const std::string& raw) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : raw) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string unhex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}

struct conn {
  int fd = -1;
  std::string out;
  size_t sent = 0;
  std::string in;
  clock_type::time_point start;
  bool busy = false;
};

class runner {
public:
  explicit runner(const options& o) : o_(o) {
    std::ifstream in{o.hashes};
    std::string line;
    while (std::getline(in, line))
      if (line.size() >= 40)
        hashes_.push_back(escape(unhex(line.substr(0, 40))));
    if (hashes_.empty()) {
      std::fprintf(stderr, "no info-hashes in %s\n", o.hashes.c_str());
      std::exit(2);
    }
    ep_ = epoll_create1(0);
    conns_.resize(o.connections);
  }

  /// Announces of peers [next, ...) until `total` were sent (0: no bound)
  /// or `until` passes; latencies only when `timed`.
  void run(size_t total, clock_type::time_point until, bool timed) {
    total_ = total;
    timed_ = timed;
    issued_ = 0;
    done_ = 0;
    for (auto& c : conns_)
      if (!c.busy)
        issue(c);
    epoll_event evs[64];
    while (true) {
      bool more = total_ == 0 ? clock_type::now() < until : done_ < total_;
      if (!more && inflight() == 0)
        break;
      int n = epoll_wait(ep_, evs, 64, 100);
      for (int i = 0; i < n; ++i)
        on_event(conns_[evs[i].data.u32], evs[i].events, until);
    }
  }

  std::vector<double> latencies;
  size_t errors = 0;

private:
  size_t inflight() const {
    size_t n = 0;
    for (auto& c : conns_)
      n += c.busy;
    return n;
  }

  void connect(conn& c) {
    if (c.fd >= 0) {
      epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
      close(c.fd);
    }
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(o_.port));
    inet_pton(AF_INET, o_.host.c_str(), &a.sin_addr);
    ::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = static_cast<uint32_t>(&c - conns_.data());
    epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
  }

  void issue(conn& c) {
    if (total_ != 0 && issued_ >= total_)
      return;
    auto i = next_++ % o_.peers;
    ++issued_;
    char peer[32];
    std::snprintf(peer, sizeof peer, "-BE0001-%012zu", i % 1000000000000);
    auto seeder = i % 2 == 0;
    c.out = "GET " + o_.prefix + "?info_hash=" + hashes_[i % hashes_.size()]
            + "&peer_id=" + peer + "&port=" + std::to_string(10000 + i % 50000)
            + "&uploaded=" + std::to_string(round_ * 1000)
            + "&downloaded=0&left=" + (seeder ? "0" : "1000")
            + "&compact=1&numwant=50" + (round_ == 0 ? "&event=started" : "")
            + " HTTP/1.1\r\nHost: " + o_.host + "\r\n\r\n";
    if (next_ % o_.peers == 0)
      ++round_;
    c.sent = 0;
    c.in.clear();
    c.busy = true;
    c.start = clock_type::now();
    if (c.fd < 0)
      connect(c);
    else
      flush(c);
  }

  void flush(conn& c) {
    while (c.sent < c.out.size()) {
      auto n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent,
                    MSG_NOSIGNAL);
      if (n <= 0)
        return;
      c.sent += static_cast<size_t>(n);
    }
  }

  /// True when `c.in` holds a whole reply; `closed` frames by the close.
  bool complete(conn& c, bool closed, bool& keep) {
    auto end = c.in.find("\r\n\r\n");
    if (end == std::string::npos)
      return false;
    auto head = c.in.substr(0, end);
    std::string lower = head;
    for (auto& ch : lower)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    keep = lower.find("connection: close") == std::string::npos
           && lower.rfind("http/1.0", 0) == std::string::npos;
    auto cl = lower.find("content-length:");
    if (cl == std::string::npos)
      return closed;
    auto len = std::strtoull(lower.c_str() + cl + 15, nullptr, 10);
    return c.in.size() >= end + 4 + len;
  }

  void finish(conn& c, bool keep, clock_type::time_point until) {
    auto ok = c.in.rfind("HTTP/1.", 0) == 0 && c.in.compare(9, 3, "200") == 0
              && c.in.find("failure reason") == std::string::npos;
    if (!ok && errors++ < 3)
      std::fprintf(stderr, "bad reply: %.200s\n", c.in.c_str());
    if (ok && timed_)
      latencies.push_back(
          std::chrono::duration<double, std::milli>(clock_type::now()
                                                    - c.start)
              .count());
    ++done_;
    c.busy = false;
    if (!keep) {
      epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
      close(c.fd);
      c.fd = -1;
    }
    if (total_ == 0 ? clock_type::now() < until : issued_ < total_)
      issue(c);
  }

  void on_event(conn& c, uint32_t events, clock_type::time_point until) {
    if (!c.busy)
      return;
    if (events & EPOLLOUT)
      flush(c);
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
      return;
    char buf[16384];
    bool closed = false;
    for (;;) {
      auto n = recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<size_t>(n));
        continue;
      }
      closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
      break;
    }
    bool keep = true;
    if (complete(c, closed, keep))
      return finish(c, keep && !closed, until);
    if (closed) {
      // Closed before a reply: ask again on a new connection.
      c.sent = 0;
      c.in.clear();
      connect(c);
    }
  }

  options o_;
  std::vector<std::string> hashes_;
  std::vector<conn> conns_;
  int ep_ = -1;
  size_t next_ = 0;
  size_t round_ = 0;
  size_t total_ = 0;
  size_t issued_ = 0;
  size_t done_ = 0;
  bool timed_ = false;
};

} // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    std::string v = argv[i + 1];
    if (k == "--host")
      o.host = v;
    else if (k == "--port")
      o.port = std::stoi(v);
    else if (k == "--prefix")
      o.prefix = v;
    else if (k == "--hashes")
      o.hashes = v;
    else if (k == "--peers")
      o.peers = std::stoul(v);
    else if (k == "--connections")
      o.connections = std::stoul(v);
    else if (k == "--duration")
      o.duration = std::stod(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (o.port == 0 || o.hashes.empty()) {
    std::fprintf(stderr, "usage: tracker_load --port N --hashes FILE ...\n");
    return 2;
  }
  runner r{o};
  // Every peer joins its swarm once, untimed.
  r.run(o.peers, clock_type::now() + std::chrono::hours(1), false);
  auto warm_errors = r.errors;
  auto t0 = clock_type::now();
  r.run(0, t0 + std::chrono::duration_cast<clock_type::duration>(
                    std::chrono::duration<double>(o.duration)),
        true);
  auto secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  auto& l = r.latencies;
  std::sort(l.begin(), l.end());
  auto pct = [&](double p) {
    return l.empty() ? 0.0 : l[std::min(l.size() - 1,
                                        static_cast<size_t>(p * l.size()))];
  };
  std::printf("requests=%zu errors=%zu seconds=%.2f rps=%.0f p50_ms=%.2f "
              "p99_ms=%.2f\n",
              l.size(), r.errors, secs, l.size() / secs, pct(0.50),
              pct(0.99));
  (void) warm_errors;
  return l.empty() ? 1 : 0;
}
