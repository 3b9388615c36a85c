// The strict template renderer, and the files rendered from the embedded templates: their key
// lines, and the inputs they refuse. The environment file is read back by a real sh and the unit by
// systemd-analyze (when installed) so that the quoting and syntax are checked by their readers.
#include "deploy/config_files.hpp"
#include "deploy/template.hpp"

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace fp::deploy {
namespace {

std::string render_ok(std::string_view text, const Variables& variables) {
  auto out = render("t.conf", text, variables);
  EXPECT_TRUE(out.has_value()) << out.error();
  return out.value_or("");
}

std::string render_error(std::string_view text, const Variables& variables) {
  auto out = render("t.conf", text, variables);
  EXPECT_FALSE(out.has_value()) << "rendered: " << *out;
  return out ? std::string() : out.error();
}

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text + "\n").find("\n" + line + "\n") != std::string::npos;
}

// The lines of `text`, each with its leading blanks removed.
std::vector<std::string> trimmed_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    line.erase(0, line.find_first_not_of(" \t") == std::string::npos ? line.size() : line.find_first_not_of(" \t"));
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

bool has_trimmed_line(const std::string& text, const std::string& line) {
  for (const auto& l : trimmed_lines(text)) {
    if (l == line) return true;
  }
  return false;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// ---------------------------------------------------------------------------------------------
// The renderer

TEST(Render, SubstitutesWithOrWithoutSpacesInsideTheBraces) {
  EXPECT_EQ(render_ok("a={{a}} b={{ b }} c={{\tc  }}\n", {{"a", "1"}, {"b", "2"}, {"c", "3"}}), "a=1 b=2 c=3\n");
}

TEST(Render, AValueMayBeUsedTwice) {
  EXPECT_EQ(render_ok("{{dir}}/a {{ dir }}/b", {{"dir", "/tmp/x"}}), "/tmp/x/a /tmp/x/b");
}

TEST(Render, AdjacentPlaceholders) {
  EXPECT_EQ(render_ok("{{a}}{{b}}{{a}}", {{"a", "x"}, {"b", "y"}}), "xyx");
}

TEST(Render, TextWithoutPlaceholdersIsUnchanged) {
  const std::string text = "events { worker_connections 10; }\nhttp { server { } }}\n{ single } braces\n";
  EXPECT_EQ(render_ok(text, {}), text);
  EXPECT_EQ(render_ok("", {}), "");
}

TEST(Render, ValuesAreInsertedAsTheyAreAndNotScannedAgain) {
  EXPECT_EQ(render_ok("x {{a}} y", {{"a", "{{b}} and {{"}}), "x {{b}} and {{ y");
  EXPECT_EQ(render_ok("[{{a}}]", {{"a", ""}}), "[]");
  EXPECT_EQ(render_ok("{{a}}", {{"a", "line 1\nline 2"}}), "line 1\nline 2");
}

TEST(Render, MissingValueNamesTheTemplateLineAndVariable) {
  EXPECT_EQ(render_error("first\nsecond {{ upstreams }}\n", {}), "t.conf:2: no value for {{upstreams}}");
  // The line is counted in the template, not in the output (a multi-line value comes before).
  EXPECT_EQ(render_error("{{a}}\n{{b}}\n", {{"a", "1\n2\n3"}}), "t.conf:2: no value for {{b}}");
}

TEST(Render, UnusedValueIsAnError) {
  EXPECT_EQ(render_error("listen {{listen}};\n", {{"listen", "80"}, {"listn", "81"}}),
            "t.conf: value 'listn' is not used by the template");
  EXPECT_EQ(render_error("plain\n", {{"b", "1"}, {"a", "2"}}), "t.conf: values 'a', 'b' are not used by the template");
}

TEST(Render, UnclosedBracesAreAnError) {
  EXPECT_EQ(render_error("a\nb\nc {{name\n", {{"name", "x"}}), "t.conf:3: '{{' without a closing '}}'");
  EXPECT_EQ(render_error("{{name", {{"name", "x"}}), "t.conf:1: '{{' without a closing '}}'");
  // A '}}' on a later line does not close it: a placeholder never spans lines.
  EXPECT_EQ(render_error("x {{ name\n}}\n", {{"name", "x"}}), "t.conf:1: '{{' without a closing '}}'");
  EXPECT_EQ(render_error("{{a}} {{", {{"a", "x"}}), "t.conf:1: '{{' without a closing '}}'");
}

TEST(Render, BadNamesAreAnError) {
  EXPECT_EQ(render_error("\n\nx {{ 1x }}\n", {}).rfind("t.conf:3: '{{ 1x }}' is not a variable name", 0), 0u);
  EXPECT_EQ(render_error("{{}}", {}).rfind("t.conf:1: '{{}}' is not a variable name", 0), 0u);
  EXPECT_EQ(render_error("{{  }}", {}).rfind("t.conf:1: '{{  }}' is not a variable name", 0), 0u);
  EXPECT_EQ(render_error("{{a-b}}", {}).rfind("t.conf:1: '{{a-b}}' is not a variable name", 0), 0u);
  EXPECT_EQ(render_error("{{a b}}", {}).rfind("t.conf:1: '{{a b}}' is not a variable name", 0), 0u);
  EXPECT_EQ(render_ok("{{_a1}}", {{"_a1", "ok"}}), "ok");
}

TEST(Render, EmbeddedTemplates) {
  for (const char* name : {"nginx.conf", "fp-order-server.env", "fp-order-server.service", "postgresql.conf", "pg_hba.conf"}) {
    EXPECT_FALSE(embedded_template(name).empty()) << name;
  }
  EXPECT_TRUE(embedded_template("nope.conf").empty());
  EXPECT_TRUE(embedded_template("").empty());

  auto unknown = render_embedded("nope.conf", {});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("no template named 'nope.conf'"), std::string::npos) << unknown.error();
  EXPECT_NE(unknown.error().find("nginx.conf"), std::string::npos) << unknown.error();

  auto missing = render_embedded("pg_hba.conf", {});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("pg_hba.conf:"), std::string::npos) << missing.error();
  EXPECT_NE(missing.error().find("no value for {{worker_lines}}"), std::string::npos) << missing.error();
}

