#include "base/http_date.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <strings.h>

namespace skyhaul {

namespace {

int month_of(const char* m) {
  static constexpr std::array<const char*, 12> names{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun",
      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (size_t i = 0; i < names.size(); ++i)
    if (strcasecmp(m, names[i]) == 0)
      return static_cast<int>(i);
  return -1;
}

/// Seconds east of UTC of a zone (`GMT`, `UTC`, `UT`, `Z`, `+hhmm`), or
/// nullopt.
std::optional<int64_t> zone_offset(const char* z) {
  if (*z == '\0' || strcasecmp(z, "GMT") == 0 || strcasecmp(z, "UTC") == 0
      || strcasecmp(z, "UT") == 0 || strcasecmp(z, "Z") == 0)
    return 0;
  if ((z[0] == '+' || z[0] == '-') && std::strlen(z) == 5) {
    for (int i = 1; i < 5; ++i)
      if (!std::isdigit(static_cast<unsigned char>(z[i])))
        return std::nullopt;
    int64_t s = ((z[1] - '0') * 10 + (z[2] - '0')) * 3600
                + ((z[3] - '0') * 10 + (z[4] - '0')) * 60;
    return z[0] == '+' ? s : -s;
  }
  return std::nullopt;
}

} // namespace

std::string format_http_date(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* days[]
      = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[]
      = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<int64_t> parse_http_date(std::string_view s) {
  std::string text{s};
  char mon[4] = {};
  char zone[8] = {};
  int day = 0, year = 0, h = 0, m = 0, sec = 0;
  bool ok = false;
  if (auto comma = text.find(','); comma != std::string::npos) {
    auto rest = text.c_str() + comma + 1;
    // RFC 1123 ("06 Nov 1994 08:49:37 GMT") or RFC 850 ("06-Nov-94 ...").
    ok = std::sscanf(rest, "%d %3s %d %d:%d:%d %7s", &day, mon, &year, &h, &m,
                     &sec, zone)
             >= 6
         || std::sscanf(rest, "%d-%3[A-Za-z]-%d %d:%d:%d %7s", &day, mon, &year,
                        &h, &m, &sec, zone)
                >= 6;
  } else {
    // asctime: "Sun Nov  6 08:49:37 1994".
    ok = std::sscanf(text.c_str(), "%*s %3s %d %d:%d:%d %d", mon, &day, &h, &m,
                     &sec, &year)
         == 6;
  }
  if (!ok)
    return std::nullopt;
  if (year < 100)
    year += year < 70 ? 2000 : 1900;
  auto offset = zone_offset(zone);
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month_of(mon);
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  if (!offset || tm.tm_mon < 0 || day < 1 || day > 31 || h < 0 || h > 23
      || m < 0 || m > 59 || sec < 0 || sec > 60)
    return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) - *offset;
}

std::string format_amz_date(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<int64_t> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z')
    return std::nullopt;
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i])))
        return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1
      || tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0
      || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
    return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

} // namespace skyhaul
