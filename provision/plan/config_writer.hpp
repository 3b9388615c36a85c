// Writing an architecture back into fpctl.yaml (`fpctl cost --optimize --write`). Only the sections
// that change are rewritten; every other line, comments included, stays as the user wrote it.
#pragma once

#include "plan.hpp"

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace fp::plan {

// The YAML of one top-level section ("load_balancer", "workers", "database", "budget", "region"),
// as the block it would be in fpctl.yaml (ends with a newline).
std::string section_yaml(const Plan& plan, std::string_view section);

// `text` with each named top-level section replaced by the plan's (appended when absent).
std::string replace_sections(std::string_view text, const Plan& plan, std::span<const std::string> sections);

// Rewrites `path` (or, when it does not exist, the commented template) with the plan's sections,
// checks that the result parses back to those values, and replaces the file atomically.
tl::expected<void, std::string> write_sections(const std::filesystem::path& path, const Plan& plan,
                                               std::span<const std::string> sections);

} // namespace fp::plan
