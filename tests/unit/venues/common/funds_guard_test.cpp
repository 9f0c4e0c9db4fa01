#include "core/venues/common/funds_guard.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace propbot::venues {
namespace {

namespace fs = std::filesystem;

TEST(FundsGuardTest, RefusesEveryKnownWithdrawalAndTransferEndpoint) {
  for (const char* path : {"/sapi/v1/capital/withdraw/apply", "/sapi/v1/futures/transfer", "/sapi/v1/asset/transfer",
                           "/api/v5/asset/withdrawal", "/api/v5/asset/transfer", "/api/v5/asset/deposit-address",
                           "/fapi/v1/WITHDRAW?x=1"}) {
    EXPECT_TRUE(is_funds_movement_path(path)) << path;
    const auto refused = refuse_funds_movement(path);
    ASSERT_TRUE(refused.has_value()) << path;
    EXPECT_EQ(refused->venue_code, kFundsMovementRefused);
    EXPECT_EQ(refused->code, VenueErrc::rejected);
  }
}

TEST(FundsGuardTest, LetsTradingEndpointsThrough) {
  for (const char* path : {"/fapi/v1/order", "/fapi/v1/batchOrders", "/fapi/v2/positionRisk", "/fapi/v2/balance",
                           "/fapi/v1/listenKey", "/fapi/v1/depth?symbol=BTCUSDT", "/api/v5/trade/order",
                           "/api/v5/account/positions", "/api/v5/account/balance", "/api/v5/public/instruments"}) {
    EXPECT_FALSE(is_funds_movement_path(path)) << path;
  }
}

// No source file outside the guard itself names a funds-movement endpoint: there is no
// code path for withdrawals or transfers (SPEC S-2.7).
TEST(FundsGuardTest, NoSourceFileNamesAFundsMovementEndpoint) {
  const fs::path root = fs::path(PROPBOT_SOURCE_DIR);
  int scanned = 0;
  for (const char* area : {"core", "scripting", "strategies"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / area)) {
      if (!entry.is_regular_file()) continue;
      const auto ext = entry.path().extension().string();
      if (ext != ".cpp" && ext != ".hpp" && ext != ".lua") continue;
      if (entry.path().filename().string().rfind("funds_guard", 0) == 0) continue;
      std::stringstream text;
      text << std::ifstream(entry.path()).rdbuf();
      const std::string content = text.str();
      ++scanned;
      for (const char* endpoint : {"/capital/withdraw", "/futures/transfer", "/asset/transfer", "/asset/withdrawal",
                                   "/asset/deposit-address"}) {
        EXPECT_EQ(content.find(endpoint), std::string::npos) << entry.path() << " names " << endpoint;
      }
    }
  }
  EXPECT_GT(scanned, 50);
}

}  // namespace
}  // namespace propbot::venues
