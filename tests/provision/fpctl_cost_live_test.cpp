// `fpctl cost --live` against the DigitalOcean API simulator (tests/dosim): droplet prices come
// from GET /v2/sizes; without a token, or without an answer, fpctl falls back to the embedded
// catalog with a warning that says why, and still prices the plan.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <csignal>
#include <gtest/gtest.h>
#include <thread>

using namespace fp::test;

namespace {

const std::string k_plan = std::string(FP_ARCHITECTURES_DIR) + "/course-group-managed-db.yaml";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The environment of a user with no token anywhere (doctl's config looked up in an empty dir).
// `token`: DIGITALOCEAN_TOKEN's value (empty: none).
std::vector<std::string> environment(const TempDir& home, const std::string& token) {
  return {"DIGITALOCEAN_TOKEN=" + token, "DIGITALOCEAN_ACCESS_TOKEN=", "XDG_CONFIG_HOME=" + home.path().string(),
          "HOME=" + home.path().string()};
}

// dosim on a free port; its first line of output is its URL. Stopped by pid when the test ends.
class Dosim {
public:
  Dosim() {
    ProcessOptions options;
    options.output = m_dir / "dosim.log";
    m_process = std::make_unique<Process>(Process::start({FP_DOSIM_EXECUTABLE, "--listen", "127.0.0.1:0"}, options));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string output = read_file(options.output);
      const auto at = output.find("http://127.0.0.1:");
      if (at != std::string::npos && output.find('\n', at) != std::string::npos) {
        m_url = output.substr(at, output.find_first_of(" \n", at) - at);
        return;
      }
      if (!m_process->running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("dosim did not print its URL:\n" + read_file(options.output));
  }
  ~Dosim() { m_process->stop(SIGTERM); }
  const std::string& url() const { return m_url; }

private:
  TempDir m_dir{"fp-live-dosim"};
  std::unique_ptr<Process> m_process;
  std::string m_url;
};

} // namespace

TEST(FpctlCostLive, DropletPricesComeFromTheSizesEndpoint) {
  Dosim dosim;
  TempDir home("fp-live-home");
  ProcessOptions options;
  options.environment = environment(home, "dop_v1_test");
  options.environment.push_back("DIGITALOCEAN_API_URL=" + dosim.url());
  auto result = run_command({FPCTL_PATH, "cost", "--live", "-c", k_plan}, options);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "prices: live GET /v2/sizes (" + dosim.url() + ")")) << result.output;
  EXPECT_TRUE(contains(result.output, "57.00")) << result.output; // the simulator serves PRICING.md's prices
  EXPECT_FALSE(contains(result.output, "warning")) << result.output;
  EXPECT_FALSE(contains(result.output, "dop_v1_test")) << result.output;
  // Live prices are official: droplet lines lose their third-party mark ("6.00~" -> "6.00").
  EXPECT_TRUE(contains(result.output, "      6.00 \n")) << result.output;
}

TEST(FpctlCostLive, WithoutATokenItWarnsAndUsesTheEmbeddedCatalog) {
  TempDir home("fp-live-home");
  ProcessOptions options;
  options.environment = environment(home, "");
  auto result = run_command({FPCTL_PATH, "cost", "--live", "-c", k_plan}, options);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "fpctl: warning: --live: no DigitalOcean")) << result.output;
  EXPECT_TRUE(contains(result.output, "prices come from the embedded catalog as of")) << result.output;
  EXPECT_TRUE(contains(result.output, "57.00")) << result.output;
}

TEST(FpctlCostLive, WithoutAnAnswerItWarnsAndUsesTheEmbeddedCatalog) {
  TempDir home("fp-live-home");
  ProcessOptions options;
  options.environment = environment(home, "dop_v1_test");
  options.environment.push_back("DIGITALOCEAN_API_URL=http://127.0.0.1:" + std::to_string(free_port()));
  auto result = run_command({FPCTL_PATH, "cost", "--live", "-c", k_plan}, options, std::chrono::seconds(90));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "fpctl: warning: --live: ")) << result.output;
  EXPECT_TRUE(contains(result.output, "prices: embedded catalog")) << result.output;
  EXPECT_FALSE(contains(result.output, "dop_v1_test")) << result.output;
}