// ---------------------------------------------------------------------------------------------
// nginx.conf

NginxSettings two_workers() {
  NginxSettings settings;
  settings.upstreams = {{"10.110.0.5:8080"}, {"10.110.0.6:8080"}};
  return settings;
}

std::string nginx_error(const NginxSettings& settings) {
  auto out = render_nginx_conf(settings);
  EXPECT_FALSE(out.has_value()) << *out;
  if (out) return "";
  EXPECT_EQ(out.error().rfind("nginx.conf: ", 0), 0u) << out.error();
  return out.error();
}

TEST(NginxConf, KeyLines) {
  auto out = render_nginx_conf(two_workers());
  ASSERT_TRUE(out) << out.error();
  const std::string& conf = *out;
  for (const char* line : {
         "user www-data;",
         "worker_processes auto;",
         "pid /run/nginx.pid;",
         "error_log /var/log/nginx/error.log warn;",
         "worker_connections 32768;",
         "server_tokens off;",
         "access_log /var/log/nginx/access.log fp_upstream buffer=64k flush=1s;",
         "client_body_temp_path /var/lib/nginx/client_body;",
         "proxy_temp_path /var/lib/nginx/proxy;",
         "upstream fp_workers {",
         "server 10.110.0.5:8080 max_fails=3 fail_timeout=5s;",
         "server 10.110.0.6:8080 max_fails=3 fail_timeout=5s;",
         "keepalive 64;",
         "keepalive_timeout 5s;",
         "proxy_http_version 1.1;",
         "proxy_set_header Connection \"\";",
         "proxy_set_header Host $host;",
         "proxy_set_header X-Real-IP $remote_addr;",
         "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
         "proxy_set_header X-Forwarded-Proto $scheme;",
         "proxy_next_upstream error timeout http_502 http_503;",
         "proxy_next_upstream_tries 3;",
         "proxy_next_upstream_timeout 10s;",
         "gzip on;",
         "gzip_types application/json;",
         "limit_conn fp_per_client 30000;",
         "listen 80 backlog=4096;",
         "location = /nginx-health {",
         "return 200 \"ok\\n\";",
         "proxy_pass http://fp_workers;",
       }) {
    EXPECT_TRUE(has_trimmed_line(conf, line)) << "missing: " << line << "\n" << conf;
  }
  // POSTs are never retried on another worker once sent (the comment may name the option).
  for (const auto& line : trimmed_lines(conf)) {
    if (line.empty() || line.front() == '#') continue;
    EXPECT_EQ(line.find("non_idempotent"), std::string::npos) << line;
  }
  EXPECT_EQ(conf.find("{{"), std::string::npos);
  EXPECT_EQ(conf.rfind("# Generated by fpctl", 0), 0u);
  // Debian's nginx.service passes `daemon on` itself; a second one would be refused.
  EXPECT_EQ(conf.find("\ndaemon"), std::string::npos);
  // Pure: the same settings give the same bytes.
  EXPECT_EQ(*render_nginx_conf(two_workers()), conf);
}

