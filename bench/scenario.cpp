// The scenario model at run time: think times as Locust computes them, weighted task choice,
// rendering a request for one user, and judging its response (Locust's failure rule, checks, captures).
#include "scenario.hpp"
#include "scenario_detail.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace fp::bench {

namespace {

std::chrono::nanoseconds from_seconds(double seconds) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
}

// constant_pacing and constant_throughput (Locust's wait_time.py): wait what is left of the period
// after the task, never less than nothing, so a task that overruns its period starts the next one at once.
std::chrono::nanoseconds pacing(double period_seconds, std::chrono::nanoseconds task_time) {
  return std::max(std::chrono::nanoseconds(0), from_seconds(period_seconds) - task_time);
}

} // namespace

std::chrono::nanoseconds ThinkTime::next(std::chrono::nanoseconds task_time, std::mt19937_64& random) const {
  switch (kind) {
  case Kind::none: return std::chrono::nanoseconds(0);
  case Kind::constant: return from_seconds(a);
  case Kind::between:
    // Locust: min_wait + random.random() * (max_wait - min_wait), uniform on [a, b).
    return from_seconds(a + std::uniform_real_distribution<double>(0.0, 1.0)(random) * (b - a));
  case Kind::constant_pacing: return pacing(a, task_time);
  case Kind::constant_throughput: return a > 0 ? pacing(1.0 / a, task_time) : std::chrono::nanoseconds(0);
  }
  return std::chrono::nanoseconds(0);
}

double ThinkTime::mean_seconds() const {
  switch (kind) {
  case Kind::none: return 0;
  case Kind::constant: return a;
  case Kind::between: return (a + b) / 2;
  case Kind::constant_pacing: return a;
  case Kind::constant_throughput: return a > 0 ? 1.0 / a : 0;
  }
  return 0;
}

const Task& Scenario::pick_task(UserState& user) const {
  // Locust draws uniformly from a list holding each task `weight` times; a draw over the summed
  // weights has the same distribution without the list.
  const std::uint64_t total = std::accumulate(tasks.begin(), tasks.end(), std::uint64_t{0},
                                              [](std::uint64_t sum, const Task& task) { return sum + task.weight; });
  if (tasks.size() <= 1 || total == 0) return tasks.front();
  std::uint64_t draw = std::uniform_int_distribution<std::uint64_t>(0, total - 1)(user.random);
  for (const Task& task : tasks) {
    if (draw < task.weight) return task;
    draw -= task.weight;
  }
  return tasks.back();
}

void assign_stats_keys(Scenario& scenario) {
  scenario.stats_keys.clear();
  auto index_of = [&](RequestSpec& spec) {
    RequestKey key{spec.method, spec.name};
    auto found = std::find(scenario.stats_keys.begin(), scenario.stats_keys.end(), key);
    if (found == scenario.stats_keys.end()) {
      scenario.stats_keys.push_back(std::move(key));
      found = scenario.stats_keys.end() - 1;
    }
    spec.stats_index = static_cast<std::size_t>(found - scenario.stats_keys.begin());
  };
  for (RequestSpec& spec : scenario.on_start)
    index_of(spec);
  for (Task& task : scenario.tasks)
    for (RequestSpec& spec : task.requests)
      index_of(spec);
}

namespace {

bool equals_ignoring_case(std::string_view left, std::string_view right) {
  return std::equal(left.begin(), left.end(), right.begin(), right.end(), [](char l, char r) {
    return std::tolower(static_cast<unsigned char>(l)) == std::tolower(static_cast<unsigned char>(r));
  });
}

} // namespace

tl::expected<RenderedRequest, std::string> render_request(const RequestSpec& spec, UserState& user) {
  RenderedRequest request;
  request.method = spec.method;
  auto target = spec.path.render(user);
  if (!target) return tl::unexpected("path: " + target.error());
  request.target = std::move(*target);
  request.headers.reserve(spec.headers.size() + 1);
  bool has_content_type = false;
  for (const auto& [name, value] : spec.headers) {
    auto rendered = value.render(user);
    if (!rendered) return tl::unexpected("header " + name + ": " + rendered.error());
    has_content_type = has_content_type || equals_ignoring_case(name, "Content-Type");
    request.headers.emplace_back(name, std::move(*rendered));
  }
  if (spec.body) {
    auto body = spec.body->render(user);
    if (!body) return tl::unexpected("body: " + body.error());
    request.body = std::move(*body);
    if (!has_content_type) request.headers.emplace_back("Content-Type", "application/json");
  }
  return request;
}

