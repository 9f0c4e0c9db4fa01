#include "core/net/url.hpp"

#include <gtest/gtest.h>

namespace propbot::net {
namespace {

TEST(UrlTest, ParsesAVenueStreamUrlWithPort) {
  auto url = parse_url("wss://ws.okx.com:8443/ws/v5/public?brokerId=9999");
  ASSERT_TRUE(url.ok()) << url.error().describe();
  EXPECT_EQ(url->scheme, "wss");
  EXPECT_EQ(url->host, "ws.okx.com");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/ws/v5/public?brokerId=9999");
  EXPECT_TRUE(url->tls());
  EXPECT_EQ(url->host_header(), "ws.okx.com:8443");
}

TEST(UrlTest, FillsTheDefaultPortAndTarget) {
  auto url = parse_url("HTTPS://fapi.binance.com");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/");
  EXPECT_EQ(url->host_header(), "fapi.binance.com");
}

TEST(UrlTest, ParsesBracketedIpv6) {
  auto url = parse_url("ws://[::1]:9000/stream");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9000);
  EXPECT_EQ(url->host_header(), "[::1]:9000");
  EXPECT_TRUE(is_ip_literal(url->host));
  EXPECT_FALSE(is_ip_literal("localhost"));
}

TEST(UrlTest, RejectsWhatItCannotServe) {
  for (const char* text : {"ftp://x/", "wss://", "wss://host:0/", "wss://host:70000/", "wss://u:p@host/", "host/x",
                           "https://host/#frag", "wss://host:/x"}) {
    auto url = parse_url(text);
    EXPECT_FALSE(url.ok()) << text;
    if (!url.ok()) {
      EXPECT_EQ(url.error().code, Errc::invalid_argument) << text;
    }
  }
}

}  // namespace
}  // namespace propbot::net
