// Reading fpctl.yaml into a Plan. The parser checks shape and types (a whole number where one is
// expected, a known key, one of the allowed words); whether a size or region exists is the price
// catalog's business (provision/pricing/validate.hpp), because only the catalog knows.
#pragma once

#include "plan.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace fp::plan {

struct ConfigError {
  std::string file;   // as the user named it
  int line = 0;       // 1-based; 0 when the error is about the whole file
  int column = 0;
  std::string message; // "workers.count: expected a whole number from 1 to 20, got 'two'"

  // "fpctl.yaml:7:9: workers.count: expected ..."
  std::string what() const;
};

// Parses `text` (the contents of `file_name`, which is only used in messages and marks).
tl::expected<Plan, ConfigError> parse_plan(std::string_view text, const std::string& file_name);

// Reads and parses a file; a missing or unreadable file is an error that says so.
tl::expected<Plan, ConfigError> load_plan(const std::filesystem::path& path);

// "65", "65.5", "65.50" -> cents, exactly; anything else (negative, 3 decimals, "$65") is an error
// saying what to write.
tl::expected<std::int64_t, std::string> parse_usd_cents(std::string_view text);

// The commented fpctl.yaml that `fpctl init` writes (templates/fpctl.yaml, compiled in). Parsing it
// gives the same settings as an empty file.
std::string_view config_template();

// Limits the parser enforces (shared with the optimizer, which must not propose what it refuses).
constexpr int k_max_workers = 20;
constexpr int k_max_lb_nodes = 100;
constexpr int k_max_db_nodes = 3;
constexpr int k_max_volume_gb = 16384;

} // namespace fp::plan
