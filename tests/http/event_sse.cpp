#include <boost/test/unit_test.hpp>

#include "app/cli/sse.hpp"
#include "http/event_sse.hpp"

// The SSE framing of events, read back by the stream reader the CLI uses.

using namespace skyhaul;

BOOST_AUTO_TEST_SUITE(sse_framing)

BOOST_AUTO_TEST_CASE(an_event_is_id_type_and_one_line_of_json) {
  task_event ev;
  ev.id = 42;
  ev.type = event_type::task_state;
  ev.tid = 7;
  ev.state = task_state::failed;
  ev.previous = task_state::downloading;
  ev.error = ec::checksum_mismatch;
  ev.error_message = "sha1 differs\nreally";
  auto frame = http::sse_frame(ev);
  auto tid = format_tid(7);
  BOOST_CHECK_EQUAL(frame,
                    "id: 42\nevent: task.state\ndata: {\"tid\":\"" + tid
                      + "\",\"state\":\"failed\",\"previous\":\"downloading\","
                        "\"error\":{\"code\":\"checksum_mismatch\","
                        "\"message\":\"sha1 differs\\nreally\"}}\n\n");
}

BOOST_AUTO_TEST_CASE(every_type_has_its_shape) {
  task_event ev;
  ev.tid = 1;
  ev.type = event_type::task_progress;
  ev.done_bytes = 1;
  ev.total_bytes = 3;
  ev.speed = 10;
  ev.eta = 1;
  auto data = http::event_data(ev);
  BOOST_CHECK(data.find("\"percent\":33.33") != std::string::npos);
  BOOST_CHECK(data.find("peers") == std::string::npos);
  ev.peers = 4;
  BOOST_CHECK(http::event_data(ev).find("\"peers\":4") != std::string::npos);
  ev.type = event_type::task_removed;
  BOOST_CHECK_EQUAL(http::event_data(ev),
                    "{\"tid\":\"" + format_tid(1) + "\"}");
  ev.type = event_type::reset;
  BOOST_CHECK_EQUAL(http::event_data(ev), "{}");
  ev.type = event_type::callback_attempt;
  ev.callback_url = "http://r/cb";
  ev.attempt = 2;
  ev.http_status = 500;
  ev.outcome = "retry";
  BOOST_CHECK(http::event_data(ev).find(
                "\"url\":\"http://r/cb\",\"attempt\":2,\"http_status\":500,"
                "\"outcome\":\"retry\"")
              != std::string::npos);
  ev.type = event_type::task_file;
  ev.file.name = "a";
  ev.file.size = 5;
  BOOST_CHECK(http::event_data(ev).find("\"file\":{\"name\":\"a\",\"key\":\"\","
                                        "\"size\":5")
              != std::string::npos);
  BOOST_CHECK_EQUAL(http::sse_comment("ping"), ": ping\n\n");
  BOOST_CHECK_EQUAL(http::sse_comment("a\nb"), ": a b\n\n");
}

BOOST_AUTO_TEST_CASE(the_reader_takes_frames_in_any_pieces) {
  task_event ev;
  ev.id = 9;
  ev.type = event_type::task_removed;
  ev.tid = 3;
  auto bytes = http::sse_comment("ping") + http::sse_frame(ev)
               + "id: 10\r\nevent: x\r\ndata: a\r\ndata: b\r\n\r\n";
  // Byte by byte: every split point is covered.
  cli::sse_reader r;
  std::vector<cli::sse_event> got;
  for (char c : bytes)
    for (auto& e : r.feed(std::string_view{&c, 1}))
      got.push_back(e);
  BOOST_REQUIRE_EQUAL(got.size(), 3u);
  BOOST_CHECK(got[0].comment);
  BOOST_CHECK_EQUAL(got[0].data, "ping");
  BOOST_CHECK_EQUAL(got[1].id, "9");
  BOOST_CHECK_EQUAL(got[1].type, "task.removed");
  BOOST_CHECK_EQUAL(got[1].data, http::event_data(ev));
  BOOST_CHECK_EQUAL(got[2].data, "a\nb");
  BOOST_CHECK_EQUAL(r.last_id(), "10");
}

BOOST_AUTO_TEST_SUITE_END()
