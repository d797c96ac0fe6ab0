#pragma once

// Making a request: what cloud, instant and remote calls share.

#include <functional>
#include <optional>
#include <string>

#include "http/offcloud/common.hpp"
#include "http/offcloud/fields.hpp"

namespace skyhaul::http::offcloud {

/// Which call makes the request; each has its plan flag.
enum class kind { cloud, instant, remote };

/// Builds the task of a create call from its fields, or answers the
/// refusal itself (`not_available`, a bad URL, a bad proxy) and returns
/// nullopt; nothing has started either way.
std::optional<task_spec> make_spec(
    const services& svc, const user_record& u, const fields& f, kind k,
    responder& respond);

/// Creates `spec` for `u` and answers with the request object: requestId,
/// fileName, site, status, originalLink, createdOn, and `url` unless
/// `with_url` is false. A torrent the info-hash cache holds whole answers
/// "downloaded".
void start_request(const svc_ptr& svc, const user_record& u, task_spec spec,
                   const std::string& base, bool with_url, responder respond);

} // namespace skyhaul::http::offcloud
