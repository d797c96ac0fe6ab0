#define BOOST_TEST_MODULE http_server
#include <boost/test/unit_test.hpp>

// The Task API's listener, in-process (tests/http/server_fixture.hpp): what
// reaches the scheduler, limits, statuses, streaming and time-outs. The walk
// of every route is in route_walk.cpp.

#include "tests/http/server_fixture.hpp"

using namespace skyhaul;
using namespace skyhaul::test;
using namespace std::chrono_literals;

BOOST_FIXTURE_TEST_SUITE(http_server, fixture)

BOOST_AUTO_TEST_CASE(binds_every_listener_on_a_free_port) {
  for (auto name : {"api", "offline", "s3"}) {
    BOOST_REQUIRE_MESSAGE(bound.count(name), name);
    BOOST_CHECK(bound[name].rfind("127.0.0.1:", 0) == 0);
    BOOST_CHECK(bound[name] != "127.0.0.1:0");
  }
  BOOST_CHECK(bound["api"] != bound["s3"]);
}

BOOST_AUTO_TEST_CASE(healthz_needs_no_key_and_the_rest_does) {
  client c{bound["api"]};
  auto health = c.call(bhttp::verb::get, "/healthz");
  BOOST_CHECK_EQUAL(health.status, 200u);
  BOOST_CHECK_EQUAL(health.str("status"), "success");
  auto none = c.call(bhttp::verb::get, "/task/list");
  BOOST_CHECK_EQUAL(none.status, 401u);
  BOOST_CHECK_EQUAL(none.str("status"), "error");
  BOOST_CHECK(!none.str("errmsg").empty());
  auto wrong = c.call(bhttp::verb::get, "/task/list", {},
                      {{"Authorization", "Bearer sk_wrong"}});
  BOOST_CHECK_EQUAL(wrong.status, 401u);
  auto with_bearer = c.call(bhttp::verb::get, "/task/list", {}, bearer());
  BOOST_CHECK_EQUAL(with_bearer.status, 200u);
  BOOST_CHECK_EQUAL(with_bearer.str("status"), "success");
  auto with_query = c.call(bhttp::verb::get, "/task/list?key=" + key);
  BOOST_CHECK_EQUAL(with_query.status, 200u);
  // LMDB is read on every miss: a user added now works at once.
  auto [bob, bob_key] = add_user("bob");
  BOOST_CHECK(bob != uid);
  BOOST_CHECK_EQUAL(c.call(bhttp::verb::get, "/config?key=" + bob_key).status,
                    200u);
}

BOOST_AUTO_TEST_CASE(post_task_becomes_a_create_request) {
  auto res = api(bhttp::verb::post, "/task",
                 R"({"url":"https://example.com/f.iso","crc32":"ABC",
                     "key":"isos/f.iso","paused":true})");
  BOOST_REQUIRE_MESSAGE(res.status == 200u, res.body);
  BOOST_CHECK_EQUAL(res.str("status"), "success");
  BOOST_CHECK_EQUAL(res.str("tid"), format_tid(42));
  std::lock_guard<std::mutex> guard{log->mtx};
  BOOST_REQUIRE_EQUAL(log->created.size(), 1u);
  auto& [who, spec] = log->created.front();
  BOOST_CHECK_EQUAL(who, uid);
  BOOST_CHECK_EQUAL(spec.url, "https://example.com/f.iso");
  BOOST_CHECK_EQUAL(spec.bucket, "user-" + std::to_string(uid));
  BOOST_CHECK_EQUAL(spec.key, "isos/f.iso");
  BOOST_CHECK_EQUAL(spec.crc32, "00000abc");
  BOOST_CHECK(spec.start_paused);
  BOOST_CHECK(spec.origin == face::task_api);
}

