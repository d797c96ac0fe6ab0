#pragma once

// The table of contents of Skyhaul: every actor interface, every message it
// takes, and the file whose behaviour handles it (named in the comment above
// each interface). The messages' types are one header each in protocol/.
//
// Who runs where:
// - actors/runtime.cpp wires everything: it opens LMDB and the blob store,
//   starts the one curl loop, the disk pool, and spawns store, http_fetch,
//   torrent_session, callback, uploader, pusher and scheduler; the
//   scheduler spawns one task actor per active task. The tracker and the
//   community actor (the community face's) come last, after the scheduler.
// - Blocking work never runs in a cooperative actor. Its owners: the curl
//   loop's thread (actors/curl_loop.cpp) carries every fetch
//   (actors/fetch_job.cpp), callback POST, replica upload
//   (actors/s3_upload.cpp) and push to a remote account
//   (actors/push_transfer.cpp), and hands what would block it (hashing a
//   resumed file, reading and hashing an upload's part) to disk threads
//   of its own (`curl_loop::off_loop`); the disk pool's threads
//   (actors/disk_pool.cpp) fsync finished files, remove partial folders
//   and read a fetched `.torrent` back; each torrent task
//   reads its files back on a detached worker (actors/torrent_verify.cpp);
//   the store's transactions are plain functions (storage/rules/) run by
//   the store actor; libtorrent's own threads do its disk and network I/O.
// - The faces (http/) change state only through these interfaces, but read
//   it straight from LMDB: a status of a task without a live actor, lists,
//   counters, users and keys, buckets and objects come from read-only
//   transactions on the listener threads (LMDB readers never block the one
//   writer), so only live figures and writes cost a message.

#include "protocol/acl.hpp"
#include "protocol/announce.hpp"
#include "protocol/community_write.hpp"
#include "protocol/event.hpp"
#include "protocol/transfer_batch.hpp"
#include "protocol/atoms.hpp"
#include "protocol/bucket.hpp"
#include "protocol/callback.hpp"
#include "protocol/fetch.hpp"
#include "protocol/ids.hpp"
#include "protocol/object_commit.hpp"
#include "protocol/offcloud_writes.hpp"
#include "protocol/push.hpp"
#include "protocol/remote_account.hpp"
#include "protocol/replica.hpp"
#include "protocol/task_query.hpp"
#include "protocol/task_record.hpp"
#include "protocol/task_spec.hpp"
#include "protocol/task_status.hpp"
#include "protocol/torrent.hpp"
#include "protocol/user_record.hpp"

#include <caf/typed_actor.hpp>
#include <cstdint>
#include <string>

