// Typed objects read from the API's JSON: spec examples parse, and extra fields, nulls and wrong
// types are tolerated (defaults) instead of failing a whole listing. Request bodies are checked
// locally before anything is sent.
#include <gtest/gtest.h>

#include "cloud/account.hpp"
#include "cloud/actions.hpp"
#include "cloud/catalog.hpp"
#include "cloud/databases.hpp"
#include "cloud/droplets.hpp"
#include "cloud/firewalls.hpp"
#include "cloud/names.hpp"
#include "cloud/ssh_keys.hpp"
#include "cloud/vpcs.hpp"

namespace fp::cloud {
namespace {

using nlohmann::json;

TEST(Parse, DropletFromTheSpecExampleWithAddressesInAnyOrder) {
  const auto droplet = droplet_from_json(json::parse(R"({
    "id":3164444,"name":"fp-web-1","memory":1024,"vcpus":1,"disk":25,"locked":false,"status":"active",
    "kernel":null,"created_at":"2020-07-21T18:37:44Z","features":["monitoring"],"next_backup_window":null,
    "image":{"id":63663980,"slug":"debian-12-x64"},"size":{"slug":"s-1vcpu-1gb"},"size_slug":"s-1vcpu-1gb",
    "networks":{"v4":[{"ip_address":"10.128.192.124","netmask":"255.255.0.0","gateway":"nil","type":"private"},
                      {"ip_address":"192.241.165.154","netmask":"255.255.255.0","gateway":"192.241.165.1","type":"public"}],
                "v6":[]},
    "region":{"name":"Frankfurt 1","slug":"fra1"},"tags":["fpctl","fpctl:demo"],"vpc_uuid":"5a4981aa",
    "something_new":{"nested":true}})"));
  EXPECT_EQ(droplet.id, 3164444);
  EXPECT_EQ(droplet.name, "fp-web-1");
  EXPECT_EQ(droplet.status, "active");
  EXPECT_EQ(droplet.region, "fra1");
  EXPECT_EQ(droplet.size_slug, "s-1vcpu-1gb");
  EXPECT_EQ(droplet.image, "debian-12-x64");
  EXPECT_EQ(droplet.public_ipv4, "192.241.165.154");
  EXPECT_EQ(droplet.private_ipv4, "10.128.192.124");
  EXPECT_EQ(droplet.tags, (std::vector<std::string>{"fpctl", "fpctl:demo"}));
  EXPECT_EQ(droplet.memory_mb, 1024);
}

TEST(Parse, NullsAndWrongTypesGiveDefaults) {
  const auto droplet = droplet_from_json(json::parse(
    R"({"id":7,"name":null,"status":5,"networks":{"v4":null},"tags":null,"region":"fra1","image":{"id":12,"slug":null}})"));
  EXPECT_EQ(droplet.id, 7);
  EXPECT_EQ(droplet.name, "");
  EXPECT_EQ(droplet.public_ipv4, "");
  EXPECT_TRUE(droplet.tags.empty());
  EXPECT_EQ(droplet.region, "");
  EXPECT_EQ(droplet.image, "12"); // private images are known by id
  EXPECT_EQ(droplet_from_json(json()).id, 0);
}

TEST(Parse, SizeRegionAccountKeyVpcAction) {
  const auto size = size_from_json(json::parse(
    R"({"slug":"s-1vcpu-1gb","memory":1024,"vcpus":1,"disk":25,"transfer":1.0,"price_monthly":6.0,
        "price_hourly":0.00893,"regions":["ams3","fra1"],"available":true,"description":"Basic","disk_info":[]})"));
  EXPECT_EQ(size.slug, "s-1vcpu-1gb");
  EXPECT_DOUBLE_EQ(size.price_monthly, 6.0);
  EXPECT_DOUBLE_EQ(size.price_hourly, 0.00893);
  EXPECT_DOUBLE_EQ(size.transfer_tb, 1.0);
  EXPECT_EQ(size.regions.size(), 2u);
  EXPECT_TRUE(size.available);

  const auto region = region_from_json(json::parse(
    R"({"name":"New York 3","slug":"nyc3","features":["ipv6"],"available":true,"sizes":["s-1vcpu-1gb"]})"));
  EXPECT_EQ(region.slug, "nyc3");
  EXPECT_EQ(region.sizes, std::vector<std::string>{"s-1vcpu-1gb"});

  const auto account = account_from_json(json::parse(
    R"({"droplet_limit":25,"floating_ip_limit":5,"email":"sammy@digitalocean.com","uuid":"b6fr","email_verified":true,
        "status":"active","status_message":" ","team":{"uuid":"5df3","name":"My Team"}})"));
  EXPECT_EQ(account.droplet_limit, 25);
  EXPECT_EQ(account.team_name, "My Team");
  EXPECT_TRUE(account.email_verified);

  const auto key = ssh_key_from_json(json::parse(
    R"({"id":512190,"fingerprint":"3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa","public_key":"ssh-ed25519 AAA","name":"k"})"));
  EXPECT_EQ(key.id, 512190);
  EXPECT_EQ(key.fingerprint, "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa");

  const auto vpc = vpc_from_json(json::parse(
    R"({"id":"5a49","urn":"do:vpc:5a49","name":"fpctl-fra1","region":"fra1","ip_range":"10.10.10.0/24","default":false,
        "created_at":"2020-03-13T19:20:47.442049222Z"})"));
  EXPECT_EQ(vpc.name, "fpctl-fra1");
  EXPECT_FALSE(vpc.is_default);

  const auto action = action_from_json(json::parse(
    R"({"id":36804636,"status":"errored","type":"create","started_at":"2020-11-14T16:29:21Z","completed_at":null,
        "resource_id":3164444,"resource_type":"droplet","region":{"slug":"nyc3"},"region_slug":null})"));
  EXPECT_EQ(action.status, "errored");
  EXPECT_EQ(action.region_slug, "nyc3");
  EXPECT_EQ(action.completed_at, "");
}

TEST(Parse, DatabaseWithConnectionsAndFirewall) {
  const auto database = database_from_json(json::parse(R"({
    "id":"9cc1","name":"fpctl-pg","engine":"pg","version":"17","num_nodes":1,"size":"db-s-1vcpu-1gb","region":"fra1",
    "status":"creating","tags":["fpctl"],"db_names":["defaultdb"],"private_network_uuid":"",
    "connection":{"uri":"postgres://doadmin:pw@h:25060/defaultdb?sslmode=require","database":"defaultdb","host":"h",
                  "port":25060,"user":"doadmin","password":"pw","ssl":true},
    "private_connection":{"host":"private-h","port":25060},"users":null,"maintenance_window":null})"));
  EXPECT_EQ(database.status, "creating");
  EXPECT_EQ(database.connection.port, 25060);
  EXPECT_TRUE(database.connection.ssl);
  EXPECT_EQ(database.private_connection.host, "private-h");

  const auto firewall = firewall_from_json(json::parse(R"({
    "id":"bb4b","name":"fpctl-web","status":"waiting","droplet_ids":[3164444],"tags":["fpctl:demo"],
    "inbound_rules":[{"protocol":"tcp","ports":"22","sources":{"addresses":["203.0.113.7/32"]}}],
    "outbound_rules":[{"protocol":"icmp","ports":"0","destinations":{"addresses":["0.0.0.0/0","::/0"]}}],
    "pending_changes":[{"droplet_id":3164444,"removing":false,"status":"waiting"}]})"));
  EXPECT_EQ(firewall.spec.name, "fpctl-web");
  ASSERT_EQ(firewall.spec.inbound.size(), 1u);
  EXPECT_EQ(firewall.spec.inbound[0].targets.addresses[0], "203.0.113.7/32");
  EXPECT_EQ(firewall.spec.outbound[0].targets.addresses.size(), 2u);
  EXPECT_EQ(firewall.pending_changes, 1u);
}

TEST(RequestBody, DropletMultiCreateShape) {
  DropletCreate request;
  request.names = {"demo-worker-1", "demo-worker-2"};
  request.region = "fra1";
  request.size = "s-1vcpu-1gb";
  request.image = "debian-12-x64";
  request.ssh_keys = {"512190", "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"};
  request.tags = {"fpctl", "fpctl-demo", "fpctl-demo-worker"};
  request.user_data = "#cloud-config\n";
  request.vpc_uuid = "5a4981aa-9653-4bd1-bef5-d6bff52042e4";
  request.monitoring = true;
  const auto body = droplet_create_body(request);
  ASSERT_TRUE(body) << body.error().describe();
  EXPECT_EQ((*body)["names"], json::parse(R"(["demo-worker-1","demo-worker-2"])"));
  EXPECT_FALSE(body->contains("name"));
  EXPECT_EQ((*body)["ssh_keys"], json::parse(R"([512190,"3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"])"));
  EXPECT_EQ((*body)["monitoring"], true);
  EXPECT_EQ((*body)["vpc_uuid"], "5a4981aa-9653-4bd1-bef5-d6bff52042e4");

  request.names = {"demo-lb"};
  const auto single = droplet_create_body(request);
  ASSERT_TRUE(single);
  EXPECT_EQ((*single)["name"], "demo-lb");
  EXPECT_FALSE(single->contains("names"));
}

TEST(RequestBody, DropletMistakesAreCaughtLocally) {
  DropletCreate request;
  request.size = "s-1vcpu-1gb";
  request.image = "debian-12-x64";
  request.names = {"bad_name"};
  auto body = droplet_create_body(request);
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().kind, ErrorKind::config);
  EXPECT_NE(body.error().message.find("bad_name"), std::string::npos);
  request.names = std::vector<std::string>(11, "w");
  EXPECT_FALSE(droplet_create_body(request));
  request.names = {"ok"};
  request.user_data = std::string(64 * 1024 + 1, 'x');
  EXPECT_FALSE(droplet_create_body(request));
  request.user_data.clear();
  request.tags = {"has space"};
  EXPECT_FALSE(droplet_create_body(request));
}

TEST(RequestBody, FirewallRulesAndIcmpPorts) {
  FirewallSpec spec;
  spec.name = "fpctl-demo";
  spec.inbound = {{"tcp", "22", {{"203.0.113.7/32"}, {}, {}, {}}}, {"tcp", "8000", {{}, {"fpctl-demo-lb"}, {}, {}}}};
  spec.outbound = {{"icmp", "", {{"0.0.0.0/0", "::/0"}, {}, {}, {}}}, {"tcp", "all", {{"0.0.0.0/0"}, {}, {}, {}}}};
  spec.tags = {"fpctl-demo"};
  const auto body = firewall_body(spec);
  EXPECT_EQ(body["inbound_rules"][1]["sources"], json::parse(R"({"tags":["fpctl-demo-lb"]})"));
  EXPECT_EQ(body["outbound_rules"][0]["ports"], "0"); // the schema requires it even for icmp
  EXPECT_EQ(body["outbound_rules"][1]["ports"], "all");
  EXPECT_EQ(body["tags"], json::parse(R"(["fpctl-demo"])"));
}

TEST(Names, TheApiPatterns) {
  EXPECT_TRUE(check_droplet_name("demo-worker-1"));
  EXPECT_TRUE(check_droplet_name("a"));
  EXPECT_TRUE(check_droplet_name("web.example.com"));
  EXPECT_FALSE(check_droplet_name("worker_1"));
  EXPECT_FALSE(check_droplet_name("-x"));
  EXPECT_FALSE(check_droplet_name("x-"));
  EXPECT_FALSE(check_droplet_name(""));
  EXPECT_TRUE(check_database_name("demo-db"));
  EXPECT_FALSE(check_database_name("demo_db"));
  EXPECT_FALSE(check_database_name("db"));
  EXPECT_TRUE(check_firewall_name("fpctl-demo"));
  EXPECT_FALSE(check_firewall_name("-x"));
  EXPECT_TRUE(check_tag_name("fpctl:run-7f3a_x"));
  EXPECT_FALSE(check_tag_name("a b"));
  EXPECT_TRUE(check_vpc_name("fpctl-fra1"));
  EXPECT_FALSE(check_vpc_name("fpctl fra1"));
}

} // namespace
} // namespace fp::cloud
