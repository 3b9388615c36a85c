// The PostgreSQL test helper itself, where later tests rely on it: a server listening where it is
// told, and trusted sources that really refuse a login from elsewhere (what the simulator's
// managed clusters enforce).
#include "support/postgres_instance.hpp"

#include <gtest/gtest.h>

using fp::test::PostgresInstance;
using fp::test::PostgresOptions;

namespace {

TEST(PostgresSupport, AllowedSourcesAreEnforcedAndReloaded) {
  PostgresOptions options;
  options.allowed_sources = {"127.0.0.1/32"};
  PostgresInstance postgres(options);
  ASSERT_EQ(postgres.psql("SELECT 1").exit_code, 0);

  // psql connects from 127.0.0.1: once only 127.0.0.2 may log in, it is refused by pg_hba.conf.
  postgres.set_allowed_sources({"127.0.0.2/32"});
  fp::test::CommandResult refused;
  for (int i = 0; i < 50; ++i) { // the reload is asynchronous (SIGHUP): bounded polling
    refused = postgres.psql("SELECT 1");
    if (refused.exit_code != 0) break;
  }
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("pg_hba.conf"), std::string::npos) << refused.output;

  postgres.set_allowed_sources({"127.0.0.0/8"});
  fp::test::CommandResult allowed;
  for (int i = 0; i < 50; ++i) {
    allowed = postgres.psql("SELECT 1");
    if (allowed.exit_code == 0) break;
  }
  EXPECT_EQ(allowed.exit_code, 0) << allowed.output;
}

TEST(PostgresSupport, ListensOnTheAddressGiven) {
  PostgresOptions options;
  options.listen_address = "127.0.0.3";
  options.allowed_sources = {"127.0.0.0/8"};
  PostgresInstance postgres(options);
  EXPECT_NE(postgres.url().find("@127.0.0.3:"), std::string::npos) << postgres.url();
  EXPECT_EQ(postgres.psql("SELECT 1").exit_code, 0);
}

} // namespace