namespace {

std::string_view reason_phrase(unsigned status) {
  switch (status) {
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 402: return "Payment Required";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 406: return "Not Acceptable";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 410: return "Gone";
  case 411: return "Length Required";
  case 412: return "Precondition Failed";
  case 413: return "Payload Too Large";
  case 414: return "URI Too Long";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Entity";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  case 505: return "HTTP Version Not Supported";
  default: return "";
  }
}

// The text Locust shows for a status >= 400 (requests' raise_for_status, as an exception repr):
// "HTTPError('500 Server Error: Internal Server Error for url: /orders')". The URL is the
// request's name, so that one route's errors group into one row.
std::string http_error(unsigned status, std::string_view name) {
  std::string_view kind = status < 500 ? "Client Error" : status < 600 ? "Server Error" : "Error";
  std::string text = "HTTPError('" + std::to_string(status) + " " + std::string(kind) + ": ";
  text += reason_phrase(status);
  text += " for url: " + std::string(name) + "')";
  return text;
}

const nlohmann::json* find_path(const nlohmann::json& root, std::string_view path) {
  const nlohmann::json* node = &root;
  std::size_t at = 0;
  while (true) {
    std::size_t dot = path.find('.', at);
    std::string_view segment = path.substr(at, dot == std::string_view::npos ? std::string_view::npos : dot - at);
    if (node->is_object()) {
      auto found = node->find(std::string(segment));
      if (found == node->end()) return nullptr;
      node = &*found;
    } else if (node->is_array()) {
      if (segment.empty() || !std::all_of(segment.begin(), segment.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return nullptr;
      std::size_t index = 0;
      for (char c : segment)
        index = index * 10 + static_cast<std::size_t>(c - '0');
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
    if (dot == std::string_view::npos) return node;
    at = dot + 1;
  }
}

std::string list_statuses(const std::vector<unsigned>& statuses) {
  std::string text;
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    if (i > 0) text += i + 1 == statuses.size() ? " or " : ", ";
    text += std::to_string(statuses[i]);
  }
  return text;
}

} // namespace

std::optional<std::string> evaluate_response(const RequestSpec& spec, unsigned status, std::string_view body,
                                             UserState& user) {
  if (status == 0) return std::string("ConnectionError('no response')");
  const Check& check = spec.check;
  if (!check.status_in.empty()) {
    if (std::find(check.status_in.begin(), check.status_in.end(), status) == check.status_in.end())
      return "status " + std::to_string(status) + ", expected " + list_statuses(check.status_in);
  } else if (status >= 400) {
    return http_error(status, spec.name);
  }
  if (check.body_contains && body.find(*check.body_contains) == std::string_view::npos)
    return "body does not contain \"" + *check.body_contains + "\"";
  if (!check.json_path_exists && spec.captures.empty()) return std::nullopt;

  // Parsed only when a rule needs it: most requests (GET /orders in fp-orders) never pay for it.
  const nlohmann::json document = nlohmann::json::parse(body, nullptr, false);
  const bool is_json = !document.is_discarded();
  if (check.json_path_exists) {
    if (!is_json) return "response is not JSON (checking " + *check.json_path_exists + ")";
    if (find_path(document, *check.json_path_exists) == nullptr)
      return "json path " + *check.json_path_exists + " not found";
  }
  // All captures are checked before any is stored, so a failed response leaves the user unchanged.
  std::vector<std::string> values;
  values.reserve(spec.captures.size());
  for (const Capture& capture : spec.captures) {
    if (!is_json) return "capture " + capture.variable + ": response is not JSON";
    const nlohmann::json* found = find_path(document, capture.path);
    if (found == nullptr) return "capture " + capture.variable + ": path " + capture.path + " not found";
    values.push_back(found->is_string() ? found->get<std::string>() : found->dump());
  }
  for (std::size_t i = 0; i < values.size(); ++i)
    user.variables[spec.captures[i].variable] = std::move(values[i]);
  return std::nullopt;
}

namespace detail {

namespace {

std::size_t edit_distance(std::string_view left, std::string_view right) {
  // Optimal string alignment: insertions, deletions, substitutions and swaps of neighbours (GTE for
  // GET) each cost one; letters compare without case.
  auto same = [](char l, char r) {
    return std::tolower(static_cast<unsigned char>(l)) == std::tolower(static_cast<unsigned char>(r));
  };
  const std::size_t columns = right.size() + 1;
  std::vector<std::size_t> distance((left.size() + 1) * columns);
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return distance[i * columns + j]; };
  for (std::size_t i = 0; i <= left.size(); ++i)
    at(i, 0) = i;
  for (std::size_t j = 0; j <= right.size(); ++j)
    at(0, j) = j;
  for (std::size_t i = 1; i <= left.size(); ++i)
    for (std::size_t j = 1; j <= right.size(); ++j) {
      at(i, j) =
          std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (same(left[i - 1], right[j - 1]) ? 0 : 1)});
      if (i > 1 && j > 1 && same(left[i - 1], right[j - 2]) && same(left[i - 2], right[j - 1]))
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
    }
  return at(left.size(), right.size());
}

} // namespace

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
  // Close enough means a typo (a third of the word, at least one edit) or a shortened key
  // (`wait` for `wait_time`).
  std::string_view best;
  std::size_t best_distance = std::max<std::size_t>(1, word.size() / 3) + 1;
  for (std::string_view candidate : candidates) {
    std::size_t distance = edit_distance(word, candidate);
    if (word.size() >= 3 && (candidate.starts_with(word) || word.starts_with(candidate)))
      distance = std::min<std::size_t>(distance, 1);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best.empty() ? std::string() : "did you mean `" + std::string(best) + "`?";
}

std::string join_alternatives(std::span<const std::string_view> words) {
  std::string text;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) text += i + 1 == words.size() ? " or " : ", ";
    text += words[i];
  }
  return text;
}

} // namespace detail

} // namespace fp::bench
