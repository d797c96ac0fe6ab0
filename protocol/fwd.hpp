#pragma once

// Forward declarations and the type-ID block of every message type.
// Chained: fwd.hpp (types) -> atoms.hpp (atoms) -> actors.hpp (interfaces).

#include <caf/type_id.hpp>
#include <vector>

namespace skyhaul {

struct fetch_progress;
struct fetch_request;
struct fetch_result;
struct file_record;
struct object_commit;
struct object_commit_result;
struct settings;
struct state_counters;
struct task_page;
struct task_query;
struct task_record;
struct task_spec;
struct task_status;
struct user_record;
struct acl_spec;
struct bucket_outcome;
struct callback_event;
struct delivery_attempt;
struct replica_job;
struct torrent_add;
struct torrent_file_info;
struct torrent_meta;
struct torrent_progress;
struct torrent_result;
struct torrent_view;
// The community face and its tracker.
struct announce_reply;
struct announce_request;
struct community_outcome;
struct community_write;
struct scrape_reply;
struct scrape_request;
struct transfer_batch;
struct remote_account;
struct push_job;
struct push_attempt;
// Live events (protocol/event.hpp).
struct event_filter;
struct task_event;
// The Offcloud face's own writes (protocol/offcloud_writes.hpp).
struct login_failure;
struct user_prefs;

} // namespace skyhaul

CAF_BEGIN_TYPE_ID_BLOCK(skyhaul, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(skyhaul, (skyhaul::acl_spec))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::bucket_outcome))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::fetch_progress))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::fetch_request))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::fetch_result))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::file_record))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::object_commit))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::object_commit_result))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::state_counters))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::task_page))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::task_query))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::task_record))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::task_spec))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::task_status))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::user_record))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::callback_event))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::delivery_attempt))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::replica_job))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::torrent_add))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::torrent_file_info))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::torrent_meta))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::torrent_progress))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::torrent_result))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::torrent_view))
CAF_ADD_TYPE_ID(skyhaul, (std::vector<skyhaul::file_record>))
// The community face and its tracker.
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::announce_reply))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::announce_request))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::community_outcome))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::community_write))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::scrape_reply))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::scrape_request))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::transfer_batch))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::remote_account))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::push_job))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::push_attempt))
// Live events.
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::event_filter))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::task_event))
CAF_ADD_TYPE_ID(skyhaul, (std::vector<skyhaul::task_event>))
// The Offcloud face's own writes.
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::login_failure))
CAF_ADD_TYPE_ID(skyhaul, (skyhaul::user_prefs))

CAF_END_TYPE_ID_BLOCK(skyhaul)
