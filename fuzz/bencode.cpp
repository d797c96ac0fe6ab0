// Bencoding (base/bencode.hpp): whatever parses is canonical, so
// re-encoding the parsed tree gives back exactly the input, and every
// value's `raw` is its own encoding.
#include "base/bencode.hpp"
#include "fuzz/check.hpp"

namespace {

using namespace skyhaul;

void encode(const bencode::value& v, std::string& out) {
  switch (v.type) {
    case bencode::kind::integer:
      bencode::put_int(out, v.integer);
      break;
    case bencode::kind::string:
      bencode::put_string(out, v.text);
      break;
    case bencode::kind::list:
      out += 'l';
      for (auto& item : v.items)
        encode(item, out);
      out += 'e';
      break;
    case bencode::kind::dict:
      out += 'd';
      for (auto& [k, item] : v.entries) {
        bencode::put_string(out, k);
        encode(item, out);
      }
      out += 'e';
      break;
  }
}

void check_raw(const bencode::value& v) {
  std::string self;
  encode(v, self);
  FUZZ_CHECK(self == v.raw);
  for (auto& item : v.items)
    check_raw(item);
  for (auto& [k, item] : v.entries) {
    FUZZ_CHECK(v.find(k) == &item);
    check_raw(item);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::text(data, size);
  std::string error;
  auto v = bencode::parse(in, error, bencode::limits{32, 1u << 16});
  if (!v) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  std::string out;
  encode(*v, out);
  FUZZ_CHECK(out == in);
  FUZZ_CHECK(v->raw == in);
  check_raw(*v);
  return 0;
}
