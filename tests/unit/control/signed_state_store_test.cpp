#include "core/control/signed_state_store.hpp"

#include <gtest/gtest.h>

#include "core/control/canonical_json.hpp"
#include "tests/unit/control/control_fixture.hpp"

namespace propbot::control {
namespace {

constexpr std::string_view kKey = "0123456789abcdef0123456789abcdef";

class SignedStateStoreTest : public test::ControlStoreTest {
 protected:
  SignedStateStore make_store(std::string_view key = kKey) {
    Result<SignedStateStore> store = SignedStateStore::open(db(), key, clock_);
    EXPECT_TRUE(store.ok()) << store.error().describe();
    return std::move(store).value();
  }

  static nlohmann::json control_state() {
    return {{"mode", "HOLD"},      {"safe_mode", true},          {"dry_run_mode", false},
            {"hold_reason", "startup"}, {"fencing_token", 7},   {"leader_id", "node-a"},
            {"hold_since", "2023-11-14T22:13:20.000Z"}};
  }

  StateLoad load_or_fail(SignedStateStore& store, std::string_view name) {
    Result<StateLoad> load = store.load(name);
    EXPECT_TRUE(load.ok()) << load.error().describe();
    return load ? *load : StateLoad{};
  }
};

TEST_F(SignedStateStoreTest, RoundTripsAValueAndCountsVersions) {
  SignedStateStore store = make_store();
  Result<SignedState> saved = store.save("control_state", control_state());
  ASSERT_TRUE(saved.ok()) << saved.error().describe();
  EXPECT_EQ(saved->version, 1);
  EXPECT_EQ(saved->saved_at_utc, "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(saved->signature.size(), 64u);

  StateLoad load = load_or_fail(store, "control_state");
  ASSERT_EQ(load.status, StateLoadStatus::loaded) << load.reason;
  ASSERT_TRUE(load.state.has_value());
  EXPECT_EQ(load.state->value, control_state());
  EXPECT_EQ(load.state->version, 1);
  EXPECT_EQ(load.state->signature, saved->signature);

  clock_.advance(std::chrono::seconds(5));
  nlohmann::json resumed = control_state();
  resumed["mode"] = "RESUME";
  ASSERT_TRUE(store.save("control_state", resumed).ok());
  load = load_or_fail(store, "control_state");
  ASSERT_EQ(load.status, StateLoadStatus::loaded);
  EXPECT_EQ(load.state->value["mode"], "RESUME");
  EXPECT_EQ(load.state->version, 2);
  EXPECT_EQ(load.state->saved_at_utc, "2023-11-14T22:13:25.000Z");
}

TEST_F(SignedStateStoreTest, SignatureIsHmacSha256OfTheStoredCanonicalJson) {
  SignedStateStore store = make_store();
  ASSERT_TRUE(store.save("control_state", control_state()).ok());
  const std::string canonical = query("SELECT canonical_json FROM signed_state WHERE name = 'control_state'");
  EXPECT_TRUE(is_canonical_json(canonical)) << canonical;
  EXPECT_EQ(canonical.rfind("{\"name\":\"control_state\",\"saved_at_utc\":\"2023-11-14T22:13:20.000Z\",\"value\":{", 0),
            0u)
      << canonical;
  EXPECT_EQ(query("SELECT signature FROM signed_state WHERE name = 'control_state'"),
            state_signature_hex(kKey, canonical));
  // Cross-checked with Python's hmac.new(key, b'{"a":1}', sha256).hexdigest().
  EXPECT_EQ(state_signature_hex(kKey, R"({"a":1})"), "f0546246da9e2349100c845a8561214788d75d900f3c086a72fcfa03bb1f42ab");
}

TEST_F(SignedStateStoreTest, BlobEditedThroughRawSqlIsTamper) {
  SignedStateStore store = make_store();
  ASSERT_TRUE(store.save("control_state", control_state()).ok());
  ASSERT_NO_FATAL_FAILURE(
      exec_or_fail("UPDATE signed_state SET canonical_json = replace(canonical_json, '\"HOLD\"', '\"RESUME\"')"));
  ASSERT_NE(query("SELECT canonical_json FROM signed_state").find("RESUME"), std::string::npos);

  StateLoad load = load_or_fail(store, "control_state");
  EXPECT_EQ(load.status, StateLoadStatus::tamper_detected);
  EXPECT_FALSE(load.state.has_value());
  EXPECT_NE(load.reason.find("signature does not verify"), std::string::npos) << load.reason;
  EXPECT_EQ(to_string(load.status), "tamper_detected");
}

TEST_F(SignedStateStoreTest, EditedSignatureIsTamper) {
  SignedStateStore store = make_store();
  ASSERT_TRUE(store.save("control_state", control_state()).ok());
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("UPDATE signed_state SET signature = substr(signature, 1, 63) || "
               "CASE substr(signature, 64, 1) WHEN '0' THEN '1' ELSE '0' END"));
  EXPECT_EQ(load_or_fail(store, "control_state").status, StateLoadStatus::tamper_detected);
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("UPDATE signed_state SET signature = ''"));
  EXPECT_EQ(load_or_fail(store, "control_state").status, StateLoadStatus::tamper_detected);
}

TEST_F(SignedStateStoreTest, AnotherKeyCannotVerify) {
  SignedStateStore store = make_store();
  ASSERT_TRUE(store.save("control_state", control_state()).ok());
  SignedStateStore other = make_store("another-key-of-enough-length-000");
  EXPECT_EQ(load_or_fail(other, "control_state").status, StateLoadStatus::tamper_detected);
}

TEST_F(SignedStateStoreTest, BlobCopiedFromAnotherNameIsTamper) {
  SignedStateStore store = make_store();
  ASSERT_TRUE(store.save("control_state", control_state()).ok());
  ASSERT_TRUE(store.save("autopilot_state", {{"autopilot_status", "armed"}}).ok());
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("UPDATE signed_state SET (canonical_json, signature) = "
               "(SELECT canonical_json, signature FROM signed_state WHERE name = 'control_state') "
               "WHERE name = 'autopilot_state'"));
  StateLoad load = load_or_fail(store, "autopilot_state");
  EXPECT_EQ(load.status, StateLoadStatus::tamper_detected);
  EXPECT_NE(load.reason.find("copied between rows"), std::string::npos) << load.reason;
  EXPECT_EQ(load_or_fail(store, "control_state").status, StateLoadStatus::loaded);
}

