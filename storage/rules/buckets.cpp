#include "storage/rules/buckets.hpp"

#include "storage/bucket_table.hpp"
#include "storage/rules/group_commit.hpp"

namespace skyhaul::storage::rules {

void remove_bucket(txn& t, const std::string& name) {
  if (!get_bucket(t, name))
    throw refusal(ec::not_found, "no such bucket: " + name);
  if (!delete_bucket(t, name))
    throw refusal(ec::invalid_state, "the bucket is not empty: " + name);
}

} // namespace skyhaul::storage::rules
