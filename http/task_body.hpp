#pragma once

// The body of `POST /task`, validated at the edge: inside the system a
// task_spec is always well-formed.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <rapidjson/fwd.h>

#include "http/body_rule.hpp"
#include "protocol/ids.hpp"
#include "protocol/task_spec.hpp"

namespace skyhaul::http {

/// The body rule of `POST /task`: an authenticated upload has room for a
/// torrent of `max_torrent` bytes in base64 (4/3 of it, padded) plus 64 KiB
/// for the other fields and the multipart framing.
constexpr body_rule task_upload_rule(uint64_t max_torrent) {
  return body_rule{(max_torrent + 2) / 3 * 4 + (64 << 10)};
}

/// Parses and validates a `POST /task` request of user `uid` into `spec`:
/// a JSON body, or a multipart/form-data body with one `torrent` part (the .torrent file, any filename) and at
/// most one `task` part (a JSON object of the other fields). In JSON,
/// `torrent` holds the file in standard base64 (padding optional, line
/// breaks ignored). Exactly one of `url` and `torrent` names the source.
/// Returns no error on success; `ec::invalid_uri` for a bad source or
/// callback URL (e.g. "unsupported scheme"), `ec::too_large` for a torrent
/// over `max_torrent` bytes, `ec::download_source_exception` for an upload
/// that is not one well-formed bencoded dictionary, and
/// `ec::invalid_argument` for anything else, each with a message naming
/// the field. A body that turns out to carry no torrent may have at most
/// `max_plain_body` bytes (`ec::too_large` before any field is checked):
/// the route let it in as a possible upload, and only an upload may use
/// the larger limit (the handler takes the number from `body_limit`).
caf::error parse_task_request(
  const std::string& body, const std::string& content_type, user_id uid,
  uint64_t max_torrent, task_spec& spec,
  uint64_t max_plain_body = std::numeric_limits<uint64_t>::max());

/// Parses and validates one task of a batch, a JSON object with the
/// fields of `POST /task` (a torrent in base64 only), by the same rules.
caf::error parse_task_object(const rapidjson::Value& obj, user_id uid,
                             uint64_t max_torrent, task_spec& spec);

/// A new choice of a torrent task's wanted files (`PUT
/// /task/tid/<tid>/files`): names as `POST /task` takes them in `files`,
/// and indices into the status's `torrent.files`.
struct file_choice {
  std::vector<std::string> names;
  std::vector<uint32_t> indices;
};

/// Parses `{"files":[...]}` whose members are file names or indices, at
/// least one and at most `max_wanted_files`, names checked by
/// `check_file_names`. `ec::invalid_argument` with a message otherwise.
caf::error parse_file_choice(const std::string& body, file_choice& out);

/// Validates a typed spec of user `uid` by the rules of `POST /task`, for
/// callers that send a task_spec rather than JSON (the published remote
/// interface, app/remote_api.cpp): `torrent` holds the .torrent bytes
/// themselves (then `url` must be empty), `rule` is taken as given.
/// Completes `spec` as the body parser does (default bucket, normalised
/// digests, mirrors) and returns the same errors.
caf::error check_task_spec(task_spec& spec, user_id uid,
                           uint64_t max_torrent);

} // namespace skyhaul::http
