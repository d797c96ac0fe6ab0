#define BOOST_TEST_MODULE events_integration
#include <boost/test/unit_test.hpp>

// GET /events against the real skyhauld and the local origin: what a
// download tells, who sees it, filters, resume across kill -9 and restart,
// the reset past the retention, heartbeats.

#include <algorithm>
#include <set>

#include "tests/support/daemon.hpp"
#include "tests/support/event_stream.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/task_calls.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;
using skyhaul::cli::sse_event;

namespace {

using events = event_stream::events;

std::string bearer(const std::string& key) {
  return "Authorization: Bearer " + key;
}

/// A stream of `key`'s events with `query` (e.g. "?tid=..."), subscribed.
std::unique_ptr<event_stream> open(const server_process& d,
                                   const std::string& key,
                                   const std::string& query = {},
                                   std::vector<std::string> more = {}) {
  more.push_back(bearer(key));
  auto s = std::make_unique<event_stream>(d.url() + "/events" + query, more);
  BOOST_REQUIRE_MESSAGE(s->wait_subscribed(),
                        "no subscription: " << s->end_reason() << " "
                                            << s->status());
  return s;
}

std::string tid_of(const sse_event& e) {
  return json_field(e.data, "tid");
}

/// The events of task `tid`.
events of_task(const events& evs, const std::string& tid) {
  events out;
  for (auto& e : evs)
    if (tid_of(e) == tid)
      out.push_back(e);
  return out;
}

/// A predicate: task `tid` reached state `state` in the stream.
auto reached(const std::string& tid, const std::string& state) {
  return [tid, state](const events& evs) {
    return std::any_of(evs.begin(), evs.end(), [&](const sse_event& e) {
      return e.type == "task.state" && tid_of(e) == tid
             && json_field(e.data, "state") == state;
    });
  };
}

/// A predicate: an event of `type` for `tid` arrived.
auto saw(const std::string& type, const std::string& tid) {
  return [type, tid](const events& evs) {
    return std::any_of(evs.begin(), evs.end(), [&](const sse_event& e) {
      return e.type == type && tid_of(e) == tid;
    });
  };
}

std::vector<uint64_t> ids_of(const events& evs) {
  std::vector<uint64_t> out;
  for (auto& e : evs)
    out.push_back(std::stoull(e.id));
  return out;
}

bool strictly_increasing(const std::vector<uint64_t>& ids) {
  return std::adjacent_find(ids.begin(), ids.end(),
                            [](uint64_t a, uint64_t b) { return a >= b; })
         == ids.end();
}

std::string paused_task(const origin& org, const std::string& name) {
  return R"({"url":")" + org.url("/file/1000") + R"(","key":")" + name
         + R"(","paused":true})";
}

struct fixture {
  origin org;
  server_process d{{"--event-heartbeat-ms=250"}};
  fixture() {
    d.start();
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(events_face, fixture)

BOOST_AUTO_TEST_CASE(a_download_tells_its_story_in_order) {
  auto s = open(d, d.admin().api_key);
  BOOST_CHECK_EQUAL(s->status(), 200);
  BOOST_CHECK(s->headers().find("content-type: text/event-stream")
              != std::string::npos);
  BOOST_CHECK(s->headers().find("cache-control: no-cache")
              != std::string::npos);
  const size_t size = 300000;
  auto want = expected_digests(size);
  auto tid = create(d, R"({"url":")"
                         + org.url("/slow/" + std::to_string(size)
                                   + "?bps=150000")
                         + R"(","bucket":"events","key":"story.bin"})");
  BOOST_REQUIRE_MESSAGE(s->wait(reached(tid, "finished"), 30s),
                        "no finished event");
  auto evs = of_task(s->received(), tid);
  BOOST_REQUIRE_GE(evs.size(), 5u);
  BOOST_CHECK(strictly_increasing(ids_of(s->received())));
  // created -> downloading -> progress... -> file -> finished
  BOOST_CHECK_EQUAL(evs.front().type, "task.created");
  BOOST_CHECK_EQUAL(json_field(evs.front().data, "state"), "waiting");
  BOOST_CHECK_EQUAL(json_field(evs.front().data, "bucket"), "events");
  BOOST_CHECK_EQUAL(json_field(evs.front().data, "key"), "story.bin");
  BOOST_CHECK(json_field(evs.front().data, "url").find("/slow/")
              != std::string::npos);
  BOOST_CHECK_EQUAL(evs[1].type, "task.state");
  BOOST_CHECK_EQUAL(json_field(evs[1].data, "state"), "downloading");
  BOOST_CHECK_EQUAL(json_field(evs[1].data, "previous"), "waiting");
  size_t i = 2;
  size_t progress = 0;
  for (; i < evs.size() && evs[i].type == "task.progress"; ++i, ++progress) {
    BOOST_CHECK_EQUAL(json_field(evs[i].data, "total_bytes"),
                      std::to_string(size));
    BOOST_CHECK(!json_field(evs[i].data, "percent").empty());
    BOOST_CHECK(!json_field(evs[i].data, "eta").empty());
  }
  BOOST_CHECK_GE(progress, 1u);
  // About one a second: a two-second download has a handful, not dozens.
  BOOST_CHECK_LE(progress, 6u);
  BOOST_REQUIRE_LT(i + 1, evs.size() + 0);
  BOOST_CHECK_EQUAL(evs[i].type, "task.file");
  BOOST_CHECK_EQUAL(json_field(evs[i].data, "file.key"), "story.bin");
  BOOST_CHECK_EQUAL(json_field(evs[i].data, "file.size"),
                    std::to_string(size));
  BOOST_CHECK_EQUAL(json_field(evs[i].data, "file.sha1"), want.sha1);
  BOOST_CHECK_EQUAL(json_field(evs[i].data, "file.md5"), want.md5);
  BOOST_CHECK_EQUAL(json_field(evs[i].data, "file.crc32"), want.crc32);
  BOOST_CHECK_EQUAL(evs[i + 1].type, "task.state");
  BOOST_CHECK_EQUAL(json_field(evs[i + 1].data, "state"), "finished");
  BOOST_CHECK_EQUAL(json_field(evs[i + 1].data, "previous"), "downloading");
  // Removing it tells too.
  BOOST_REQUIRE_EQUAL(d.api("DELETE", "/task/tid/" + tid).status, 200);
  BOOST_CHECK(s->wait(saw("task.removed", tid)));
}

