#pragma once

// The community face's handlers (seed 003), one group per file: posts and
// threads (posts.cpp), metainfo and fetch (metainfo.cpp), levels and users
// (accounts.cpp). Reads come from LMDB; writes go to the community actor.

#include "http/message.hpp"
#include "http/services.hpp"
#include "protocol/community_write.hpp"
#include "protocol/user_record.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace skyhaul::http::community {

using call = void (*)(const services&, const user_record&, request&,
                      responder);

void create_post(const services&, const user_record&, request&, responder);
void update_post(const services&, const user_record&, request&, responder);
void get_post(const services&, const user_record&, request&, responder);
void delete_post(const services&, const user_record&, request&, responder);
void list_posts(const services&, const user_record&, request&, responder);
void add_thread(const services&, const user_record&, request&, responder);
void thread_page(const services&, const user_record&, request&, responder);

void upload_metainfo(const services&, const user_record&, request&,
                     responder);
void download_metainfo(const services&, const user_record&, request&,
                       responder);
void fetch_post(const services&, const user_record&, request&, responder);

void list_levels(const services&, const user_record&, request&, responder);
void put_level(const services&, const user_record&, request&, responder);
void delete_level(const services&, const user_record&, request&, responder);
void show_me(const services&, const user_record&, request&, responder);
void show_user(const services&, const user_record&, request&, responder);

/// The numeric path parameter `name`, or nullopt (the caller answers).
std::optional<uint64_t> id_param(const request& req, const char* name);

/// A decimal number of at most 12 digits, or nullopt.
std::optional<uint64_t> number(const std::string& text);

/// A write of `op` by `user` on the post, thread or level `id` (0 for a
/// new one): the caller and whether they are an admin, filled in once.
community_write write_of(const user_record& user, community_op op,
                         uint64_t id = 0);

/// Sends `w` to the community actor and answers `message` with the
/// outcome's post (`show` 'p'), thread ('t'), level ('l') or null ('-').
void write(const services& svc, community_write w, responder respond,
           unsigned status, std::string message, char show);

} // namespace skyhaul::http::community
