#define BOOST_TEST_MODULE integration_community
// The community face (seed 003) through the real skyhauld: the envelope,
// credentials, posts, threads, levels, the once-only metainfo and its
// level-gated download, browsing, and bad input answered with FAIL and
// nothing changed.

#include <boost/test/unit_test.hpp>

#include "tests/support/community_client.hpp"
#include "tests/support/daemon.hpp"

#include <openssl/sha.h>

using namespace skyhaul::test;

namespace {

std::string bstr(const std::string& s) {
  return std::to_string(s.size()) + ":" + s;
}

/// A single-file torrent's info dictionary.
std::string info_dict(const std::string& name, uint64_t length) {
  return "d6:lengthi" + std::to_string(length) + "e4:name" + bstr(name)
         + "12:piece lengthi16384e6:pieces" + bstr(std::string(20, 'p'))
         + "e";
}

std::string torrent(const std::string& info) {
  return "d8:announce" + bstr("http://elsewhere/announce")
         + "13:announce-listll" + bstr("http://elsewhere/announce")
         + "ee4:info" + info + "e";
}

std::string sha1_upper(const std::string& s) {
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (auto c : d) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

/// A daemon with an admin, an author at level 3 and a reader at level 1.
struct community_fixture {
  server_process d;
  community_client admin;
  community_client alice;
  community_client bob;

  community_fixture() {
    d.start();
    admin = {&d, d.add_user("root", "--admin")};
    alice = {&d, d.add_user("alice", "--level 3")};
    bob = {&d, d.add_user("bob", "--level 1")};
  }

  /// Number of posts a browse finds.
  std::string total(const std::string& query = {}) const {
    return json_field(alice.call("GET", "/user/post" + query).body,
                      "data.totalCount");
  }
};

void check_fail(const response& r, long status,
                const std::string& message = {}) {
  BOOST_CHECK_EQUAL(r.status, status);
  BOOST_CHECK_EQUAL(envelope(r), "FAIL");
  BOOST_CHECK_EQUAL(json_field(r.body, "data"), "null");
  if (!message.empty())
    BOOST_CHECK_EQUAL(json_field(r.body, "message"), message);
}

} // namespace

BOOST_FIXTURE_TEST_CASE(credentials_are_required_and_checked,
                        community_fixture) {
  auto none = http("GET", d.url("api") + "/user/post");
  check_fail(none, 403, "Unmatched combination of username and credential");
  community_client wrong{&d, alice.u};
  wrong.u.credential = "not-the-credential";
  check_fail(wrong.call("GET", "/user/me"), 403,
             "Unmatched combination of username and credential");
  wrong.u = alice.u;
  wrong.u.id = bob.u.id;
  check_fail(wrong.call("GET", "/user/me"), 403);
  auto me = alice.call("GET", "/user/me");
  BOOST_CHECK_EQUAL(me.status, 200);
  BOOST_CHECK_EQUAL(envelope(me), "SUCCESS");
  BOOST_CHECK_EQUAL(json_field(me.body, "data.username"), "alice");
  BOOST_CHECK_EQUAL(json_field(me.body, "data.level.lid"), "3");
  BOOST_CHECK_EQUAL(json_field(me.body, "data.passkey"), alice.u.passkey);
  // Another user's page shows no passkey.
  auto other = bob.call("GET", "/user/" + alice.u.id);
  BOOST_CHECK_EQUAL(other.status, 200);
  BOOST_CHECK_EQUAL(json_field(other.body, "data.passkey"), "");
}

BOOST_FIXTURE_TEST_CASE(posts_with_permissions, community_fixture) {
  auto pid = alice.post("First", 3);
  BOOST_REQUIRE(!pid.empty());
  auto got = bob.call("GET", "/user/post/" + pid);
  BOOST_CHECK_EQUAL(got.status, 200);
  BOOST_CHECK_EQUAL(json_field(got.body, "message"), "Get post");
  BOOST_CHECK_EQUAL(json_field(got.body, "data.title"), "First");
  BOOST_CHECK_EQUAL(json_field(got.body, "data.minLevel.name"), "Enhanced");
  BOOST_CHECK_EQUAL(json_field(got.body, "data.author.username"), "alice");
  BOOST_CHECK_EQUAL(json_field(got.body, "data.infoHash"), "null");
  BOOST_CHECK_EQUAL(json_field(got.body, "data.rate"), "0.00");
  // The origin's path without /user answers too.
  BOOST_CHECK_EQUAL(bob.call("GET", "/post/" + pid).status, 200);
  // Server fields sent back are ignored: a read post edited and sent back.
  auto edited = alice.call(
      "PUT", "/user/post/" + pid,
      R"({"pid":999,"title":"Edited","postTime":1,"infoHash":"AB","size":5,)"
      R"("rate":4,"author":{"uid":7},"enabled":true,"minLevel":{"lid":2}})");
  BOOST_CHECK_EQUAL(edited.status, 200);
  BOOST_CHECK_EQUAL(json_field(edited.body, "message"), "Post updated");
  BOOST_CHECK_EQUAL(json_field(edited.body, "data.pid"), pid);
  BOOST_CHECK_EQUAL(json_field(edited.body, "data.size"), "0");
  BOOST_CHECK_EQUAL(json_field(edited.body, "data.author.username"), "alice");
  // Another user may not edit or delete; an admin may.
  check_fail(bob.call("PUT", "/user/post/" + pid, R"({"title":"Mine"})"),
             403);
  check_fail(bob.call("DELETE", "/user/post/" + pid), 403);
  auto by_admin = admin.call("PUT", "/user/post/" + pid,
                             R"({"title":"Moderated"})");
  BOOST_CHECK_EQUAL(by_admin.status, 200);
  BOOST_CHECK_EQUAL(json_field(bob.call("GET", "/user/post/" + pid).body,
                               "data.title"),
                    "Moderated");
  // minLevel at most one's own level, unless an admin.
  check_fail(alice.call("POST", "/user/post",
                        R"({"title":"x","minLevel":{"lid":4}})"),
             403);
  BOOST_CHECK_EQUAL(admin.call("POST", "/user/post",
                               R"({"title":"x","minLevel":{"lid":8}})")
                        .status,
                    201);
  // A disabled post is its author's and the admins' only.
  auto hidden = alice.call("POST", "/user/post",
                           R"({"title":"draft","enabled":false})");
  auto hid = json_field(hidden.body, "data.pid");
  BOOST_REQUIRE_EQUAL(hidden.status, 201);
  check_fail(bob.call("GET", "/user/post/" + hid), 404, "No such post found");
  BOOST_CHECK_EQUAL(alice.call("GET", "/user/post/" + hid).status, 200);
  BOOST_CHECK_EQUAL(admin.call("GET", "/user/post/" + hid).status, 200);
  check_fail(bob.call("GET", "/user/post/424242"), 404, "No such post found");
}

BOOST_FIXTURE_TEST_CASE(bad_input_fails_and_changes_nothing,
                        community_fixture) {
  auto pid = alice.post("Kept", 1);
  BOOST_REQUIRE(!pid.empty());
  auto before = total();
  check_fail(alice.call("POST", "/user/post", R"({"title":""})"), 400);
  check_fail(alice.call("POST", "/user/post",
                        R"({"title":")" + std::string(201, 'a') + R"("})"),
             400);
  // 200 characters of two bytes each are fine.
  std::string wide;
  for (int i = 0; i < 200; ++i)
    wide += "\xc3\xa9";
  BOOST_CHECK_EQUAL(
      alice.call("POST", "/user/post", R"({"title":")" + wide + R"("})")
          .status,
      201);
  before = total();
  check_fail(alice.call("POST", "/user/post",
                        R"({"title":"t","content":")"
                            + std::string(64 * 1024 + 1, 'c') + R"("})"),
             400);
  check_fail(alice.call("POST", "/user/post",
                        R"({"title":"t","minLevel":{"lid":77}})"),
             400);
  check_fail(alice.call("POST", "/user/post", R"({"title":"t","owner":1})"),
             400);
  check_fail(alice.call("POST", "/user/post", "not json"), 400);
  check_fail(alice.call("PUT", "/user/post/" + pid, R"({"title":""})"), 400);
  BOOST_CHECK_EQUAL(total(), before);
  BOOST_CHECK_EQUAL(
      json_field(alice.call("GET", "/user/post/" + pid).body, "data.title"),
      "Kept");
  for (auto bad : {R"({"content":"x","rate":0})", R"({"content":"x","rate":6})",
                   R"({"content":"x","rate":2.5})", R"({"rate":3})",
                   R"({"content":""})"})
    check_fail(bob.call("POST", "/user/post/" + pid + "/thread", bad), 400);
  check_fail(bob.call("POST", "/user/post/" + pid + "/thread",
                      R"({"content":")" + std::string(16 * 1024 + 1, 'x')
                          + R"("})"),
             400);
  BOOST_CHECK_EQUAL(
      json_field(bob.call("GET", "/user/post/" + pid + "/thread").body,
                 "data.totalCount"),
      "0");
  check_fail(bob.call("GET", "/user/post/" + pid + "/thread?pageSize=101"),
             400);
  check_fail(bob.call("GET", "/user/post/" + pid + "/thread?pageNo=0"), 400);
}

