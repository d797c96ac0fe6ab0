#define BOOST_TEST_MODULE callback_body
#include "actors/callback_body.hpp"

#include "actors/callback.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidjson/document.h>

using namespace skyhaul;

namespace {

file_record movie(bool concrete = true) {
  file_record f;
  f.key = "offline/prefix/movie1";
  f.name = "movie1";
  f.size = 123456;
  f.md5 = std::string(32, 'a');
  f.sha1 = std::string(40, 'b');
  f.crc32 = "0c0ffee0";
  f.content_type = "Video/MP4";
  f.blob = f.sha1;
  f.last_modified_ms = 1467355438043;
  f.concrete = concrete;
  return f;
}

task_record finished_task() {
  task_record rec;
  rec.seq = 0x62;
  rec.owner = 3;
  rec.state = task_state::finished;
  rec.spec.url = "http://www.abc.com/download/movie1";
  rec.spec.bucket = "bucket";
  rec.spec.success_callback_url = "http://cb/succ";
  rec.spec.failure_callback_url = "http://cb/fail";
  rec.files = {movie()};
  return rec;
}

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  BOOST_REQUIRE_MESSAGE(!doc.HasParseError() && doc.IsObject(), json);
  return doc;
}

std::string str(const rapidjson::Value& v, const char* key) {
  BOOST_REQUIRE_MESSAGE(v.HasMember(key), key);
  BOOST_REQUIRE_MESSAGE(v[key].IsString(), key);
  return v[key].GetString();
}

} // namespace

BOOST_AUTO_TEST_CASE(success_body_has_every_field_of_the_seed) {
  auto rec = finished_task();
  auto doc = parse(success_body(rec));
  BOOST_REQUIRE_EQUAL(doc.MemberCount(), 1u);
  BOOST_REQUIRE(doc.HasMember("movie1"));
  auto& f = doc["movie1"];
  BOOST_CHECK_EQUAL(f.MemberCount(), 12u);
  BOOST_CHECK_EQUAL(str(f, "ETag"), "\"" + std::string(32, 'a') + "\"");
  BOOST_CHECK_EQUAL(str(f, "MD5"), std::string(32, 'a'));
  BOOST_CHECK_EQUAL(str(f, "SHA1"), std::string(40, 'b'));
  BOOST_CHECK_EQUAL(str(f, "CRC32"), "0c0ffee0");
  BOOST_CHECK_EQUAL(str(f, "Key"), "offline/prefix/movie1");
  BOOST_REQUIRE(f["Size"].IsUint64());
  BOOST_CHECK_EQUAL(f["Size"].GetUint64(), 123456u);
  BOOST_CHECK_EQUAL(str(f, "Content-Type"), "video/mp4");
  BOOST_CHECK_EQUAL(str(f, "LastModified"), "1467355438043");
  BOOST_CHECK_EQUAL(str(f, "Task"), "bucket/00000000000000000062");
  BOOST_REQUIRE(f["Concrete-Upload"].IsBool());
  BOOST_CHECK(f["Concrete-Upload"].GetBool());
  BOOST_CHECK_EQUAL(str(f, "Success-IDC"), "");
  BOOST_CHECK_EQUAL(str(f, "Failure-IDC"), "");
}

BOOST_AUTO_TEST_CASE(idc_lists_are_comma_separated) {
  auto rec = finished_task();
  rec.files[0].idc_ok = {"idc1", "idc2"};
  rec.files[0].idc_failed = {"idc3"};
  auto doc = parse(success_body(rec));
  auto& f = doc["movie1"];
  BOOST_CHECK_EQUAL(str(f, "Success-IDC"), "idc1,idc2");
  BOOST_CHECK_EQUAL(str(f, "Failure-IDC"), "idc3");
}

BOOST_AUTO_TEST_CASE(idc_fields_are_null_when_the_store_was_skipped) {
  auto rec = finished_task();
  rec.files = {movie(false)};
  rec.files[0].idc_ok = {"idc1"};
  auto doc = parse(success_body(rec));
  auto& f = doc["movie1"];
  BOOST_CHECK(!f["Concrete-Upload"].GetBool());
  BOOST_CHECK(f["Success-IDC"].IsNull());
  BOOST_CHECK(f["Failure-IDC"].IsNull());
}