BOOST_AUTO_TEST_CASE(bad_bodies_never_reach_the_scheduler) {
  auto unknown = api(bhttp::verb::post, "/task",
                     R"({"url":"http://h/f","colour":"red"})");
  BOOST_CHECK_EQUAL(unknown.status, 400u);
  BOOST_CHECK(unknown.str("errmsg").find("colour") != std::string::npos);
  auto magnet
      = api(bhttp::verb::post, "/task", R"({"url":"magnet:?xt=urn:btih:00"})");
  BOOST_CHECK_EQUAL(magnet.status, 400u);
  BOOST_CHECK(magnet.str("errmsg").find("info-hash") != std::string::npos);
  auto ftp = api(bhttp::verb::post, "/task", R"({"url":"gopher://h/f"})");
  BOOST_CHECK_EQUAL(ftp.status, 400u);
  BOOST_CHECK(ftp.str("errmsg").find("unsupported scheme")
              != std::string::npos);
  std::lock_guard<std::mutex> guard{log->mtx};
  BOOST_CHECK(log->created.empty());
}

BOOST_AUTO_TEST_CASE(oversized_bodies_get_413_in_the_face_shape) {
  client c{bound["api"]};
  auto res = c.call(bhttp::verb::post, "/task/batch/pause",
                    R"({"tids":[")" + std::string(8000, 'a') + "\"]}",
                    bearer());
  BOOST_CHECK_EQUAL(res.status, 413u);
  BOOST_CHECK_EQUAL(res.str("status"), "error");
  BOOST_CHECK(res.str("errmsg").find("4096") != std::string::npos);
  BOOST_CHECK(c.closed());
  // POST /task takes uploads beyond that limit, but a task without one
  // still gets the usual limit.
  client t{bound["api"]};
  auto task = t.call(bhttp::verb::post, "/task",
                     R"({"url":"http://h/)" + std::string(8000, 'a') + "\"}",
                     bearer());
  BOOST_CHECK_EQUAL(task.status, 413u);
  BOOST_CHECK(task.str("errmsg").find("4096") != std::string::npos);
  // The s3 listener answers the same condition in S3's shape.
  client s3{bound["s3"]};
  auto xml = s3.call(bhttp::verb::put, "/bucket/key", std::string(5000, 'x'));
  BOOST_CHECK_EQUAL(xml.status, 413u);
  BOOST_CHECK(xml.body.find("<Code>EntityTooLarge</Code>")
              != std::string::npos);
}

BOOST_AUTO_TEST_CASE(only_a_request_with_a_key_gets_the_upload_limit) {
  // A well-formed bencoded dictionary of 6000 bytes, over the 4096 limit.
  auto torrent = "d1:x5990:" + std::string(5990, 'x') + "e";
  auto body = R"({"torrent":")" + skyhaul::base64_encode(torrent) + "\"}";
  client anon{bound["api"]};
  auto refused = anon.call(bhttp::verb::post, "/task", body);
  BOOST_CHECK_EQUAL(refused.status, 413u);
  BOOST_CHECK(refused.str("errmsg").find("4096") != std::string::npos);
  client keyed{bound["api"]};
  auto accepted = keyed.call(bhttp::verb::post, "/task", body, bearer());
  BOOST_CHECK_MESSAGE(accepted.status == 200u, accepted.body);
  std::lock_guard<std::mutex> guard{log->mtx};
  BOOST_REQUIRE_EQUAL(log->created.size(), 1u);
  BOOST_CHECK(log->created.front().second.torrent == torrent);
}

