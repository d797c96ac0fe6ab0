#include "http/task_json.hpp"

#include "protocol/task_title.hpp"

#include "base/url_text.hpp"
#include "http/auth.hpp"
#include "http/services.hpp"
#include "http/task_parts_json.hpp"
#include "protocol/source.hpp"

#include <cstdio>
#include <string_view>

namespace skyhaul::http {

namespace {

void put_u(json_writer& w, const char* key, uint64_t v) {
  w.Key(key);
  w.Uint64(v);
}

void put_i(json_writer& w, const char* key, int64_t v) {
  w.Key(key);
  w.Int64(v);
}

void put_b(json_writer& w, const char* key, bool v) {
  w.Key(key);
  w.Bool(v);
}

/// `done` of `total` as a string with two decimals, e.g. "12.50".
std::string progress_text(uint64_t done, uint64_t total) {
  auto p = total == 0 ? 100.0
                      : 100.0 * static_cast<double>(done)
                          / static_cast<double>(total);
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.2f", p > 100.0 ? 100.0 : p);
  return buf;
}

/// How `GET /task/tid/<tid>/info` names a source.
const char* source_name(source_kind k) {
  switch (k) {
  case source_kind::torrent_url:
    return "torrent_url";
  case source_kind::magnet:
    return "magnet";
  case source_kind::torrent_file:
    return "upload";
  default:
    return "http";
  }
}

/// The torrent member of a torrent task's full status.
void write_torrent(json_writer& w, const task_status& ts) {
  auto& r = ts.rec;
  auto& bt = ts.bt;
  w.Key("torrent");
  w.StartObject();
  auto hash = !bt.info_hash.empty() ? bt.info_hash : r.info_hash;
  if (hash.empty() && source_of(r.spec) == source_kind::magnet)
    // Known from the link itself before the metadata comes.
    hash = magnet_info_hash(r.spec.url).value_or("");
  put(w, "info_hash", hash);
  put(w, "name", bt.name.empty() ? r.torrent_name : bt.name);
  auto known = bt.metadata == metadata_state::received || !r.info_hash.empty();
  put(w, "metadata", known ? "received" : "fetching");
  // Paused until `PUT /task/tid/<tid>/files` chooses (task_spec::pick_files).
  put_b(w, "awaiting_file_choice",
        r.spec.pick_files && r.state == task_state::paused && known);
  put_u(w, "total_size", bt.total_size);
  put_u(w, "wanted_size",
        r.total_bytes > 0 ? static_cast<uint64_t>(r.total_bytes) : 0);
  put_u(w, "upload_speed", bt.upload_speed);
  put_u(w, "uploaded", bt.uploaded);
  put_u(w, "peers", bt.peers);
  put_u(w, "seeds", bt.seeds);
  put_b(w, "checking", bt.checking);
  w.Key("files");
  w.StartArray();
  for (size_t i = 0; i < bt.files.size(); ++i) {
    auto& f = bt.files[i];
    w.StartObject();
    // What `PUT /task/tid/<tid>/files` takes for this file.
    put_u(w, "index", i);
    put(w, "name", f.path);
    put_u(w, "size", f.size);
    put_b(w, "wanted", f.wanted);
    put_u(w, "done", f.done);
    put_u(w, "done_bytes", f.done);
    put(w, "progress", progress_text(f.done, f.size));
    w.EndObject();
  }
  w.EndArray();
  // The connected peers, fastest first, at most `max_listed_peers`.
  w.Key("peer_list");
  w.StartArray();
  for (auto& p : bt.peer_list) {
    w.StartObject();
    put(w, "ip", p.ip);
    put_u(w, "port", p.port);
    put(w, "client", p.client);
    w.Key("progress");
    w.Double(static_cast<double>(static_cast<int64_t>(p.progress * 10000))
             / 10000);
    put_u(w, "down_speed", p.down_speed);
    put_u(w, "up_speed", p.up_speed);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

} // namespace

double percent_of(const task_record& rec) {
  if (rec.state == task_state::finished)
    return 100.0;
  if (rec.total_bytes <= 0)
    return 0.0;
  auto p = 100.0 * static_cast<double>(rec.done_bytes)
           / static_cast<double>(rec.total_bytes);
  p = static_cast<double>(static_cast<int64_t>(p * 100)) / 100;
  return p > 100.0 ? 100.0 : p;
}

void write_file(json_writer& w, const file_record& f, const std::string* link) {
  w.StartObject();
  put(w, "name", f.name);
  put(w, "key", f.key);
  put_u(w, "size", f.size);
  put(w, "md5", f.md5);
  put(w, "sha1", f.sha1);
  put(w, "crc32", f.crc32);
  put(w, "content_type", f.content_type);
  put_i(w, "last_modified", f.last_modified_ms);
  w.Key("concrete_upload");
  w.Bool(f.concrete);
  for (auto [name, idcs] : {std::pair{"success_idc", &f.idc_ok},
                            std::pair{"failure_idc", &f.idc_failed}}) {
    w.Key(name);
    w.StartArray();
    for (auto& idc : *idcs)
      w.String(idc.c_str(), static_cast<rapidjson::SizeType>(idc.size()));
    w.EndArray();
  }
  if (link)
    put(w, "url", *link);
  w.EndObject();
}

void write_task(json_writer& w, const task_status& ts, bool excerpt) {
  auto& r = ts.rec;
  w.StartObject();
  put(w, "tid", format_tid(r.seq));
  put(w, "state", to_string(r.state));
  w.Key("percent");
  w.Double(percent_of(r));
  put_u(w, "done_bytes", r.done_bytes);
  put_i(w, "total_bytes", r.total_bytes);
  put(w, "title", task_title(r));
  put_i(w, "eta", ts.eta_s);
  put_u(w, "speed", ts.speed);
  if (!excerpt) {
    put(w, "url", redact_url(r.spec.url));
    put(w, "bucket", r.spec.bucket);
    put(w, "key", r.spec.key);
    put(w, "target", r.spec.target);
    put(w, "file_name", r.file_name);
    put_u(w, "tries", r.tries);
    put_i(w, "created", r.created_ms);
    put_i(w, "updated", r.updated_ms);
    if (is_torrent(source_of(r.spec)))
      write_torrent(w, ts);
    write_task_parts(w, ts); // http/task_parts_json.hpp
    if (r.state == task_state::failed) {
      w.Key("error");
      w.StartObject();
      put(w, "code", to_string(r.error));
      put(w, "message", r.error_message);
      w.EndObject();
    }
    w.Key("files");
    w.StartArray();
    for (auto& f : r.files)
      write_file(w, f, nullptr);
    w.EndArray();
  }
  w.EndObject();
}

void write_info(json_writer& w, const services& svc, const task_record& r) {
  w.StartObject();
  put(w, "tid", format_tid(r.seq));
  put(w, "state", to_string(r.state));
  w.Key("source");
  w.StartObject();
  auto kind = source_of(r.spec);
  put(w, "kind", source_name(kind));
  put(w, "url", redact_url(r.spec.url));
  if (is_torrent(kind)) {
    // Never the uploaded bytes themselves.
    put_b(w, "upload", kind == source_kind::torrent_file);
    auto hash = r.info_hash;
    if (hash.empty() && kind == source_kind::magnet)
      hash = magnet_info_hash(r.spec.url).value_or("");
    put(w, "info_hash", hash);
    put(w, "name", r.torrent_name);
    w.Key("files");
    w.StartArray();
    for (auto& f : r.spec.files)
      w.String(f.c_str(), static_cast<rapidjson::SizeType>(f.size()));
    w.EndArray();
    put_b(w, "pick_files", r.spec.pick_files);
  }
  w.EndObject();
  w.Key("options");
  w.StartObject();
  auto& s = r.spec;
  put(w, "bucket", s.bucket);
  put(w, "key", s.key);
  put(w, "target", s.target);
  put(w, "md5", s.md5);
  put(w, "sha1", s.sha1);
  put(w, "crc32", s.crc32);
  put_i(w, "size", s.size);
  put(w, "on_key_exist", to_string(s.rule));
  put(w, "acl", s.acl.canned.empty() ? "private" : s.acl.canned);
  put(w, "success_callback_url", s.success_callback_url);
  put(w, "failure_callback_url", s.failure_callback_url);
  w.EndObject();
  w.Key("files");
  w.StartArray();
  for (auto& f : r.files) {
    auto link = signed_link(svc, format_tid(r.seq), f.name);
    write_file(w, f, &link);
  }
  w.EndArray();
  w.EndObject();
}

void write_settings(json_writer& w, const settings& s) {
  w.StartObject();
  put(w, "config_file", s.config_file);
  put(w, "data_dir", s.data_dir);
  put(w, "api", s.api);
  put(w, "offline", s.offline);
  put(w, "s3", s.s3);
  w.Key("allow_private_networks");
  w.Bool(s.allow_private_networks);
  w.Key("allow_network");
  w.StartArray();
  for (auto& net : s.allow_networks)
    w.String(net.c_str());
  w.EndArray();
  put_u(w, "max_active", s.max_active);
  put_u(w, "max_tries", s.max_tries);
  put_u(w, "retry_base_ms", s.retry_base_ms);
  put_u(w, "retry_max_ms", s.retry_max_ms);
  put_u(w, "connect_timeout", s.connect_timeout_s);
  put_u(w, "low_speed_limit", s.low_speed_limit);
  put_u(w, "low_speed_time", s.low_speed_time_s);
  put_u(w, "max_redirects", s.max_redirects);
  put_i(w, "max_download_size", s.max_download_size);
  put_u(w, "global_rate_limit", s.global_rate_limit);
  put_u(w, "task_rate_limit", s.task_rate_limit);
  put_u(w, "max_body_bytes", s.max_body_bytes);
  put_u(w, "http_threads", s.http_threads);
  put_u(w, "actor_threads", s.actor_threads);
  put(w, "actor_policy", s.actor_policy);
  put_u(w, "request_timeout_ms", s.request_timeout_ms);
  put_u(w, "idle_timeout_ms", s.idle_timeout_ms);
  put_u(w, "link_ttl", s.link_ttl_s);
  put_u(w, "map_size", s.map_size);
  put_u(w, "callback_max_tries", s.callback_max_tries);
  put_u(w, "callback_window", s.callback_window_s);
  put_u(w, "callback_timeout_ms", s.callback_timeout_ms);
  put_u(w, "callback_retry_base_ms", s.callback_retry_base_ms);
  put_u(w, "callback_retry_max_ms", s.callback_retry_max_ms);
  put_u(w, "replica_max_tries", s.replica_max_tries);
  put_u(w, "replica_retry_base_ms", s.replica_retry_base_ms);
  put_u(w, "replica_retry_max_ms", s.replica_retry_max_ms);
  put(w, "source_ca_file", s.source_ca_file);
  put(w, "proxy_ca_file", s.proxy_ca_file);
  put(w, "source_known_hosts", s.source_known_hosts);
  put(w, "source_ssh_key", s.source_ssh_key);
  put(w, "bt_listen", s.bt_listen);
  put_b(w, "bt_dht", s.bt_dht);
  put_b(w, "bt_lsd", s.bt_lsd);
  put_b(w, "bt_port_mapping", s.bt_port_mapping);
  put_b(w, "bt_utp", s.bt_utp);
  put(w, "bt_encryption", s.bt_encryption);
  put_u(w, "bt_connections_limit", s.bt_connections_limit);
  put_u(w, "bt_torrent_connections_limit", s.bt_torrent_connections_limit);
  put_u(w, "bt_download_limit", s.bt_download_limit);
  put_u(w, "bt_upload_limit", s.bt_upload_limit);
  put_u(w, "bt_task_download_limit", s.bt_task_download_limit);
  put_u(w, "bt_task_upload_limit", s.bt_task_upload_limit);
  put(w, "bt_seed", s.bt_seed);
  w.Key("bt_seed_ratio");
  w.Double(s.bt_seed_ratio);
  put_u(w, "bt_seed_time", s.bt_seed_time_s);
  put_u(w, "bt_metadata_timeout", s.bt_metadata_timeout_s);
  put_u(w, "bt_max_torrent_size", s.bt_max_torrent_size);
  put_u(w, "bt_resume_interval", s.bt_resume_interval_s);
  // IDCs without their keys: /config never shows a secret.
  w.Key("idcs");
  w.StartArray();
  for (auto& idc : s.idcs) {
    w.StartObject();
    put(w, "name", idc.name);
    put(w, "endpoint", idc.endpoint);
    put(w, "region", idc.region);
    put(w, "bucket", idc.default_bucket);
    w.Key("bucket_map");
    w.StartObject();
    for (auto& [local, remote] : idc.bucket_map)
      put(w, local.c_str(), remote);
    w.EndObject();
    put_u(w, "multipart_threshold", idc.multipart_threshold);
    put_u(w, "part_size", idc.part_size);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

} // namespace skyhaul::http
