// The OKX venue simulator's WebSocket side over loopback: ping/pong, login, the books
// channel followed by the real OkxBookSync (checksums, sequence), the injected book
// faults and the private orders channel.
#include <gtest/gtest.h>

#include "core/md/okx_book_sync.hpp"
#include "tests/unit/venues/sim/okx/okx_sim_fixture.hpp"

namespace propbot::venues::sim::okx_test {
namespace {

md::OkxBookSync make_btc_sync() {
  md::InstrumentSpec spec;
  spec.venue = "OKX";
  spec.symbol = "BTC-USDT";
  spec.tick_size = 0.1;
  spec.lot_size = 0.001;  // lotSz 0.1 contracts × ctVal 0.01
  auto grid = md::LevelGrid::create(Decimal::from_mantissa(1, 1), Decimal::from_mantissa(1, 1));
  EXPECT_TRUE(grid.ok());
  return md::OkxBookSync(spec, grid.value());
}

json subscribe(const std::string& channel, const std::string& inst_id) {
  return json{{"op", "subscribe"}, {"args", json::array({json{{"channel", channel}, {"instId", inst_id}}})}};
}

TEST_F(OkxSimTest, AnswersTextPingWithPong) {
  WsProbe& probe = connect("/ws/v5/public");
  probe.send("ping");
  ASSERT_TRUE(test_support::wait_until([&] {
    for (const auto& m : probe.messages()) {
      if (m == "pong") return true;
    }
    return false;
  }));
}

TEST_F(OkxSimTest, LoginWithAValidSignatureSucceeds) {
  WsProbe& probe = connect("/ws/v5/private");
  venues::okx::RequestSigner signer({kKey, kSecret, kPassphrase, true});
  probe.send(signer.login_message(clock.utc()));
  auto login = probe.wait_for([](const json& m) { return m.value("event", "") == "login"; });
  ASSERT_EQ(login.size(), 1u);
  EXPECT_EQ(login[0]["code"], "0");
}

TEST_F(OkxSimTest, LoginWithABadSignIsRefusedAndPrivateChannelsStayClosed) {
  WsProbe& probe = connect("/ws/v5/private");
  venues::okx::RequestSigner signer({kKey, "not-the-secret", kPassphrase, true});
  probe.send(signer.login_message(clock.utc()));
  auto error = probe.wait_for([](const json& m) { return m.value("event", "") == "error"; });
  ASSERT_EQ(error.size(), 1u);
  EXPECT_EQ(error[0]["code"], "60007");
  probe.send(
      json{{"op", "subscribe"}, {"args", json::array({json{{"channel", "orders"}, {"instType", "SWAP"}}})}}.dump());
  auto refused = probe.wait_for([](const json& m) { return m.value("code", "") == "60011"; });
  EXPECT_EQ(refused.size(), 1u);
}

TEST_F(OkxSimTest, BooksSnapshotAndUpdatesAreFollowedByOkxBookSync) {
  WsProbe& probe = connect("/ws/v5/public");
  probe.send(subscribe("books", "BTC-USDT-SWAP").dump());
  auto ack = probe.wait_for([](const json& m) { return m.value("event", "") == "subscribe"; });
  ASSERT_EQ(ack.size(), 1u);
  ASSERT_EQ(probe.wait_for([](const json& m) { return m.value("action", "") == "snapshot"; }).size(), 1u);
  const double mids[] = {60000.0, 60003.5, 59990.2, 60010.0, 60010.0, 59950.7};
  for (double mid : mids) tick(mid);
  auto updates = probe.wait_for([](const json& m) { return m.value("action", "") == "update"; }, 6);
  ASSERT_GE(updates.size(), 5u);

  md::OkxBookSync sync = make_btc_sync();
  std::size_t applied = 0;
  std::int64_t previous_seq = -2;
  for (const std::string& text : probe.channel_texts("books")) {
    md::SyncOutcome outcome = sync.on_frame(text, MonoTime{});
    EXPECT_EQ(outcome.result, md::SyncResult::applied)
        << md::to_string(outcome.reason) << " " << sync.last_error() << " " << text.substr(0, 300);
    json parsed = json::parse(text);
    if (previous_seq != -2) {
      EXPECT_EQ(parsed["data"][0]["prevSeqId"].get<std::int64_t>(), previous_seq);
    }
    previous_seq = parsed["data"][0]["seqId"].get<std::int64_t>();
    ++applied;
  }
  EXPECT_GE(applied, 6u);
  EXPECT_EQ(sync.state(), md::BookSyncState::live);
  // The followed book agrees with the REST view of the venue.
  json rest = body_of(get_public("/api/v5/market/books?instId=BTC-USDT-SWAP&sz=1"));
  EXPECT_EQ(std::string(sync.raw_bids()[0].price_text.view()), rest["data"][0]["bids"][0][0].get<std::string>());
  EXPECT_EQ(std::string(sync.raw_asks()[0].size_text.view()), rest["data"][0]["asks"][0][1].get<std::string>());
}

TEST_F(OkxSimTest, CorruptSnapshotFailsTheChecksumInOkxBookSync) {
  FaultPlan plan;
  plan.corrupt_next_snapshot = true;
  venue->set_faults(plan);
  WsProbe& probe = connect("/ws/v5/public");
  probe.send(subscribe("books", "BTC-USDT-SWAP").dump());
  ASSERT_EQ(probe.wait_for([](const json& m) { return m.value("action", "") == "snapshot"; }).size(), 1u);
  md::OkxBookSync sync = make_btc_sync();
  md::SyncOutcome outcome = sync.on_frame(probe.channel_texts("books").at(0), MonoTime{});
  EXPECT_EQ(outcome.result, md::SyncResult::needs_resync);
  EXPECT_EQ(outcome.reason, md::SyncReason::checksum_mismatch);
  EXPECT_FALSE(venue->faults().corrupt_next_snapshot);  // one-shot

  // A resubscription gets a good snapshot.
  WsProbe& again = connect("/ws/v5/public");
  again.send(subscribe("books", "BTC-USDT-SWAP").dump());
  ASSERT_EQ(again.wait_for([](const json& m) { return m.value("action", "") == "snapshot"; }).size(), 1u);
  md::OkxBookSync fresh = make_btc_sync();
  EXPECT_EQ(fresh.on_frame(again.channel_texts("books").at(0), MonoTime{}).result, md::SyncResult::applied);
}

TEST_F(OkxSimTest, DroppedDiffShowsAsASequenceGapInOkxBookSync) {
  WsProbe& probe = connect("/ws/v5/public");
  probe.send(subscribe("books", "BTC-USDT-SWAP").dump());
  ASSERT_EQ(probe.wait_for([](const json& m) { return m.value("action", "") == "snapshot"; }).size(), 1u);
  FaultPlan plan;
  plan.drop_every_nth_diff = 2;
  venue->set_faults(plan);
  for (double mid : {60001.0, 60002.0, 60003.0, 60004.0}) tick(mid);
  probe.wait_for([](const json& m) { return m.value("action", "") == "update"; }, 2);
  md::OkxBookSync sync = make_btc_sync();
  bool gap = false;
  for (const std::string& text : probe.channel_texts("books")) {
    md::SyncOutcome outcome = sync.on_frame(text, MonoTime{});
    if (outcome.result == md::SyncResult::needs_resync) {
      EXPECT_EQ(outcome.reason, md::SyncReason::gap);
      gap = true;
      break;
    }
  }
  EXPECT_TRUE(gap);
  EXPECT_GE(venue->describe()["counters"]["dropped_diffs"].get<int>(), 1);
}

TEST_F(OkxSimTest, StaleBooksStopsMarketDataPushes) {
  WsProbe& probe = connect("/ws/v5/public");
  probe.send(subscribe("books", "BTC-USDT-SWAP").dump());
  ASSERT_EQ(probe.wait_for([](const json& m) { return m.value("action", "") == "snapshot"; }).size(), 1u);
  FaultPlan plan;
  plan.stale_books = true;
  venue->set_faults(plan);
  tick(60100.0);
  tick(60200.0);
  probe.send("ping");
  ASSERT_TRUE(test_support::wait_until([&] {
    auto all = probe.messages();
    return !all.empty() && all.back() == "pong";
  }));
  EXPECT_EQ(probe.channel_texts("books").size(), 1u);  // the snapshot only
}

TEST_F(OkxSimTest, BboMarkAndFundingChannelsPushOnTicks) {
  WsProbe& probe = connect("/ws/v5/public");
  probe.send(json{{"op", "subscribe"},
                  {"args", json::array({json{{"channel", "bbo-tbt"}, {"instId", "BTC-USDT-SWAP"}},
                                        json{{"channel", "mark-price"}, {"instId", "BTC-USDT-SWAP"}},
                                        json{{"channel", "funding-rate"}, {"instId", "BTC-USDT-SWAP"}}})}}
                 .dump());
  probe.wait_for([](const json& m) { return m.value("event", "") == "subscribe"; }, 3);
  tick(60500.0);
  auto marks = probe.wait_for([](const json& m) {
    return m.contains("data") && m["arg"]["channel"] == "mark-price" && m["data"][0]["markPx"] == "60500";
  });
  EXPECT_EQ(marks.size(), 1u);
  auto bbo = probe.wait_for([](const json& m) { return m.contains("data") && m["arg"]["channel"] == "bbo-tbt"; });
  ASSERT_GE(bbo.size(), 1u);
  EXPECT_EQ(bbo.back()["data"][0]["asks"].size(), 1u);
  auto funding =
      probe.wait_for([](const json& m) { return m.contains("data") && m["arg"]["channel"] == "funding-rate"; });
  ASSERT_GE(funding.size(), 1u);
  EXPECT_EQ(funding[0]["data"][0]["fundingRate"], "0.0001");
}

TEST_F(OkxSimTest, OrdersChannelPushesAFill) {
  WsProbe& probe = login_private();
  probe.send(
      json{{"op", "subscribe"}, {"args", json::array({json{{"channel", "orders"}, {"instType", "SWAP"}}})}}.dump());
  ASSERT_EQ(probe.wait_for([](const json& m) { return m.value("event", "") == "subscribe"; }).size(), 1u);
  json placed = place({{"instId", "BTC-USDT-SWAP"},
                       {"tdMode", "cross"},
                       {"side", "buy"},
                       {"ordType", "market"},
                       {"sz", "10"},
                       {"clOrdId", "fill1"}});
  ASSERT_EQ(placed["data"][0]["sCode"], "0");
  auto filled = probe.wait_for([](const json& m) {
    return m.contains("data") && m["arg"]["channel"] == "orders" && m["data"][0]["state"] == "filled";
  });
  ASSERT_EQ(filled.size(), 1u);
  const json& order = filled[0]["data"][0];
  EXPECT_EQ(order["clOrdId"], "fill1");
  EXPECT_EQ(order["ordId"], placed["data"][0]["ordId"]);
  EXPECT_EQ(order["accFillSz"], "10");
  EXPECT_EQ(order["execType"], "T");
  EXPECT_EQ(order["instId"], "BTC-USDT-SWAP");
  EXPECT_LT(std::stod(order["fee"].get<std::string>()), 0.0);
  EXPECT_FALSE(order["fillPx"].get<std::string>().empty());
  EXPECT_EQ(filled[0]["arg"]["uid"], kKey);
  auto live = probe.wait_for([](const json& m) {
    return m.contains("data") && m["arg"]["channel"] == "orders" && m["data"][0]["state"] == "live";
  });
  EXPECT_EQ(live.size(), 1u);  // the acceptance precedes the fills
}

TEST_F(OkxSimTest, PostOnlyCrossingIsPushedCanceledWithCancelSource31) {
  WsProbe& probe = login_private();
  probe.send(
      json{{"op", "subscribe"}, {"args", json::array({json{{"channel", "orders"}, {"instType", "SWAP"}}})}}.dump());
  ASSERT_EQ(probe.wait_for([](const json& m) { return m.value("event", "") == "subscribe"; }).size(), 1u);
  json placed = place({{"instId", "BTC-USDT-SWAP"},
                       {"tdMode", "cross"},
                       {"side", "sell"},
                       {"ordType", "post_only"},
                       {"sz", "1"},
                       {"px", "59000"},
                       {"clOrdId", "po2"}});
  ASSERT_EQ(placed["code"], "0");
  auto canceled = probe.wait_for([](const json& m) {
    return m.contains("data") && m["arg"]["channel"] == "orders" && m["data"][0]["state"] == "canceled";
  });
  ASSERT_EQ(canceled.size(), 1u);
  EXPECT_EQ(canceled[0]["data"][0]["cancelSource"], "31");
  EXPECT_EQ(canceled[0]["data"][0]["clOrdId"], "po2");
  EXPECT_EQ(canceled[0]["data"][0]["ordId"], placed["data"][0]["ordId"]);
}

TEST_F(OkxSimTest, PositionsChannelFollowsAFill) {
  WsProbe& probe = login_private();
  probe.send(
      json{{"op", "subscribe"}, {"args", json::array({json{{"channel", "positions"}, {"instType", "SWAP"}}})}}.dump());
  ASSERT_EQ(probe.wait_for([](const json& m) { return m.value("event", "") == "subscribe"; }).size(), 1u);
  place({{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "sell"}, {"ordType", "market"}, {"sz", "3"}});
  auto pushes = probe.wait_for([](const json& m) {
    return m.contains("data") && m["arg"]["channel"] == "positions" && !m["data"].empty() &&
           m["data"][0]["pos"] == "-3";
  });
  EXPECT_EQ(pushes.size(), 1u);
}

TEST_F(OkxSimTest, DisconnectFaultClosesEverySession) {
  WsProbe& first = connect("/ws/v5/public");
  WsProbe& second = connect("/ws/v5/private");
  FaultPlan plan;
  plan.disconnect_websockets = true;
  venue->set_faults(plan);
  EXPECT_TRUE(test_support::wait_until([&] { return first.closed() && second.closed(); }));
  EXPECT_FALSE(venue->faults().disconnect_websockets);
}

}  // namespace
}  // namespace propbot::venues::sim::okx_test