BOOST_AUTO_TEST_CASE(a_failure_names_its_error) {
  auto s = open(d, d.admin().api_key);
  auto tid = create(d, R"({"url":")" + org.url("/status/404")
                         + R"(","key":"missing.bin"})");
  BOOST_REQUIRE(s->wait(reached(tid, "failed"), 30s));
  for (auto& e : of_task(s->received(), tid))
    if (json_field(e.data, "state") == "failed") {
      BOOST_CHECK(!json_field(e.data, "error.code").empty());
      BOOST_CHECK(!json_field(e.data, "error.message").empty());
    }
}

BOOST_AUTO_TEST_CASE(a_user_sees_only_their_own_events) {
  auto alice = d.add_user("alice");
  auto bob = d.add_user("bob");
  auto sa = open(d, alice.api_key);
  auto sb = open(d, bob.api_key);
  auto theirs = create(d, paused_task(org, "b.bin"), bob.api_key);
  BOOST_REQUIRE(sb->wait(saw("task.created", theirs)));
  // Alice's own later event: anything of Bob's would have come before it.
  auto mine = create(d, paused_task(org, "a.bin"), alice.api_key);
  BOOST_REQUIRE(sa->wait(saw("task.created", mine)));
  for (auto& e : sa->received())
    BOOST_CHECK_NE(tid_of(e), theirs);
  // Nor by asking for the task, nor by replaying the log.
  auto sneaky = open(d, alice.api_key, "?tid=" + theirs + "&last_event_id=0");
  auto later = create(d, paused_task(org, "a2.bin"), alice.api_key);
  BOOST_REQUIRE(sa->wait(saw("task.created", later)));
  BOOST_CHECK(sneaky->received().empty());
  auto replay = open(d, alice.api_key, "?last_event_id=0");
  BOOST_REQUIRE(replay->wait(saw("task.created", later)));
  for (auto& e : replay->received())
    BOOST_CHECK_NE(tid_of(e), theirs);
}

BOOST_AUTO_TEST_CASE(tid_filters_and_the_key_in_the_query) {
  auto& key = d.admin().api_key;
  auto t1 = create(d, paused_task(org, "1.bin"));
  auto t2 = create(d, paused_task(org, "2.bin"));
  auto t3 = create(d, paused_task(org, "3.bin"));
  // EventSource cannot send headers: ?key= instead, tid repeated.
  auto s = std::make_unique<event_stream>(
    d.url() + "/events?key=" + key + "&tid=" + t1 + "&tid=" + t3
      + "&last_event_id=0",
    std::vector<std::string>{});
  BOOST_REQUIRE(s->wait_subscribed());
  BOOST_REQUIRE(s->wait(saw("task.created", t3)));
  BOOST_REQUIRE_EQUAL(d.api("DELETE", "/task/tid/" + t2).status, 200);
  BOOST_REQUIRE_EQUAL(d.api("DELETE", "/task/tid/" + t1).status, 200);
  BOOST_REQUIRE(s->wait(saw("task.removed", t1)));
  std::set<std::string> seen;
  for (auto& e : s->received())
    seen.insert(tid_of(e));
  BOOST_CHECK(seen == (std::set<std::string>{t1, t3}));
  // Comma-separated works as well; a malformed tid is refused.
  auto c = open(d, key, "?tid=" + t2 + "," + t3 + "&last_event_id=0");
  BOOST_CHECK(c->wait(saw("task.removed", t2)));
  BOOST_CHECK_EQUAL(
    http("GET", d.url() + "/events?tid=nope", {}, {bearer(key)}).status, 400);
}

