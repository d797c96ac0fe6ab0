#define BOOST_TEST_MODULE base_bencode
#include <boost/test/unit_test.hpp>

#include "base/bencode.hpp"
#include "base/hex.hpp"
#include "base/metainfo.hpp"

#include <openssl/sha.h>
#include <string>

using namespace skyhaul;

namespace {

std::string sha1_hex(const std::string& s) {
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  return to_hex(d, sizeof d);
}

const std::string pieces(20, 'x');

/// An info dictionary with one file of `length` bytes named `name`.
std::string single_info(const std::string& name, int64_t length = 1000) {
  std::string info = "d6:lengthi" + std::to_string(length) + "e4:name";
  bencode::put_string(info, name);
  info += "12:piece lengthi16384e6:pieces";
  bencode::put_string(info, pieces);
  return info + "e";
}

std::string torrent_with(const std::string& info) {
  std::string old;
  bencode::put_string(old, "http://old/announce");
  return "d8:announce" + old + "13:announce-listll" + old
         + "ee7:comment2:hi4:info" + info + "e";
}

} // namespace

BOOST_AUTO_TEST_CASE(parse_keeps_raw_bytes_and_order) {
  std::string err;
  auto v = bencode::parse("d1:bi-3e1:al3:xyzi0eee", err);
  BOOST_REQUIRE_MESSAGE(v, err);
  BOOST_CHECK(v->type == bencode::kind::dict);
  BOOST_REQUIRE_EQUAL(v->entries.size(), 2u);
  BOOST_CHECK_EQUAL(v->entries[0].first, "b");
  BOOST_CHECK_EQUAL(v->find("b")->integer, -3);
  BOOST_CHECK_EQUAL(v->find("a")->raw, "l3:xyzi0ee");
  BOOST_CHECK_EQUAL(v->find("a")->items[0].text, "xyz");
}

BOOST_AUTO_TEST_CASE(parse_refuses_malformed_input) {
  std::string err;
  for (std::string bad :
       {"", "i01e", "i-0e", "ie", "5:abc", "d1:ai1e1:ai2ee", "l", "d3:key",
        "x", "i1ei2e", "di1ei2ee", "-1:a", "i99999999999999999999e"}) {
    err.clear();
    BOOST_CHECK_MESSAGE(!bencode::parse(bad, err), bad);
    BOOST_CHECK(!err.empty());
  }
  std::string deep(100, 'l');
  deep += std::string(100, 'e');
  BOOST_CHECK(!bencode::parse(deep, err));
}

BOOST_AUTO_TEST_CASE(unsorted_keys_are_read_but_never_twice) {
  std::string err;
  BOOST_CHECK(bencode::parse("d1:bi1e1:ai2ee", err));
  BOOST_CHECK(!bencode::parse("d1:bi1e1:ai2e1:bi3ee", err));
}

BOOST_AUTO_TEST_CASE(metainfo_facts_and_info_hash) {
  auto info = single_info("movie.mkv", 123456);
  std::string err;
  auto facts = check_metainfo(torrent_with(info), err);
  BOOST_REQUIRE_MESSAGE(facts, err);
  BOOST_CHECK_EQUAL(to_hex(facts->info_hash), sha1_hex(info));
  BOOST_CHECK_EQUAL(facts->size, 123456u);
  BOOST_CHECK_EQUAL(facts->name, "movie.mkv");
  BOOST_CHECK_EQUAL(facts->file_count, 1u);
}

BOOST_AUTO_TEST_CASE(multi_file_sizes_add_up) {
  std::string info = "d5:filesld6:lengthi10e4:pathl1:a5:b.binee"
                     "d6:lengthi32e4:pathl3:c.xeee4:name4:pack"
                     "12:piece lengthi16384e6:pieces20:"
                     + pieces + "e";
  std::string err;
  auto facts = check_metainfo("d4:info" + info + "e", err);
  BOOST_REQUIRE_MESSAGE(facts, err);
  BOOST_CHECK_EQUAL(facts->size, 42u);
  BOOST_CHECK_EQUAL(facts->file_count, 2u);
}

BOOST_AUTO_TEST_CASE(unsafe_or_incomplete_metainfo_is_refused) {
  std::string err;
  BOOST_CHECK(!check_metainfo("not bencode", err));
  BOOST_CHECK(!check_metainfo("li1ee", err));
  BOOST_CHECK(!check_metainfo("d8:announce1:xe", err));
  BOOST_CHECK(!check_metainfo(torrent_with(single_info("..")), err));
  BOOST_CHECK(!check_metainfo(torrent_with(single_info("a/b")), err));
  BOOST_CHECK(!check_metainfo(torrent_with(single_info(std::string("a\0b", 3))),
                              err));
  BOOST_CHECK(!check_metainfo(torrent_with(single_info("ok", -1)), err));
  std::string traversal = "d5:filesld6:lengthi1e4:pathl2:..6:passwdeee"
                          "4:name4:pack12:piece lengthi16384e6:pieces20:"
                          + pieces + "e";
  BOOST_CHECK(!check_metainfo("d4:info" + traversal + "e", err));
  BOOST_CHECK_NE(err.find("unsafe"), std::string::npos);
  std::string short_pieces = "d6:lengthi1e4:name1:a12:piece lengthi16e"
                             "6:pieces3:abce";
  BOOST_CHECK(!check_metainfo("d4:info" + short_pieces + "e", err));
}

BOOST_AUTO_TEST_CASE(announce_is_rewritten_and_info_kept_byte_for_byte) {
  // Unsorted keys inside the info dictionary: a re-encoder would sort
  // them and change the info-hash.
  std::string info = "d4:name1:a6:lengthi5e12:piece lengthi16e6:pieces20:"
                     + pieces + "e";
  auto original = torrent_with(info);
  std::string err;
  auto before = check_metainfo(original, err);
  BOOST_REQUIRE_MESSAGE(before, err);
  auto served = with_announce(original, "http://t/announce/key");
  auto after = check_metainfo(served, err);
  BOOST_REQUIRE_MESSAGE(after, err);
  BOOST_CHECK(after->info_hash == before->info_hash);
  BOOST_CHECK_NE(served.find("4:info" + info), std::string::npos);
  BOOST_CHECK_EQUAL(served.find("announce-list"), std::string::npos);
  BOOST_CHECK_EQUAL(served.find("http://old"), std::string::npos);
  auto root = bencode::parse(served, err);
  BOOST_REQUIRE(root);
  BOOST_CHECK_EQUAL(root->find("announce")->text, "http://t/announce/key");
  BOOST_CHECK_EQUAL(root->find("comment")->text, "hi");
  // Sorted keys at the top, as BEP 3 asks.
  BOOST_CHECK_EQUAL(root->entries[0].first, "announce");
  BOOST_CHECK_EQUAL(root->entries[1].first, "comment");
  BOOST_CHECK_EQUAL(root->entries[2].first, "info");
}
