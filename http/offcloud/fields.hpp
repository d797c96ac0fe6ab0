#pragma once

// The parameters of an Offcloud call. Clients send them form-encoded (most),
// as JSON (some), in the query string (a few), and arrays in four spellings:
// `a[0]=x&a[1]=y`, `a=x&a=y`, `a[]=x`, and `{"a":[…]}`. All of them end up
// here as one name with its values in the order sent.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace skyhaul::http::offcloud {

/// Most values one call may carry, over all names.
constexpr size_t max_field_values = 2000;
/// Longest field name.
constexpr size_t max_field_name = 64;

/// The parameters of one call, by name (array suffixes dropped).
class fields {
public:
  /// The first value of `name`, or "".
  const std::string& get(const std::string& name) const;

  /// Every value of `name`, in order.
  const std::vector<std::string>& all(const std::string& name) const;

  bool has(const std::string& name) const {
    return values_.count(name) > 0;
  }

  /// Adds a value under `name`, whose array suffix (`[]`, `[0]`) goes.
  /// False when the call carries too many values.
  bool add(std::string name, std::string value);

  /// True when `name` came from the body or the query string with at
  /// least one value.
  size_t size() const {
    return count_;
  }

private:
  std::map<std::string, std::vector<std::string>> values_;
  size_t count_ = 0;
};

/// Reads the fields of `req`: its body (form-urlencoded, multipart
/// form-data without files, or a JSON object), then the query string for
/// names the body did not give. nullopt with `why` set for a body that
/// cannot be read or carries too much.
std::optional<fields> read_fields(const request& req, std::string& why);

/// Reads an `application/x-www-form-urlencoded` text into `out`.
bool read_urlencoded(const std::string& text, fields& out);

} // namespace skyhaul::http::offcloud
