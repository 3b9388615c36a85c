#include "handlers.hpp"

#include <algorithm>
#include <charconv>

namespace fp::dosim {

using nlohmann::json;

namespace {

constexpr long k_default_per_page = 20;
constexpr long k_max_per_page = 200;

long read_positive(const std::map<std::string, std::string>& query, const char* key, long fallback) {
  const auto it = query.find(key);
  if (it == query.end()) return fallback;
  long value = 0;
  const auto* end = it->second.data() + it->second.size();
  const auto [ptr, ec] = std::from_chars(it->second.data(), end, value);
  if (ec != std::errc() || ptr != end || value < 1) return fallback;
  return value;
}

} // namespace

ApiResponse paginated(const Call& call, const std::string& key, const json& items) {
  const long per_page = std::min(read_positive(call.query, "per_page", k_default_per_page), k_max_per_page);
  const long total = static_cast<long>(items.size());
  const long last = std::max(1L, (total + per_page - 1) / per_page);
  const long page = read_positive(call.query, "page", 1);

  json page_items = json::array();
  for (long i = (page - 1) * per_page; i < std::min(total, page * per_page); ++i) {
    page_items.push_back(items[static_cast<std::size_t>(i)]);
  }

  // Links keep the other parameters (tag_name, ...) as they were sent.
  std::string other;
  std::string_view query = call.request.query;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto name = pair.substr(0, pair.find('='));
    if (!pair.empty() && name != "page" && name != "per_page") other += std::string(pair) + "&";
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  auto link = [&](long n) {
    return call.base_url + call.request.path + "?" + other + "page=" + std::to_string(n) +
           "&per_page=" + std::to_string(per_page);
  };
  json pages = json::object();
  if (page > 1) {
    pages["first"] = link(1);
    pages["prev"] = link(std::min(page - 1, last));
  }
  if (page < last) {
    pages["next"] = link(page + 1);
    pages["last"] = link(last);
  }
  json body = {{key, page_items}, {"links", json::object()}, {"meta", {{"total", total}}}};
  if (!pages.empty()) body["links"]["pages"] = pages;
  return json_response(200, body);
}

std::optional<std::string> body_string(const json& body, const char* key) {
  if (!body.is_object() || !body.contains(key) || !body[key].is_string()) return std::nullopt;
  return body[key].get<std::string>();
}

bool body_bool(const json& body, const char* key, bool fallback) {
  if (!body.is_object() || !body.contains(key) || !body[key].is_boolean()) return fallback;
  return body[key].get<bool>();
}

std::optional<std::int64_t> parse_id(const std::string& text) {
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

DropletRecord* visible_droplet(World& world, const Call& call, std::int64_t id) {
  const auto it = world.droplets.find(id);
  if (it == world.droplets.end() || !world.droplet_visible(it->second, call.now)) return nullptr;
  return &it->second;
}

} // namespace fp::dosim
