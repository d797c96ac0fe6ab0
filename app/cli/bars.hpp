#pragma once

// Progress bars of `skyhaul watch` and `add --wait`: one line per task,
// redrawn in place on a terminal, plain lines when stdout is not one.

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace skyhaul::cli {

/// What a bar shows of a task.
struct task_view {
  std::string tid;
  std::string name;
  std::string state = "waiting";
  uint64_t done = 0;
  int64_t total = -1;
  uint64_t speed = 0;
  int64_t eta = -1;
  std::string error;
};

/// "1.5 MiB" and the like.
std::string human_bytes(uint64_t n);

/// "1:02:03", "0:12", or "--" when unknown.
std::string human_eta(int64_t seconds);

/// Percent done, 100 once finished.
double percent_of(const task_view& t);

/// One bar line of exactly `width` columns at most.
std::string bar_line(const task_view& t, size_t width);

/// One plain line: for logs and pipes.
std::string plain_line(const task_view& t);

/// The columns of the terminal at `fd` (TIOCGWINSZ), else $COLUMNS,
/// else 80.
size_t terminal_width(int fd);

/// Draws the bars of several tasks to `out`.
class bar_board {
public:
  /// `tty`: redraw in place; else print a plain line per change.
  bar_board(std::FILE* out, bool tty) : out_(out), tty_(tty) {
  }

  /// The task's view, added at the bottom when new.
  task_view& at(const std::string& tid);

  bool has(const std::string& tid) const {
    return views_.count(tid) > 0;
  }

  /// Shows the change of task `tid`.
  void changed(const std::string& tid);

  /// Every task shown, in order of appearance.
  std::vector<const task_view*> all() const;

private:
  void redraw();

  std::FILE* out_;
  bool tty_;
  std::map<std::string, task_view> views_;
  std::vector<std::string> order_;
  size_t drawn_ = 0;
};

} // namespace skyhaul::cli
