#include "http/offcloud/login_limiter.hpp"

#include "storage/login_table.hpp"

#include <algorithm>

namespace skyhaul::http::offcloud {

namespace {

std::string account_key(const std::string& account) {
  return "u:" + account;
}

std::string address_key(const std::string& address) {
  return "a:" + address;
}

} // namespace

uint32_t login_limiter::blocked_for(const storage::txn& t,
                                    const std::string& account,
                                    const std::string& address,
                                    int64_t now_ms) const {
  if (max_ == 0)
    return 0;
  auto wait = std::max(
      storage::login_wait_ms(t, account_key(account), now_ms, max_,
                             window_ms_),
      storage::login_wait_ms(t, address_key(address), now_ms, max_,
                             window_ms_));
  if (wait <= 0)
    return 0;
  return static_cast<uint32_t>(std::max<int64_t>(1, (wait + 999) / 1000));
}

login_failure login_limiter::failed(const std::string& account,
                                    const std::string& address,
                                    int64_t now_ms) const {
  login_failure f;
  if (max_ == 0)
    return f;
  f.keys = {account_key(account), address_key(address)};
  f.at_ms = now_ms;
  f.max_failures = max_;
  f.window_ms = window_ms_;
  return f;
}

login_failure login_limiter::succeeded(const std::string& account,
                                       int64_t now_ms) const {
  login_failure f;
  if (max_ == 0)
    return f;
  f.keys = {account_key(account)};
  f.clear = true;
  f.at_ms = now_ms;
  f.max_failures = max_;
  f.window_ms = window_ms_;
  return f;
}

} // namespace skyhaul::http::offcloud