TEST_F(SignedStateStoreTest, NeverSavedIsNotFoundNotTamper) {
  SignedStateStore store = make_store();
  StateLoad load = load_or_fail(store, "control_state");
  EXPECT_EQ(load.status, StateLoadStatus::not_found);
  EXPECT_FALSE(load.state.has_value());
}

TEST_F(SignedStateStoreTest, SurvivesReopeningTheDatabase) {
  {
    SignedStateStore store = make_store();
    ASSERT_TRUE(store.save("control_state", control_state()).ok());
  }
  reopen();
  SignedStateStore store = make_store();
  StateLoad load = load_or_fail(store, "control_state");
  ASSERT_EQ(load.status, StateLoadStatus::loaded) << load.reason;
  EXPECT_EQ(load.state->value, control_state());
}

TEST_F(SignedStateStoreTest, RefusesShortKeysBadNamesAndFloats) {
  Result<SignedStateStore> short_key = SignedStateStore::open(db(), "too-short", clock_);
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.error().code, Errc::invalid_argument);

  SignedStateStore store = make_store();
  for (std::string_view bad : {"", "Control_State", "control state", "a/b"}) {
    Result<SignedState> saved = store.save(bad, control_state());
    ASSERT_FALSE(saved.ok()) << bad;
    EXPECT_EQ(saved.error().code, Errc::invalid_argument);
  }
  Result<SignedState> with_float = store.save("control_state", {{"max_notional", 1000.5}});
  ASSERT_FALSE(with_float.ok());
  EXPECT_NE(with_float.error().message.find("/value/max_notional"), std::string::npos) << with_float.error().message;
  EXPECT_EQ(query("SELECT count(*) FROM signed_state"), "0");
}

}  // namespace
}  // namespace propbot::control
