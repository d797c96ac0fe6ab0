#define BOOST_TEST_MODULE runtime
#include <boost/test/unit_test.hpp>

// The runtime's stop: each actor gets a bounded time to exit, so a stop
// never hangs on one that does not.

#include "actors/runtime.hpp"

#include <atomic>
#include <caf/all.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>

using namespace skyhaul;
using namespace std::chrono_literals;

namespace {

/// A gate the test opens; waiting on it is bounded.
struct gate {
  std::mutex mtx;
  std::condition_variable cv;
  bool open = false;

  void release() {
    {
      std::lock_guard<std::mutex> guard{mtx};
      open = true;
    }
    cv.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock{mtx};
    cv.wait_for(lock, 30s, [this] { return open; });
  }
};

struct fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;

  fixture() {
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(runtime_suite, fixture)

BOOST_AUTO_TEST_CASE(an_actor_that_exits_is_waited_for) {
  std::atomic<bool> cleaned{false};
  auto a = sys->spawn([&](caf::event_based_actor* self) -> caf::behavior {
    self->attach_functor([&] { cleaned = true; });
    return {[](int) {}};
  });
  caf::scoped_actor self{*sys};
  auto t0 = std::chrono::steady_clock::now();
  BOOST_CHECK(stop_within(self, a, "a", 5s));
  BOOST_CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  // It is gone, not only asked to go.
  BOOST_CHECK(cleaned);
  BOOST_CHECK(stop_within(self, caf::actor{}, "none", 5s));
}

BOOST_AUTO_TEST_CASE(an_actor_that_never_exits_costs_the_limit_only) {
  gate stuck;
  std::atomic<bool> entered{false};
  auto a = sys->spawn<caf::detached>(
      [&](caf::event_based_actor*) -> caf::behavior {
        return {[&](int) {
          entered = true;
          stuck.wait(); // a handler that does not return: no exit is seen
        }};
      });
  caf::scoped_actor self{*sys};
  self->send(a, 1);
  auto until = std::chrono::steady_clock::now() + 10s;
  while (!entered && std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
  BOOST_REQUIRE(entered);
  auto t0 = std::chrono::steady_clock::now();
  BOOST_CHECK(!stop_within(self, a, "stuck", 300ms));
  auto took = std::chrono::steady_clock::now() - t0;
  BOOST_CHECK(took >= 250ms); // the timer may round a little down
  BOOST_CHECK_MESSAGE(took < 2s, "the stop took "
                                     << std::chrono::duration_cast<
                                            std::chrono::milliseconds>(took)
                                            .count()
                                     << " ms");
  // Once its handler returns it takes the exit it was sent.
  stuck.release();
  BOOST_CHECK(stop_within(self, a, "stuck", 10s));
  // An earlier actor's down message is no answer for the next one.
  auto b = sys->spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {}};
  });
  BOOST_CHECK(stop_within(self, b, "b", 5s));
}

BOOST_AUTO_TEST_SUITE_END()
