#pragma once

// The JSON bodies the community face reads (seed 003): a post (create and
// update), a thread and a level. Pure parsing, apart from the handlers
// (posts.cpp, accounts.cpp), so it can be tested and fuzzed alone.

#include "protocol/level.hpp"
#include "protocol/post.hpp"
#include "protocol/thread.hpp"

#include <cstddef>
#include <optional>
#include <rapidjson/document.h>
#include <string>

namespace skyhaul::http::community {

/// Longest title in code points, longest content and thread in bytes,
/// longest level name in bytes.
constexpr size_t max_title_chars = 200;
constexpr size_t max_content_bytes = 64 * 1024;
constexpr size_t max_thread_bytes = 16 * 1024;
constexpr size_t max_level_name = 64;

/// `body` as a JSON object in `doc`, or the reason it is not one.
std::optional<std::string> parse_object(const std::string& body,
                                        rapidjson::Document& doc);

/// Reads the fields a client may set into `p`; fields the server sets are
/// ignored, anything else is refused. `has_level` is set when the body
/// names a level; `from_task` gets "fromTask" (a create only; null where
/// the call takes none).
std::optional<std::string> read_post(const rapidjson::Document& doc,
                                     post_record& p, bool& has_level,
                                     std::string* from_task);

/// Reads a thread's `content` (required) and `rate` (1-5, or null) into
/// `th`; the fields the server sets are ignored.
std::optional<std::string> read_thread(const rapidjson::Document& doc,
                                       thread_record& th);

/// Reads a level's fields from `body` into `l`; `lid` in the body is
/// ignored (the path names the level), `name` is required.
std::optional<std::string> read_level(const std::string& body,
                                      level_record& l);

} // namespace skyhaul::http::community
