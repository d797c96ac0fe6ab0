// The files of requests: downloads by self-signed link (or the caller's
// key or cookie), and the listings of multi-file requests.

#include "http/offcloud/routes.hpp"

#include "http/auth.hpp"
#include "http/download.hpp"
#include "http/offcloud/archives.hpp"
#include "http/offcloud/auth_chain.hpp"
#include "protocol/source.hpp"
#include "storage/blob_store.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/task_table.hpp"

#include <algorithm>
#include <filesystem>

namespace skyhaul::http::offcloud {

namespace {

reply face_error(unsigned status, const std::string& msg) {
  return offcloud_error(status, msg);
}

/// The n-th file (from 1) of `rec` when `file` reads "<n>/<path>".
const file_record* numbered(const task_record& rec, const std::string& file) {
  auto slash = file.find('/');
  if (slash == std::string::npos || slash == 0 || slash > 6)
    return nullptr;
  auto digits = file.substr(0, slash);
  if (digits.find_first_not_of("0123456789") != std::string::npos)
    return nullptr;
  auto n = std::stoul(digits);
  if (n == 0 || n > rec.files.size())
    return nullptr;
  auto& f = rec.files[n - 1];
  // The path names the file too: a link cannot be bent to another one.
  return f.name == file.substr(slash + 1) ? &f : nullptr;
}

const file_record* named(const task_record& rec, const std::string& file) {
  for (auto& f : rec.files)
    if (f.name == file)
      return &f;
  // A single file answers to any name: the name a link was made with at
  // creation (from the URL) may differ from the one the source gave later,
  // and the link must keep working.
  if (rec.files.size() == 1 && file.find('/') == std::string::npos)
    return &rec.files.front();
  return nullptr;
}

/// The bytes of a plain HTTP request that have arrived so far, while it
/// downloads: an instant link streams what is there, and a `Range` within
/// it is answered from the partial file. A client reads 206 with the
/// arrived length and asks for the rest with `Range` as it comes.
/// `rec` carries the live figures: the partial file may be allocated
/// whole, so the bytes done say what has arrived, not its size.
reply arrived_part(const services& svc, const task_record& rec,
                   const std::string& range) {
  auto path = svc.blobs->partial_file(rec.seq);
  std::error_code err;
  auto have = std::min<uint64_t>(std::filesystem::file_size(path, err),
                                 rec.done_bytes);
  if (err || have == 0)
    return offcloud_error(409, std::string{"nothing has arrived yet: "}
                                   + status_word(rec));
  auto total = rec.total_bytes >= 0 ? std::to_string(rec.total_bytes)
                                    : std::string{"*"};
  uint64_t first = 0;
  uint64_t last = have - 1;
  if (!range.empty()) {
    bool unsatisfiable = false;
    auto rg = parse_range(range, have, unsatisfiable);
    if (unsatisfiable) {
      auto bad = offcloud_error(416, "those bytes have not arrived yet");
      bad.headers.emplace_back("Content-Range", "bytes */" + total);
      return bad;
    }
    if (rg) {
      first = rg->first;
      last = rg->second;
    }
  }
  reply r;
  r.status = 206;
  r.content_type = "application/octet-stream";
  r.file_path = path;
  r.file_offset = first;
  r.file_length = last - first + 1;
  r.headers = {{"Accept-Ranges", "bytes"},
               {"Content-Range", "bytes " + std::to_string(first) + "-"
                                     + std::to_string(last) + "/" + total}};
  return r;
}

void serve(const svc_ptr& svc, request& req, responder respond) {
  auto& rid = req.params.at("rid");
  auto& file = req.params.at("file");
  auto seq = parse_request_id(rid);
  if (!seq)
    return respond(offcloud_error(404, "Request not found: " + rid));
  user_id uid = 0; // a valid signature stands for any caller
  if (req.has_arg("signature")) {
    if (!verify_link(*svc, rid, file, req.arg("expires"),
                     req.arg("signature")))
      return respond(offcloud_error(403, "the link is invalid or has expired"));
  } else {
    bool offered = false;
    auto user = caller_of(*svc, req, offered);
    if (!user)
      return respond(offcloud_error(401, "NOAUTH"));
    uid = user->id;
  }
  std::optional<task_record> rec;
  {
    auto t = svc->db->read();
    rec = storage::get_task(t, *seq);
  }
  if (!rec || (uid != 0 && rec->owner != uid))
    return respond(offcloud_error(404, "Request not found: " + rid));
  const file_record* f = numbered(*rec, file);
  if (f == nullptr)
    f = named(*rec, file);
  if (f == nullptr && serve_archive_entry(svc, *rec, file, req, respond))
    return;
  if (f == nullptr && rec->files.empty() && !is_terminal(rec->state)
      && source_of(rec->spec) == source_kind::http) {
    auto range = req.header("range");
    with_live(svc, rec->owner, {std::move(*rec)},
              [svc, range, respond](std::vector<task_status> live) {
                respond(arrived_part(*svc, live.front().rec, range));
              });
    return;
  }
  if (f == nullptr) {
    if (rec->state != task_state::finished)
      return respond(offcloud_error(
          409, std::string{"the request is not downloaded yet: "}
                   + status_word(*rec)));
    if (rec->files.size() > 1 && file == display_name(*rec))
      return respond(offcloud_error(
          400, "the request is a folder: explore it for its files"));
    return respond(offcloud_error(404, "no such file in the request: " + file));
  }
  respond(file_reply(*svc, *f, req.header("range"),
                     req.header("if-none-match"), face_error));
}

/// One file an explore call lists: its number (from 1), its path, its
/// size and its link.
struct listed_file {
  uint64_t n;
  std::string path;
  uint64_t size;
  std::string url;
};

using listing_fn = std::function<void(std::vector<listed_file>, responder)>;

/// Hands the files of `rec` to `done`: the files of a multi-file request,
/// or those inside the archive that is a request's one file; answers the
/// error itself otherwise ("Bad archive" for a single plain file).
void list_files(const svc_ptr& svc, const task_record& rec,
                const std::string& base, responder respond, listing_fn done) {
  if (rec.state != task_state::finished)
    return respond(offcloud_error(
        409, std::string{"the request is not downloaded yet: "}
                 + status_word(rec)));
  auto rid = request_id(rec.seq);
  if (rec.files.size() > 1) {
    std::vector<listed_file> out;
    for (size_t i = 0; i < rec.files.size(); ++i) {
      auto& f = rec.files[i];
      auto file = std::to_string(i + 1) + "/" + f.name;
      out.push_back({i + 1, f.name, f.size, file_link(*svc, base, rid, file)});
    }
    return done(std::move(out), std::move(respond));
  }
  auto in_archive = [svc, base, rid, done](std::vector<archive_file> files,
                                           responder rsp) {
    std::vector<listed_file> out;
    for (auto& f : files) {
      auto file = std::to_string(f.n) + "/" + f.path;
      out.push_back({f.n, f.path, f.size, file_link(*svc, base, rid, file)});
    }
    done(std::move(out), std::move(rsp));
  };
  if (!with_archive_files(svc, rec, respond, in_archive))
    // A single file: clients then build its link themselves.
    respond(offcloud_error(400, "Bad archive"));
}

reply explore_reply(const std::vector<listed_file>& files, bool detailed) {
  return json_reply([&](json_writer& w) {
    if (!detailed) {
      w.StartArray();
      for (auto& lf : files)
        w.String(lf.url.c_str(),
                 static_cast<rapidjson::SizeType>(lf.url.size()));
      w.EndArray();
      return;
    }
    w.StartObject();
    w.Key("files");
    w.StartArray();
    for (auto& lf : files) {
      auto slash = lf.path.rfind('/');
      w.StartObject();
      w.Key("id");
      w.Uint64(lf.n);
      put(w, "name",
          slash == std::string::npos ? lf.path : lf.path.substr(slash + 1));
      w.Key("size");
      w.Uint64(lf.size);
      put(w, "path", lf.path);
      put(w, "url", lf.url);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

void explore(const svc_ptr& svc, const user_record& u, request& req,
             responder respond) {
  auto rec = owned_param(*svc, u, req, "id", respond);
  if (!rec)
    return;
  bool detailed = req.arg("format") == "detailed";
  list_files(svc, *rec, base_url(*svc, req), respond,
             [detailed](std::vector<listed_file> files, responder rsp) {
               rsp(explore_reply(files, detailed));
             });
}

void list(const svc_ptr& svc, const user_record& u, request& req,
          responder respond) {
  auto rec = owned_param(*svc, u, req, "id", respond);
  if (!rec)
    return;
  list_files(svc, *rec, base_url(*svc, req), respond,
             [](std::vector<listed_file> files, responder rsp) {
               reply r;
               r.content_type = "text/plain; charset=utf-8";
               for (auto& lf : files)
                 r.body += lf.url + "\n";
               rsp(std::move(r));
             });
}

} // namespace

void mount_files(router::mounted& m, svc_ptr svc) {
  // Open: the link's signature, or the caller's key or cookie, checked by
  // the handler (players and browsers open these links as they are).
  m.add("GET", "/cloud/download/:rid/*file", access::open,
        [svc](const caller_ptr&, request& req, responder rsp) {
          serve(svc, req, std::move(rsp));
        });
  auto ex = authed([svc](const user_record& u, request& req, responder rsp) {
    explore(svc, u, req, std::move(rsp));
  });
  auto ls = authed([svc](const user_record& u, request& req, responder rsp) {
    list(svc, u, req, std::move(rsp));
  });
  for (auto method : {"GET", "POST"}) {
    m.add(method, "/api/cloud/explore/:id", access::required, ex);
    m.add(method, "/api/cloud/list/:id", access::required, ls);
  }
}

} // namespace skyhaul::http::offcloud