TEST(NginxConf, OptionalLinesFollowTheSettings) {
  NginxSettings settings = two_workers();
  settings.user = "";
  settings.access_log = "";
  settings.listen = "127.0.0.1:18080";
  settings.temp_dir = "/tmp/x/";
  settings.upstream_keepalive_seconds = 3;
  settings.worker_connections = 1000;
  auto out = render_nginx_conf(settings);
  ASSERT_TRUE(out) << out.error();
  for (const auto& line : trimmed_lines(*out)) EXPECT_NE(line.rfind("user ", 0), 0u) << line;
  EXPECT_TRUE(has_trimmed_line(*out, "access_log off;"));
  EXPECT_TRUE(has_trimmed_line(*out, "listen 127.0.0.1:18080 backlog=4096;"));
  EXPECT_TRUE(has_trimmed_line(*out, "proxy_temp_path /tmp/x/proxy;"));
  EXPECT_TRUE(has_trimmed_line(*out, "keepalive_timeout 3s;"));
  EXPECT_TRUE(has_trimmed_line(*out, "worker_connections 1000;"));
  EXPECT_TRUE(has_trimmed_line(*out, "worker_rlimit_nofile 2064;"));
}

TEST(NginxConf, RefusesBadSettings) {
  NginxSettings settings = two_workers();
  settings.upstreams.clear();
  EXPECT_NE(nginx_error(settings).find("no upstream"), std::string::npos);

  for (const char* bad : {"10.110.0.5", "10.110.0.5:0", "10.110.0.5:70000", "10.110.0.5:80;", "10.110.0.5:8080\nserver x",
                          "10.110.0.5:8080 backup", ":8080", "10.110.0.5:", "10.110.0.5:8080}", "a$b:80"}) {
    settings = two_workers();
    settings.upstreams.push_back({bad});
    const std::string error = nginx_error(settings);
    EXPECT_NE(error.find("upstream"), std::string::npos) << bad << ": " << error;
  }
  settings = two_workers();
  settings.upstreams.push_back({"10.110.0.5:8080"});
  EXPECT_NE(nginx_error(settings).find("listed twice"), std::string::npos);

  for (const char* bad : {"", "0", "65536", "abc", "80;", "127.0.0.1", "127.0.0.1:99999", "80 default_server"}) {
    settings = two_workers();
    settings.listen = bad;
    EXPECT_NE(nginx_error(settings).find("listen"), std::string::npos) << bad;
  }
  settings = two_workers();
  settings.user = "www-data; daemon off";
  EXPECT_NE(nginx_error(settings).find("nginx user"), std::string::npos);
  settings = two_workers();
  settings.pid_file = "nginx.pid";
  EXPECT_NE(nginx_error(settings).find("not an absolute path"), std::string::npos);
  settings = two_workers();
  settings.error_log = "/var/log/my nginx.log";
  EXPECT_NE(nginx_error(settings).find("a space"), std::string::npos);
  settings = two_workers();
  settings.temp_dir = "/var/lib/nginx\n";
  EXPECT_NE(nginx_error(settings).find("control character"), std::string::npos);
  settings = two_workers();
  settings.worker_connections = 0;
  EXPECT_NE(nginx_error(settings).find("worker_connections is 0"), std::string::npos);
  settings = two_workers();
  settings.upstream_keepalive_seconds = 0;
  EXPECT_NE(nginx_error(settings).find("keep-alive"), std::string::npos);
  settings = two_workers();
  settings.max_requests_per_client = 0;
  EXPECT_NE(nginx_error(settings).find("per client"), std::string::npos);
}

