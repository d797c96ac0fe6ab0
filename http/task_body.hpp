#pragma once

// The body of `POST /task`, validated at the edge: inside the system a
// task_spec is always well-formed.

#include <cstdint>
#include <string>

#include <caf/error.hpp>

#include "protocol/ids.hpp"
#include "protocol/task_spec.hpp"

namespace skyhaul::http {

/// Parses and validates a `POST /task` body for user `uid` into `spec`.
/// Returns no error on success; `ec::invalid_uri` for a bad source or
/// callback URL (e.g. "unsupported scheme"), `ec::invalid_argument` for
/// anything else, each with a message naming the field.
caf::error parse_task_body(const std::string& body, user_id uid,
                           task_spec& spec);

/// The largest uploaded torrent `parse_task_body` takes.
constexpr uint64_t default_max_torrent = 16 << 20;

/// The body limit of `POST /task`: room for a torrent of `max_torrent`
/// bytes in base64 (4/3 of it, padded) plus 64 KiB for the other fields
/// and the multipart framing; never below the listener's `max_body`.
constexpr uint64_t task_body_limit(uint64_t max_torrent, uint64_t max_body) {
  auto upload = (max_torrent + 2) / 3 * 4 + (64 << 10);
  return upload > max_body ? upload : max_body;
}

/// Parses a `POST /task` request: a JSON body, or a multipart/form-data
/// body with one `torrent` part (the .torrent file, any filename) and at
/// most one `task` part (a JSON object of the other fields). In JSON,
/// `torrent` holds the file in standard base64 (padding optional, line
/// breaks ignored). Exactly one of `url` and `torrent` names the source.
/// Errors as `parse_task_body`, plus `ec::too_large` for a torrent over
/// `max_torrent` bytes and `ec::download_source_exception` for an upload
/// that is not one well-formed bencoded dictionary.
caf::error parse_task_request(const std::string& body,
                              const std::string& content_type, user_id uid,
                              uint64_t max_torrent, task_spec& spec);

} // namespace skyhaul::http
