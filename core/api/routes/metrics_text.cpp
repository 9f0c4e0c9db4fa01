#include "core/api/routes/metrics_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>

namespace propbot::api {
namespace {

bool name_char(char c, bool first, bool colon_allowed) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (letter || (colon_allowed && c == ':')) return true;
  return !first && c >= '0' && c <= '9';
}

bool valid_name(std::string_view name, bool colon_allowed) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!name_char(name[i], i == 0, colon_allowed)) return false;
  }
  return true;
}

bool valid_labels(const MetricLabels& labels) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::string& label = labels[i].first;
    if (!valid_name(label, false) || label.starts_with("__") || label == "le") return false;
    for (std::size_t j = 0; j < i; ++j) {
      if (labels[j].first == label) return false;
    }
  }
  return true;
}

// `{a="x",b="y"}` (plus `extra` last, already escaped), or "" without any label.
std::string label_text(const MetricLabels& labels, std::string_view extra = {}) {
  if (labels.empty() && extra.empty()) return {};
  std::string out = "{";
  for (const auto& [label, value] : labels) {
    if (out.size() > 1) out += ',';
    out += label + "=\"" + escape_label_value(value) + "\"";
  }
  if (!extra.empty()) {
    if (out.size() > 1) out += ',';
    out += extra;
  }
  return out + "}";
}

void append_line(std::string& out, std::string_view name, const std::string& labels, std::string_view value) {
  out.append(name).append(labels).append(" ").append(value).append("\n");
}

// Backslash and newline escaped; double quotes too inside a label value (not in HELP).
std::string escaped(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (quotes && c == '"') out += "\\\"";
    else out += c;
  }
  return out;
}

}  // namespace

std::string_view to_string(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
  }
  return "untyped";
}

BucketHistogram::BucketHistogram(std::vector<double> upper_bounds)
    : bounds(std::move(upper_bounds)), counts(bounds.size() + 1, 0) {}

void BucketHistogram::observe(double value) {
  const auto at = std::lower_bound(bounds.begin(), bounds.end(), value);  // first bound >= value
  ++counts[static_cast<std::size_t>(at - bounds.begin())];
  sum += value;
}

std::uint64_t BucketHistogram::count() const {
  std::uint64_t total = 0;
  for (std::uint64_t c : counts) total += c;
  return total;
}

std::string escape_label_value(std::string_view value) { return escaped(value, true); }

std::string escape_help(std::string_view help) { return escaped(help, false); }

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

MetricsText::Family* MetricsText::family_for(std::string_view name, std::string_view help, MetricType type,
                                             const MetricLabels& labels) {
  if (!valid_name(name, true) || !valid_labels(labels)) return nullptr;
  auto found = std::find_if(families_.begin(), families_.end(), [&](const Family& f) { return f.name == name; });
  if (found == families_.end()) {
    families_.push_back(Family{std::string(name), std::string(help), type, {}, {}});
    found = families_.end() - 1;
  }
  if (found->type != type) return nullptr;
  MetricLabels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  if (!found->label_sets.insert(label_text(sorted)).second) return nullptr;
  return &*found;
}

bool MetricsText::add_sample(std::string_view name, std::string_view help, MetricType type,
                            const MetricLabels& labels, double value) {
  Family* family = family_for(name, help, type, labels);
  if (family == nullptr) return false;
  append_line(family->samples, name, label_text(labels), format_metric_value(value));
  return true;
}

bool MetricsText::add_counter(std::string_view name, std::string_view help, const MetricLabels& labels,
                              double value) {
  return add_sample(name, help, MetricType::counter, labels, value);
}

bool MetricsText::add_gauge(std::string_view name, std::string_view help, const MetricLabels& labels,
                            double value) {
  return add_sample(name, help, MetricType::gauge, labels, value);
}

bool MetricsText::add_histogram(std::string_view name, std::string_view help, const MetricLabels& labels,
                                const BucketHistogram& histogram) {
  if (histogram.counts.size() != histogram.bounds.size() + 1) return false;
  for (std::size_t i = 0; i < histogram.bounds.size(); ++i) {
    if (!std::isfinite(histogram.bounds[i]) || (i > 0 && histogram.bounds[i] <= histogram.bounds[i - 1])) return false;
  }
  Family* family = family_for(name, help, MetricType::histogram, labels);
  if (family == nullptr) return false;
  const std::string base(name);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < histogram.bounds.size(); ++i) {
    cumulative += histogram.counts[i];
    const std::string le = "le=\"" + format_metric_value(histogram.bounds[i]) + "\"";
    append_line(family->samples, base + "_bucket", label_text(labels, le), std::to_string(cumulative));
  }
  cumulative += histogram.counts.back();
  append_line(family->samples, base + "_bucket", label_text(labels, "le=\"+Inf\""), std::to_string(cumulative));
  append_line(family->samples, base + "_sum", label_text(labels), format_metric_value(histogram.sum));
  append_line(family->samples, base + "_count", label_text(labels), std::to_string(cumulative));
  return true;
}

std::string MetricsText::text() const {
  std::string out;
  for (const Family& family : families_) {
    out += "# HELP " + family.name + " " + escape_help(family.help) + "\n";
    out += "# TYPE " + family.name + " " + std::string(to_string(family.type)) + "\n";
    out += family.samples;
  }
  return out;
}

}  // namespace propbot::api