TEST(NginxConf, AcceptsHostNamesAndIpv6Upstreams) {
  NginxSettings settings;
  settings.upstreams = {{"worker-1.internal:8080"}, {"[fd00::5]:8080"}};
  auto out = render_nginx_conf(settings);
  ASSERT_TRUE(out) << out.error();
  EXPECT_TRUE(has_trimmed_line(*out, "server [fd00::5]:8080 max_fails=3 fail_timeout=5s;"));
}

// ---------------------------------------------------------------------------------------------
// The worker's environment file

WorkerEnvironment worker_environment() {
  WorkerEnvironment environment;
  environment.database_url = "postgresql://orders:s3cret@10.110.0.9:5432/orders?sslmode=require";
  return environment;
}

TEST(WorkerEnv, QuotedValues) {
  auto out = render_worker_env(worker_environment());
  ASSERT_TRUE(out) << out.error();
  EXPECT_TRUE(has_line(*out, "FP_LISTEN='0.0.0.0:8080'"));
  EXPECT_TRUE(has_line(*out, "FP_DATABASE_URL='postgresql://orders:s3cret@10.110.0.9:5432/orders?sslmode=require'"));
  EXPECT_TRUE(has_line(*out, "FP_DRAIN_IDLE='8s'"));
  EXPECT_EQ(out->find("FP_THREADS"), std::string::npos);
  EXPECT_EQ(out->find("FP_ACCESS_LOG"), std::string::npos);
  EXPECT_EQ(out->back(), '\n');

  WorkerEnvironment environment = worker_environment();
  environment.threads = 4;
  environment.access_log = "-";
  out = render_worker_env(environment);
  ASSERT_TRUE(out) << out.error();
  EXPECT_TRUE(has_line(*out, "FP_THREADS='4'"));
  EXPECT_TRUE(has_line(*out, "FP_ACCESS_LOG='-'"));
}

TEST(WorkerEnv, ShReadsTheValuesBackExactly) {
  // Characters a shell would otherwise expand or split on: single quotes keep them literal.
  WorkerEnvironment environment = worker_environment();
  environment.database_url = "postgresql://orders:p$HOME a\"b`id`\\n;&|*@10.110.0.9:5432/orders";
  environment.access_log = "/var/lib/fpctl/access log.txt";
  auto out = render_worker_env(environment);
  ASSERT_TRUE(out) << out.error();
  test::TempDir dir("fp-render");
  write_file(dir / "env", *out);
  const auto result = test::run_command(
    {"sh", "-c", "set -a; . \"$1\"; printf '%s|%s|%s' \"$FP_DATABASE_URL\" \"$FP_ACCESS_LOG\" \"$FP_LISTEN\"", "sh",
     (dir / "env").string()});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, environment.database_url + "|" + environment.access_log + "|0.0.0.0:8080");
}

