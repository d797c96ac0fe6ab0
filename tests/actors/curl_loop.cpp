#define BOOST_TEST_MODULE curl_loop
#include <boost/test/unit_test.hpp>

// The one curl loop against the real local origin and receiver: jobs run
// on its thread with the shared defaults (network policy, no proxy, a
// bound on every transfer), chain from one another, and can be dropped.

#include "actors/curl_loop.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/receiver.hpp"

#include <caf/all.hpp>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <mutex>
#include <thread>

using namespace skyhaul;
using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

/// What a finished job saw.
struct outcome {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string refusal;
  std::string body;
  std::thread::id thread;
};

/// A GET whose outcome lands in a promise; `then` may queue another job.
class get_job : public curl_job {
public:
  get_job(std::string url, std::promise<outcome>* done,
          const base::net_policy* own = nullptr)
      : url_(std::move(url)), done_(done), own_(own) {
  }
  ~get_job() override {
    if (destroyed != nullptr)
      *destroyed = true;
  }

  bool prepare(CURL* e) override {
    curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &get_job::write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &out_.body);
    return true;
  }

  void finished(CURL* e, CURLcode code) override {
    out_.code = code;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &out_.status);
    out_.refusal = refusal();
    out_.thread = std::this_thread::get_id();
    if (then)
      then(out_);
    if (done_ != nullptr)
      done_->set_value(out_);
  }

  const base::net_policy* policy() const override {
    return own_;
  }

  std::function<void(outcome&)> then;
  std::atomic<bool>* destroyed = nullptr;

private:
  static size_t write(char* p, size_t size, size_t n, void* ud) {
    static_cast<std::string*>(ud)->append(p, size * n);
    return size * n;
  }

  std::string url_;
  outcome out_;
  std::promise<outcome>* done_;
  const base::net_policy* own_;
};

/// The loop's defaults with loopback allowed (the origin is local).
curl_defaults local() {
  curl_defaults d;
  d.policy = base::net_policy::from_settings(false, {"127.0.0.0/8"});
  return d;
}

outcome await(std::promise<outcome>& p) {
  auto f = p.get_future();
  BOOST_REQUIRE_MESSAGE(f.wait_for(30s) == std::future_status::ready,
                        "the job did not finish within 30 s");
  return f.get();
}

} // namespace

BOOST_AUTO_TEST_CASE(a_job_runs_on_the_loop_thread) {
  origin org;
  curl_loop loop{local()};
  std::promise<outcome> done;
  BOOST_REQUIRE(loop.submit(
      std::make_unique<get_job>(org.url("/file/1000"), &done)));
  auto out = await(done);
  BOOST_CHECK_EQUAL(out.code, CURLE_OK);
  BOOST_CHECK_EQUAL(out.status, 200);
  BOOST_CHECK_EQUAL(out.body, origin_content(1000));
  BOOST_CHECK(out.thread != std::this_thread::get_id());
  BOOST_CHECK(out.refusal.empty());
}

BOOST_AUTO_TEST_CASE(the_default_policy_refuses_at_connect_time) {
  origin org;
  curl_loop loop{curl_defaults{}};
  std::promise<outcome> done;
  loop.submit(std::make_unique<get_job>(org.url("/file/10"), &done));
  auto out = await(done);
  BOOST_CHECK_EQUAL(out.code, CURLE_COULDNT_CONNECT);
  BOOST_CHECK_EQUAL(out.refusal, "refused to connect to 127.0.0.1: private "
                                 "networks are not allowed");
  BOOST_CHECK(org.log().find("/file/10") == std::string::npos);
  // A job may carry a policy of its own.
  static const base::net_policy everything{true};
  std::promise<outcome> own;
  loop.submit(std::make_unique<get_job>(org.url("/file/10"), &own, &everything));
  auto ok = await(own);
  BOOST_CHECK_EQUAL(ok.code, CURLE_OK);
  BOOST_CHECK_EQUAL(ok.status, 200);
}

BOOST_AUTO_TEST_CASE(environment_proxies_are_ignored) {
  origin org;
  ::setenv("http_proxy", "http://127.0.0.1:1", 1);
  ::setenv("HTTP_PROXY", "http://127.0.0.1:1", 1);
  curl_loop loop{local()};
  std::promise<outcome> done;
  loop.submit(std::make_unique<get_job>(org.url("/file/10"), &done));
  auto out = await(done);
  ::unsetenv("http_proxy");
  ::unsetenv("HTTP_PROXY");
  BOOST_CHECK_EQUAL(out.code, CURLE_OK);
  BOOST_CHECK_EQUAL(out.status, 200);
}

