#pragma once

// The Task API's batch calls: one request acting on many tasks.

#include <cstdint>

#include "http/body_rule.hpp"
#include "http/message.hpp"
#include "http/services.hpp"
#include "protocol/user_record.hpp"

namespace skyhaul::http {

/// Most tasks one `POST /task/batch/create` may create.
constexpr size_t max_batch_create = 10000;

/// The body rule of `POST /task/batch/create`: room for the largest batch
/// (32 MiB), for an authenticated caller only.
constexpr body_rule task_batch_rule() {
  return body_rule{uint64_t{32} << 20};
}

/// `POST /task/batch/{pause,resume,delete}` with `{"tids":[…]}` (and for
/// delete `del_file`): acts on each tid and answers once all did, with the
/// seed's `detail` (`[tid, errmsg]` per failure) and every tid's outcome in
/// `results`.
void batch_operation(const services& svc, const user_record& user,
                     request& req, responder respond);

/// `POST /task/batch/create` with `{"tasks":[spec, …]}`: validates every
/// spec by the rules of `POST /task`, creates the good ones in one durable
/// commit and answers, in the order of the specs, each one's `tid` or its
/// error. A bad spec does not stop the others.
void batch_create(const services& svc, const user_record& user, request& req,
                  responder respond);

} // namespace skyhaul::http
