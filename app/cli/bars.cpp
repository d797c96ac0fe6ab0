#include "app/cli/bars.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <sys/ioctl.h>
#include <unistd.h>

namespace skyhaul::cli {

std::string human_bytes(uint64_t n) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double x = static_cast<double>(n);
  size_t u = 0;
  while (x >= 1024 && u + 1 < std::size(units)) {
    x /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", x, units[u]);
  return buf;
}

std::string human_eta(int64_t s) {
  if (s < 0)
    return "--";
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld",
                  static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60),
                  static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  return buf;
}

double percent_of(const task_view& t) {
  if (t.state == "finished")
    return 100.0;
  if (t.total <= 0)
    return 0.0;
  return std::min(100.0, 100.0 * static_cast<double>(t.done)
                           / static_cast<double>(t.total));
}

namespace {

/// The last `n` columns of `s` (ASCII), or `s` padded to `n`.
std::string fit(const std::string& s, size_t n) {
  if (s.size() <= n)
    return s + std::string(n - s.size(), ' ');
  if (n <= 1)
    return s.substr(0, n);
  return s.substr(0, n - 1) + "~";
}

std::string tail_text(const task_view& t) {
  char pct[16];
  std::snprintf(pct, sizeof pct, "%5.1f%%", percent_of(t));
  std::string out = pct;
  if (t.state == "downloading") {
    out += "  " + human_bytes(t.speed) + "/s";
    out += "  ETA " + human_eta(t.eta);
  } else {
    out += "  " + t.state;
    if (!t.error.empty())
      out += ": " + t.error;
  }
  return out;
}

} // namespace

std::string bar_line(const task_view& t, size_t width) {
  width = std::max<size_t>(width, 20);
  auto name_w = std::clamp<size_t>(width / 4, 8, 30);
  auto tail = tail_text(t);
  // name, space, [bar], space, tail
  long bar_w = static_cast<long>(width) - static_cast<long>(name_w)
               - static_cast<long>(tail.size()) - 4;
  if (bar_w < 5) {
    // Narrow: no bar, just the figures.
    return fit(t.name.empty() ? t.tid : t.name, name_w) + " "
           + tail.substr(0, width - name_w - 1);
  }
  auto filled = static_cast<long>(
    std::floor(percent_of(t) / 100.0 * static_cast<double>(bar_w)));
  std::string bar(static_cast<size_t>(filled), '#');
  bar += std::string(static_cast<size_t>(bar_w - filled), '-');
  auto line = fit(t.name.empty() ? t.tid : t.name, name_w) + " [" + bar + "] "
              + tail;
  return line.substr(0, width);
}

std::string plain_line(const task_view& t) {
  char pct[16];
  std::snprintf(pct, sizeof pct, "%.1f%%", percent_of(t));
  std::string out = t.tid + " " + t.state + " " + pct;
  if (t.total >= 0)
    out += " " + human_bytes(t.done) + "/" + human_bytes(
                                                static_cast<uint64_t>(t.total));
  if (t.state == "downloading")
    out += " " + human_bytes(t.speed) + "/s eta " + human_eta(t.eta);
  if (!t.error.empty())
    out += " " + t.error;
  return out;
}

size_t terminal_width(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  if (auto* cols = std::getenv("COLUMNS")) {
    auto n = std::atol(cols);
    if (n > 0)
      return static_cast<size_t>(n);
  }
  return 80;
}

task_view& bar_board::at(const std::string& tid) {
  auto i = views_.find(tid);
  if (i != views_.end())
    return i->second;
  order_.push_back(tid);
  auto& v = views_[tid];
  v.tid = tid;
  return v;
}

void bar_board::changed(const std::string& tid) {
  if (!tty_) {
    std::fprintf(out_, "%s\n", plain_line(at(tid)).c_str());
    std::fflush(out_);
    return;
  }
  redraw();
}

void bar_board::redraw() {
  auto width = terminal_width(::fileno(out_));
  // The cursor goes back to the first bar; each line is cleared first, so
  // a shorter line leaves nothing behind. One column is spared: writing the
  // last one makes some terminals wrap.
  if (drawn_ > 0)
    std::fprintf(out_, "\x1b[%zuA", drawn_);
  for (auto& tid : order_)
    std::fprintf(out_, "\r\x1b[2K%s\n",
                 bar_line(views_[tid], width - 1).c_str());
  drawn_ = order_.size();
  std::fflush(out_);
}

std::vector<const task_view*> bar_board::all() const {
  std::vector<const task_view*> out;
  for (auto& tid : order_)
    out.push_back(&views_.at(tid));
  return out;
}

} // namespace skyhaul::cli
