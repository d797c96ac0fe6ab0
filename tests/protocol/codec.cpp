#define BOOST_TEST_MODULE protocol
#include <boost/test/unit_test.hpp>

#include "protocol/codec.hpp"
#include "protocol/on_key_exist.hpp"
#include "protocol/task_record.hpp"

using namespace skyhaul;

BOOST_AUTO_TEST_CASE(task_record_round_trips) {
  task_record rec;
  rec.seq = 42;
  rec.owner = 7;
  rec.spec.url = "http://example.com/a.bin";
  rec.spec.rule = on_key_exist::ignore_same_sha1;
  rec.spec.files = {"a", "b"};
  rec.state = task_state::failed;
  rec.error = ec::checksum_mismatch;
  rec.total_bytes = -1;
  rec.files.resize(1);
  rec.files[0].key = "k";
  rec.files[0].concrete = false;
  task_record out;
  BOOST_REQUIRE(decode(encode(rec), out));
  BOOST_CHECK_EQUAL(out.seq, 42u);
  BOOST_CHECK_EQUAL(out.spec.url, rec.spec.url);
  BOOST_CHECK(out.spec.rule == on_key_exist::ignore_same_sha1);
  BOOST_CHECK_EQUAL(out.spec.files.size(), 2u);
  BOOST_CHECK(out.state == task_state::failed);
  BOOST_CHECK(out.error == ec::checksum_mismatch);
  BOOST_CHECK_EQUAL(out.total_bytes, -1);
  BOOST_CHECK_EQUAL(out.files.at(0).key, "k");
  BOOST_CHECK(!out.files.at(0).concrete);
}

BOOST_AUTO_TEST_CASE(decode_rejects_garbage) {
  task_record out;
  BOOST_CHECK(!decode(std::string_view{"\x01\x02", 2}, out));
  auto bytes = encode(task_record{});
  bytes += "trailing";
  BOOST_CHECK(!decode(bytes, out));
}

BOOST_AUTO_TEST_CASE(tids_round_trip_and_reject_junk) {
  BOOST_CHECK_EQUAL(format_tid(0x2a), "0000000000000000002a");
  BOOST_CHECK_EQUAL(*parse_tid("0000000000000000002a"), 0x2au);
  BOOST_CHECK(!parse_tid("000000000000000002a"));
  BOOST_CHECK(!parse_tid("0000000000000000002A"));
  BOOST_CHECK(!parse_tid("00000000000000000000"));
  BOOST_CHECK(!parse_tid("../0000000000000002a"));
}

BOOST_AUTO_TEST_CASE(words_round_trip) {
  for (auto w : {"override", "ignore", "ignore-same-md5", "ignore-same-sha1",
                 "ignore-same-crc32", "ignore-same-checksum",
                 "ignore-same-size"}) {
    on_key_exist x;
    BOOST_REQUIRE(from_string(w, x));
    BOOST_CHECK_EQUAL(to_string(x), std::string{w});
  }
  on_key_exist x;
  BOOST_CHECK(!from_string("ignore-same-sha256", x));
  task_state s;
  BOOST_CHECK(from_string("downloading", s));
  BOOST_CHECK(s == task_state::downloading);
  BOOST_CHECK(!from_string("running", s));
}

BOOST_AUTO_TEST_CASE(errors_carry_code_and_message) {
  auto err = make_error(ec::not_found, "no such task");
  BOOST_CHECK(code_of(err) == ec::not_found);
  BOOST_CHECK_EQUAL(message_of(err), "no such task");
  BOOST_CHECK_EQUAL(http_status(ec::invalid_state), 409u);
  BOOST_CHECK(code_of(caf::error{}) == ec::none);
}
