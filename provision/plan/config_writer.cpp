#include "config_writer.hpp"
#include "config.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

namespace fp::plan {
namespace {

std::string money(std::int64_t cents) {
  char text[32];
  if (cents % 100 == 0) {
    std::snprintf(text, sizeof text, "%lld", static_cast<long long>(cents / 100));
  } else {
    std::snprintf(text, sizeof text, "%lld.%02lld", static_cast<long long>(cents / 100), static_cast<long long>(cents % 100));
  }
  return text;
}

// The top-level key a line starts, or "" (indented lines, comments, blank lines, list items).
std::string top_level_key(std::string_view line) {
  if (line.empty()) return "";
  const char first = line.front();
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_')) return "";
  std::size_t end = 0;
  while (end < line.size() && (std::isalnum(static_cast<unsigned char>(line[end])) || line[end] == '_')) ++end;
  std::size_t colon = end;
  while (colon < line.size() && line[colon] == ' ') ++colon;
  if (colon >= line.size() || line[colon] != ':') return "";
  return std::string(line.substr(0, end));
}

bool continues_block(std::string_view line) {
  return !line.empty() && (line.front() == ' ' || line.front() == '\t' || line.front() == '-');
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

} // namespace

std::string section_yaml(const Plan& p, std::string_view section) {
  std::ostringstream out;
  if (section == "region") {
    out << "region: " << p.region << "\n";
  } else if (section == "load_balancer") {
    out << "load_balancer:\n  kind: " << to_string(p.load_balancer.kind) << "\n";
    if (p.load_balancer.kind == LoadBalancerKind::droplet) out << "  size: " << p.load_balancer.size << "\n";
    if (p.load_balancer.kind == LoadBalancerKind::managed) out << "  nodes: " << p.load_balancer.nodes << "\n";
  } else if (section == "workers") {
    out << "workers:\n  size: " << p.workers.size << "\n  count: " << p.workers.count << "\n  port: " << p.workers.port << "\n";
  } else if (section == "database") {
    out << "database:\n  kind: " << to_string(p.database.kind) << "\n";
    if (p.database.kind != DatabaseKind::embedded) {
      out << "  engine: " << p.database.engine << "\n  version: \"" << p.database.version << "\"\n  size: " << p.database.size
          << "\n";
    }
    if (p.database.kind == DatabaseKind::managed) out << "  nodes: " << p.database.nodes << "\n";
  } else if (section == "budget") {
    out << "budget:\n  usd_per_month: " << money(p.budget.usd_cents_per_month) << "\n  idr_per_usd: " << p.budget.idr_per_usd
        << "\n";
  }
  return out.str();
}

std::string replace_sections(std::string_view text, const Plan& plan, std::span<const std::string> sections) {
  const auto lines = split_lines(text);
  std::vector<bool> written(sections.size(), false);
  std::string out;
  for (std::size_t i = 0; i < lines.size();) {
    const std::string key = top_level_key(lines[i]);
    std::size_t which = sections.size();
    for (std::size_t s = 0; s < sections.size(); ++s) {
      if (sections[s] == key) which = s;
    }
    if (which == sections.size()) {
      out += lines[i] + "\n";
      ++i;
      continue;
    }
    // The block: this line and what is indented under it (comment lines and blank lines inside it
    // too, but not those just before the next top-level key: they introduce that key).
    std::size_t last = i;
    for (std::size_t j = i + 1; j < lines.size(); ++j) {
      if (!top_level_key(lines[j]).empty()) break;
      if (continues_block(lines[j])) last = j;
      else if (!lines[j].empty() && lines[j].front() != '#') break;
    }
    if (!written[which]) out += section_yaml(plan, key);
    written[which] = true;
    i = last + 1;
  }
  for (std::size_t s = 0; s < sections.size(); ++s) {
    if (!written[s]) {
      if (!out.empty() && out.back() != '\n') out += "\n";
      out += section_yaml(plan, sections[s]);
    }
  }
  return out;
}

tl::expected<void, std::string> write_sections(const std::filesystem::path& path, const Plan& plan,
                                               std::span<const std::string> sections) {
  std::string original;
  std::error_code exists_error;
  if (std::filesystem::exists(path, exists_error)) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return tl::unexpected("cannot read " + path.string() + ": " + std::generic_category().message(errno));
    std::ostringstream text;
    text << in.rdbuf();
    original = text.str();
    auto current = parse_plan(original, path.string());
    if (!current) return tl::unexpected("refusing to write " + path.string() + ": fix it first: " + current.error().what());
  } else {
    original = std::string(config_template());
  }
  const std::string updated = replace_sections(original, plan, sections);

  // Never write a file that would not read back as what was meant.
  auto reread = parse_plan(updated, path.string());
  if (!reread) return tl::unexpected("refusing to write " + path.string() + ": the result would not parse (" + reread.error().what() + ")");
  Plan expected = *reread;
  for (const auto& section : sections) {
    if (section == "region") expected.region = plan.region;
    if (section == "load_balancer") expected.load_balancer = plan.load_balancer;
    if (section == "workers") expected.workers = plan.workers;
    if (section == "database") expected.database = plan.database;
    if (section == "budget") expected.budget = plan.budget;
  }
  // Fields not written for a kind (a managed LB's size) keep their defaults on reading back.
  const auto comparable = [](Plan p) {
    if (p.load_balancer.kind != LoadBalancerKind::droplet) p.load_balancer.size = LoadBalancer{}.size;
    if (p.load_balancer.kind != LoadBalancerKind::managed) p.load_balancer.nodes = 1;
    if (p.database.kind == DatabaseKind::embedded) p.database = Database{DatabaseKind::embedded};
    if (p.database.kind != DatabaseKind::managed) p.database.nodes = 1;
    return p;
  };
  if (!same_settings(comparable(*reread), comparable(expected))) {
    return tl::unexpected("refusing to write " + path.string() + ": its sections could not be replaced cleanly "
                          "(is one of them written twice?); edit it by hand");
  }

  const std::filesystem::path temporary = path.string() + ".fpctl-tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << updated;
    out.close();
    if (!out) return tl::unexpected("cannot write " + temporary.string() + ": " + std::generic_category().message(errno));
  }
  std::error_code rename_error;
  std::filesystem::rename(temporary, path, rename_error);
  if (rename_error) {
    std::filesystem::remove(temporary, rename_error);
    return tl::unexpected("cannot replace " + path.string() + ": " + rename_error.message());
  }
  return {};
}

} // namespace fp::plan
