// The firewall script without root: what each API rule becomes, and that nothing but addresses and
// ports reaches it. That nft accepts it and that it admits and drops traffic: netns_host_test.
#include "nft_ruleset.hpp"

#include <gtest/gtest.h>

namespace fp::dosim {
namespace {

TEST(NftRuleset, WithoutAFirewallTheTableIsRemovedAndNothingIsFiltered) {
  const std::string script = nft_ruleset(DropletFirewall{});
  EXPECT_EQ(script, "table inet fp_cloud_firewall\ndelete table inet fp_cloud_firewall\n");
}

TEST(NftRuleset, AnEnforcedFirewallDropsByDefaultAndAdmitsEachSource) {
  DropletFirewall f;
  f.enforced = true;
  f.inbound = {{"tcp", "22", {"192.0.2.7", "10.110.0.0/20"}},
               {"tcp", "8000-9000", {"0.0.0.0/0", "::/0"}},
               {"udp", "0", {"100.64.3.2"}},
               {"icmp", "0", {"0.0.0.0/0"}}};
  const std::string s = nft_ruleset(f);
  EXPECT_NE(s.find("policy drop;"), std::string::npos) << s;
  EXPECT_NE(s.find("iif \"lo\" accept"), std::string::npos) << s;
  EXPECT_NE(s.find("ct state established,related accept"), std::string::npos) << s;
  EXPECT_NE(s.find("ip saddr 192.0.2.7 tcp dport 22 accept"), std::string::npos) << s;
  EXPECT_NE(s.find("ip saddr 10.110.0.0/20 tcp dport 22 accept"), std::string::npos) << s;
  EXPECT_NE(s.find("ip saddr 0.0.0.0/0 tcp dport 8000-9000 accept"), std::string::npos) << s;
  EXPECT_NE(s.find("ip6 saddr ::/0 tcp dport 8000-9000 accept"), std::string::npos) << s;
  EXPECT_NE(s.find("ip saddr 100.64.3.2 meta l4proto udp accept"), std::string::npos) << s;
  EXPECT_NE(s.find("ip saddr 0.0.0.0/0 meta l4proto icmp accept"), std::string::npos) << s;
  // The whole table is replaced in one transaction.
  EXPECT_EQ(s.rfind("table inet fp_cloud_firewall\ndelete table inet fp_cloud_firewall\n", 0), 0u) << s;
}

TEST(NftRuleset, HostBitsInACidrAreMaskedOff) {
  DropletFirewall f{true, {{"tcp", "22", {"10.110.3.4/20"}}}};
  EXPECT_NE(nft_ruleset(f).find("ip saddr 10.110.0.0/20 tcp dport 22"), std::string::npos) << nft_ruleset(f);
}

TEST(NftRuleset, ARuleWithoutSourcesAdmitsNothing) {
  DropletFirewall f{true, {{"tcp", "22", {}}}};
  EXPECT_EQ(nft_ruleset(f).find("dport 22"), std::string::npos);
}

TEST(NftRuleset, WhatIsNotAnAddressOrAPortNeverReachesTheScript) {
  DropletFirewall f{true,
                    {{"tcp", "22", {"1.2.3.4; flush ruleset", "example.com", "10.0.0.0/33", "1.2.3.4/"}},
                     {"tcp", "22; flush ruleset", {"1.2.3.4"}},
                     {"sctp", "22", {"1.2.3.4"}}}};
  const std::string s = nft_ruleset(f);
  EXPECT_EQ(s.find("flush"), std::string::npos) << s;
  EXPECT_EQ(s.find("example"), std::string::npos) << s;
  EXPECT_EQ(s.find("saddr"), std::string::npos) << s;
}

} // namespace
} // namespace fp::dosim
