// `POST /task` bodies (http/task_body.hpp): `content-type NUL body`, JSON
// or multipart. A spec that parses names exactly one source and passes
// the typed check of the remote interface unchanged; file choices that
// parse hold at least one entry.
#include "fuzz/check.hpp"
#include "http/task_body.hpp"

using namespace skyhaul;
using namespace skyhaul::http;

namespace {

constexpr uint64_t max_torrent = 1 << 20;

bool same(const task_spec& a, const task_spec& b) {
  return a.url == b.url && a.bucket == b.bucket && a.key == b.key
         && a.target == b.target && a.md5 == b.md5 && a.sha1 == b.sha1
         && a.crc32 == b.crc32 && a.size == b.size && a.rule == b.rule
         && a.success_callback_url == b.success_callback_url
         && a.failure_callback_url == b.failure_callback_url
         && a.torrent == b.torrent && a.files == b.files
         && a.start_paused == b.start_paused && a.urls == b.urls
         && a.connections == b.connections;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [content_type, body] = fuzz::split2(fuzz::text(data, size));
  if (content_type.empty())
    content_type = "application/json";
  task_spec spec;
  auto err = parse_task_request(body, content_type, 7, max_torrent, spec,
                                64 << 10);
  if (!err) {
    FUZZ_CHECK(spec.url.empty() != spec.torrent.empty());
    FUZZ_CHECK(spec.torrent.size() <= max_torrent);
    auto typed = spec;
    FUZZ_CHECK(!check_task_spec(typed, 7, max_torrent));
    FUZZ_CHECK(same(typed, spec));
  }
  file_choice choice;
  if (!parse_file_choice(body, choice))
    FUZZ_CHECK(!choice.names.empty() || !choice.indices.empty());
  return 0;
}
