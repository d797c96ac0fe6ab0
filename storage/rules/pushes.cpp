#include "storage/rules/pushes.hpp"

#include "storage/push_table.hpp"
#include "storage/remote_account_table.hpp"
#include "storage/rules/group_commit.hpp"

namespace skyhaul::storage::rules {

uint64_t add_account(txn& t, remote_account acc, size_t max_per_user,
                     int64_t now_ms) {
  if (list_remote_accounts(t, acc.owner).size() >= max_per_user)
    throw refusal(ec::quota_exceeded,
                  "at most " + std::to_string(max_per_user)
                      + " remote accounts per user");
  acc.created_ms = now_ms;
  acc.usage = 0;
  acc.host_key.clear();
  acc.status = "active";
  return add_remote_account(t, std::move(acc));
}

void remove_account(txn& t, user_id owner, uint64_t id) {
  auto acc = get_remote_account(t, id);
  if (!acc || acc->owner != owner)
    throw refusal(ec::not_found, "no such remote account");
  erase_remote_account(t, id);
}

std::optional<std::string> join_remote_path(const std::string& folder,
                                            const std::string& name) {
  std::string out;
  for (auto* part : {&folder, &name}) {
    size_t at = 0;
    while (at <= part->size()) {
      auto end = part->find('/', at);
      if (end == std::string::npos)
        end = part->size();
      auto seg = part->substr(at, end - at);
      at = end + 1;
      if (seg.empty() || seg == ".")
        continue;
      if (seg == "..")
        return std::nullopt;
      if (!out.empty())
        out += '/';
      out += seg;
    }
  }
  return out;
}

bool owe_pushes(txn& t, const task_record* old, const task_record& rec,
                int64_t now_ms) {
  if (rec.spec.remote_account == 0 || rec.state != task_state::finished
      || (old != nullptr && old->state == task_state::finished))
    return false;
  auto acc = get_remote_account(t, rec.spec.remote_account);
  auto usable = acc && acc->owner == rec.owner;
  bool any = false;
  for (uint32_t i = 0; i < rec.files.size(); ++i) {
    auto& f = rec.files[i];
    push_outcome out;
    out.task = rec.seq;
    out.file = i;
    out.account = rec.spec.remote_account;
    out.size = f.size;
    auto name = f.name.empty() ? f.key : f.name;
    auto path = join_remote_path(rec.spec.remote_folder, name);
    if (path && !path->empty())
      out.remote_path = *path;
    if (!usable) {
      out.state = push_state::failed;
      out.error = "no such remote account";
    } else if (out.remote_path.empty()) {
      out.state = push_state::failed;
      out.error = "the file has no usable remote name";
    } else {
      push_job job;
      job.task = rec.seq;
      job.file = i;
      job.account = acc->id;
      job.remote_path = out.remote_path;
      job.blob = f.blob;
      job.size = f.size;
      job.md5 = f.md5;
      job.content_type = f.content_type;
      job.next_ms = now_ms;
      add_push(t, std::move(job));
      any = true;
    }
    put_push_outcome(t, out);
  }
  return any;
}

bool record_push(txn& t, const push_attempt& a, uint32_t max_tries) {
  auto& job = a.job;
  auto stored = get_push(t, job.id);
  if (!stored)
    return false;
  auto acc = get_remote_account(t, job.account);
  auto out = get_push_outcome(t, job.task, job.file).value_or(push_outcome{});
  out.task = job.task;
  out.file = job.file;
  out.account = job.account;
  out.remote_path = job.remote_path;
  out.size = job.size;
  out.tries = job.tries;
  bool again = false;
  if (a.error.empty() && acc) {
    out.state = push_state::done;
    out.bytes = job.size;
    out.error.clear();
    acc->usage += job.size;
  } else {
    out.error = a.error.empty() ? "no such remote account" : a.error;
    again = acc && !a.final && job.tries < max_tries;
    out.state = again ? push_state::retrying : push_state::failed;
  }
  if (acc && acc->host_key.empty() && !a.host_key.empty())
    acc->host_key = a.host_key;
  if (acc)
    put_remote_account(t, *acc);
  // A task that went takes its outcomes along; it gets none back.
  if (t.get(table::tasks, be64(job.task)))
    put_push_outcome(t, out);
  if (again)
    put_push(t, job);
  else
    erase_push(t, job.id);
  return again;
}

void record_push_progress(txn& t, const push_job& job) {
  auto stored = get_push(t, job.id);
  if (!stored)
    return;
  stored->upload_id = job.upload_id;
  stored->part_size = job.part_size;
  stored->part_md5s = job.part_md5s;
  put_push(t, *stored);
}

} // namespace skyhaul::storage::rules