TEST(WorkerEnv, RefusesWhatCannotBeWrittenSafely) {
  auto error_of = [](const WorkerEnvironment& environment) {
    auto out = render_worker_env(environment);
    EXPECT_FALSE(out.has_value()) << *out;
    return out ? std::string() : out.error();
  };
  WorkerEnvironment environment = worker_environment();
  environment.database_url = "postgresql://orders:it's@10.110.0.9/orders";
  EXPECT_NE(error_of(environment).find("FP_DATABASE_URL contains a single quote"), std::string::npos);
  environment.database_url = "postgresql://orders:a\nFP_LISTEN=x@10.110.0.9/orders";
  EXPECT_NE(error_of(environment).find("control character"), std::string::npos);
  environment = worker_environment();
  environment.database_url = "";
  EXPECT_NE(error_of(environment).find("neither sqlite://"), std::string::npos);
  environment.database_url = "mysql://x";
  EXPECT_NE(error_of(environment).find("neither sqlite://"), std::string::npos);
  environment = worker_environment();
  environment.listen = "8080";
  EXPECT_NE(error_of(environment).find("HOST:PORT"), std::string::npos);
  environment.listen = "0.0.0.0:0";
  EXPECT_NE(error_of(environment).find("port"), std::string::npos);
  environment = worker_environment();
  environment.threads = -1;
  EXPECT_NE(error_of(environment).find("threads is -1"), std::string::npos);
  environment = worker_environment();
  environment.drain_idle = "8 parsecs";
  EXPECT_NE(error_of(environment).find("drain idle grace '8 parsecs'"), std::string::npos);
  environment = worker_environment();
  environment.access_log = "/var/log/x'y";
  EXPECT_NE(error_of(environment).find("FP_ACCESS_LOG"), std::string::npos);
  EXPECT_EQ(error_of(environment).rfind("fp-order-server.env: ", 0), 0u);
}

// ---------------------------------------------------------------------------------------------
// The systemd unit

TEST(WorkerUnit, KeyLines) {
  auto out = render_worker_unit(WorkerUnit{});
  ASSERT_TRUE(out) << out.error();
  for (const char* line : {
         "[Unit]", "After=network-online.target", "[Service]", "Type=simple", "User=fp-orders",
         "EnvironmentFile=/etc/fpctl/fp-order-server.env", "ExecStart=/opt/fpctl/bin/fp-order-server serve",
         "Restart=on-failure", "RestartSec=1", "TimeoutStopSec=40", "KillSignal=SIGTERM", "NoNewPrivileges=yes",
         "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes", "ProtectKernelTunables=yes",
         "ProtectKernelModules=yes", "ProtectControlGroups=yes", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
         "LimitNOFILE=65536", "CapabilityBoundingSet=", "[Install]", "WantedBy=multi-user.target"}) {
    EXPECT_TRUE(has_line(*out, line)) << "missing: " << line << "\n" << *out;
  }
  for (const auto& line : trimmed_lines(*out)) EXPECT_NE(line.rfind("ReadWritePaths", 0), 0u) << line;

  WorkerUnit sqlite;
  sqlite.data_directory = "/var/lib/fpctl";
  out = render_worker_unit(sqlite);
  ASSERT_TRUE(out) << out.error();
  EXPECT_TRUE(has_line(*out, "ReadWritePaths=/var/lib/fpctl"));
}

