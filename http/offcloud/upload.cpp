// `POST /torrent/upload` and the kept uploads.

#include "http/offcloud/routes.hpp"
#include "http/offcloud/uploads.hpp"

#include "base/crypto.hpp"
#include "http/multipart.hpp"
#include "http/offcloud/auth_chain.hpp"
#include "http/validate.hpp"
#include "storage/atomic_file.hpp"
#include "storage/no_space.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace skyhaul::http::offcloud {

namespace {

std::string uploads_dir(const services& svc) {
  return svc.cfg->data_dir + "/offcloud-uploads";
}

/// `<64 hex>.torrent`: the only names kept, so a URL cannot walk out.
bool upload_name(const std::string& name) {
  return name.size() == 72 && name.compare(64, 8, ".torrent") == 0
         && name.find_first_not_of("0123456789abcdef") == 64;
}

} // namespace

std::optional<std::string> keep_upload(const services& svc,
                                       const std::string& bytes,
                                       std::string& why) {
  auto name = sha256_hex(bytes) + ".torrent";
  auto dir = uploads_dir(svc);
  auto path = dir + "/" + name;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (std::filesystem::exists(path, ec))
    return name;
  // Small and once per upload: written on the listener's thread, durable
  // (file and folder) before the URL is handed out.
  storage::atomic_file out{path};
  auto err = out.error();
  if (err.empty())
    err = out.write(bytes.data(), bytes.size()) ? out.commit() : out.error();
  if (!err.empty()) {
    why = "cannot keep the upload: " + err;
    return std::nullopt;
  }
  return name;
}

std::optional<std::string> uploaded_torrent(const services& svc,
                                            const std::string& url) {
  static const std::string marker = "/torrent/file/";
  auto at = url.find(marker);
  if (at == std::string::npos || url.rfind("http", 0) != 0)
    return std::nullopt;
  auto name = url.substr(at + marker.size());
  if (!upload_name(name))
    return std::nullopt;
  std::ifstream in{uploads_dir(svc) + "/" + name, std::ios::binary};
  if (!in)
    return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void mount_upload(router::mounted& m, svc_ptr svc) {
  auto max = svc->cfg->bt_max_torrent_size;
  // Room for the torrent and the multipart framing around it.
  body_rule rule{max + (64 << 10)};
  m.add(
      "POST", "/torrent/upload", access::required,
      authed([svc, max](const user_record&, request& req, responder rsp) {
        auto& ct = req.header("content-type");
        auto boundary = form_boundary(ct);
        if (!is_form_data(ct) || !boundary)
          return rsp(offcloud_error(
              400, "send the torrent as multipart/form-data field 'file'"));
        std::string why;
        auto parts = parse_form(req.body, *boundary, why);
        if (!parts)
          return rsp(offcloud_error(400, "bad multipart body: " + why));
        const form_part* file = nullptr;
        for (auto& p : *parts)
          if (p.name == "file" && file == nullptr)
            file = &p;
        if (file == nullptr)
          return rsp(offcloud_error(400, "the body has no 'file' part"));
        if (file->body.size() > max)
          return rsp(offcloud_error(
              413, "the torrent is larger than " + std::to_string(max)
                       + " bytes"));
        if (auto bad = check_bencoded_dict(file->body))
          return rsp(offcloud_error(400, "not a .torrent file: " + *bad));
        auto name = keep_upload(*svc, file->body, why);
        if (!name)
          return rsp(offcloud_error(
              skyhaul::http_status(storage::storage_error_code(why)), why));
        rsp(json_reply([&](json_writer& w) {
          w.StartObject();
          w.Key("success");
          w.Bool(true);
          put(w, "url", base_url(*svc, req) + "/torrent/file/" + *name);
          w.EndObject();
        }));
      }),
      rule);
}

} // namespace skyhaul::http::offcloud