BOOST_AUTO_TEST_CASE(the_upload_limit_is_for_uploads_from_a_valid_key) {
  auto torrent = "d1:x5990:" + std::string(5990, 'x') + "e";
  auto body = R"({"torrent":")" + skyhaul::base64_encode(torrent) + "\"}";
  // A key that opens nothing is no key: the listener's limit.
  client wrong{bound["api"]};
  auto forged = wrong.call(bhttp::verb::post, "/task", body,
                           {{"Authorization", "Bearer sk_wrong"},
                            {"Content-Type", "application/json"}});
  BOOST_CHECK_EQUAL(forged.status, 413u);
  // A body of a type that cannot be an upload gets the usual limit too.
  client text{bound["api"]};
  auto headers = bearer();
  headers["Content-Type"] = "text/plain";
  auto plain = text.call(bhttp::verb::post, "/task", body, headers);
  BOOST_CHECK_EQUAL(plain.status, 413u);
  BOOST_CHECK(plain.str("errmsg").find("4096") != std::string::npos);
  // A multipart upload with a valid key is taken.
  auto form = "--XyZ\r\nContent-Disposition: form-data; name=\"torrent\"; "
              "filename=\"a.torrent\"\r\n\r\n"
              + torrent + "\r\n--XyZ--\r\n";
  client multipart{bound["api"]};
  headers["Content-Type"] = "multipart/form-data; boundary=XyZ";
  auto taken = multipart.call(bhttp::verb::post, "/task", form, headers);
  BOOST_CHECK_MESSAGE(taken.status == 200u, taken.body);
  std::lock_guard<std::mutex> guard{log->mtx};
  BOOST_REQUIRE_EQUAL(log->created.size(), 1u);
  BOOST_CHECK(log->created.front().second.torrent == torrent);
}

BOOST_AUTO_TEST_CASE(expect_continue_is_honoured) {
  client c{bound["api"]};
  std::string body = R"({"url":"http://h/f"})";
  c.raw("POST /task HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
        + "\r\nExpect: 100-continue\r\nContent-Length: "
        + std::to_string(body.size()) + "\r\n\r\n");
  // The body is sent only after the interim answer, as curl does.
  BOOST_REQUIRE_EQUAL(c.receive_header(), 100u);
  c.raw(body);
  auto res = c.receive();
  BOOST_CHECK_EQUAL(res.status, 200u);
  BOOST_CHECK_EQUAL(res.str("tid"), format_tid(42));
  // Too large: the final answer comes at once, without a 100.
  client big{bound["api"]};
  big.raw("POST /task/batch/pause HTTP/1.1\r\nHost: x\r\n"
          "Expect: 100-continue\r\nContent-Length: 100000\r\n\r\n");
  BOOST_CHECK_EQUAL(big.receive().status, 413u);
  BOOST_CHECK(big.closed());
}

