#pragma once
// Runs tests/support/receiver.py, a scriptable callback receiver, for one
// test, and reads what it saw.

#include <chrono>
#include <map>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace skyhaul::test {

/// One request the receiver saw.
struct hit {
  std::string path;
  std::map<std::string, std::string> headers;
  std::string body;
  /// "500", "hang" or "200".
  std::string answer;
};

/// Runs tests/support/receiver.py for one test.
class receiver {
public:
  /// Starts receiver.py: `fail` answers of 500, `hang` stalls of
  /// `hang_seconds`, then 200 for good.
  receiver(int fail, int hang, double hang_seconds);
  ~receiver();
  receiver(const receiver&) = delete;
  receiver& operator=(const receiver&) = delete;

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + port_ + path;
  }

  /// Replaces the script: `fail` times 500, `hang` stalls, then 200.
  void script(int fail, int hang) const;

  /// Every request seen so far.
  std::vector<hit> hits() const;

  /// Waits (bounded) until `pred(hits())` holds; returns the last hits.
  template <class Pred>
  std::vector<hit> await(Pred pred, std::chrono::seconds limit
                                    = std::chrono::seconds(30)) const {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      auto hs = hits();
      if (pred(hs) || std::chrono::steady_clock::now() > deadline)
        return hs;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

private:
  std::string dir_;
  std::string log_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::string port_;
};

} // namespace skyhaul::test
