// Magnet links (protocol/source.hpp): a usable hash is lower-case hex of
// 40 or 64 digits, and the link rebuilt from it names the same hash.
#include "fuzz/check.hpp"
#include "protocol/source.hpp"

using namespace skyhaul;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::text(data, size);
  (void) is_torrent_url(in);
  auto hash = magnet_info_hash(in);
  if (!hash)
    return 0;
  FUZZ_CHECK(hash->size() == 40 || hash->size() == 64);
  FUZZ_CHECK(hash->find_first_not_of("0123456789abcdef") == std::string::npos);
  auto rebuilt = hash->size() == 40 ? "magnet:?xt=urn:btih:" + *hash
                                    : "magnet:?xt=urn:btmh:1220" + *hash;
  auto again = magnet_info_hash(rebuilt);
  FUZZ_CHECK(again && *again == *hash);
  return 0;
}
