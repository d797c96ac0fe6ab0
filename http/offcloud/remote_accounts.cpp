#include "http/offcloud/remote_accounts.hpp"

#include "base/percent.hpp"
#include "base/secretbox.hpp"
#include "http/bridge.hpp"
#include "http/offcloud/fields.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/remote_account_table.hpp"

#include <caf/all.hpp>
#include <rapidjson/document.h>

namespace skyhaul::http {

namespace {

using svc_ptr = std::shared_ptr<const services>;
using offcloud::fields;

const std::string& field(const fields& f, const std::string& name) {
  return f.get(name);
}

/// The first of `names` that is present.
const std::string& any_field(const fields& f,
                             std::initializer_list<const char*> names) {
  for (auto* n : names)
    if (f.has(n))
      return f.get(n);
  return f.get("");
}

bool has_control(const std::string& s, bool newlines_ok = false) {
  for (unsigned char c : s)
    if ((c < 0x20 && !(newlines_ok && (c == '\n' || c == '\r' || c == '\t')))
        || c == 0x7f)
      return true;
  return false;
}

/// A host name or address: letters, digits, '.', '-', or an IPv6 literal.
bool valid_host(const std::string& h) {
  if (h.empty() || h.size() > 253)
    return false;
  auto ipv6 = h.find(':') != std::string::npos;
  for (unsigned char c : h)
    if (!std::isalnum(c) && c != '.' && c != '-' && !(ipv6 && c == ':'))
      return false;
  return true;
}

bool valid_region(const std::string& r) {
  if (r.empty() || r.size() > 64)
    return false;
  for (unsigned char c : r)
    if (!std::islower(c) && !std::isdigit(c) && c != '-')
      return false;
  return true;
}

bool valid_s3_bucket(const std::string& b) {
  if (b.size() < 3 || b.size() > 63)
    return false;
  for (unsigned char c : b)
    if (!std::islower(c) && !std::isdigit(c) && c != '.' && c != '-')
      return false;
  return true;
}

/// A path of the account: no control characters, no ".." segment.
bool valid_path(const std::string& p) {
  if (p.size() > 1024 || has_control(p))
    return false;
  size_t at = 0;
  while (at <= p.size()) {
    auto end = p.find('/', at);
    if (end == std::string::npos)
      end = p.size();
    if (p.compare(at, end - at, "..") == 0)
      return false;
    at = end + 1;
  }
  return true;
}

uint16_t default_port(const std::string& type, const std::string& scheme) {
  if (type == "ftp" || type == "ftps")
    return 21;
  if (type == "sftp")
    return 22;
  return scheme == "http://" ? 80 : 443;
}

/// The account the fields of an add call describe, its secret still in
/// clear; nullopt and `why` when a field is missing or malformed.
std::optional<remote_account> read_account(const fields& f, std::string& why,
                                           std::string& secret) {
  remote_account acc;
  acc.type = field(f, "type");
  for (auto& c : acc.type)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (acc.type != "ftp" && acc.type != "ftps" && acc.type != "sftp"
      && acc.type != "webdav" && acc.type != "s3") {
    why = "type must be one of ftp, ftps, sftp, webdav, s3";
    return std::nullopt;
  }
  auto host = field(f, "host");
  std::string scheme;
  for (auto s : {"http://", "https://"})
    if (host.rfind(s, 0) == 0 && (acc.type == "webdav" || acc.type == "s3")) {
      scheme = s;
      host = host.substr(scheme.size());
    }
  if (!host.empty() && host.back() == '/')
    host.pop_back();
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (!valid_host(host)) {
    why = "host must be a host name or an address"
          + std::string{acc.type == "webdav" || acc.type == "s3"
                            ? ", optionally after http:// or https://"
                            : ""};
    return std::nullopt;
  }
  acc.host = scheme + host;
  auto& port = field(f, "port");
  if (port.empty()) {
    acc.port = default_port(acc.type, scheme);
  } else {
    if (port.size() > 5
        || port.find_first_not_of("0123456789") != std::string::npos
        || std::stoul(port) == 0 || std::stoul(port) > 65535) {
      why = "port must be a number from 1 to 65535";
      return std::nullopt;
    }
    acc.port = static_cast<uint16_t>(std::stoul(port));
  }
  acc.username = any_field(f, {"username", "login", "user"});
  if (acc.username.size() > 256 || has_control(acc.username)) {
    why = "username must be at most 256 characters, without control "
          "characters";
    return std::nullopt;
  }
  auto& password = any_field(f, {"password", "secret", "secretKey"});
  auto& ssh_key = any_field(f, {"sshKey", "privateKey", "ssh_key"});
  if (password.size() > 1024 || has_control(password)) {
    why = "password must be at most 1024 characters, without control "
          "characters";
    return std::nullopt;
  }
  if (!ssh_key.empty()) {
    if (acc.type != "sftp") {
      why = "an SSH key is for sftp accounts";
      return std::nullopt;
    }
    if (ssh_key.size() > 16384 || ssh_key.rfind("-----BEGIN ", 0) != 0
        || has_control(ssh_key, true)) {
      why = "sshKey must be a private key in PEM or OpenSSH form "
            "(-----BEGIN ...), at most 16384 bytes";
      return std::nullopt;
    }
    if (!password.empty()) {
      why = "give a password or an SSH key, not both";
      return std::nullopt;
    }
    secret = ssh_key;
    acc.secret_is_key = true;
  } else {
    secret = password;
  }
  if (acc.username.empty()) {
    if (acc.type == "ftp" || acc.type == "ftps") {
      acc.username = "anonymous";
    } else if (acc.type != "webdav") {
      why = acc.type == "s3" ? "username must be the access key"
                             : "username is missing";
      return std::nullopt;
    }
  }
  if (secret.empty() && (acc.type == "sftp" || acc.type == "s3")) {
    why = acc.type == "s3" ? "password must be the secret key"
                           : "an sftp account needs a password or an sshKey";
    return std::nullopt;
  }
  acc.path = any_field(f, {"path", "folder"});
  if (!valid_path(acc.path)) {
    why = "path must be at most 1024 characters, without control "
          "characters or '..'";
    return std::nullopt;
  }
  if (acc.type == "s3") {
    acc.bucket = field(f, "bucket");
    if (!valid_s3_bucket(acc.bucket)) {
      why = "bucket must be an S3 bucket name (3-63 lower-case letters, "
            "digits, '.' and '-')";
      return std::nullopt;
    }
    acc.region = field(f, "region").empty() ? "us-east-1" : field(f, "region");
    if (!valid_region(acc.region)) {
      why = "region must be like us-east-1";
      return std::nullopt;
    }
  } else if (!field(f, "bucket").empty()) {
    why = "bucket is for s3 accounts";
    return std::nullopt;
  }
  return acc;
}

void write_account(json_writer& w, const remote_account& acc) {
  auto id = std::to_string(acc.id);
  w.StartObject();
  put(w, "accountId", id);
  put(w, "remoteOptionId", id);
  put(w, "type", acc.type);
  put(w, "username", acc.username);
  put(w, "status", acc.status);
  put(w, "host", acc.host);
  w.Key("port");
  w.Uint(acc.port);
  w.Key("usage");
  w.Uint64(acc.usage);
  put(w, "path", acc.path);
  if (acc.type == "s3") {
    put(w, "bucket", acc.bucket);
    put(w, "region", acc.region);
  }
  if (!acc.host_key.empty())
    put(w, "hostKey", acc.host_key);
  w.EndObject();
}

reply json_reply(const rapidjson::StringBuffer& buf) {
  reply r;
  r.body = buf.GetString();
  return r;
}

reply error_reply(const caf::error& err) {
  auto code = code_of(err);
  auto status = http_status(code);
  if (code == ec::quota_exceeded)
    status = 403;
  return offcloud_error(status, message_of(err));
}

void list_accounts(const services& svc, const user_record& user, responder respond) {
  std::vector<remote_account> accounts;
  {
    auto t = svc.db->read();
    accounts = storage::list_remote_accounts(t, user.id);
  }
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  w.Key("data");
  w.StartArray();
  for (auto& acc : accounts)
    write_account(w, acc);
  w.EndArray();
  w.EndObject();
  respond(json_reply(buf));
}

/// Reads the fields of `req`, answering 400 itself when it cannot.
std::optional<fields> fields_or_400(const request& req, responder& respond) {
  std::string why;
  auto f = offcloud::read_fields(req, why);
  if (!f)
    respond(offcloud_error(400, why));
  return f;
}

void add_account(svc_ptr svc, const user_record& user, request& req,
         responder respond) {
  auto f = fields_or_400(req, respond);
  if (!f)
    return;
  std::string why;
  std::string secret;
  auto acc = read_account(*f, why, secret);
  if (!acc)
    return respond(offcloud_error(400, why));
  acc->owner = user.id;
  acc->secret_sealed = svc->secrets->seal(secret);
  ask(
      *svc->sys, svc->store,
      [svc, respond, owner = user.id](uint64_t id) {
        std::optional<remote_account> stored;
        {
          auto t = svc->db->read();
          stored = storage::get_remote_account(t, id);
        }
        if (!stored || stored->owner != owner)
          return respond(offcloud_error(500, "the account went meanwhile"));
        rapidjson::StringBuffer buf;
        json_writer w{buf};
        w.StartObject();
        w.Key("success");
        w.Bool(true);
        put(w, "accountId", std::to_string(id));
        put(w, "remoteOptionId", std::to_string(id));
        w.Key("data");
        write_account(w, *stored);
        w.EndObject();
        respond(json_reply(buf));
      },
      [respond](caf::error& err) { respond(error_reply(err)); },
      atom::create_v, std::move(*acc));
}

void remove_account(svc_ptr svc, const user_record& user, request& req,
            responder respond) {
  auto f = fields_or_400(req, respond);
  if (!f)
    return;
  auto& text = any_field(*f, {"accountId", "remoteOptionId", "id"});
  if (text.empty() || text.size() > 19
      || text.find_first_not_of("0123456789") != std::string::npos)
    return respond(offcloud_error(400, "accountId must name an account"));
  ask(
      *svc->sys, svc->store,
      [respond](caf::ok_atom) {
        respond(json_reply([] {
          rapidjson::StringBuffer buf;
          json_writer w{buf};
          w.StartObject();
          w.Key("success");
          w.Bool(true);
          w.EndObject();
          return buf;
        }()));
      },
      [respond](caf::error& err) { respond(error_reply(err)); },
      atom::remove_v, user.id, static_cast<uint64_t>(std::stoull(text)));
}

} // namespace

void write_push_status(json_writer& w, const std::vector<push_outcome>& outs) {
  w.Key("push");
  w.StartArray();
  for (auto& o : outs) {
    w.StartObject();
    w.Key("file");
    w.Uint(o.file);
    put(w, "path", o.remote_path);
    put(w, "state", to_string(o.state));
    w.Key("bytes");
    w.Uint64(o.bytes);
    w.Key("size");
    w.Uint64(o.size);
    w.Key("tries");
    w.Uint(o.tries);
    if (!o.error.empty())
      put(w, "error", o.error);
    w.EndObject();
  }
  w.EndArray();
}

void mount_remote_accounts(router::mounted& m, svc_ptr svc) {
  auto required = [](auto fn) -> handler {
    return [fn](const caller_ptr& caller, request& req, responder respond) {
      fn(*caller, req, std::move(respond));
    };
  };
  for (auto path : {"/api/remote/accounts", "/api/remote-account/list",
                    "/api/account/remote/all"})
    for (auto method : {"POST", "GET"})
      m.add(method, path, access::required,
            required([svc](const user_record& u, request&, responder r) {
              list_accounts(*svc, u, std::move(r));
            }));
  m.add("POST", "/api/remote/accounts/add", access::required,
        required([svc](const user_record& u, request& req, responder r) {
          add_account(svc, u, req, std::move(r));
        }));
  m.add("POST", "/api/remote/accounts/remove", access::required,
        required([svc](const user_record& u, request& req, responder r) {
          remove_account(svc, u, req, std::move(r));
        }));
}

} // namespace skyhaul::http