BOOST_AUTO_TEST_CASE(malformed_requests_get_400) {
  client c{bound["api"]};
  c.raw("POST /task HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
  auto res = c.receive();
  BOOST_CHECK_EQUAL(res.status, 400u);
  BOOST_CHECK_EQUAL(res.str("status"), "error");
  BOOST_CHECK(c.closed());
}

BOOST_AUTO_TEST_CASE(unknown_paths_and_methods_answer_json) {
  auto missing = api(bhttp::verb::get, "/nope");
  BOOST_CHECK_EQUAL(missing.status, 404u);
  BOOST_CHECK_EQUAL(missing.str("status"), "error");
  auto method = api(bhttp::verb::patch, "/task/list");
  BOOST_CHECK_EQUAL(method.status, 405u);
  BOOST_CHECK_EQUAL(method.str("status"), "error");
}

BOOST_AUTO_TEST_CASE(scheduler_errors_map_to_statuses) {
  auto ok = api(bhttp::verb::put, "/task/tid/" + format_tid(5) + "?act=pause");
  BOOST_CHECK_EQUAL(ok.status, 200u);
  auto gone = api(bhttp::verb::put,
                  "/task/tid/" + format_tid(missing_seq) + "?act=resume");
  BOOST_CHECK_EQUAL(gone.status, 404u);
  BOOST_CHECK(gone.str("errmsg").find("no such task") != std::string::npos);
  auto stuck = api(bhttp::verb::put,
                   "/task/tid/" + format_tid(stuck_seq) + "?act=pause");
  BOOST_CHECK_EQUAL(stuck.status, 409u);
  BOOST_CHECK_EQUAL(stuck.str("errmsg"), "the task is finished");
  BOOST_CHECK_EQUAL(
      api(bhttp::verb::put, "/task/tid/" + format_tid(5) + "?act=jump").status,
      400u);
  BOOST_CHECK_EQUAL(api(bhttp::verb::put, "/task/tid/xyz?act=pause").status,
                    404u);
  BOOST_CHECK_EQUAL(
      api(bhttp::verb::delete_, "/task/tid/" + format_tid(5) + "?del_file=true")
          .status,
      200u);
  std::lock_guard<std::mutex> guard{log->mtx};
  auto u = std::to_string(uid);
  BOOST_CHECK(log->calls
              == (std::vector<std::string>{
                  "pause " + u + " 5", "resume " + u + " 404",
                  "pause " + u + " 409", "remove+files " + u + " 5"}));
}

BOOST_AUTO_TEST_CASE(batch_answers_per_tid) {
  auto res = api(bhttp::verb::post, "/task/batch/pause",
                 R"({"tids":[")" + format_tid(5) + R"(",")"
                     + format_tid(missing_seq) + R"(","bad"]})");
  BOOST_REQUIRE_MESSAGE(res.status == 200u, res.body);
  auto doc = res.json();
  auto& results = doc["results"];
  BOOST_CHECK_EQUAL(results[format_tid(5).c_str()]["status"].GetString(),
                    std::string{"success"});
  BOOST_CHECK_EQUAL(
      results[format_tid(missing_seq).c_str()]["status"].GetString(),
      std::string{"error"});
  BOOST_CHECK(results["bad"].HasMember("errmsg"));
  // The seed's shape: [tid, message] for each tid that failed, none else.
  auto& detail = doc["detail"];
  BOOST_REQUIRE(detail.IsArray());
  BOOST_REQUIRE_EQUAL(detail.Size(), 2u);
  std::set<std::string> failed;
  for (auto& pair : detail.GetArray()) {
    BOOST_REQUIRE(pair.IsArray() && pair.Size() == 2u);
    BOOST_CHECK(pair[1].GetStringLength() > 0);
    failed.insert(pair[0].GetString());
  }
  BOOST_CHECK(failed == (std::set<std::string>{format_tid(missing_seq), "bad"}));
}

BOOST_AUTO_TEST_CASE(settled_status_comes_from_lmdb) {
  task_record rec;
  rec.seq = 77;
  rec.owner = uid;
  rec.state = task_state::failed;
  rec.error = ec::no_such_download_source;
  rec.error_message = "origin said 404";
  rec.total_bytes = 4;
  rec.done_bytes = 1;
  {
    auto t = db->write();
    storage::put_task(t, rec);
    rec.seq = 78;
    rec.owner = uid + 1000; // someone else's
    storage::put_task(t, rec);
    t.commit();
  }
  auto res = api(bhttp::verb::get, "/task/tid/" + format_tid(77) + "/status");
  BOOST_REQUIRE_MESSAGE(res.status == 200u, res.body);
  auto doc = res.json();
  auto& task = doc["detail"];
  BOOST_CHECK_EQUAL(task["state"].GetString(), std::string{"failed"});
  BOOST_CHECK_EQUAL(task["percent"].GetDouble(), 25.0);
  BOOST_CHECK_EQUAL(task["error"]["code"].GetString(),
                    std::string{"no_such_download_source"});
  auto ex = api(bhttp::verb::get,
                "/task/tid/" + format_tid(77) + "/status?excerpt=true");
  BOOST_CHECK(!ex.json()["detail"].HasMember("error"));
  BOOST_CHECK_EQUAL(
      api(bhttp::verb::get, "/task/tid/" + format_tid(78) + "/status").status,
      404u);
}