BOOST_AUTO_TEST_CASE(failure_body_names_the_error_the_source_and_the_task) {
  auto rec = finished_task();
  rec.state = task_state::failed;
  rec.error = ec::no_such_download_source;
  rec.error_message = "the source answered HTTP 404";
  rec.files.clear();
  auto doc = parse(failure_body(rec, "4442587FB7D0A2F9"));
  BOOST_CHECK_EQUAL(doc.MemberCount(), 5u);
  BOOST_CHECK_EQUAL(str(doc, "Code"), "NoSuchDownloadSource");
  BOOST_CHECK_EQUAL(str(doc, "Message"), "the source answered HTTP 404");
  BOOST_CHECK_EQUAL(str(doc, "Resource"), "http://www.abc.com/download/movie1");
  BOOST_CHECK_EQUAL(str(doc, "RequestId"), "4442587FB7D0A2F9");
  BOOST_CHECK_EQUAL(str(doc, "Task"), "bucket/00000000000000000062");
  BOOST_CHECK(!doc.HasMember("Files"));
  BOOST_CHECK(!doc.HasMember("Uploaded_Files"));
  // Without a message of its own, the code's default message is sent.
  rec.error = ec::internal_error;
  rec.error_message.clear();
  auto dflt = parse(failure_body(rec, "X"));
  BOOST_CHECK_EQUAL(str(dflt, "Code"), "InternalError");
  BOOST_CHECK_EQUAL(str(dflt, "Message"), default_message(ec::internal_error));
}

BOOST_AUTO_TEST_CASE(failure_body_lists_the_files_stored_before_failing) {
  auto rec = finished_task();
  rec.state = task_state::failed;
  rec.error = ec::internal_error;
  auto doc = parse(failure_body(rec, "1"));
  BOOST_REQUIRE(doc.HasMember("Files"));
  BOOST_REQUIRE(doc["Files"].HasMember("movie1"));
  auto& f = doc["Files"]["movie1"];
  BOOST_CHECK_EQUAL(str(f, "Key"), "offline/prefix/movie1");
  BOOST_CHECK_EQUAL(str(f, "ETag"), "\"" + std::string(32, 'a') + "\"");
  BOOST_CHECK_EQUAL(str(f, "Content-Type"), "video/mp4");
  // The seed's example spells the element Uploaded_Files: the same content.
  BOOST_REQUIRE(doc.HasMember("Uploaded_Files"));
  BOOST_CHECK(doc["Uploaded_Files"] == doc["Files"]);
}

BOOST_AUTO_TEST_CASE(callbacks_are_due_on_transitions_with_a_url) {
  auto rec = finished_task();
  auto before = rec;
  before.state = task_state::downloading;
  BOOST_CHECK(callback_due(&before, rec) == callback_kind::success);
  BOOST_CHECK(callback_due(nullptr, rec) == callback_kind::success);
  // No transition, no second event.
  BOOST_CHECK(!callback_due(&rec, rec));
  rec.state = task_state::failed;
  BOOST_CHECK(callback_due(&before, rec) == callback_kind::failure);
  rec.spec.failure_callback_url.clear();
  BOOST_CHECK(!callback_due(&before, rec));
  rec.state = task_state::cancelled;
  BOOST_CHECK(!callback_due(&before, rec));
  rec.state = task_state::finished;
  rec.spec.success_callback_url.clear();
  BOOST_CHECK(!callback_due(&before, rec));
}

BOOST_AUTO_TEST_CASE(failure_events_carry_their_id_as_request_id) {
  auto rec = finished_task();
  rec.state = task_state::failed;
  rec.error = ec::download_source_exception;
  auto ev = make_callback_event(rec, callback_kind::failure, 0x1f, 5000);
  BOOST_CHECK_EQUAL(ev.url, "http://cb/fail");
  BOOST_CHECK_EQUAL(ev.task, 0x62u);
  BOOST_CHECK_EQUAL(ev.owner, 3u);
  BOOST_CHECK_EQUAL(ev.next_ms, 5000);
  auto doc = parse(ev.body);
  BOOST_CHECK_EQUAL(str(doc, "RequestId"), "000000000000001F");
  BOOST_CHECK_EQUAL(str(doc, "Code"), "DownloadSourceException");
}

BOOST_AUTO_TEST_CASE(signature_is_an_hmac_of_time_and_body) {
  auto sig = callback_signature("secret", 1700000000, "{\"a\":1}");
  // Python: hmac.new(b"secret", b'1700000000.{"a":1}', sha256).hexdigest()
  BOOST_CHECK_EQUAL(sig, "t=1700000000,v1=49f24e537407743fa4a0242bb63b94b9a4"
                         "7ee99cbbe071ccd8a22550ae411686");
  BOOST_CHECK_NE(sig, callback_signature("other", 1700000000, "{\"a\":1}"));
}
