// propbot ctl's text: the table's layout and bounds, the audit CSV's quoting, the views'
// tolerance of missing fields, and the refusal line for each status it explains.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/app/commands/ctl_refusal.hpp"
#include "core/app/commands/ctl_table.hpp"
#include "core/app/commands/ctl_views.hpp"

namespace propbot::app {
namespace {

using nlohmann::json;

TEST(CtlTable, ColumnsAlignToTheWidestCellAndLongCellsAreCut) {
  TextTable table({"ID", "NAME"});
  table.add({"1", "alpha"});
  table.add({"22", std::string(200, 'x') + "\nsecond line"});
  table.add({"3"});  // padded
  const std::string text = table.render();
  EXPECT_EQ(text.substr(0, text.find('\n')), "ID  NAME");
  EXPECT_NE(text.find("1   alpha\n"), std::string::npos) << text;
  EXPECT_NE(text.find("22  " + std::string(TextTable::kMaxCellChars - 1, 'x') + "\xE2\x80\xA6\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("second line"), std::string::npos) << "a cut cell hides what is past the limit";
  EXPECT_NE(text.find("\n3   \n"), std::string::npos) << text;
}

TEST(CtlViews, AuditCsvQuotesCommasQuotesAndNewlines) {
  const std::string lines =
      R"({"id":1,"ts_utc":"t","actor":"op","role":"operator","action":"hold","target":"control_state","details":{"reason":"a, \"b\""},"prev_hash":"00","cumulative_hash":"ab"})"
      "\nnot json\n";
  std::size_t skipped = 0;
  const std::string csv = audit_lines_to_csv(lines, skipped);
  EXPECT_EQ(skipped, 1u);
  EXPECT_EQ(csv,
            "id,ts_utc,actor,role,action,target,details,prev_hash,cumulative_hash\n"
            "1,t,op,operator,hold,control_state,\"{\"\"reason\"\":\"\"a, \\\"\"b\\\"\"\"\"}\",00,ab\n");
}

TEST(CtlViews, MissingOrMistypedFieldsShowADash) {
  EXPECT_EQ(field_text(json::object(), "mode"), "-");
  EXPECT_EQ(field_text(json::array(), "mode"), "-");
  EXPECT_EQ(field_text(json{{"n", 3}}, "n"), "3");
  const std::string positions = view_positions(json{{"positions", "not a list"}});
  EXPECT_EQ(positions, "no positions\nno exposure\n");
  const std::string incidents = view_incidents(json{{"active", json::array({json{{"id", 4}, {"severity", "P0"}}})}});
  EXPECT_NE(incidents.find("4   P0"), std::string::npos) << incidents;
}

TEST(CtlViews, ValidationErrorsAreFileLineMessage) {
  const json answer = {{"valid", false},
                       {"errors", json::array({json{{"file", "strategies/a.lua"}, {"line", 12}, {"message", "boom"}},
                                               json{{"file", ""}, {"line", 0}, {"message", "timed out"}}})},
                       {"warnings", json::array({"never proposed"})}};
  EXPECT_EQ(view_validation(answer), "strategies/a.lua:12: boom\n(bundle): timed out\nwarning: never proposed\n");
}

TEST(CtlViews, ValidBundleShowsHashBooksAndRoundedTime) {
  EXPECT_EQ(view_validation(json{{"valid", true}, {"hash", "ab12"}, {"recorded_books", 4}, {"validate_ms", 102.658957}}),
            "bundle valid: hash ab12 (4 recorded books, 102.7 ms)\n");
}

TEST(CtlRefusal, EachStatusSaysWhatToDo) {
  const std::string body = R"({"error":{"code":"wrong_mode","message":"resume while RESUME"}})";
  EXPECT_EQ(describe_refusal(409, body, {"resume-request", true, ""}),
            "propbot ctl resume-request: the daemon refused: HTTP 409 wrong_mode: resume while RESUME — conflict: the "
            "desk's mode does not allow this now (see propbot ctl status)");
  struct Case {
    int status;
    std::string code;
    RefusalContext context;
    std::string hint;
  };
  for (const Case& c : std::vector<Case>{
           {423, "runaway_breaker", {"hold", true, ""}, "runaway breaker or a HOLD"},
           {401, "unauthorized", {"status", false, ""}, "propbot secrets show-dev"},
           {401, "second_factor_required", {"confirm", true, ""}, "--totp"},
           {403, "forbidden", {"hold", true, ""}, "role is too low"},
           {429, "locked_out", {"hold", true, "60"}, "retry after 60 s"}}) {
    const std::string body = json{{"error", {{"code", c.code}, {"message", "m"}}}}.dump();
    EXPECT_NE(describe_refusal(c.status, body, c.context).find(c.hint), std::string::npos) << c.status << " " << c.code;
  }
  const std::string raw = describe_refusal(502, "<html>\nbad gateway</html>", {"status", true, ""});
  EXPECT_EQ(raw.find('\n'), std::string::npos) << "one line: " << raw;
  EXPECT_NE(raw.find("HTTP 502 -: <html> bad gateway</html>"), std::string::npos) << raw;
}

}  // namespace
}  // namespace propbot::app
