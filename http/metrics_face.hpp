#pragma once

// GET /metrics: the registry of base/metrics.hpp, and figures read at
// scrape time (tasks per state, free disk), in Prometheus' text exposition
// format 0.0.4. Guarded by `--metrics-token` or an admin's api key, because
// the figures say how busy the service is and how many tasks it holds.

#include "base/metrics.hpp"
#include "http/message.hpp"
#include "http/services.hpp"
#include "protocol/task_state.hpp"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace skyhaul::http {

class router;

/// A label value as the text format wants it: `\`, `"` and newlines
/// escaped.
std::string escape_label_value(std::string_view v);

/// A HELP text as the text format wants it: `\` and newlines escaped.
std::string escape_help(std::string_view v);

/// Writes metric families in the text format, one family at a time.
class exposition {
public:
  using labels = std::initializer_list<std::pair<std::string_view,
                                                 std::string_view>>;

  /// Starts a family: its `# HELP` and `# TYPE` lines.
  void family(std::string_view name, std::string_view help,
              std::string_view type);

  void sample(std::string_view name, labels ls, double value);
  void sample(std::string_view name, labels ls, uint64_t value);
  void sample(std::string_view name, labels ls, int64_t value);

  /// A histogram's `_bucket`, `_sum` and `_count` lines, with `ls` and the
  /// `le` label; its family must have been started.
  void histogram(std::string_view name, labels ls,
                 const base::metrics::histogram& h);

  const std::string& text() const {
    return out_;
  }

private:
  void head(std::string_view name, labels ls,
            std::string_view le = std::string_view{});
  std::string out_;
};

/// What a scrape reads besides the registry.
struct scrape_figures {
  /// Tasks per state over all users.
  std::array<uint64_t, num_task_states> tasks{};
  /// Bytes free for the service on the data directory's filesystem; none
  /// when statvfs failed.
  std::optional<uint64_t> disk_free;
};

/// The whole exposition of `reg` and `extra`.
std::string render_metrics(const base::metrics::registry& reg,
                           const scrape_figures& extra);

/// Reads the figures of a scrape: the store's per-owner state counters,
/// summed, and statvfs of the data directory.
scrape_figures read_figures(const services& svc);

/// Wraps the responder of a request answered by face `face` so that its
/// status and time to answer are counted.
responder counted(const std::string& face, responder respond);

/// Mounts the "metrics" face: GET /metrics.
void mount_metrics(router& r, std::shared_ptr<const services> svc);

} // namespace skyhaul::http