BOOST_FIXTURE_TEST_CASE(threads_page_and_rate, community_fixture) {
  auto pid = alice.post("Rated", 1);
  BOOST_REQUIRE(!pid.empty());
  int rates[] = {5, 4, 0, 4, 3, 0, 5};
  for (int i = 0; i < 7; ++i) {
    auto body = R"({"content":"reply )" + std::to_string(i) + "\""
                + (rates[i] ? ",\"rate\":" + std::to_string(rates[i]) : "")
                + "}";
    auto r = bob.call("POST", "/user/post/" + pid + "/thread", body);
    BOOST_REQUIRE_EQUAL(r.status, 201);
    BOOST_CHECK_EQUAL(json_field(r.body, "message"), "Thread persisted");
    BOOST_CHECK_EQUAL(json_field(r.body, "data.replyer.username"), "bob");
  }
  // (5+4+4+3+5)/5 = 4.2
  BOOST_CHECK_EQUAL(
      json_field(bob.call("GET", "/user/post/" + pid).body, "data.rate"),
      "4.20");
  auto first = bob.call("GET", "/user/post/" + pid + "/thread");
  BOOST_CHECK_EQUAL(json_field(first.body, "message"), "Get thread");
  BOOST_CHECK_EQUAL(json_field(first.body, "data.totalCount"), "7");
  BOOST_CHECK_EQUAL(json_field(first.body, "data.pageSize"), "5");
  BOOST_CHECK_EQUAL(json_field(first.body, "data.pageNo"), "1");
  BOOST_CHECK_NE(first.body.find("reply 0"), std::string::npos);
  BOOST_CHECK_NE(first.body.find("reply 4"), std::string::npos);
  BOOST_CHECK_EQUAL(first.body.find("reply 5"), std::string::npos);
  BOOST_CHECK_LT(first.body.find("reply 0"), first.body.find("reply 4"));
  auto second = bob.call("GET",
                         "/user/post/" + pid + "/thread?pageNo=2&pageSize=5");
  BOOST_CHECK_NE(second.body.find("reply 6"), std::string::npos);
  BOOST_CHECK_EQUAL(second.body.find("reply 4"), std::string::npos);
  auto past = bob.call("GET", "/user/post/" + pid + "/thread?pageNo=9");
  BOOST_CHECK_EQUAL(past.status, 200);
  BOOST_CHECK_EQUAL(envelope(past), "SUCCESS");
  BOOST_CHECK_NE(past.body.find("\"list\":[]"), std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(metainfo_once_and_level_gated, community_fixture) {
  auto pid = alice.post("Movie", 3);
  BOOST_REQUIRE(!pid.empty());
  check_fail(bob.call("GET", "/user/post/" + pid + "/metainfo"), 403,
             "Insufficient level");
  check_fail(alice.call("GET", "/user/post/" + pid + "/metainfo"), 404,
             "Torrent file not exists");
  check_fail(alice.upload(pid, "this is not bencode"), 400);
  check_fail(alice.upload(pid, torrent(info_dict("..", 10))), 400);
  check_fail(bob.upload(pid, torrent(info_dict("movie.mkv", 10))), 403);
  auto info = info_dict("movie.mkv", 123456);
  auto up = alice.upload(pid, torrent(info), "torrent");
  BOOST_REQUIRE_EQUAL(up.status, 201);
  BOOST_CHECK_EQUAL(json_field(up.body, "message"), "Torrent file uploaded");
  BOOST_CHECK_EQUAL(json_field(up.body, "data.infoHash"), sha1_upper(info));
  BOOST_CHECK_EQUAL(json_field(up.body, "data.size"), "123456");
  check_fail(alice.upload(pid, torrent(info_dict("other.mkv", 5))), 409,
             "Please re-post new one as bencode already exists");
  // The same torrent on another post.
  auto pid2 = alice.post("Copy", 1);
  check_fail(alice.upload(pid2, torrent(info)), 409);
  // Bob is below minLevel 3; alice (the author) and the admin may.
  check_fail(bob.call("GET", "/user/post/" + pid + "/metainfo"), 403,
             "Insufficient level");
  auto got = alice.call("GET", "/user/post/" + pid + "/metainfo");
  BOOST_REQUIRE_EQUAL(got.status, 200);
  BOOST_CHECK_EQUAL(got.headers["content-type"], "application/x-bittorrent");
  BOOST_CHECK_EQUAL(got.headers["content-disposition"],
                    "attachment; filename=" + sha1_upper(info) + ".torrent;");
  BOOST_CHECK_NE(got.body.find("4:info" + info), std::string::npos);
  BOOST_CHECK_NE(got.body.find("/announce/" + alice.u.passkey),
                 std::string::npos);
  BOOST_CHECK_EQUAL(got.body.find("elsewhere"), std::string::npos);
  BOOST_CHECK_EQUAL(got.body.find("announce-list"), std::string::npos);
  auto by_admin = admin.call("GET", "/user/post/" + pid + "/metainfo");
  BOOST_CHECK_EQUAL(by_admin.status, 200);
  BOOST_CHECK_NE(by_admin.body.find("/announce/" + admin.u.passkey),
                 std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(deleting_takes_threads_and_metainfo,
                        community_fixture) {
  auto pid = alice.post("Gone soon", 1);
  BOOST_REQUIRE(!pid.empty());
  BOOST_REQUIRE_EQUAL(alice.upload(pid, torrent(info_dict("a.bin", 5))).status,
                      201);
  BOOST_REQUIRE_EQUAL(
      bob.call("POST", "/user/post/" + pid + "/thread", R"({"content":"hi"})")
          .status,
      201);
  auto del = alice.call("DELETE", "/user/post/" + pid);
  BOOST_CHECK_EQUAL(del.status, 200);
  BOOST_CHECK_EQUAL(json_field(del.body, "message"), "Post deleted");
  check_fail(bob.call("GET", "/user/post/" + pid), 404);
  check_fail(bob.call("GET", "/user/post/" + pid + "/thread"), 404);
  check_fail(alice.call("GET", "/user/post/" + pid + "/metainfo"), 404);
  check_fail(alice.call("DELETE", "/user/post/" + pid), 404);
  // Its torrent may be posted again.
  auto again = alice.post("Again", 1);
  BOOST_CHECK_EQUAL(alice.upload(again, torrent(info_dict("a.bin", 5))).status,
                    201);
}

BOOST_FIXTURE_TEST_CASE(browsing_newest_first_with_filters,
                        community_fixture) {
  auto a = alice.post("Ubuntu ISO", 1, "a linux image");
  auto b = bob.post("Debian ISO", 1, "another LINUX image");
  auto c = alice.post("Holiday photos", 1);
  BOOST_REQUIRE(!a.empty() && !b.empty() && !c.empty());
  auto all = bob.call("GET", "/user/post");
  BOOST_CHECK_EQUAL(json_field(all.body, "data.totalCount"), "3");
  BOOST_CHECK_LT(all.body.find("Holiday"), all.body.find("Debian"));
  BOOST_CHECK_LT(all.body.find("Debian"), all.body.find("Ubuntu"));
  BOOST_CHECK_EQUAL(total("?q=linux"), "2");
  BOOST_CHECK_EQUAL(total("?q=iso&author=" + bob.u.id), "1");
  BOOST_CHECK_EQUAL(total("?minLevel=2"), "0");
  auto paged = bob.call("GET", "/user/post?pageSize=1&pageNo=2");
  BOOST_CHECK_NE(paged.body.find("Debian"), std::string::npos);
  BOOST_CHECK_EQUAL(paged.body.find("Holiday"), std::string::npos);
  check_fail(bob.call("GET", "/user/post?author=x"), 400);
}

BOOST_FIXTURE_TEST_CASE(levels_are_the_origins_and_admins_edit_them,
                        community_fixture) {
  auto list = bob.call("GET", "/user/level");
  BOOST_CHECK_EQUAL(list.status, 200);
  for (auto name : {"Basic", "Rudimentary", "Enhanced", "Advanced", "Master",
                    "Grand Master", "Super", "Funky"})
    BOOST_CHECK_NE(list.body.find(std::string{"\""} + name + "\""),
                   std::string::npos);
  BOOST_CHECK_NE(list.body.find(R"("name":"Funky","minimum":500000)"),
                 std::string::npos);
  check_fail(bob.call("POST", "/user/level", R"({"name":"Mine"})"), 403);
  auto made = admin.call("POST", "/user/level",
                         R"({"name":"Legend","minimum":900000,)"
                         R"("minUploadBytes":1,"minDownloadBytes":2})");
  BOOST_REQUIRE_EQUAL(made.status, 201);
  auto lid = json_field(made.body, "data.lid");
  BOOST_CHECK_EQUAL(lid, "9");
  auto renamed = admin.call("PUT", "/user/level/" + lid,
                            R"({"name":"Myth","minimum":900000})");
  BOOST_CHECK_EQUAL(json_field(renamed.body, "data.name"), "Myth");
  check_fail(admin.call("PUT", "/user/level/77", R"({"name":"x"})"), 404);
  check_fail(admin.call("POST", "/user/level", R"({"name":""})"), 400);
  // A level in use stays.
  auto pid = admin.post("needs myth", 9);
  BOOST_REQUIRE(!pid.empty());
  check_fail(admin.call("DELETE", "/user/level/" + lid), 409);
  BOOST_CHECK_EQUAL(admin.call("DELETE", "/user/post/" + pid).status, 200);
  BOOST_CHECK_EQUAL(admin.call("DELETE", "/user/level/" + lid).status, 200);
  BOOST_CHECK_EQUAL(bob.call("GET", "/user/level").body.find("Myth"),
                    std::string::npos);
}
