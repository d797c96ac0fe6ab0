#include "base/bencode.hpp"

#include <set>

namespace skyhaul::bencode {

const value* value::find(std::string_view key) const {
  for (auto& [k, v] : entries)
    if (k == key)
      return &v;
  return nullptr;
}

namespace {

class parser {
public:
  parser(std::string_view in, limits lim) : in_(in), lim_(lim) {
  }

  bool run(value& out) {
    return read(out, 0) && (pos_ == in_.size() || fail("trailing bytes"));
  }

  std::string error;

private:
  bool fail(const char* what) {
    if (error.empty())
      error = std::string{what} + " at byte " + std::to_string(pos_);
    return false;
  }

  bool digits(size_t& end) {
    end = pos_;
    while (end < in_.size() && in_[end] >= '0' && in_[end] <= '9')
      ++end;
    return end > pos_;
  }

  bool number(int64_t& out, char stop) {
    bool neg = pos_ < in_.size() && in_[pos_] == '-';
    if (neg)
      ++pos_;
    size_t end = 0;
    if (!digits(end) || end >= in_.size() || in_[end] != stop)
      return fail("malformed number");
    if ((in_[pos_] == '0' && end - pos_ > 1) || (neg && in_[pos_] == '0'))
      return fail("number with leading zero");
    if (end - pos_ > 18)
      return fail("number too large");
    int64_t n = 0;
    for (auto i = pos_; i < end; ++i)
      n = n * 10 + (in_[i] - '0');
    out = neg ? -n : n;
    pos_ = end + 1;
    return true;
  }

  bool string(std::string_view& out) {
    int64_t len = 0;
    if (!number(len, ':') || len < 0)
      return fail("malformed string length");
    if (static_cast<uint64_t>(len) > in_.size() - pos_)
      return fail("string past the end");
    out = in_.substr(pos_, static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return true;
  }

  bool read(value& v, size_t depth) {
    if (depth > lim_.max_depth)
      return fail("nested too deeply");
    if (++items_ > lim_.max_items)
      return fail("too many values");
    if (pos_ >= in_.size())
      return fail("unexpected end");
    auto start = pos_;
    auto c = in_[pos_];
    if (c == 'i') {
      ++pos_;
      v.type = kind::integer;
      if (!number(v.integer, 'e'))
        return false;
    } else if (c >= '0' && c <= '9') {
      v.type = kind::string;
      if (!string(v.text))
        return false;
    } else if (c == 'l') {
      ++pos_;
      v.type = kind::list;
      while (pos_ < in_.size() && in_[pos_] != 'e') {
        v.items.emplace_back();
        if (!read(v.items.back(), depth + 1))
          return false;
      }
      if (pos_ >= in_.size())
        return fail("unterminated list");
      ++pos_;
    } else if (c == 'd') {
      ++pos_;
      v.type = kind::dict;
      // Sorted keys (as BEP 3 asks) cannot repeat; unsorted ones, which
      // some encoders write, are checked against a set.
      std::set<std::string_view> seen;
      bool sorted = true;
      while (pos_ < in_.size() && in_[pos_] != 'e') {
        std::string_view key;
        if (in_[pos_] < '0' || in_[pos_] > '9' || !string(key))
          return fail("dictionary key is not a string");
        if (sorted && !v.entries.empty() && key <= v.entries.back().first) {
          sorted = false;
          for (auto& e : v.entries)
            seen.insert(e.first);
        }
        if (!sorted && !seen.insert(key).second)
          return fail("duplicate dictionary key");
        v.entries.emplace_back(key, value{});
        if (!read(v.entries.back().second, depth + 1))
          return false;
      }
      if (pos_ >= in_.size())
        return fail("unterminated dictionary");
      ++pos_;
    } else {
      return fail("not a bencoded value");
    }
    v.raw = in_.substr(start, pos_ - start);
    return true;
  }

  std::string_view in_;
  limits lim_;
  size_t pos_ = 0;
  size_t items_ = 0;
};

} // namespace

std::optional<value> parse(std::string_view bytes, std::string& error,
                           limits lim) {
  parser p{bytes, lim};
  value v;
  if (!p.run(v)) {
    error = p.error;
    return std::nullopt;
  }
  return v;
}

void put_string(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

void put_int(std::string& out, int64_t n) {
  out += 'i';
  out += std::to_string(n);
  out += 'e';
}

} // namespace skyhaul::bencode
