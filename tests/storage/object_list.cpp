#define BOOST_TEST_MODULE object_list
#include "storage/object_list.hpp"

#include "storage/lmdb_env.hpp"
#include "storage/object_table.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>

using namespace skyhaul;
using namespace skyhaul::storage;

namespace {

using strings = std::vector<std::string>;

struct listing_db {
  std::string dir;
  std::unique_ptr<lmdb_env> env;

  listing_db() {
    char tmpl[] = "/tmp/skyhaul-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
    env = std::make_unique<lmdb_env>(dir, 64 << 20);
  }

  ~listing_db() {
    env.reset();
    std::filesystem::remove_all(dir);
  }

  void put(const std::string& bucket, const strings& keys) {
    auto t = env->write();
    std::vector<std::string> orphans;
    for (auto& key : keys) {
      object_commit c;
      c.owner = 7;
      c.bucket = bucket;
      c.file.key = key;
      c.file.blob = "blob-" + key;
      c.file.md5 = "md5";
      c.file.size = key.size();
      commit_object(t, c, orphans);
    }
    t.commit();
  }

  list_page list(const std::string& bucket, list_request q) {
    auto t = env->read();
    return list_objects(t, bucket, q);
  }

  /// Every entry of the listing, fetched `page_size` at a time through
  /// continuation tokens; checks each page on the way.
  strings walk(const std::string& bucket, list_request q, size_t page_size,
               size_t& pages) {
    strings out;
    q.max_keys = page_size;
    pages = 0;
    for (;;) {
      auto page = list(bucket, q);
      ++pages;
      auto n = page.objects.size() + page.common_prefixes.size();
      BOOST_REQUIRE_LE(n, page_size);
      for (auto& o : page.objects)
        out.push_back(o.key);
      for (auto& p : page.common_prefixes)
        out.push_back(p);
      if (!page.truncated)
        break;
      BOOST_REQUIRE_EQUAL(n, page_size);
      auto token = encode_continuation_token(page.last);
      auto back = decode_continuation_token(token);
      BOOST_REQUIRE(back);
      q.start_after = *back;
      BOOST_REQUIRE_LE(pages, 1000u);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

strings keys_of(const list_page& p) {
  strings out;
  for (auto& o : p.objects)
    out.push_back(o.key);
  return out;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(object_list, listing_db)

BOOST_AUTO_TEST_CASE(all_keys_in_order_and_only_of_the_bucket) {
  put("a", {"z", "b", "a/1", "a"});
  put("ab", {"other"});
  put("a-", {"other"});
  auto page = list("a", {});
  BOOST_CHECK((keys_of(page) == strings{"a", "a/1", "b", "z"}));
  BOOST_CHECK(page.common_prefixes.empty());
  BOOST_CHECK(!page.truncated);
  BOOST_CHECK_EQUAL(page.last, "z");
  BOOST_CHECK_EQUAL(page.objects[0].entry.owner, 7u);
  BOOST_CHECK_EQUAL(page.objects[0].entry.file.blob, "blob-a");
  BOOST_CHECK(keys_of(list("nothing", {})).empty());
}

BOOST_AUTO_TEST_CASE(prefix_filters) {
  put("b", {"photos/2024/a.jpg", "photos/2024/b.jpg", "photos/x.jpg",
            "photosynthesis", "music/a.mp3"});
  list_request q;
  q.prefix = "photos/";
  BOOST_CHECK(
      (keys_of(list("b", q))
       == strings{"photos/2024/a.jpg", "photos/2024/b.jpg", "photos/x.jpg"}));
  q.prefix = "photos";
  BOOST_CHECK_EQUAL(list("b", q).objects.size(), 4u);
  q.prefix = "zzz";
  BOOST_CHECK(list("b", q).objects.empty());
  // A prefix that is a whole key lists that key too.
  q.prefix = "music/a.mp3";
  BOOST_CHECK((keys_of(list("b", q)) == strings{"music/a.mp3"}));
}

BOOST_AUTO_TEST_CASE(delimiter_rolls_up_common_prefixes) {
  put("b", {"photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg",
            "photos/x.jpg", "photos/", "readme", "music/a.mp3", "music/b.mp3"});
  list_request q;
  q.delimiter = "/";
  auto top = list("b", q);
  BOOST_CHECK((keys_of(top) == strings{"readme"}));
  BOOST_CHECK((top.common_prefixes == strings{"music/", "photos/"}));
  q.prefix = "photos/";
  auto sub = list("b", q);
  // The folder marker "photos/" equals the prefix: it is a key, not a
  // common prefix.
  BOOST_CHECK((keys_of(sub) == strings{"photos/", "photos/x.jpg"}));
  BOOST_CHECK((sub.common_prefixes == strings{"photos/2024/", "photos/2025/"}));
  // A delimiter of several characters.
  q.prefix.clear();
  q.delimiter = "/20";
  auto multi = list("b", q);
  BOOST_CHECK((multi.common_prefixes == strings{"photos/20"}));
  BOOST_CHECK_EQUAL(multi.objects.size(), 5u);
}

BOOST_AUTO_TEST_CASE(max_keys_counts_keys_and_prefixes) {
  put("b", {"a/1", "a/2", "b", "c/1", "d"});
  list_request q;
  q.delimiter = "/";
  q.max_keys = 2;
  auto first = list("b", q);
  BOOST_CHECK((first.common_prefixes == strings{"a/"}));
  BOOST_CHECK((keys_of(first) == strings{"b"}));
  BOOST_CHECK(first.truncated);
  BOOST_CHECK_EQUAL(first.last, "b");
  q.start_after = first.last;
  auto second = list("b", q);
  BOOST_CHECK((second.common_prefixes == strings{"c/"}));
  BOOST_CHECK((keys_of(second) == strings{"d"}));
  // Exactly full with nothing after: not truncated.
  BOOST_CHECK(!second.truncated);
  q.max_keys = 0;
  q.start_after.clear();
  auto none = list("b", q);
  BOOST_CHECK(none.objects.empty() && none.common_prefixes.empty());
  BOOST_CHECK(none.truncated);
}

BOOST_AUTO_TEST_CASE(a_page_ending_on_a_common_prefix_resumes_past_it) {
  put("b", {"a", "dir/1", "dir/2", "dir/3", "e"});
  list_request q;
  q.delimiter = "/";
  q.max_keys = 2;
  auto first = list("b", q);
  BOOST_CHECK((keys_of(first) == strings{"a"}));
  BOOST_CHECK((first.common_prefixes == strings{"dir/"}));
  BOOST_CHECK_EQUAL(first.last, "dir/");
  BOOST_CHECK(first.truncated);
  q.start_after = first.last;
  auto second = list("b", q);
  BOOST_CHECK((keys_of(second) == strings{"e"}));
  BOOST_CHECK(second.common_prefixes.empty());
  BOOST_CHECK(!second.truncated);
}

BOOST_AUTO_TEST_CASE(paging_with_tokens_sees_every_entry_once) {
  strings keys;
  for (int i = 0; i < 57; ++i)
    keys.push_back("k/" + std::to_string(i % 7) + "/" + std::to_string(i));
  for (int i = 0; i < 23; ++i)
    keys.push_back("top-" + std::to_string(i));
  put("b", keys);
  auto all = keys;
  std::sort(all.begin(), all.end());
  for (size_t size : {1, 2, 3, 10, 79, 80, 81, 1000}) {
    size_t pages = 0;
    BOOST_CHECK(walk("b", {}, size, pages) == all);
    BOOST_CHECK_EQUAL(pages, (all.size() + size - 1) / size);
  }
  list_request q;
  q.delimiter = "/";
  strings rolled{"k/"};
  for (int i = 0; i < 23; ++i)
    rolled.push_back("top-" + std::to_string(i));
  std::sort(rolled.begin(), rolled.end());
  size_t pages = 0;
  BOOST_CHECK(walk("b", q, 5, pages) == rolled);
  q.prefix = "k/";
  BOOST_CHECK(
      (walk("b", q, 2, pages)
       == strings{"k/0/", "k/1/", "k/2/", "k/3/", "k/4/", "k/5/", "k/6/"}));
  BOOST_CHECK_EQUAL(pages, 4u);
}

BOOST_AUTO_TEST_CASE(start_after_bounds) {
  put("b", {"a/1", "a/2", "b/1", "c"});
  list_request q;
  q.prefix = "b/";
  q.start_after = "a/9";
  BOOST_CHECK((keys_of(list("b", q)) == strings{"b/1"}));
  // Past every key with the prefix.
  q.start_after = "c";
  BOOST_CHECK(list("b", q).objects.empty());
  q.prefix.clear();
  q.start_after = "a/1";
  BOOST_CHECK((keys_of(list("b", q)) == strings{"a/2", "b/1", "c"}));
  // Inside a common prefix: the prefix sorts before start_after, so it was
  // listed already.
  q.delimiter = "/";
  auto page = list("b", q);
  BOOST_CHECK((keys_of(page) == strings{"c"}));
  BOOST_CHECK((page.common_prefixes == strings{"b/"}));
}

BOOST_AUTO_TEST_CASE(keys_with_odd_bytes) {
  const strings keys{"sp ace",
                     "plus+sign",
                     "per%25cent",
                     "amp&lt;<x>",
                     "\xc3\xa9t\xc3\xa9/f",
                     "\xe2\x82\xac/\xf0\x9f\x98\x80",
                     "ctl\x01/x",
                     "hi\xff\xff/a",
                     "hi\xff\xff/b",
                     "hi\xff\xff",
                     std::string("nul\0in", 6)};
  put("b", keys);
  auto all = keys;
  std::sort(all.begin(), all.end());
  size_t pages = 0;
  BOOST_CHECK(walk("b", {}, 3, pages) == all);
  list_request q;
  q.delimiter = "/";
  auto page = list("b", q);
  BOOST_CHECK((page.common_prefixes
               == strings{"ctl\x01/", "hi\xff\xff/", "\xc3\xa9t\xc3\xa9/",
                          "\xe2\x82\xac/"}));
  // A common prefix ending in 0xff bytes is skipped by its successor.
  q.delimiter = "\xff";
  page = list("b", q);
  BOOST_CHECK((page.common_prefixes == strings{"hi\xff"}));
  BOOST_CHECK_EQUAL(page.objects.size(), keys.size() - 3);
  q.prefix = "hi\xff";
  page = list("b", q);
  BOOST_CHECK((page.common_prefixes == strings{"hi\xff\xff"}));
  BOOST_CHECK(page.objects.empty());
  q.prefix = "nul";
  q.delimiter.clear();
  BOOST_CHECK((keys_of(list("b", q)) == strings{std::string("nul\0in", 6)}));
}

BOOST_AUTO_TEST_CASE(continuation_tokens) {
  for (std::string s : {std::string{"a"}, std::string{"ab"}, std::string{"abc"},
                        std::string{"abcd"}, std::string("\0\xff\x80 /+", 6)}) {
    auto token = encode_continuation_token(s);
    BOOST_CHECK_EQUAL(token.size() % 4, 0u);
    BOOST_CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
                                        "klmnopqrstuvwxyz0123456789+/=")
                == std::string::npos);
    auto back = decode_continuation_token(token);
    BOOST_REQUIRE(back);
    BOOST_CHECK(*back == s);
  }
  BOOST_CHECK_EQUAL(encode_continuation_token("key"), "a2V5");
  BOOST_CHECK_EQUAL(encode_continuation_token("ke"), "a2U=");
  for (auto bad :
       {"", "a", "a2V", "a2V5a", "a=V5", "a2V5====", "a2V*", "=2V5", "a2=5"})
    BOOST_CHECK_MESSAGE(!decode_continuation_token(bad), bad);
}

BOOST_AUTO_TEST_SUITE_END()