BOOST_AUTO_TEST_CASE(every_job_is_bounded_by_the_defaults) {
  receiver rcv{0, 1, 5.0}; // one request hangs for 5 s
  auto d = local();
  d.low_speed_limit = 1;
  d.low_speed_time_s = 1;
  curl_loop loop{d};
  std::promise<outcome> done;
  auto t0 = std::chrono::steady_clock::now();
  loop.submit(std::make_unique<get_job>(rcv.url("/hang"), &done));
  auto out = await(done);
  BOOST_CHECK_EQUAL(out.code, CURLE_OPERATION_TIMEDOUT);
  BOOST_CHECK(std::chrono::steady_clock::now() - t0 < 4s);
}

BOOST_AUTO_TEST_CASE(a_finished_job_can_start_the_next) {
  origin org;
  curl_loop loop{local()};
  std::promise<outcome> second;
  auto first = std::make_unique<get_job>(org.url("/file/10"), nullptr);
  auto url = org.url("/file/20");
  first->then = [&loop, url, &second](outcome& out) {
    BOOST_CHECK_EQUAL(out.status, 200);
    loop.add(std::make_unique<get_job>(url, &second));
  };
  loop.submit(std::move(first));
  auto out = await(second);
  BOOST_CHECK_EQUAL(out.body, origin_content(20));
}

BOOST_AUTO_TEST_CASE(drop_ends_a_group_without_finished) {
  origin org;
  curl_loop loop{local()};
  int group = 0;
  std::atomic<bool> destroyed{false};
  std::promise<outcome> never;
  auto slow = std::make_unique<get_job>(org.url("/slow/1000000?bps=10000"),
                                        &never);
  slow->group = &group;
  slow->destroyed = &destroyed;
  loop.submit(std::move(slow));
  // Another group keeps running.
  std::promise<outcome> other;
  loop.submit(std::make_unique<get_job>(org.url("/file/10"), &other));
  BOOST_CHECK_EQUAL(await(other).status, 200);
  loop.drop(&group);
  // The loop ends the job on its own thread soon after.
  auto until = std::chrono::steady_clock::now() + 10s;
  while (!destroyed && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(5ms);
  BOOST_CHECK(destroyed);
  BOOST_CHECK(never.get_future().wait_for(0s) == std::future_status::timeout);
}

BOOST_AUTO_TEST_CASE(a_stopped_loop_refuses_work_and_frees_its_jobs) {
  origin org;
  curl_loop loop{local()};
  std::atomic<bool> destroyed{false};
  auto slow = std::make_unique<get_job>(org.url("/slow/1000000?bps=10000"),
                                        nullptr);
  slow->destroyed = &destroyed;
  loop.submit(std::move(slow));
  loop.shutdown();
  BOOST_CHECK(destroyed);
  BOOST_CHECK(!loop.submit(std::make_unique<get_job>(org.url("/file/1"),
                                                     nullptr)));
  BOOST_CHECK(!loop.post([](curl_loop&) {}));
  loop.drop(nullptr); // returns at once
}

namespace {

/// What the loop did to the jobs of one dropped group.
struct group_probe {
  /// Set by the dropping thread once `drop` returned.
  std::atomic<bool> dropped{false};
  /// `finished` or `tick` called after that: the guarantee broken.
  std::atomic<int> late_calls{0};
  std::atomic<int> destroyed{0};
  std::atomic<int> destroyed_elsewhere{0};
};

/// A GET that reports to its group's probe.
class probe_job : public curl_job {
public:
  probe_job(std::string url, group_probe& probe, std::thread::id loop_thread)
      : url_(std::move(url)), probe_(probe), loop_thread_(loop_thread) {
    group = &probe;
  }
  ~probe_job() override {
    if (std::this_thread::get_id() != loop_thread_)
      ++probe_.destroyed_elsewhere;
    ++probe_.destroyed;
  }
  bool prepare(CURL* e) override {
    curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &probe_job::sink);
    return true;
  }
  void finished(CURL*, CURLcode) override {
    if (probe_.dropped)
      ++probe_.late_calls;
  }
  void tick(std::chrono::steady_clock::time_point) override {
    if (probe_.dropped)
      ++probe_.late_calls;
  }

private:
  static size_t sink(char*, size_t size, size_t n, void*) {
    return size * n;
  }
  std::string url_;
  group_probe& probe_;
  std::thread::id loop_thread_;
};

/// A GET whose first body bytes hold the loop thread (inside
/// curl_multi_perform) until the test lets go: the loop is busy.
class holder_job : public curl_job {
public:
  holder_job(std::string url, std::promise<void>& entered,
             std::shared_future<void> release)
      : url_(std::move(url)), entered_(entered), release_(std::move(release)) {
  }
  bool prepare(CURL* e) override {
    curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &holder_job::hold);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
    return true;
  }
  void finished(CURL*, CURLcode) override {
  }

private:
  static size_t hold(char*, size_t size, size_t n, void* ud) {
    auto& self = *static_cast<holder_job*>(ud);
    if (!self.held_) {
      self.held_ = true;
      self.entered_.set_value();
      self.release_.wait_for(30s);
    }
    return size * n;
  }
  std::string url_;
  std::promise<void>& entered_;
  std::shared_future<void> release_;
  bool held_ = false;
};

