#include "actors/segment_plan.hpp"

#include <algorithm>
#include <sstream>

namespace skyhaul {

namespace {

constexpr uint64_t boundary = 64 * 1024;

} // namespace

segment_plan::segment_plan(uint64_t total, uint32_t parts, uint64_t min_split)
    : total_(total) {
  min_split = std::max<uint64_t>(min_split, 1);
  uint64_t n = std::max<uint32_t>(parts, 1);
  n = std::min<uint64_t>(n, std::max<uint64_t>(total / min_split, 1));
  if (total < 2 * min_split)
    n = 1;
  uint64_t size = total / n;
  if (n > 1)
    size = std::max(boundary, size / boundary * boundary);
  uint64_t at = 0;
  for (uint64_t i = 0; i < n; ++i) {
    segment s;
    s.id = next_id_++;
    s.start = at;
    s.end = i + 1 == n ? total : std::min(total, at + size);
    at = s.end;
    parts_.push_back(s);
  }
}

std::optional<segment_plan> segment_plan::restore(uint64_t total,
                                                  std::vector<segment> parts) {
  std::sort(parts.begin(), parts.end(),
            [](const segment& a, const segment& b) { return a.start < b.start; });
  uint64_t at = 0;
  segment_plan out;
  out.total_ = total;
  for (auto& s : parts) {
    if (s.start != at || s.end < s.start || s.done > s.end - s.start
        || (s.end == s.start && total > 0))
      return std::nullopt;
    at = s.end;
    s.busy = false;
    s.id = out.next_id_++;
    out.parts_.push_back(s);
  }
  if (at != total || (total > 0 && out.parts_.empty()))
    return std::nullopt;
  return out;
}

std::optional<uint32_t> segment_plan::assign(uint64_t min_split) {
  for (auto& s : parts_)
    if (!s.busy && s.left() > 0) {
      s.busy = true;
      return s.id;
    }
  segment* largest = nullptr;
  for (auto& s : parts_)
    if (s.busy && (!largest || s.left() > largest->left()))
      largest = &s;
  min_split = std::max<uint64_t>(min_split, 1);
  if (!largest || largest->left() < 2 * min_split)
    return std::nullopt;
  auto mid = largest->next() + largest->left() / 2;
  if (mid / boundary * boundary > largest->next())
    mid = mid / boundary * boundary;
  segment s;
  s.id = next_id_++;
  s.start = mid;
  s.end = largest->end;
  s.busy = true;
  largest->end = mid;
  auto pos = static_cast<size_t>(largest - parts_.data()) + 1;
  parts_.insert(parts_.begin() + static_cast<std::ptrdiff_t>(pos), s);
  return s.id;
}

segment* segment_plan::find(uint32_t id) {
  for (auto& s : parts_)
    if (s.id == id)
      return &s;
  return nullptr;
}

const segment* segment_plan::find(uint32_t id) const {
  return const_cast<segment_plan*>(this)->find(id);
}

uint64_t segment_plan::done() const {
  uint64_t n = 0;
  for (auto& s : parts_)
    n += s.done;
  return n;
}

uint64_t segment_plan::prefix() const {
  uint64_t at = 0;
  for (auto& s : parts_) {
    if (s.start != at)
      break;
    at = s.next();
    if (s.left() > 0)
      break;
  }
  return at;
}

std::string segment_plan::encode() const {
  std::ostringstream out;
  for (auto& s : parts_)
    out << "part " << s.start << ' ' << s.end << ' ' << s.done << '\n';
  return out.str();
}

std::optional<segment_plan> segment_plan::decode(uint64_t total,
                                                 const std::string& lines) {
  std::istringstream in(lines);
  std::vector<segment> parts;
  std::string word;
  while (in >> word) {
    segment s;
    if (word != "part" || !(in >> s.start >> s.end >> s.done))
      return std::nullopt;
    parts.push_back(s);
  }
  return restore(total, std::move(parts));
}

} // namespace skyhaul
