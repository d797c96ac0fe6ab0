#pragma once

// Small text helpers shared by the faces, the fetcher and the contract.

#include <string>
#include <string_view>

namespace skyhaul {

/// `s` with ASCII letters in lower case (header names, schemes, hex
/// digits); locale-independent, other bytes unchanged.
std::string ascii_lower(std::string_view s);

/// `s` without leading and trailing ASCII white space (header values,
/// list items).
std::string trim_space(std::string_view s);

} // namespace skyhaul
