// Token lookup order (environment, then doctl's config file with its contexts) and the Token type's
// promise that the secret only leaves as an Authorization header.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "cloud/token.hpp"
#include "scratch_dir.hpp"

namespace fp::cloud {
namespace {

struct FakeEnvironment {
  std::map<std::string, std::string> values;
  TokenEnvironment get() const {
    TokenEnvironment environment;
    environment.getenv = [values = values](const std::string& name) -> std::optional<std::string> {
      const auto it = values.find(name);
      if (it == values.end()) return std::nullopt;
      return it->second;
    };
    return environment;
  }
};

void write(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << content;
}

std::string header_of(const FoundToken& found) { return found.token.authorization_header(); }

TEST(Token, DigitaloceanTokenComesFirst) {
  test::ScratchDir dir;
  write(dir.path() / "doctl" / "config.yaml", "access-token: from-file\n");
  FakeEnvironment env{{{"DIGITALOCEAN_TOKEN", "first"},
                       {"DIGITALOCEAN_ACCESS_TOKEN", "second"},
                       {"XDG_CONFIG_HOME", dir.path().string()}}};
  auto found = find_token(env.get());
  ASSERT_TRUE(found) << found.error().describe();
  EXPECT_EQ(header_of(*found), "Authorization: Bearer first");
  EXPECT_EQ(found->source, "DIGITALOCEAN_TOKEN");
}

TEST(Token, AccessTokenVariableIsSecond) {
  test::ScratchDir dir;
  write(dir.path() / "doctl" / "config.yaml", "access-token: from-file\n");
  FakeEnvironment env{{{"DIGITALOCEAN_TOKEN", "  "}, // blank counts as unset
                       {"DIGITALOCEAN_ACCESS_TOKEN", "second\n"},
                       {"XDG_CONFIG_HOME", dir.path().string()}}};
  auto found = find_token(env.get());
  ASSERT_TRUE(found) << found.error().describe();
  EXPECT_EQ(header_of(*found), "Authorization: Bearer second");
  EXPECT_EQ(found->source, "DIGITALOCEAN_ACCESS_TOKEN");
}

TEST(Token, DoctlConfigUnderXdgConfigHome) {
  test::ScratchDir dir;
  write(dir.path() / "xdg" / "doctl" / "config.yaml", "access-token: dop_v1_file\ncontext: default\n");
  write(dir.path() / "home" / ".config" / "doctl" / "config.yaml", "access-token: from-home\n");
  FakeEnvironment env{{{"XDG_CONFIG_HOME", (dir.path() / "xdg").string()}, {"HOME", (dir.path() / "home").string()}}};
  auto found = find_token(env.get());
  ASSERT_TRUE(found) << found.error().describe();
  EXPECT_EQ(header_of(*found), "Authorization: Bearer dop_v1_file");
  EXPECT_NE(found->source.find("xdg/doctl/config.yaml"), std::string::npos) << found->source;
}

TEST(Token, DoctlConfigUnderHomeWithoutXdg) {
  test::ScratchDir dir;
  write(dir.path() / ".config" / "doctl" / "config.yaml", "access-token: from-home\n");
  FakeEnvironment env{{{"HOME", dir.path().string()}}};
  auto found = find_token(env.get());
  ASSERT_TRUE(found) << found.error().describe();
  EXPECT_EQ(header_of(*found), "Authorization: Bearer from-home");
}

TEST(Token, DoctlNamedContextFromFileAndFromEnvironment) {
  test::ScratchDir dir;
  write(dir.path() / "doctl" / "config.yaml",
        "access-token: default-token\ncontext: work\nauth-contexts:\n  work: work-token\n  play: play-token\n");
  FakeEnvironment env{{{"XDG_CONFIG_HOME", dir.path().string()}}};
  auto found = find_token(env.get());
  ASSERT_TRUE(found) << found.error().describe();
  EXPECT_EQ(header_of(*found), "Authorization: Bearer work-token");
  EXPECT_NE(found->source.find("auth-contexts.work"), std::string::npos);

  env.values["DIGITALOCEAN_CONTEXT"] = "play";
  found = find_token(env.get());
  ASSERT_TRUE(found) << found.error().describe();
  EXPECT_EQ(header_of(*found), "Authorization: Bearer play-token");

  env.values["DIGITALOCEAN_CONTEXT"] = "default";
  found = find_token(env.get());
  ASSERT_TRUE(found) << found.error().describe();
  EXPECT_EQ(header_of(*found), "Authorization: Bearer default-token");
}

TEST(Token, UnknownContextIsAClearError) {
  test::ScratchDir dir;
  write(dir.path() / "doctl" / "config.yaml", "access-token: x\ncontext: missing\nauth-contexts:\n  work: w\n");
  FakeEnvironment env{{{"XDG_CONFIG_HOME", dir.path().string()}}};
  auto found = find_token(env.get());
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().kind, ErrorKind::config);
  EXPECT_NE(found.error().describe().find("context 'missing'"), std::string::npos) << found.error().describe();
  EXPECT_NE(found.error().describe().find("doctl auth init --context missing"), std::string::npos);
}

TEST(Token, BrokenYamlNamesTheFileAndLine) {
  test::ScratchDir dir;
  write(dir.path() / "doctl" / "config.yaml", "access-token: x\n  bad: [unclosed\n");
  FakeEnvironment env{{{"XDG_CONFIG_HOME", dir.path().string()}}};
  auto found = find_token(env.get());
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().kind, ErrorKind::config);
  EXPECT_NE(found.error().message.find("config.yaml:"), std::string::npos) << found.error().message;
}

TEST(Token, NothingAnywhereSaysHowToGetOne) {
  test::ScratchDir dir;
  FakeEnvironment env{{{"HOME", dir.path().string()}}};
  auto found = find_token(env.get());
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().kind, ErrorKind::config);
  const std::string text = found.error().describe();
  EXPECT_NE(text.find("DIGITALOCEAN_TOKEN"), std::string::npos) << text;
  EXPECT_NE(text.find("cloud.digitalocean.com/account/api/tokens"), std::string::npos) << text;
}

TEST(Token, ExplicitConfigPathOverridesTheDefault) {
  test::ScratchDir dir;
  write(dir.path() / "elsewhere.yaml", "access-token: explicit\n");
  FakeEnvironment env{{{"XDG_CONFIG_HOME", (dir.path() / "none").string()}}};
  auto environment = env.get();
  environment.doctl_config = dir.path() / "elsewhere.yaml";
  auto found = find_token(environment);
  ASSERT_TRUE(found) << found.error().describe();
  EXPECT_EQ(header_of(*found), "Authorization: Bearer explicit");
}

TEST(Token, RedactReplacesEveryOccurrence) {
  const Token token("dop_v1_secret");
  EXPECT_EQ(token.redact("a dop_v1_secret b dop_v1_secretdop_v1_secret"), "a [REDACTED] b [REDACTED][REDACTED]");
  EXPECT_EQ(token.redact("nothing here"), "nothing here");
  EXPECT_EQ(Token().redact("dop_v1_secret"), "dop_v1_secret");
}

} // namespace
} // namespace fp::cloud