BOOST_AUTO_TEST_CASE(signed_links_stream_the_file) {
  auto info
      = api(bhttp::verb::get, "/task/tid/" + format_tid(known_seq) + "/info");
  BOOST_REQUIRE_MESSAGE(info.status == 200u, info.body);
  auto doc = info.json();
  std::string link = doc["detail"]["files"][0]["url"].GetString();
  BOOST_CHECK(link.find("/a%20b.bin?expires=") != std::string::npos);
  client c{bound["api"]};
  auto full = c.call(bhttp::verb::get, link);
  BOOST_CHECK_EQUAL(full.status, 200u);
  BOOST_CHECK_EQUAL(full.body, file_body);
  BOOST_CHECK_EQUAL(full.headers[bhttp::field::etag],
                    "\"" + std::string(32, 'e') + "\"");
  BOOST_CHECK_EQUAL(full.headers[bhttp::field::content_type],
                    "application/x-test");
  auto part = c.call(bhttp::verb::get, link, {}, {{"Range", "bytes=2-5"}});
  BOOST_CHECK_EQUAL(part.status, 206u);
  BOOST_CHECK_EQUAL(part.body, "2345");
  BOOST_CHECK_EQUAL(part.headers[bhttp::field::content_range], "bytes 2-5/20");
  auto tail = c.call(bhttp::verb::get, link, {}, {{"Range", "bytes=-3"}});
  BOOST_CHECK_EQUAL(tail.body, "hij");
  auto past = c.call(bhttp::verb::get, link, {}, {{"Range", "bytes=20-"}});
  BOOST_CHECK_EQUAL(past.status, 416u);
  auto same = c.call(bhttp::verb::get, link, {},
                     {{"If-None-Match", "\"" + std::string(32, 'e') + "\""}});
  BOOST_CHECK_EQUAL(same.status, 304u);
  auto head = c.call(bhttp::verb::head, link);
  BOOST_CHECK_EQUAL(head.status, 200u);
  BOOST_CHECK_EQUAL(head.headers[bhttp::field::content_length], "20");
  auto tampered = link;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  BOOST_CHECK_EQUAL(c.call(bhttp::verb::get, tampered).status, 403u);
  // The owner's key works without a signature, by key as well as by name.
  auto by_key = c.call(bhttp::verb::get, "/download/" + format_tid(known_seq)
                                             + "/dir/a%20b.bin?key=" + key);
  BOOST_CHECK_EQUAL(by_key.body, file_body);
}

BOOST_AUTO_TEST_CASE(keep_alive_answers_in_order) {
  client c{bound["api"]};
  // Pipelined: both requests are on the wire before either answer.
  c.send(bhttp::verb::get, "/task/state_coutner", {}, bearer());
  c.send(bhttp::verb::get, "/healthz");
  auto first = c.receive();
  auto second = c.receive();
  BOOST_REQUIRE_MESSAGE(first.status == 200u, first.body);
  auto doc = first.json();
  BOOST_CHECK_EQUAL(doc["detail"]["waiting"].GetUint64(), 2u);
  BOOST_CHECK_EQUAL(doc["detail"]["all"].GetUint64(), 5u);
  BOOST_CHECK_EQUAL(second.body, R"({"status":"success"})");
}

BOOST_AUTO_TEST_CASE(an_answer_that_never_comes_is_a_500_after_the_timeout) {
  client c{bound["api"]};
  auto begin = std::chrono::steady_clock::now();
  auto res = c.call(bhttp::verb::put,
                    "/task/tid/" + format_tid(hung_seq) + "?act=pause", {},
                    bearer());
  auto waited = std::chrono::steady_clock::now() - begin;
  BOOST_CHECK_EQUAL(res.status, 500u);
  BOOST_CHECK_EQUAL(res.str("status"), "error");
  BOOST_CHECK_EQUAL(res.str("errmsg"), "the request timed out");
  BOOST_CHECK_EQUAL(res.headers[bhttp::field::connection], "close");
  BOOST_CHECK(waited >= 1400ms);
  BOOST_CHECK(c.closed());
  {
    std::lock_guard<std::mutex> guard{log->mtx};
    BOOST_CHECK_EQUAL(log->hung.size(), 1u);
  }
  // The server goes on serving other connections.
  BOOST_CHECK_EQUAL(api(bhttp::verb::get, "/task/state_counter").status, 200u);
}

