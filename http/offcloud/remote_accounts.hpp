#pragma once
// The remote accounts of the Offcloud face (seed 001, "Retrieving a list
// of user's remote accounts"): listing (with the aliases clients still
// call), adding and removing them. Secrets are sealed before they reach
// the store and are never part of a reply.

#include "http/json.hpp"
#include "http/router.hpp"
#include "http/services.hpp"
#include "protocol/push.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace skyhaul::http {

/// Adds, under the face of `m` (which must claim `/api`, authenticate its
/// callers and render errors as `offcloud_error`):
/// `POST /api/remote/accounts`, `/api/remote-account/list`,
/// `/api/account/remote/all` (the caller's accounts), `POST
/// /api/remote/accounts/add` and `POST /api/remote/accounts/remove`.
void mount_remote_accounts(router::mounted& m,
                           std::shared_ptr<const services> svc);

/// Writes `"push":[{file, path, state, bytes, size, tries, error}]`, one
/// item per file of a remote request, as `/api/remote/status` shows them.
void write_push_status(json_writer& w, const std::vector<push_outcome>& outs);

} // namespace skyhaul::http