BOOST_AUTO_TEST_CASE(refusals) {
  BOOST_CHECK_EQUAL(http("GET", d.url() + "/events").status, 401);
  BOOST_CHECK_EQUAL(
    http("GET", d.url() + "/events", {}, {bearer("wrong")}).status, 401);
  BOOST_CHECK_EQUAL(http("GET", d.url() + "/events", {},
                         {bearer(d.admin().api_key), "Last-Event-ID: x1"})
                      .status,
                    400);
}

BOOST_AUTO_TEST_CASE(heartbeats_keep_an_idle_stream_busy) {
  auto s = open(d, d.admin().api_key);
  BOOST_CHECK(s->wait(
    [](const events& evs) {
      return std::count_if(evs.begin(), evs.end(), [](const sse_event& e) {
               return e.comment && e.data == "ping";
             })
             >= 2;
    },
    10s));
}

BOOST_AUTO_TEST_CASE(resume_after_kill_9_and_restart_misses_nothing) {
  auto& key = d.admin().api_key;
  std::string last;
  {
    auto s = open(d, key);
    auto t0 = create(d, paused_task(org, "0.bin"));
    BOOST_REQUIRE(s->wait(saw("task.created", t0)));
    last = s->received().back().id;
  }
  // Missed while disconnected: a finished download, then a kill -9.
  auto t1 = create(d, R"({"url":")" + org.url("/file/5000")
                        + R"(","key":"1.bin"})");
  {
    auto watch = open(d, key, "?tid=" + t1 + "&last_event_id=" + last);
    BOOST_REQUIRE(watch->wait(reached(t1, "finished"), 30s));
  }
  auto t2 = create(d, paused_task(org, "2.bin"));
  d.crash();
  d.start();
  // And after the restart.
  auto t3 = create(d, paused_task(org, "3.bin"));
  BOOST_REQUIRE_EQUAL(d.api("DELETE", "/task/tid/" + t2).status, 200);
  auto s = open(d, key, {}, {"Last-Event-ID: " + last});
  BOOST_REQUIRE(s->wait(saw("task.removed", t2)));
  auto evs = s->received();
  auto ids = ids_of(evs);
  BOOST_REQUIRE(!ids.empty());
  // Exactly once, in order: every id after the last one seen, no other.
  BOOST_CHECK_EQUAL(ids.front(), std::stoull(last) + 1);
  for (size_t i = 1; i < ids.size(); ++i)
    BOOST_CHECK_EQUAL(ids[i], ids[i - 1] + 1);
  BOOST_CHECK(saw("task.created", t1)(evs));
  BOOST_CHECK(saw("task.file", t1)(evs));
  BOOST_CHECK(reached(t1, "finished")(evs));
  BOOST_CHECK(saw("task.created", t2)(evs));
  BOOST_CHECK(saw("task.created", t3)(evs));
  // The same as a fresh replay of the log says, and live from there on.
  auto again = open(d, key, "?last_event_id=" + last);
  BOOST_REQUIRE(again->wait(saw("task.removed", t2)));
  BOOST_CHECK(ids_of(again->received()) == ids);
  auto t4 = create(d, paused_task(org, "4.bin"));
  BOOST_REQUIRE(s->wait(saw("task.created", t4)));
  auto now = ids_of(s->received());
  BOOST_CHECK(strictly_increasing(now));
  BOOST_CHECK_EQUAL(now.size(), ids.size() + 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(a_resume_older_than_the_retention_is_told_to_reset) {
  origin org;
  server_process d{{"--event-retention-count=4"}};
  d.start();
  auto& key = d.admin().api_key;
  std::vector<std::string> tids;
  for (int i = 0; i < 4; ++i)
    tids.push_back(create(d, paused_task(org, std::to_string(i) + ".bin")));
  for (auto& t : tids)
    BOOST_REQUIRE_EQUAL(d.api("DELETE", "/task/tid/" + t).status, 200);
  // Eight events, four kept: id 1 is gone.
  auto s = open(d, key, {}, {"Last-Event-ID: 1"});
  BOOST_REQUIRE(s->wait([](const events& evs) { return !evs.empty(); }));
  auto first = s->received().front();
  BOOST_CHECK_EQUAL(first.type, "reset");
  BOOST_CHECK_EQUAL(first.data, "{}");
  BOOST_CHECK_EQUAL(first.id, "8");
  // From the reset's id on it is live, with nothing replayed.
  auto t = create(d, paused_task(org, "after.bin"));
  BOOST_REQUIRE(s->wait(saw("task.created", t)));
  BOOST_CHECK_EQUAL(s->received().size(), 2u);
  BOOST_CHECK_EQUAL(s->received().back().id, "9");
  // A point still kept replays normally.
  auto kept = open(d, key, "?last_event_id=6");
  BOOST_REQUIRE(kept->wait(saw("task.created", t)));
  BOOST_CHECK(ids_of(kept->received()) == (std::vector<uint64_t>{7, 8, 9}));
}