BOOST_AUTO_TEST_CASE(a_silent_or_stalled_connection_is_closed_when_idle) {
  // Nothing at all, then a header that never ends (slowloris).
  std::string stalled = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (const auto& sent : {std::string{}, stalled}) {
    client c{bound["api"]};
    auto begin = std::chrono::steady_clock::now();
    if (!sent.empty())
      c.raw(sent);
    BOOST_CHECK(c.closed());
    auto waited = std::chrono::steady_clock::now() - begin;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(waited);
    BOOST_CHECK_MESSAGE(ms >= 1900ms && ms < 9s,
                        "closed after " << ms.count() << " ms");
  }
}

BOOST_AUTO_TEST_CASE(a_busy_keep_alive_connection_outlives_the_idle_timeout) {
  // Six requests 600 ms apart: 3 s on one connection, longer than the
  // 2 s idle limit, but never silent for that long.
  client c{bound["api"]};
  for (int i = 0; i < 6; ++i) {
    if (i > 0)
      std::this_thread::sleep_for(600ms);
    auto res = c.call(bhttp::verb::get, "/healthz");
    BOOST_REQUIRE_EQUAL(res.status, 200u);
  }
}

BOOST_AUTO_TEST_CASE(list_passes_the_query) {
  auto res
      = api(bhttp::verb::get,
            "/task/list?state=downloading&limit=5&cursor=" + format_tid(2));
  BOOST_REQUIRE_MESSAGE(res.status == 200u, res.body);
  BOOST_CHECK_EQUAL(res.str("next"), format_tid(3));
  // The seed's shape: the excerpts in "detail", the counters beside them.
  auto doc = res.json();
  BOOST_REQUIRE(doc["detail"].IsArray() && doc["detail"].Size() == 1u);
  auto& first = doc["detail"][0];
  BOOST_CHECK_EQUAL(first["tid"].GetString(), format_tid(3));
  for (auto key : {"state", "percent", "total_bytes", "title", "eta", "speed"})
    BOOST_CHECK_MESSAGE(first.HasMember(key), key);
  BOOST_CHECK(!first.HasMember("url"));
  BOOST_CHECK_EQUAL(doc["state_counter"]["waiting"].GetUint64(), 2u);
  BOOST_CHECK_EQUAL(doc["state_counter"]["all"].GetUint64(), 5u);
  BOOST_CHECK_EQUAL(doc["state_counter"]["invalid"].GetUint64(), 0u);
  BOOST_CHECK_EQUAL(api(bhttp::verb::get, "/task/list?state=gone").status,
                    400u);
  BOOST_CHECK_EQUAL(api(bhttp::verb::get, "/task/list?limit=0").status, 400u);
  std::lock_guard<std::mutex> guard{log->mtx};
  BOOST_REQUIRE_EQUAL(log->calls.size(), 1u);
  BOOST_CHECK_EQUAL(log->calls[0], "list 1 5 2");
}

BOOST_AUTO_TEST_CASE(offline_listener_answers_in_s3_xml) {
  client c{bound["offline"]};
  // No signature: the Offline API has no anonymous access.
  auto res = c.call(bhttp::verb::put, "/bucket?x=1");
  BOOST_CHECK_EQUAL(res.status, 403u);
  BOOST_CHECK(res.body.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error>"
                             "<Code>AccessDenied</Code>",
                             0)
              == 0);
  BOOST_CHECK(res.body.find("<Resource>/bucket</Resource>")
              != std::string::npos);
  BOOST_CHECK(res.body.find("<RequestId>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(stop_closes_listeners_and_is_idempotent) {
  client idle{bound["api"]};
  BOOST_CHECK_EQUAL(idle.call(bhttp::verb::get, "/healthz").status, 200u);
  srv->stop();
  srv->stop();
  BOOST_CHECK(idle.closed());
  net::io_context ioc;
  tcp::socket s{ioc};
  beast::error_code ec;
  s.connect(endpoint_of(bound["api"]), ec);
  BOOST_CHECK(ec == net::error::connection_refused);
}

BOOST_AUTO_TEST_SUITE_END()
