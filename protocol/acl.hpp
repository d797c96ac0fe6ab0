#pragma once
// Access control lists of buckets and objects, as S3 and the Offline API
// (seed 000, `ACLs`) describe them: a canned ACL plus explicit grants.

#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "protocol/enum_range.hpp"

namespace skyhaul {

struct user_record;

/// What a grant allows.
enum class acl_permission : uint8_t {
  read,
  write,
  read_acp,
  write_acp,
  full_control,
};

template <>
struct enum_range<acl_permission> {
  static constexpr auto last = acl_permission::full_control;
};

/// One grant: a permission for one grantee. `grantee` is normalised to
/// `id=<user id or name>`, `emailAddress=<address>` or `name=<user name>`.
struct acl_grant {
  acl_permission permission = acl_permission::read;
  std::string grantee;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, acl_grant& x) {
  return f(x.permission, x.grantee);
}

/// A canned ACL (`private`, `public-read`, `public-read-write`,
/// `authenticated-read`; empty means `private`) and grants.
struct acl_spec {
  std::string canned;
  std::vector<acl_grant> grants;

  bool empty() const {
    return canned.empty() && grants.empty();
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, acl_spec& x) {
  return f(x.canned, x.grants);
}

template <>
struct record_format<acl_spec> : format_version<1, 0> {
  static constexpr const char* table = "bucket_acls";
};

/// True for the canned ACL names Skyhaul knows.
bool valid_canned_acl(std::string_view name);

/// Parses a grant header name (`grant-read`, `grant-write`,
/// `grant-read-acp`, `grant-write-acp`, `grant-full-control`, also with an
/// `x-amz-` prefix).
std::optional<acl_permission> parse_grant_name(std::string_view name);

/// The header name of a permission, e.g. `grant-read-acp`.
const char* grant_name(acl_permission p);

/// Parses a grant value: a comma-separated list of `id=X`,
/// `emailAddress=X` or a bare user name, with optional quotes and blanks.
/// Appends to `out`; returns an error message on malformed input.
std::optional<std::string> parse_grantees(acl_permission p,
                                          std::string_view value,
                                          std::vector<acl_grant>& out);

/// True when `caller` (nullptr for an anonymous request) may use `p` on a
/// resource owned by `owner` under `acl`. Owners and admins always may.
bool acl_allows(const acl_spec& acl, user_id owner, const user_record* caller,
                acl_permission p);

} // namespace skyhaul
