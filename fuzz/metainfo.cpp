// Metainfo checks (base/metainfo.hpp): a checked file keeps its facts
// when its announce is rewritten, and the rewrite is checked again.
#include "base/metainfo.hpp"
#include "fuzz/check.hpp"

using namespace skyhaul;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::text(data, size);
  std::string error;
  auto facts = check_metainfo(in, error);
  if (!facts) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  FUZZ_CHECK(facts->info_hash.size() == 20);
  FUZZ_CHECK(safe_path_component(facts->name));
  auto moved = with_announce(in, "http://tracker.example/announce/abc");
  std::string error2;
  auto again = check_metainfo(moved, error2);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->info_hash == facts->info_hash);
  FUZZ_CHECK(again->name == facts->name);
  FUZZ_CHECK(again->size == facts->size);
  FUZZ_CHECK(again->file_count == facts->file_count);
  // Rewriting twice is rewriting once.
  FUZZ_CHECK(with_announce(moved, "http://tracker.example/announce/abc")
             == moved);
  return 0;
}