TEST(WorkerUnit, RefusesBadSettings) {
  auto error_of = [](const WorkerUnit& unit) {
    auto out = render_worker_unit(unit);
    EXPECT_FALSE(out.has_value()) << *out;
    return out ? std::string() : out.error();
  };
  WorkerUnit unit;
  unit.binary = "fp-order-server";
  EXPECT_NE(error_of(unit).find("not an absolute path"), std::string::npos);
  unit = {};
  unit.binary = "/opt/fp %n/server";
  EXPECT_NE(error_of(unit).find("server binary"), std::string::npos);
  unit = {};
  unit.environment_file = "/etc/fpctl/env\nExecStartPre=/bin/sh";
  EXPECT_NE(error_of(unit).find("control character"), std::string::npos);
  unit = {};
  unit.user = "root";
  EXPECT_NE(error_of(unit).find("must not be root"), std::string::npos);
  unit.user = "Fp Orders";
  EXPECT_NE(error_of(unit).find("not a user name"), std::string::npos);
  unit = {};
  unit.stop_timeout_seconds = 0;
  EXPECT_NE(error_of(unit).find("stop timeout"), std::string::npos);
  unit = {};
  unit.data_directory = "var/lib/fpctl";
  EXPECT_NE(error_of(unit).find("data directory"), std::string::npos);
}

// systemd's own checker, when systemd is installed here (the unit must point at files that exist).
TEST(WorkerUnit, SystemdAnalyzeVerifyAcceptsIt) {
  if (!std::filesystem::exists("/usr/bin/systemd-analyze")) GTEST_SKIP() << "systemd-analyze is not installed";
  test::TempDir dir("fp-render");
  WorkerUnit unit;
  unit.binary = "/bin/true";
  unit.environment_file = (dir / "fp-order-server.env").string();
  unit.user = "daemon"; // a user that exists here (systemd warns about `nobody`)
  unit.data_directory = dir.path().string();
  auto text = render_worker_unit(unit);
  ASSERT_TRUE(text) << text.error();
  write_file(dir / "fp-order-server.service", *text);
  write_file(dir / "fp-order-server.env", *render_worker_env(worker_environment()));
  // Its complaints go to stderr (not to a journal or the console), where run_command reads them.
  test::ProcessOptions options;
  options.environment = {"SYSTEMD_LOG_TARGET=console", "SYSTEMD_LOG_COLOR=0"};
  const std::vector<std::string> verify = {"systemd-analyze", "verify", "--man=no",
                                           (dir / "fp-order-server.service").string()};
  const auto result = test::run_command(verify, options);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "") << "systemd-analyze has something to say about the unit";
  // The check has teeth: a value systemd cannot parse is reported.
  std::string broken = *text;
  broken.replace(broken.find("Restart=on-failure"), 18, "Restart=sometimes");
  write_file(dir / "fp-order-server.service", broken);
  const auto bad = test::run_command(verify, options);
  EXPECT_NE(bad.output.find("Failed to parse service restart specifier"), std::string::npos) << bad.output;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

PostgresSettings database_droplet() {
  PostgresSettings settings;
  settings.listen_address = "10.110.0.9";
  settings.allowed_sources = {"10.110.0.5", "10.110.0.6"};
  return settings;
}

TEST(PostgresConf, SizedForTheMemory) {
  auto out = render_postgresql_conf(database_droplet());
  ASSERT_TRUE(out) << out.error();
  for (const char* line : {"listen_addresses = '10.110.0.9'", "port = 5432", "max_connections = 100",
                           "shared_buffers = 256MB", "effective_cache_size = 768MB", "work_mem = 2621kB",
                           "maintenance_work_mem = 64MB", "password_encryption = scram-sha-256"}) {
    EXPECT_TRUE(has_line(*out, line)) << "missing: " << line << "\n" << *out;
  }
  PostgresSettings big = database_droplet();
  big.memory_mb = 8192;
  big.max_connections = 200;
  out = render_postgresql_conf(big);
  ASSERT_TRUE(out) << out.error();
  EXPECT_TRUE(has_line(*out, "shared_buffers = 2048MB"));
  EXPECT_TRUE(has_line(*out, "effective_cache_size = 6144MB"));
  EXPECT_TRUE(has_line(*out, "work_mem = 10485kB"));
  EXPECT_TRUE(has_line(*out, "maintenance_work_mem = 512MB"));
  EXPECT_TRUE(has_line(*out, "max_connections = 200"));
}

