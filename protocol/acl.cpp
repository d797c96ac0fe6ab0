#include "protocol/acl.hpp"

#include "protocol/user_record.hpp"

namespace skyhaul {

namespace {

bool loose(char c) {
  return c == ' ' || c == '\t' || c == '"';
}

/// `s` without surrounding blanks and one pair of quotes around it.
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"')
    s = s.substr(1, s.size() - 2);
  return s;
}

/// A grantee's name or id: trimmed, unquoted, and trimmed of the blanks
/// inside the quotes (`" a"` is `a`). It must not still start or end with a
/// quote (`id=""7""`): no user name or id does, and a value read so would
/// not read back the same. Such a value, and a blank one, comes back
/// empty, which the caller refuses.
std::string_view grantee_value(std::string_view s) {
  s = trim(s);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  if (!s.empty() && (loose(s.front()) || loose(s.back())))
    return {};
  return s;
}

bool matches(const acl_grant& g, const user_record& u) {
  auto eq = g.grantee.find('=');
  if (eq == std::string::npos)
    return false;
  auto kind = std::string_view{g.grantee}.substr(0, eq);
  auto value = std::string_view{g.grantee}.substr(eq + 1);
  if (kind == "id")
    return value == u.name || value == std::to_string(u.id);
  // Skyhaul keeps no e-mail addresses: a user is addressed by name.
  if (kind == "emailAddress" || kind == "name")
    return value == u.name;
  return false;
}

bool implies(acl_permission granted, acl_permission wanted) {
  return granted == wanted || granted == acl_permission::full_control;
}

} // namespace

bool valid_canned_acl(std::string_view name) {
  return name == "private" || name == "public-read"
         || name == "public-read-write" || name == "authenticated-read";
}

std::optional<acl_permission> parse_grant_name(std::string_view name) {
  if (name.substr(0, 6) == "x-amz-")
    name.remove_prefix(6);
  if (name == "grant-read")
    return acl_permission::read;
  if (name == "grant-write")
    return acl_permission::write;
  if (name == "grant-read-acp")
    return acl_permission::read_acp;
  if (name == "grant-write-acp")
    return acl_permission::write_acp;
  if (name == "grant-full-control")
    return acl_permission::full_control;
  return std::nullopt;
}

const char* grant_name(acl_permission p) {
  switch (p) {
  case acl_permission::read:
    return "grant-read";
  case acl_permission::write:
    return "grant-write";
  case acl_permission::read_acp:
    return "grant-read-acp";
  case acl_permission::write_acp:
    return "grant-write-acp";
  case acl_permission::full_control:
    return "grant-full-control";
  }
  return "grant-read";
}

std::optional<std::string> parse_grantees(acl_permission p,
                                          std::string_view value,
                                          std::vector<acl_grant>& out) {
  constexpr size_t max_grants = 100;
  constexpr size_t max_grantee = 256;
  while (!value.empty()) {
    auto comma = value.find(',');
    auto item = trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view{}
                                            : value.substr(comma + 1);
    if (item.empty())
      return std::string{"an empty grantee in "} + grant_name(p);
    if (item.size() > max_grantee)
      return std::string{"a grantee is too long in "} + grant_name(p);
    for (auto c : item)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        return std::string{"a control character in "} + grant_name(p);
    acl_grant g;
    g.permission = p;
    auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      auto name = grantee_value(item);
      if (name.empty())
        return std::string{"an empty grantee in "} + grant_name(p);
      g.grantee = "name=" + std::string{name};
    } else {
      auto kind = trim(item.substr(0, eq));
      auto who = grantee_value(item.substr(eq + 1));
      if (who.empty() || (kind != "id" && kind != "emailAddress"))
        return std::string{"grantee must be id=X, emailAddress=X or a user "
                           "name in "}
               + grant_name(p);
      g.grantee = std::string{kind} + "=" + std::string{who};
    }
    if (out.size() >= max_grants)
      return std::string{"too many grants"};
    out.push_back(std::move(g));
  }
  return std::nullopt;
}

bool acl_allows(const acl_spec& acl, user_id owner, const user_record* caller,
                acl_permission p) {
  if (caller != nullptr && (caller->admin || caller->id == owner))
    return true;
  if (p == acl_permission::read) {
    if (acl.canned == "public-read" || acl.canned == "public-read-write")
      return true;
    if (acl.canned == "authenticated-read" && caller != nullptr)
      return true;
  }
  if (p == acl_permission::write && acl.canned == "public-read-write")
    return true;
  if (caller == nullptr)
    return false;
  for (auto& g : acl.grants)
    if (implies(g.permission, p) && matches(g, *caller))
      return true;
  return false;
}

} // namespace skyhaul
