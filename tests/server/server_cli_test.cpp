// fp-order-server's command line: subcommands, flags and FP_* variables, and clear errors with
// exit code 2 for a mistake in the invocation, 1 for a failure at run time.
#include "store.hpp"
#include "support/databases.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <thread>

using namespace fp::test;

TEST(ServerCli, HelpAndVersion) {
  auto help = run_server_command({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* word : {"serve", "reset", "seed"}) EXPECT_NE(help.output.find(word), std::string::npos) << word;
  auto serve_help = run_server_command({"serve", "--help"});
  EXPECT_EQ(serve_help.exit_code, 0);
  for (const char* flag : {"--listen", "--database", "--threads", "--db-pool", "--idle-timeout", "--drain-timeout",
                           "--access-log", "FP_LISTEN", "FP_DATABASE_URL"}) {
    EXPECT_NE(serve_help.output.find(flag), std::string::npos) << flag;
  }
  auto version = run_server_command({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("0.1.0"), std::string::npos);
}

TEST(ServerCli, UsageMistakesExitWith2AndSayWhatIsWrong) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
    {{}, "subcommand"},
    {{"serve", "--listen", "nonsense"}, "HOST:PORT"},
    {{"serve", "--listen", "127.0.0.1:99999"}, "HOST:PORT"},
    {{"serve", "--database", "mongodb://localhost/orders"}, "expected sqlite://PATH or postgresql://"},
    {{"serve", "--idle-timeout", "soon"}, "not a duration"},
    {{"serve", "--threads", "0"}, "--threads"},
    {{"serve", "--bogus"}, "--bogus"},
    {{"seed"}, "number of orders"},
    {{"frobnicate"}, "frobnicate"},
  };
  for (const auto& [args, expected] : cases) {
    auto result = run_server_command(args);
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find(expected), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("terminate called"), std::string::npos) << result.output;
  }
}

TEST(ServerCli, RuntimeFailuresExitWith1AndHideThePassword) {
  const auto port = free_port(); // nothing listens there
  auto result = run_server_command(
    {"serve", "--listen", "127.0.0.1:0", "--database",
     "postgresql://fp:hunter2secret@127.0.0.1:" + std::to_string(port) + "/fp?connect_timeout=2"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_EQ(result.output.find("hunter2secret"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("127.0.0.1"), std::string::npos) << result.output;

  auto bad_path = run_server_command({"reset", "--database", "sqlite:///nonexistent-dir/x/orders.db"});
  EXPECT_EQ(bad_path.exit_code, 1);
  EXPECT_NE(bad_path.output.find("/nonexistent-dir/x/orders.db"), std::string::npos) << bad_path.output;
}

TEST(ServerCli, PortInUseIsAClearError) {
  const auto url = fresh_database_url("sqlite");
  ServerProcess first(url);
  auto second = run_server_command({"serve", "--listen", "127.0.0.1:" + std::to_string(first.port()), "--database", url});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.output.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())), std::string::npos)
    << second.output;
}

TEST(ServerCli, SeedAndReset) {
  const auto url = fresh_database_url("sqlite");
  auto seeded = run_server_command({"seed", "--database", url, "--count", "2500"});
  ASSERT_EQ(seeded.exit_code, 0) << seeded.output;
  EXPECT_NE(seeded.output.find("inserted 2500 orders"), std::string::npos) << seeded.output;
  auto reset = run_server_command({"reset"}, {"FP_DATABASE_URL=" + url});
  ASSERT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_NE(reset.output.find("deleted 2500 orders"), std::string::npos) << reset.output;
}

TEST(ServerCli, EnvironmentConfiguresAndFlagsWin) {
  TempDir dir;
  const auto port = free_port();
  ProcessOptions options;
  options.output = dir / "out.log";
  options.environment = {"FP_LISTEN=127.0.0.1:" + std::to_string(port), "FP_DATABASE_URL=" + fresh_database_url("sqlite"),
                         "FP_THREADS=1", "FP_ACCESS_LOG=" + (dir / "access.log").string()};
  {
    auto process = Process::start({FP_ORDER_SERVER_PATH, "serve"}, options);
    bool up = false;
    for (int i = 0; i < 300 && !up; ++i) {
      up = read_file(options.output).find("listen=127.0.0.1:" + std::to_string(port)) != std::string::npos;
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(up) << read_file(options.output);
    EXPECT_NE(read_file(options.output).find("threads=1"), std::string::npos);
    HttpClient client(port);
    EXPECT_EQ(client.get("/healthz").status, 200u);
    client.close();
    process.stop(SIGTERM);
    const auto access = read_file(dir / "access.log");
    EXPECT_NE(access.find("method=\"GET\" target=\"/healthz\" status=200"), std::string::npos) << access;
  }
  // A flag beats the variable.
  const auto other = free_port();
  auto process = Process::start({FP_ORDER_SERVER_PATH, "serve", "--listen", "127.0.0.1:" + std::to_string(other)}, options);
  bool up = false;
  for (int i = 0; i < 300 && !up; ++i) {
    up = read_file(options.output).find("listen=127.0.0.1:" + std::to_string(other)) != std::string::npos;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(up) << read_file(options.output);
  process.stop(SIGTERM);
}

TEST(RedactPassword, HidesThePasswordWhereverTheUrlCarriesIt) {
  using fp::server::redact_password;
  EXPECT_EQ(redact_password("postgresql://fp:s3cret@db:5432/orders?sslmode=require"),
            "postgresql://fp:***@db:5432/orders?sslmode=require");
  EXPECT_EQ(redact_password("postgresql://db/orders?user=fp&password=s3cret&sslmode=require"),
            "postgresql://db/orders?user=fp&password=***&sslmode=require");
  EXPECT_EQ(redact_password("postgresql://fp@db/orders"), "postgresql://fp@db/orders");
  EXPECT_EQ(redact_password("sqlite:///var/lib/fp/orders.db"), "sqlite:///var/lib/fp/orders.db");
}