namespace propbot::venues::sim::okx_test {
namespace {

TEST_F(OkxSimTest, LoginWithAnExpiredTimestampOrWrongPassphraseIsRefused) {
  WsProbe& probe = connect("/ws/v5/private");
  venues::okx::RequestSigner signer({kKey, kSecret, kPassphrase, true});
  probe.send(signer.login_message(clock.utc() - std::chrono::seconds(31)));
  EXPECT_EQ(probe.wait_for([](const json& m) { return m.value("code", "") == "60006"; }).size(), 1u);
  venues::okx::RequestSigner wrong({kKey, kSecret, "not-it", true});
  probe.send(wrong.login_message(clock.utc()));
  EXPECT_EQ(probe.wait_for([](const json& m) { return m.value("code", "") == "60024"; }).size(), 1u);
}

TEST_F(OkxSimTest, UnknownChannelOrInstrumentIs60018) {
  WsProbe& probe = connect("/ws/v5/public");
  probe.send(subscribe("books", "NOPE-USDT-SWAP").dump());
  probe.send(subscribe("orders", "BTC-USDT-SWAP").dump());  // private channel on the public URL
  EXPECT_EQ(probe.wait_for([](const json& m) { return m.value("code", "") == "60018"; }, 2).size(), 2u);
}

}  // namespace
}  // namespace propbot::venues::sim::okx_test
