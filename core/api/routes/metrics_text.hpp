// MetricsText: builds a Prometheus text exposition (format version 0.0.4) from families
// of counters, gauges and histograms — the pure part of GET /metrics (metrics_routes).
//
// Guarantees:
//  - Each family appears once, in the order it was first added: `# HELP`, `# TYPE`, then
//    every sample of the family; a family is never split or repeated. Adding a sample to
//    a family under another type, with an invalid metric or label name (names match
//    [a-zA-Z_:][a-zA-Z0-9_:]* / [a-zA-Z_][a-zA-Z0-9_]*, label names never start "__" and
//    are never "le", which histograms add themselves), or with a label set the family already has,
//    adds nothing and returns false: a caller's bug is visible, never an invalid document.
//  - Label values are escaped as the format says (\\, \", \n); HELP text escapes \\ and
//    \n. Values print as the shortest decimal that reads back exactly (to_chars), NaN
//    as "NaN", infinities as "+Inf" / "-Inf".
//  - A histogram prints cumulative `_bucket{le="…"}` lines in increasing bound order,
//    always ending with le="+Inf" equal to `_count`, then `_sum` and `_count`.
//  - Bounded: the text grows with what the caller adds; the caller states its bound
//    (metrics_families.hpp bounds every label set by configuration and enum names).
//
// Thread: a builder belongs to one thread; build one per scrape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace propbot::api {

enum class MetricType { counter, gauge, histogram };
std::string_view to_string(MetricType type);

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Fixed-bound histogram data: counts[i] samples fell in (bounds[i-1], bounds[i]] and
// counts[bounds.size()] above the last bound. Bounds strictly increasing, finite.
struct BucketHistogram {
  std::vector<double> bounds;
  std::vector<std::uint64_t> counts;  // bounds.size() + 1 entries
  double sum = 0;

  explicit BucketHistogram(std::vector<double> upper_bounds = {});
  void observe(double value);
  std::uint64_t count() const;
};

class MetricsText {
 public:
  bool add_counter(std::string_view name, std::string_view help, const MetricLabels& labels, double value);
  bool add_gauge(std::string_view name, std::string_view help, const MetricLabels& labels, double value);
  bool add_histogram(std::string_view name, std::string_view help, const MetricLabels& labels,
                     const BucketHistogram& histogram);

  // The exposition, every family in order; ends with a newline (empty when nothing was added).
  std::string text() const;
  std::size_t family_count() const { return families_.size(); }

 private:
  struct Family {
    std::string name;
    std::string help;
    MetricType type = MetricType::gauge;
    std::set<std::string> label_sets;  // each series' labels, sorted and rendered (O(log n) duplicate check)
    std::string samples;                   // rendered sample lines
  };
  // The family `name` of `type` ready for `labels`, or null (see the guarantees).
  Family* family_for(std::string_view name, std::string_view help, MetricType type, const MetricLabels& labels);
  bool add_sample(std::string_view name, std::string_view help, MetricType type, const MetricLabels& labels,
                  double value);

  std::vector<Family> families_;
};

// Exposed for tests: the escaping rules and the value format above.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);
std::string format_metric_value(double value);

}  // namespace propbot::api