namespace skyhaul {

/// Receives the progress and the end of an HTTP transfer.
using fetch_listener_actor = caf::typed_actor<
    // Progress of a transfer; also sent once when the headers are known.
    caf::reacts_to<atom::progress, fetch_progress>,
    // The transfer ended; `code` says how. Sent exactly once per start
    // unless the transfer was stopped.
    caf::reacts_to<atom::done, fetch_result>>;

/// Downloads over HTTP(S) (actors/http_fetch.cpp): each transfer is a job
/// on the process's one curl loop (actors/fetch_job.cpp). Bodies stream
/// into partial files and are hashed (MD5, SHA-1, CRC32) as they arrive.
using http_fetch_actor = caf::typed_actor<
    // Starts a transfer; progress and the result go to the listener.
    caf::reacts_to<atom::start, fetch_request, fetch_listener_actor>,
    // Aborts the transfer of task `seq`; nothing more is sent for it.
    caf::reacts_to<atom::stop, task_seq>>;

/// Receives the metadata, the progress and the end of a torrent.
using torrent_listener_actor = caf::typed_actor<
    // The metadata is known and the file selection applied; sent once per
    // add (at once for a metainfo, later for a magnet link).
    caf::reacts_to<atom::meta, torrent_meta>,
    // About once a second while the torrent changes.
    caf::reacts_to<atom::progress, torrent_progress>,
    // Every wanted piece is verified on disk, or the torrent failed. Sent
    // once per add unless the torrent was paused or removed first. A torrent
    // task's hashing worker sends one with `ec::checksum_mismatch` when the
    // files read back fail the torrent's hashes
    // (actors/torrent_task_finish.cpp).
    caf::reacts_to<atom::done, torrent_result>>;

/// One `lt::session` for every torrent (actors/torrent_session.cpp; the
/// alerts in actors/torrent_events.cpp). Only libtorrent's asynchronous
/// calls are used; alerts become value messages routed by info-hash and
/// handle to the task that added the torrent. Resume data goes to the
/// store.
/// It also seeds, without a task, the torrent of every post made from a
/// finished task (actors/torrent_seed.cpp): it reads the seeded posts from
/// LMDB every few seconds and adds or removes torrents to match, their
/// files hard links of the stored blobs.
using torrent_session_actor = caf::typed_actor<
    // Adds the torrent of a task and monitors the task (a task that dies
    // has its torrent paused). Replies once libtorrent accepted it; errors:
    // `ec::invalid_uri` (no usable magnet hash),
    // `ec::download_source_exception` (bad or unsafe metainfo, unknown
    // wanted file), `ec::too_large`, `ec::invalid_state` (the torrent is
    // already there for another task).
    caf::replies_to<atom::start, torrent_add,
                    torrent_listener_actor>::with<caf::ok_atom>,
    // Saves clean resume data of task `seq`'s torrent, then removes it from
    // the session (files stay). Replies once both are done.
    caf::replies_to<atom::pause, task_seq>::with<caf::ok_atom>,
    // Removes the torrent of task `seq`; `true` also deletes its files.
    // Replies once libtorrent let go of the files.
    caf::replies_to<atom::remove, task_seq, bool>::with<caf::ok_atom>,
    // The task stored its files (hard links): the torrent seeds on under
    // the seeding policy, then goes with its folder.
    caf::reacts_to<atom::seed, task_seq>,
    // Checks a new choice of task `seq`'s wanted files (names as in
    // `torrent_add::files`; empty: every file) against its torrent's
    // metadata and replies the metadata with that selection; the torrent
    // is left as it is (the task re-adds it with the choice). Errors:
    // `ec::invalid_argument` (a name that matches no file),
    // `ec::invalid_state` (no torrent of that task, metadata not known
    // yet, or every wanted piece is in already).
    caf::replies_to<caf::put_atom, task_seq,
                    std::vector<std::string>>::with<torrent_meta>,
    // Graceful stop: saves clean resume data of every torrent and replies
    // once the store has it.
    caf::replies_to<atom::flush>::with<caf::ok_atom>,
    // From libtorrent's alert notification: alerts are waiting.
    caf::reacts_to<atom::wake>,
    // Timer: asks for state updates and saves resume data now and then.
    caf::reacts_to<caf::tick_atom>>;

/// Delivers callbacks (actors/callback.cpp): loads the owed events from the
/// outbox at start, POSTs them signed as jobs on the one curl loop, retries
/// with backoff (actors/backoff.cpp) and reports every attempt to the store.
using callback_actor = caf::typed_actor<
    // From the store, after a commit: event `id` is owed (new or redelivered).
    caf::reacts_to<atom::wake, uint64_t>,
    // From the delivery loop: an attempt ended; `false` when retrying is
    // pointless (the address is refused by the network policy).
    caf::reacts_to<atom::done, delivery_attempt, bool>,
    // Timer: the next attempt may be due.
    caf::reacts_to<caf::tick_atom>>;

/// Replicates stored objects to the configured IDCs (actors/uploader.cpp):
/// loads the owed jobs from LMDB at start and on `wake`, uploads a few at a
/// time as chains of signed requests on the one curl loop
/// (actors/s3_upload.cpp) and reports each outcome to the store.
using uploader_actor = caf::typed_actor<
    // From the store, after a commit that made replicas owed.
    caf::reacts_to<atom::wake>,
    // From a worker: the attempt at a job ended; an empty text means done.
    caf::reacts_to<atom::done, replica_job, std::string>,
    // From a worker: the job's multipart upload began or gained a part.
    caf::reacts_to<atom::progress, replica_job>,
    // Timer: the next attempt may be due.
    caf::reacts_to<caf::tick_atom>>;

/// Pushes finished tasks' files to their owners' remote accounts
/// (actors/pusher.cpp): loads the owed jobs from LMDB at start and on
/// `wake`, runs a few at a time as jobs on the one curl loop (FTP, FTPS,
/// SFTP, WebDAV in actors/push_job.cpp, S3 through actors/s3_upload.cpp),
/// retries with backoff and reports each attempt to the store.
using pusher_actor = caf::typed_actor<
    // From the store, after a commit that made pushes owed.
    caf::reacts_to<atom::wake>,
    // From a transfer: an attempt at a job ended.
    caf::reacts_to<atom::done, push_attempt>,
    // From a transfer: an S3 push's multipart upload began or gained a part.
    caf::reacts_to<atom::progress, push_job>,
    // Timer: the next attempt may be due.
    caf::reacts_to<caf::tick_atom>>;

/// Receives the events it subscribed to at the event hub: in id order,
/// each once, the replayed ones first.
using event_listener_actor = caf::typed_actor<
    // One event; a `reset` when the resume point asked for is older than
    // the log keeps (reload, then go on from the reset's id).
    caf::reacts_to<atom::event, task_event>>;

/// The live side of the durable event log (actors/event_hub.cpp): the
/// store appends events in the transactions of the changes they describe
/// (storage/rules/events.cpp) and publishes them here after the commit;
/// the hub replays stored events from LMDB and fans live ones out. `GET
/// /events` (http/events_face.cpp) is one of its subscribers; a C++
/// program may subscribe any actor with the listener interface.
using event_hub_actor = caf::typed_actor<
    // Subscribes `to` to the events the filter names: for a resume, the
    // stored ones after `after` first, then live ones, with no gap and no
    // duplicate. Replies the id of the newest stored event once in
    // effect. Monitors `to`: a listener that quits is unsubscribed.
    caf::replies_to<atom::watch, event_filter,
                    event_listener_actor>::with<uint64_t>,
    // Ends every subscription of `to`.
    caf::reacts_to<atom::unwatch, event_listener_actor>,
    // From the store, after a commit: the events it appended, in id order.
    caf::reacts_to<atom::publish, std::vector<task_event>>>;

/// The only writer of LMDB (actors/store.cpp; the transaction bodies are
/// plain functions in storage/rules/). Group commit: everything queued
/// while a commit runs goes into the next transaction, and every reply
/// comes after its transaction is durable.
using store_actor = caf::typed_actor<
    // Inserts or replaces a task record with its indexes and counters. A move
    // into finished or failed with the matching callback URL set writes the
    // callback's outbox event in the same transaction.
    caf::replies_to<caf::put_atom, task_record>::with<caf::ok_atom>,
    // Promises `bytes` of the owner's storage quota to live task `seq`,
    // replacing what it was promised: `ec::quota_exceeded` when what the
    // owner's finished downloads hold and its other downloads were
    // promised leave no room (storage/rules/quota.hpp). The promise lasts
    // until the task's record is stored in an end state.
    caf::replies_to<atom::reserve, user_id, task_seq, uint64_t>::with<
        caf::ok_atom>,
    // Inserts or replaces several task records in one transaction.
    caf::replies_to<caf::put_atom, std::vector<task_record>>::with<caf::ok_atom>,
    // Removes a task record with its indexes and counters.
    caf::replies_to<atom::erase, task_seq>::with<caf::ok_atom>,
    // Links a blob to bucket/key under the `OnKeyExist` rule.
    caf::replies_to<atom::commit, object_commit>::with<object_commit_result>,
    // Removes bucket/key; the blob goes with its last reference.
    caf::replies_to<atom::erase, std::string, std::string>::with<caf::ok_atom>,
    // Creates a bucket for a user with an ACL; replies what happened
    // (created, already yours, taken by another user).
    caf::replies_to<atom::create, std::string, user_id,
                    acl_spec>::with<bucket_outcome>,
    // Removes an empty bucket: `ec::not_found` when it does not exist,
    // `ec::invalid_state` when it holds objects.
    caf::replies_to<atom::remove, std::string>::with<caf::ok_atom>,
    // Inserts or replaces a user and their key indexes.
    caf::replies_to<caf::put_atom, user_record>::with<caf::ok_atom>,
    // Names the callback actor, woken after each commit that makes a
    // callback owed.
    caf::reacts_to<atom::notify, callback_actor>,
    // Names the uploader, woken after each commit that makes replicas owed.
    // A task record that moves into finished with concrete files gets one
    // replica job per file and IDC in the same transaction, and its success
    // callback waits until every first attempt has reported.
    caf::reacts_to<atom::notify, uploader_actor>,
    // The outcome of an attempt at a replica (empty text: uploaded). Records
    // the IDC in the task's file on the first attempt, owes the success
    // callback once the task's last first attempt is in, and replies whether
    // the job should be tried again.
    caf::replies_to<atom::replicated, replica_job, std::string>::with<bool>,
    // A replica's multipart upload began or the IDC confirmed a part: keeps
    // the job's `upload_id`, `part_size` and `part_md5s` (its other fields
    // are ignored) if the job is still owed, so that the attempt after a
    // restart sends only the parts the IDC lacks.
    caf::replies_to<atom::progress, replica_job>::with<caf::ok_atom>,
    // Adds a remote account for its owner; replies its id.
    // `ec::quota_exceeded` when the owner has too many.
    caf::replies_to<atom::create, remote_account>::with<uint64_t>,
    // Removes remote account `id` of the user; `ec::not_found` when the
    // user has no such account.
    caf::replies_to<atom::remove, user_id, uint64_t>::with<caf::ok_atom>,
    // Names the pusher, woken after each commit that makes pushes owed. A
    // task record that moves into finished and names a remote account gets
    // one push job per file in the same transaction.
    caf::reacts_to<atom::notify, pusher_actor>,
    // The outcome of an attempt at a push: records the file's outcome, the
    // account's usage and pinned host key, and replies whether the job
    // should be tried again.
    caf::replies_to<atom::pushed, push_attempt>::with<bool>,
    // An S3 push's multipart upload began or the remote confirmed a part:
    // keeps the job's `upload_id`, `part_size` and `part_md5s` (its other
    // fields are ignored) if the job is still owed, so that the attempt
    // after a restart sends only the parts the remote lacks.
    caf::replies_to<atom::progress, push_job>::with<caf::ok_atom>,
    // Appends an attempt to its event's delivery log and stores the event's
    // new schedule (pending) or takes it out of the outbox (delivered or
    // failed).
    caf::replies_to<caf::put_atom, delivery_attempt,
                    callback_event>::with<caf::ok_atom>,
    // Owes the latest callback of a task again, same event id, new retry
    // window; `ec::invalid_state` when the task never had one.
    caf::replies_to<atom::redeliver, task_seq>::with<caf::ok_atom>,
    // Stores the libtorrent resume data of task `seq`; `true` when the
    // torrent was stopped cleanly (no recheck needed on the next start).
    caf::replies_to<atom::resumedata, task_seq, std::string,
                    bool>::with<caf::ok_atom>,
    // From the torrent session: the info dictionary (bencoded) a magnet
    // link brought in, kept by its info-hash (lower-case hex) so the
    // finished task can be posted (storage/seed_table.cpp).
    caf::replies_to<atom::meta, std::string, std::string>::with<caf::ok_atom>,
    // Replies once everything queued before it is durable (graceful stop).
    caf::replies_to<atom::flush>::with<caf::ok_atom>,
    // From the community actor: a post, thread, metainfo or level write,
    // checked against the stored state in its transaction
    // (storage/rules/community.cpp).
    caf::replies_to<atom::community, community_write>::with<community_outcome>,
    // From the tracker: a batch of transfer figures
    // (storage/rules/transfers.cpp).
    caf::replies_to<atom::account, transfer_batch>::with<caf::ok_atom>,
    // Opens a login session: SHA-256 hex of its token, its user, its expiry
    // (ms since the epoch); sweeps some expired sessions on the way
    // (storage/rules/sessions.cpp).
    caf::replies_to<atom::login, std::string, user_id,
                    int64_t>::with<caf::ok_atom>,
    // Revokes the session stored under a token's SHA-256 hex.
    caf::replies_to<atom::logout, std::string>::with<caf::ok_atom>,
    // Counts a failed login against its account and address, or forgets
    // an account's failures after a good password; expired counts are swept
    // on the way (storage/rules/logins.cpp).
    caf::replies_to<atom::login, login_failure>::with<caf::ok_atom>,
    // Stores a user's Offcloud preferences (the default proxy).
    caf::replies_to<caf::put_atom, user_id, user_prefs>::with<caf::ok_atom>,
    // Names the event hub, told of the events of every commit, and the
    // event log's retention: at most `count` events, none older than
    // `age_ms` (trimmed a bounded step per commit).
    caf::reacts_to<atom::notify, event_hub_actor, uint64_t, int64_t>,
    // From the scheduler: a live task's figures; at most one a second per
    // task becomes a progress event of the next group commit (no reply:
    // a download never waits for it).
    caf::reacts_to<atom::progress, fetch_progress>,
    // Internal: commits what queued up since the last commit.
    caf::reacts_to<caf::tick_atom>>;

/// One actor per live task: the state machine, progress, retries with
/// backoff, verification and the final store of its objects. The behaviour
/// and the HTTP side are in actors/task.cpp; the BitTorrent side's
/// behaviour, pause and cancel in actors/torrent_task.cpp, its start (the
/// metainfo, the torrent in the session, metadata, progress, the
/// info-hash cache) in actors/torrent_task_start.cpp and its end (reading
/// the files back, rechecks, storing them) in
/// actors/torrent_task_finish.cpp; all use actors/task_helpers.cpp.
/// While it lives it is the only writer of its task's record; once the
/// final record is durable it waits for the scheduler's exit message.
using task_actor = fetch_listener_actor::extend_with<torrent_listener_actor>::extend<
    // Full status with live figures.
    caf::replies_to<atom::status>::with<task_status>,
    // Stops the transfer (keeping the partial file), writes the paused
    // record and replies with it once durable. A task that ended already
    // replies with its final record.
    caf::replies_to<atom::pause>::with<task_record>,
    // Stops the transfer, writes the cancelled record and replies with it
    // once durable; `true` also deletes the partial file. A task that ended
    // already replies with its final record.
    caf::replies_to<atom::cancel, bool>::with<task_record>,
    // Timer: the backoff before the next attempt has passed.
    caf::reacts_to<atom::retry>,
    // From the disk pool: the file is durable (empty text) or not.
    caf::reacts_to<atom::finalize, std::string>,
    // From the disk pool: the bytes of the `.torrent` a torrent task
    // fetched (empty when unreadable).
    caf::reacts_to<atom::meta, std::string>,
    // From the task's hashing worker: the torrent's wanted files, hashed
    // and durable, or an error text.
    caf::reacts_to<atom::finalize, std::vector<file_record>, std::string>,
    // Timer: the metadata of a magnet link did not come in time.
    caf::reacts_to<atom::timeout>,
    // A torrent task's wanted files, chosen anew (see the scheduler's
    // `put`): checked by the session, stored in the task's spec (the
    // status is replied once the record is durable), then applied by
    // adding the torrent again (actors/torrent_task_choice.cpp).
    caf::replies_to<caf::put_atom,
                    std::vector<std::string>>::with<task_status>>;

/// Owns the task actors (actors/scheduler.cpp; its writes of tasks without
/// an actor in actors/scheduler_ops.cpp): spawns one per active task,
/// monitors it, limits concurrent downloads and keeps a FIFO of waiting
/// tasks. Waiting, paused and ended tasks live in LMDB only, written by the
/// scheduler; requests on one task run one after the other. Every request
/// names the calling user; another user's task answers `ec::not_found`.
/// User 0 is the trusted internal caller (signed links) and sees all tasks.
using scheduler_actor = caf::typed_actor<
    // Creates a task; replies with its sequence number once it is committed.
    caf::replies_to<atom::create, user_id, task_spec>::with<task_seq>,
    // Creates every task of a batch in one durable commit; replies their
    // sequence numbers in the order of the specs.
    caf::replies_to<atom::create, user_id,
                    std::vector<task_spec>>::with<std::vector<task_seq>>,
    // Pauses a waiting or downloading task.
    caf::replies_to<atom::pause, user_id, task_seq>::with<caf::ok_atom>,
    // Puts a paused or failed task back into the queue.
    caf::replies_to<atom::resume, user_id, task_seq>::with<caf::ok_atom>,
    // Cancels a task but keeps its record (state `cancelled`).
    caf::replies_to<atom::cancel, user_id, task_seq>::with<caf::ok_atom>,
    // Deletes a task; `true` also deletes its partial file and its objects.
    caf::replies_to<atom::remove, user_id, task_seq, bool>::with<caf::ok_atom>,
    // Status of one task.
    caf::replies_to<atom::status, user_id, task_seq>::with<task_status>,
    // Chooses a torrent task's wanted files anew, once its metadata is
    // known (names as `task_spec::files` takes them; empty: every file):
    // a live task applies it to its torrent (actors/torrent_task.cpp), a
    // waiting, paused or failed one has it stored for its next start
    // (actors/torrent_choice.cpp). Replies the status once durable.
    // Errors: `ec::invalid_argument` (a name of no file, not a torrent
    // task), `ec::invalid_state` (ended, finishing, metadata not known).
    caf::replies_to<caf::put_atom, user_id, task_seq,
                    std::vector<std::string>>::with<task_status>,
    // A page of the user's tasks in creation order.
    caf::replies_to<atom::list, user_id, task_query>::with<task_page>,
    // The user's task count per state, from maintained counters.
    caf::replies_to<atom::counters, user_id>::with<state_counters>,
    // From a task actor: its latest figures, for listings.
    caf::reacts_to<atom::progress, fetch_progress>,
    // From a task actor whose final record is durable (it ended on its own,
    // or was paused or cancelled): the scheduler takes the record over and
    // lets the actor go.
    caf::reacts_to<atom::done, task_record>,
    // From itself: the failure of a task whose actor died could not be
    // stored (the store had no room, or failed); it is written again after
    // a backoff, with the reason the actor died (actors/scheduler_ops.cpp).
    caf::reacts_to<atom::retry, task_seq, std::string>>;

// -- the community face (seed 003) and its private tracker ------------------

/// The private tracker (actors/tracker.cpp): swarms live in its memory and
/// expire; passkeys, posts and levels are read from LMDB (and cached a few
/// seconds); transfer figures go to the store in batches
/// (`atom::account`), not one write per announce. The edge
/// (http/tracker_face.cpp) parses and renders; this actor decides.
using tracker_actor = caf::typed_actor<
    // An announce: the swarm's peers, or a failure reason (unknown passkey
    // or torrent, level below the post's minLevel).
    caf::replies_to<atom::announce, announce_request>::with<announce_reply>,
    // Counts of the named torrents (all the caller may see when none).
    caf::replies_to<atom::scrape, scrape_request>::with<scrape_reply>,
    // From the community actor: the post of raw info-hash `ih` changed or
    // went; cached facts about it go (and its swarm, when deleted: `true`).
    caf::reacts_to<atom::forget, std::string, bool>,
    // Replies once every figure counted so far is durable (graceful stop).
    caf::replies_to<atom::flush>::with<caf::ok_atom>,
    // Timer: expires peers and flushes the figures.
    caf::reacts_to<caf::tick_atom>>;

/// Owns posts, threads, levels and metainfo (actors/community.cpp): writes
/// go through the store (checked in the transaction), and the tracker
/// hears of every post that changes or goes. Reads come from LMDB at the
/// edge (http/community/).
using community_actor = caf::typed_actor<
    // A write; replies what it made.
    caf::replies_to<atom::community, community_write>::with<community_outcome>,
    // An offline download of post `pid`'s torrent for `user`, level-gated
    // like the metainfo download and announcing with the user's passkey to
    // the tracker at the given announce base URL; replies the task.
    caf::replies_to<atom::fetch, user_id, uint64_t, task_spec,
                    std::string>::with<task_seq>>;

// -- Skyhaul for CAF programs on other hosts (--publish) --------------------

/// What `skyhauld --publish` offers other CAF processes over caf::openssl,
/// TLS with client certificates (app/remote_api.cpp; the publishing in
/// app/publish.cpp; the message types in protocol/message_types.hpp).
/// The certificate only lets a process in; each call names its Skyhaul
/// user by an api key (first argument), checked like the Task API's
/// (hashed, compared in constant time): a wrong key answers
/// `ec::unauthenticated`, and a user sees and changes only their own
/// tasks and events. Specs are checked by the rules of `POST /task`.
/// Internal actors never talk to the remote side directly (a sender's
/// handle would reach the other process): replies come from this actor
/// and events from a relay per subscription.
using remote_api_actor = caf::typed_actor<
    // The scheduler's calls, each with the caller's api key for the user.
    caf::replies_to<atom::create, std::string, task_spec>::with<task_seq>,
    caf::replies_to<atom::create, std::string,
                    std::vector<task_spec>>::with<std::vector<task_seq>>,
    caf::replies_to<atom::pause, std::string, task_seq>::with<caf::ok_atom>,
    caf::replies_to<atom::resume, std::string, task_seq>::with<caf::ok_atom>,
    caf::replies_to<atom::cancel, std::string, task_seq>::with<caf::ok_atom>,
    caf::replies_to<atom::remove, std::string, task_seq,
                    bool>::with<caf::ok_atom>,
    caf::replies_to<atom::status, std::string, task_seq>::with<task_status>,
    caf::replies_to<atom::list, std::string, task_query>::with<task_page>,
    caf::replies_to<atom::counters, std::string>::with<state_counters>,
    // The event subscription: the filter's user is always the caller's
    // (its `user` field is ignored); replies as the event hub does.
    caf::replies_to<atom::watch, std::string, event_filter,
                    event_listener_actor>::with<uint64_t>,
    // Ends the caller's subscriptions of that listener.
    caf::replies_to<atom::unwatch, std::string,
                    event_listener_actor>::with<caf::ok_atom>>;

} // namespace skyhaul