TEST(PostgresConf, RefusesBadSettings) {
  auto error_of = [](const PostgresSettings& settings) {
    auto out = render_postgresql_conf(settings);
    EXPECT_FALSE(out.has_value()) << *out;
    return out ? std::string() : out.error();
  };
  for (const char* everywhere : {"*", "0.0.0.0", "::"}) {
    PostgresSettings settings = database_droplet();
    settings.listen_address = everywhere;
    EXPECT_NE(error_of(settings).find("every interface"), std::string::npos) << everywhere;
  }
  PostgresSettings settings = database_droplet();
  settings.listen_address = "";
  EXPECT_NE(error_of(settings).find("private address"), std::string::npos);
  settings.listen_address = "10.110.0.300";
  EXPECT_NE(error_of(settings).find("not an IP address"), std::string::npos);
  settings = database_droplet();
  settings.port = 0;
  EXPECT_NE(error_of(settings).find("port is 0"), std::string::npos);
  settings = database_droplet();
  settings.memory_mb = 100;
  EXPECT_NE(error_of(settings).find("memory"), std::string::npos);
  settings = database_droplet();
  settings.max_connections = 1;
  EXPECT_NE(error_of(settings).find("max_connections"), std::string::npos);
  settings = database_droplet();
  settings.database = "orders; drop";
  EXPECT_NE(error_of(settings).find("not a plain PostgreSQL name"), std::string::npos);
  EXPECT_EQ(error_of(settings).rfind("postgresql.conf: ", 0), 0u);
}

TEST(PgHba, OneLinePerWorkerThenReject) {
  PostgresSettings settings = database_droplet();
  settings.allowed_sources.push_back("10.110.0.5"); // listed twice: written once
  auto out = render_pg_hba(settings);
  ASSERT_TRUE(out) << out.error();
  std::vector<std::string> rules;
  for (const auto& line : trimmed_lines(*out)) {
    if (!line.empty() && line.front() != '#') rules.push_back(line);
  }
  const std::vector<std::string> expected = {
    "local   all   postgres   peer",
    "host    orders   orders   10.110.0.5/32   scram-sha-256",
    "host    orders   orders   10.110.0.6/32   scram-sha-256",
    "local   all   all   reject",
    "host    all   all   all   reject",
  };
  EXPECT_EQ(rules, expected) << *out;
}

TEST(PgHba, RefusesBadSources) {
  PostgresSettings settings = database_droplet();
  settings.allowed_sources.clear();
  auto out = render_pg_hba(settings);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().find("no allowed source"), std::string::npos);
  for (const char* bad : {"10.110.0.0/16", "0.0.0.0/0", "all", "10.110.0.5\nhost all all all trust", ""}) {
    settings = database_droplet();
    settings.allowed_sources.push_back(bad);
    out = render_pg_hba(settings);
    ASSERT_FALSE(out) << bad;
    EXPECT_NE(out.error().find("is not an IP address"), std::string::npos) << out.error();
    EXPECT_EQ(out.error().rfind("pg_hba.conf: ", 0), 0u);
  }
  settings = database_droplet();
  settings.allowed_sources = {"fd00::5"};
  out = render_pg_hba(settings);
  ASSERT_TRUE(out) << out.error();
  EXPECT_NE(out->find("fd00::5/128   scram-sha-256"), std::string::npos);
}

// The two files in a real PostgreSQL: it starts with them, reports the sizes, lets the worker's
// address in with the password and refuses everyone else over TCP.
std::filesystem::path postgres_bindir() {
  std::filesystem::path best;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    if (std::filesystem::exists(entry.path() / "bin" / "postgres") && entry.path() > best) best = entry.path();
  }
  return best.empty() ? best : best / "bin";
}