template <class Pred> bool eventually(Pred pred, std::chrono::seconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

} // namespace

BOOST_AUTO_TEST_CASE(drop_from_many_actors_never_waits_for_a_busy_loop) {
  origin org;
  curl_loop loop{local()};
  std::promise<std::thread::id> id;
  loop.post([&id](curl_loop&) { id.set_value(std::this_thread::get_id()); });
  auto loop_thread = id.get_future().get();
  constexpr int groups = 24;
  constexpr int jobs_per_group = 3;
  std::vector<std::unique_ptr<group_probe>> probes;
  for (int i = 0; i < groups; ++i)
    probes.push_back(std::make_unique<group_probe>());
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  // The holder first, the groups' jobs behind it in the same turn: some of
  // them end in the very turn that the holder keeps from its end.
  auto fast = org.url("/file/1000");
  auto slow = org.url("/slow/1000000?bps=20000");
  auto holder = std::make_shared<std::unique_ptr<curl_job>>(
      std::make_unique<holder_job>(org.url("/file/100000"), entered, released));
  loop.post([&, holder](curl_loop& l) {
    l.add(std::move(*holder));
    for (auto& p : probes) {
      l.add(std::make_unique<probe_job>(fast, *p, loop_thread));
      l.add(std::make_unique<probe_job>(fast, *p, loop_thread));
      l.add(std::make_unique<probe_job>(slow, *p, loop_thread));
    }
  });
  BOOST_REQUIRE_MESSAGE(entered.get_future().wait_for(30s)
                            == std::future_status::ready,
                        "the holder did not start");
  // Each actor drops its group on the way out, from a CAF worker thread,
  // while the loop thread is held.
  std::mutex mtx;
  std::condition_variable cv;
  int dropped = 0;
  std::chrono::steady_clock::duration longest{0};
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  std::vector<caf::actor> actors;
  for (auto& p : probes) {
    auto* probe = p.get();
    actors.push_back(sys.spawn([&, probe](caf::event_based_actor* self) {
      self->attach_functor([&, probe] {
        auto t0 = std::chrono::steady_clock::now();
        loop.drop(probe);
        auto took = std::chrono::steady_clock::now() - t0;
        probe->dropped = true;
        std::lock_guard<std::mutex> guard{mtx};
        longest = std::max(longest, took);
        ++dropped;
        cv.notify_all();
      });
      return caf::behavior{[](int) {}};
    }));
  }
  for (auto& a : actors)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  bool all_dropped = false;
  {
    std::unique_lock<std::mutex> lock{mtx};
    all_dropped = cv.wait_for(lock, 5s, [&] { return dropped == groups; });
  }
  BOOST_CHECK_MESSAGE(all_dropped, "only " << dropped << " of " << groups
                                           << " drops returned within 5 s "
                                              "while the loop was busy");
  BOOST_CHECK(longest < 1s);
  // Nothing of a dropped group ran yet: the loop is still held.
  for (auto& p : probes)
    BOOST_CHECK_EQUAL(p->late_calls, 0);
  release.set_value();
  // The loop ends the dropped jobs on its own thread, and never calls them.
  auto total = groups * jobs_per_group;
  BOOST_CHECK(eventually(
      [&] {
        int n = 0;
        for (auto& p : probes)
          n += p->destroyed;
        return n == total;
      },
      10s));
  for (auto& p : probes) {
    BOOST_CHECK_EQUAL(p->late_calls, 0);
    BOOST_CHECK_EQUAL(p->destroyed_elsewhere, 0);
  }
  // A group that reuses a dropped address later runs as usual.
  std::promise<outcome> after;
  auto again = std::make_unique<get_job>(org.url("/file/10"), &after);
  again->group = probes.front().get();
  loop.submit(std::move(again));
  BOOST_CHECK_EQUAL(await(after).status, 200);
}
