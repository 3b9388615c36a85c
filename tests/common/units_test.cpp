#include "units.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;

TEST(ParseDuration, AcceptsEveryUnitAndBareSeconds) {
  EXPECT_EQ(*fp::parse_duration("30s"), 30s);
  EXPECT_EQ(*fp::parse_duration("30"), 30s);
  EXPECT_EQ(*fp::parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(*fp::parse_duration("500ms"), 500ms);
  EXPECT_EQ(*fp::parse_duration("250us"), 250us);
  EXPECT_EQ(*fp::parse_duration("100ns"), 100ns);
  EXPECT_EQ(*fp::parse_duration("2m"), 120s);
  EXPECT_EQ(*fp::parse_duration("1h"), 3600s);
  EXPECT_EQ(*fp::parse_duration("0s"), 0s);
}

TEST(ParseDuration, RefusesWithAHint) {
  for (const char* text : {"", "s", "-1s", "10 s", "10sec", "abc", "1..5s", "1e3s"}) {
    auto parsed = fp::parse_duration(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_NE(parsed.error().find("write e.g. 30s"), std::string::npos) << parsed.error();
  }
}

TEST(ParseCount, ScalesAndRefusesFractions) {
  EXPECT_EQ(*fp::parse_count("64"), 64u);
  EXPECT_EQ(*fp::parse_count("10k"), 10'000u);
  EXPECT_EQ(*fp::parse_count("1.5M"), 1'500'000u);
  EXPECT_EQ(*fp::parse_count("2G"), 2'000'000'000u);
  EXPECT_FALSE(fp::parse_count("1.5"));
  EXPECT_FALSE(fp::parse_count("1.0005k"));
  EXPECT_FALSE(fp::parse_count("-3"));
  EXPECT_FALSE(fp::parse_count("10x"));
}

TEST(FormatDuration, ThreeSignificantDigitsInTheLargestFittingUnit) {
  EXPECT_EQ(fp::format_duration(850ns), "850ns");
  EXPECT_EQ(fp::format_duration(1210us), "1.21ms");
  EXPECT_EQ(fp::format_duration(85us), "85.0us");
  EXPECT_EQ(fp::format_duration(2500ms), "2.50s");
  EXPECT_EQ(fp::format_duration(200s), "3m20s");
  EXPECT_EQ(fp::format_duration(3700s), "1h01m");
}

TEST(FormatBytesAndCounts, AsWrkPrintsThem) {
  EXPECT_EQ(fp::format_bytes(512), "512B");
  EXPECT_EQ(fp::format_bytes(3 * 1024 + 410), "3.4KB");
  EXPECT_EQ(fp::format_bytes(12ull * 1024 * 1024), "12.0MB");
  EXPECT_EQ(fp::format_count(950), "950");
  EXPECT_EQ(fp::format_count(12345), "12.3k");
  EXPECT_EQ(fp::format_count(4'560'000), "4.56M");
}
