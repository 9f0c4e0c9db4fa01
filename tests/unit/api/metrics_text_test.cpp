// MetricsText (core/api/routes/metrics_text.hpp): the Prometheus 0.0.4 text format's
// details — HELP/TYPE once before the samples, label escaping, value format, cumulative
// histogram buckets ending at +Inf with _sum and _count, and refusal of what would make
// an invalid document (bad names, type clashes, duplicate label sets).
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "core/api/routes/metrics_text.hpp"

namespace propbot::api {
namespace {

TEST(MetricsText, EscapesLabelValuesAndHelpAsTheFormatSays) {
  EXPECT_EQ(escape_label_value(R"(a\b"c)" "\n" "d"), R"(a\\b\"c\nd)");
  EXPECT_EQ(escape_help("x\\y\nz \"q\""), "x\\\\y\\nz \"q\"");  // quotes stay in HELP
  MetricsText text;
  ASSERT_TRUE(text.add_gauge("g", "help", {{"name", "say \"hi\"\n"}}, 1));
  EXPECT_NE(text.text().find("g{name=\"say \\\"hi\\\"\\n\"} 1\n"), std::string::npos) << text.text();
}

TEST(MetricsText, FormatsValuesExactlyAndNamesNonFiniteOnes) {
  EXPECT_EQ(format_metric_value(0), "0");
  EXPECT_EQ(format_metric_value(42), "42");
  EXPECT_EQ(format_metric_value(-1.5), "-1.5");
  EXPECT_EQ(format_metric_value(0.1), "0.1");
  EXPECT_EQ(format_metric_value(1234567890123.0), "1234567890123");
  EXPECT_EQ(format_metric_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_metric_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricsText, PrintsHelpAndTypeOnceBeforeEveryFamilysSamples) {
  MetricsText text;
  ASSERT_TRUE(text.add_counter("a_total", "first", {{"venue", "X"}}, 1));
  ASSERT_TRUE(text.add_gauge("b", "second", {}, 2));
  ASSERT_TRUE(text.add_counter("a_total", "first", {{"venue", "Y"}}, 3));  // joins its family
  EXPECT_EQ(text.family_count(), 2u);
  EXPECT_EQ(text.text(),
            "# HELP a_total first\n"
            "# TYPE a_total counter\n"
            "a_total{venue=\"X\"} 1\n"
            "a_total{venue=\"Y\"} 3\n"
            "# HELP b second\n"
            "# TYPE b gauge\n"
            "b 2\n");
}

TEST(MetricsText, RefusesWhatWouldMakeAnInvalidDocument) {
  MetricsText text;
  EXPECT_FALSE(text.add_gauge("1bad", "h", {}, 1));
  EXPECT_FALSE(text.add_gauge("bad-name", "h", {}, 1));
  EXPECT_FALSE(text.add_gauge("g", "h", {{"bad-label", "v"}}, 1));
  EXPECT_FALSE(text.add_gauge("g", "h", {{"__reserved", "v"}}, 1));
  EXPECT_FALSE(text.add_gauge("g", "h", {{"le", "1"}}, 1));
  EXPECT_FALSE(text.add_gauge("g", "h", {{"a", "1"}, {"a", "2"}}, 1));
  ASSERT_TRUE(text.add_gauge("g", "h", {{"a", "1"}, {"b", "2"}}, 1));
  EXPECT_FALSE(text.add_gauge("g", "h", {{"b", "2"}, {"a", "1"}}, 5)) << "the same label set, other order";
  EXPECT_FALSE(text.add_counter("g", "h", {{"a", "3"}}, 1)) << "a gauge family cannot take a counter";
  EXPECT_TRUE(text.add_gauge("ns:g", "colons are allowed in metric names", {}, 1));
  EXPECT_EQ(text.text().find("g{a=\"1\",b=\"2\"} 5"), std::string::npos);
  EXPECT_EQ(text.text().find("TYPE g counter"), std::string::npos);
}

TEST(MetricsText, HistogramBucketsAreCumulativeAndEndAtInfWithSumAndCount) {
  BucketHistogram histogram({1, 5, 10});
  for (double v : {0.5, 1.0, 3.0, 7.0, 7.0, 50.0}) histogram.observe(v);
  EXPECT_EQ(histogram.count(), 6u);
  MetricsText text;
  ASSERT_TRUE(text.add_histogram("lat_ms", "latency", {{"venue", "X"}}, histogram));
  EXPECT_EQ(text.text(),
            "# HELP lat_ms latency\n"
            "# TYPE lat_ms histogram\n"
            "lat_ms_bucket{venue=\"X\",le=\"1\"} 2\n"   // 0.5 and 1.0 (le is inclusive)
            "lat_ms_bucket{venue=\"X\",le=\"5\"} 3\n"
            "lat_ms_bucket{venue=\"X\",le=\"10\"} 5\n"
            "lat_ms_bucket{venue=\"X\",le=\"+Inf\"} 6\n"
            "lat_ms_sum{venue=\"X\"} 68.5\n"
            "lat_ms_count{venue=\"X\"} 6\n");
}

TEST(MetricsText, AnEmptyHistogramStillPrintsItsInfBucketSumAndCount) {
  MetricsText text;
  ASSERT_TRUE(text.add_histogram("h", "empty", {}, BucketHistogram({2.5})));
  EXPECT_EQ(text.text(), "# HELP h empty\n# TYPE h histogram\nh_bucket{le=\"2.5\"} 0\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n");
}

TEST(MetricsText, RefusesHistogramsWithUnorderedOrMismatchedBounds) {
  MetricsText text;
  EXPECT_FALSE(text.add_histogram("h", "x", {}, BucketHistogram({5, 1})));
  EXPECT_FALSE(text.add_histogram("h", "x", {}, BucketHistogram({1, 1})));
  BucketHistogram broken({1, 2});
  broken.counts.pop_back();
  EXPECT_FALSE(text.add_histogram("h", "x", {}, broken));
  EXPECT_EQ(text.text(), "");
}

}  // namespace
}  // namespace propbot::api
