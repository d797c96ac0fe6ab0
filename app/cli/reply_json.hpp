#pragma once

// Reading the Task API's JSON replies in the CLI: success or the server's
// error text, and the payload under `detail` (or the older names).

#include <string>

#include <rapidjson/document.h>

#include "app/cli/client.hpp"

namespace skyhaul::cli {

/// Parses `r`: true when it is a success; else `error` says why (the
/// server's errmsg, or the transport's).
bool parse_success(const http_reply& r, rapidjson::Document& doc,
                   std::string& error);

/// The payload member: the first of `names` that `doc` has, else null.
const rapidjson::Value* payload(const rapidjson::Document& doc,
                                std::initializer_list<const char*> names);

/// A string member of `v`, "" when absent; numbers are printed.
std::string str(const rapidjson::Value& v, const char* name);

/// An integer member of `v`, `fallback` when absent.
int64_t num(const rapidjson::Value& v, const char* name, int64_t fallback);

/// `v` as compact JSON.
std::string to_json(const rapidjson::Value& v);

} // namespace skyhaul::cli
