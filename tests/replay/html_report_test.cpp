#include "replay/html_report.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sequent::replay {
namespace {

TEST(SeriesSampler, KeepsAtMostItsCapacityEvenlySpaced) {
  SeriesSampler s(64);
  for (int i = 0; i < 100'000; ++i) s.add(i, i, i);
  const auto& p = s.points();
  ASSERT_LE(p.size(), 64u);
  ASSERT_GE(p.size(), 32u);
  EXPECT_EQ(p.front().t, 0);
  const TimeNs stride = p[1].t - p[0].t;
  for (std::size_t i = 1; i < p.size(); ++i) EXPECT_EQ(p[i].t - p[i - 1].t, stride) << "even spacing at " << i;
  EXPECT_GE(p.back().t, 100'000 - 2 * stride) << "the sample reaches the end of the series";
}

TEST(SeriesSampler, KeepsEveryPointOfAShortSeries) {
  SeriesSampler s(64);
  for (int i = 0; i < 50; ++i) s.add(i, 1, 2);
  EXPECT_EQ(s.points().size(), 50u);
}

TEST(HtmlReport, IsOneSelfContainedPageWithThreeChartsAndTheTrades) {
  BacktestReport r;
  r.strategy = "sma_cross";
  r.symbol = "BTC<USDT>";
  r.params = {{"fast", "10"}};
  r.start_ns = 1'700'000'000'000'000'000;
  r.end_ns = r.start_ns + 3'600'000'000'000;
  r.trades.push_back(TradeRecord{Side::kBuy, 1, r.start_ns + 60'000'000'000, 101, r.start_ns + 120'000'000'000, 103, 1.9, 0.1});
  std::vector<SeriesPoint> series;
  for (int i = 0; i < 60; ++i) series.push_back({r.start_ns + i * 60'000'000'000LL, 100.0 + i % 7, 1000.0 + i});
  const std::string html = format_report_html(r, series);
  EXPECT_EQ(html.rfind("<!doctype html>", 0), 0u);
  std::size_t charts = 0;
  for (std::size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++charts;
  EXPECT_EQ(charts, 3u) << "price with trades, equity, drawdown";
  EXPECT_NE(html.find("class=\"buy\""), std::string::npos);
  EXPECT_NE(html.find("class=\"sell\""), std::string::npos);
  EXPECT_NE(html.find("BTC&lt;USDT&gt;"), std::string::npos) << "text is escaped";
  EXPECT_EQ(html.find("<script"), std::string::npos) << "no script";
  EXPECT_EQ(html.find("http"), std::string::npos) << "nothing fetched from the network";
}

}  // namespace
}  // namespace sequent::replay