TEST(PostgresFiles, ARealPostgresqlRunsWithThem) {
  const auto bindir = postgres_bindir();
  if (bindir.empty()) GTEST_SKIP() << "PostgreSQL is not installed under /usr/lib/postgresql";
  test::TempDir dir("fp-render-pg");
  // PostgreSQL refuses to run as root: then it runs as `postgres`, which must own its files.
  test::ProcessOptions as_postgres;
  if (geteuid() == 0) {
    as_postgres.run_as_user = "postgres";
    ASSERT_EQ(test::run_command({"chown", "postgres:", dir.path().string()}).exit_code, 0);
  }
  const auto data = dir / "data";
  const auto init = test::run_command({(bindir / "initdb").string(), "-D", data.string(), "-U", "postgres", "-E", "UTF8",
                                       "--locale=C", "--no-sync", "--no-instructions"},
                                      as_postgres);
  ASSERT_EQ(init.exit_code, 0) << init.output;

  PostgresSettings settings;
  settings.listen_address = "127.0.0.1";
  settings.port = test::free_port();
  settings.memory_mb = 512;
  settings.allowed_sources = {"127.0.0.1"};
  const auto conf = render_postgresql_conf(settings);
  const auto hba = render_pg_hba(settings);
  ASSERT_TRUE(conf && hba);
  // As on Debian: the main postgresql.conf includes conf.d/ at its end.
  std::filesystem::create_directory(data / "conf.d");
  write_file(data / "conf.d" / "fpctl.conf", *conf);
  std::ofstream(data / "postgresql.conf", std::ios::app) << "\ninclude_dir = 'conf.d'\n";
  write_file(data / "pg_hba.conf", *hba);
  if (geteuid() == 0) {
    ASSERT_EQ(test::run_command({"chown", "-R", "postgres:", data.string()}).exit_code, 0);
  }

  test::ProcessOptions server_options = as_postgres;
  server_options.output = dir / "server.log";
  auto server = test::Process::start({(bindir / "postgres").string(), "-D", data.string(), "-c",
                                      "unix_socket_directories=" + dir.path().string(), "-c", "fsync=off"},
                                     server_options);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!test::accepts(static_cast<unsigned short>(settings.port))) {
    ASSERT_TRUE(server.running()) << test::read_file(dir / "server.log");
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << test::read_file(dir / "server.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string port = std::to_string(settings.port);
  const std::string psql = (bindir / "psql").string();
  // The administrator over the socket (peer: the operating-system user postgres).
  auto admin = [&](const std::string& sql) {
    return test::run_command({psql, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", dir.path().string(), "-p", port, "-U",
                              "postgres", "-d", "postgres", "-c", sql},
                             as_postgres);
  };
  auto created = admin("CREATE ROLE orders LOGIN PASSWORD 'pw'");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  created = admin("CREATE DATABASE orders OWNER orders");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const auto sizes = admin("SELECT current_setting('shared_buffers') || ' ' || current_setting('effective_cache_size') || ' ' || "
                           "current_setting('listen_addresses')");
  EXPECT_EQ(sizes.output, "128MB 384MB 127.0.0.1\n");

  auto tcp = [&](const std::string& url) { return test::run_command({psql, "-X", "-At", "-c", "SELECT 'in'", url}); };
  const std::string at = "@127.0.0.1:" + port;
  EXPECT_EQ(tcp("postgresql://orders:pw" + at + "/orders").output, "in\n");
  const auto wrong_password = tcp("postgresql://orders:nope" + at + "/orders");
  EXPECT_NE(wrong_password.exit_code, 0);
  EXPECT_NE(wrong_password.output.find("password authentication failed"), std::string::npos) << wrong_password.output;
  for (const char* other : {"postgresql://postgres:x", "postgresql://orders:pw"}) {
    const std::string database = std::string(other).find("postgres:") != std::string::npos ? "/orders" : "/postgres";
    const auto refused = tcp(other + at + database);
    EXPECT_NE(refused.exit_code, 0) << other << database;
    EXPECT_NE(refused.output.find("pg_hba.conf rejects connection"), std::string::npos) << refused.output;
  }
  server.stop(SIGINT, std::chrono::seconds(30));
}

} // namespace
} // namespace fp::deploy
