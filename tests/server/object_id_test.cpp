#include "object_id.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <regex>
#include <set>
#include <thread>

using fp::server::ObjectId;

TEST(ObjectId, HexIs24LowercaseDigits) {
  const auto hex = ObjectId::generate().hex();
  EXPECT_TRUE(std::regex_match(hex, std::regex("[0-9a-f]{24}"))) << hex;
}

TEST(ObjectId, StartsWithTheCurrentSecondBigEndian) {
  const auto before = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
  const auto id = ObjectId::generate();
  const auto after = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  const auto& b = id.bytes();
  const long long seconds = (static_cast<long long>(b[0]) << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
  EXPECT_GE(seconds, before);
  EXPECT_LE(seconds, after);
}

TEST(ObjectId, SameProcessPartAndIncreasingCounter) {
  const auto a = ObjectId::generate();
  const auto b = ObjectId::generate();
  EXPECT_TRUE(std::equal(a.bytes().begin() + 4, a.bytes().begin() + 9, b.bytes().begin() + 4));
  const auto counter = [](const ObjectId& id) {
    return (id.bytes()[9] << 16) | (id.bytes()[10] << 8) | id.bytes()[11];
  };
  EXPECT_EQ((counter(a) + 1) & 0xffffff, counter(b));
}

TEST(ObjectId, UniqueAcrossThreads) {
  constexpr int k_threads = 4;
  constexpr int k_each = 50'000;
  std::vector<std::vector<std::string>> made(k_threads);
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < k_each; ++i) made[static_cast<std::size_t>(t)].push_back(ObjectId::generate().hex());
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& list : made) all.insert(list.begin(), list.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(k_threads * k_each));
}

TEST(ObjectId, ParseAcceptsEitherCaseAndNormalises) {
  auto id = ObjectId::parse("6B09538F5A6EDF793D35F38A");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->hex(), "6b09538f5a6edf793d35f38a");
  auto same = ObjectId::parse("6b09538f5a6edf793d35f38a");
  ASSERT_TRUE(same);
  EXPECT_EQ(*id, *same);
}

TEST(ObjectId, ParseRefusesAnythingElse) {
  for (const char* text : {"", "xyz", "6b09538f5a6edf793d35f38", "6b09538f5a6edf793d35f38aa",
                           "6b09538f5a6edf793d35f38g", " 6b09538f5a6edf793d35f38", "6b09538f5a6edf793d35f3-a"}) {
    EXPECT_FALSE(ObjectId::parse(text)) << text;
  }
}
