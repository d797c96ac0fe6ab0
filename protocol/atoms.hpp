#pragma once

#include "protocol/fwd.hpp"

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

// Atoms of the Skyhaul protocol (at most 10 characters each). CAF's own
// `caf::ok_atom`, `caf::put_atom`, `caf::get_atom` and `caf::tick_atom`
// are used where they fit.

CAF_ADD_ATOM(skyhaul, skyhaul::atom, create, "create")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, pause, "pause")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, resume, "resume")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, cancel, "cancel")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, remove, "remove")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, status, "status")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, list, "list")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, counters, "counters")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, progress, "progress")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, done, "done")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, start, "start")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, stop, "stop")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, retry, "retry")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, commit, "commit")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, erase, "erase")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, flush, "flush")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, finalize, "finalize")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, wake, "wake")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, notify, "notify")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, redeliver, "redeliver")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, replicated, "replicated")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, meta, "meta")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, seed, "seed")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, resumedata, "resumedata")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, timeout, "timeout")
// The community face and its tracker.
CAF_ADD_ATOM(skyhaul, skyhaul::atom, community, "community")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, account, "account")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, announce, "announce")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, scrape, "scrape")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, forget, "forget")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, fetch, "fetch")

// Login sessions (the Offcloud face).
CAF_ADD_ATOM(skyhaul, skyhaul::atom, login, "login")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, logout, "logout")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, pushed, "pushed")

// Live events (the event hub and its subscribers).
CAF_ADD_ATOM(skyhaul, skyhaul::atom, watch, "watch")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, unwatch, "unwatch")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, publish, "publish")
CAF_ADD_ATOM(skyhaul, skyhaul::atom, event, "event")
// Storage promised to a download in progress (the plan's quota).
CAF_ADD_ATOM(skyhaul, skyhaul::atom, reserve, "reserve")
