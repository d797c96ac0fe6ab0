#pragma once

// The Task API's JSON shapes of tasks, files and settings.

#include "http/json.hpp"
#include "protocol/settings.hpp"
#include "protocol/task_status.hpp"

namespace skyhaul::http {

struct services;

/// Percent done, 0-100, two decimals (100 for a finished task).
double percent_of(const task_record& rec);

/// A task: the full shape, or the seed's excerpt (tid, state, percent,
/// done and total bytes, title, eta, speed).
void write_task(json_writer& w, const task_status& ts, bool excerpt);

/// A stored file; with `link`, a signed download URL too.
void write_file(json_writer& w, const file_record& f, const std::string* link);

/// `GET /task/tid/<tid>/info`: source, options and files with links.
void write_info(json_writer& w, const services& svc, const task_record& rec);

/// The effective settings (they hold no secrets).
void write_settings(json_writer& w, const settings& s);

} // namespace skyhaul::http
