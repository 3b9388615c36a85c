#include "metrics.hpp"

#include <algorithm>
#include <cstdio>

namespace fp::server {
namespace {

std::string_view method_label(std::size_t method) {
  constexpr std::array<std::string_view, k_method_count> labels = {"GET", "HEAD", "POST", "PUT",
                                                                    "DELETE", "OPTIONS", "other"};
  return labels[method];
}

std::size_t status_index(unsigned status) {
  const auto it = std::find(k_counted_statuses.begin(), k_counted_statuses.end() - 1, status);
  return static_cast<std::size_t>(it - k_counted_statuses.begin()); // the last slot counts the rest
}

void append_line(std::string& out, const char* format, auto... args) {
  char line[256];
  const int n = std::snprintf(line, sizeof line, format, args...);
  if (n > 0) out.append(line, std::min(static_cast<std::size_t>(n), sizeof line - 1));
}

} // namespace

void MetricsShard::record(Route route, Method method, unsigned status, std::chrono::nanoseconds latency) {
  const auto r = static_cast<std::size_t>(route);
  bump(m_requests[(r * k_method_count + static_cast<std::size_t>(method)) * k_counted_statuses.size() +
                  status_index(status)]);
  const double seconds = std::chrono::duration<double>(latency).count();
  const auto bucket = static_cast<std::size_t>(
    std::lower_bound(k_latency_bounds.begin(), k_latency_bounds.end(), seconds) - k_latency_bounds.begin());
  bump(m_buckets[r * (k_latency_bounds.size() + 1) + bucket]);
  bump(m_latency_sum_ns[r], static_cast<std::uint64_t>(latency.count()));
}

Metrics::Metrics(std::size_t shards) : m_shards(shards) {}

std::string Metrics::render(const std::vector<PoolStats>& pools, std::string_view store_kind) const {
  std::string out;
  out.reserve(8192);
  out += "# HELP fp_http_requests_total HTTP requests answered, by route, method and status.\n"
         "# TYPE fp_http_requests_total counter\n";
  for (std::size_t r = 0; r < k_route_count; ++r) {
    for (std::size_t m = 0; m < k_method_count; ++m) {
      for (std::size_t s = 0; s < k_counted_statuses.size(); ++s) {
        std::uint64_t total = 0;
        for (const auto& shard : m_shards)
          total += shard.m_requests[(r * k_method_count + m) * k_counted_statuses.size() + s].load(std::memory_order_relaxed);
        if (total == 0) continue;
        const std::string status = k_counted_statuses[s] ? std::to_string(k_counted_statuses[s]) : "other";
        append_line(out, "fp_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %llu\n",
                    std::string(route_label(static_cast<Route>(r))).c_str(), std::string(method_label(m)).c_str(),
                    status.c_str(), static_cast<unsigned long long>(total));
      }
    }
  }

  out += "# HELP fp_http_request_duration_seconds Time from a request's last byte read to its response's "
         "last byte written.\n# TYPE fp_http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < k_route_count; ++r) {
    const std::string route(route_label(static_cast<Route>(r)));
    std::uint64_t cumulative = 0;
    std::uint64_t sum_ns = 0;
    for (const auto& shard : m_shards) sum_ns += shard.m_latency_sum_ns[r].load(std::memory_order_relaxed);
    for (std::size_t b = 0; b <= k_latency_bounds.size(); ++b) {
      for (const auto& shard : m_shards)
        cumulative += shard.m_buckets[r * (k_latency_bounds.size() + 1) + b].load(std::memory_order_relaxed);
      if (b < k_latency_bounds.size()) {
        append_line(out, "fp_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", route.c_str(),
                    k_latency_bounds[b], static_cast<unsigned long long>(cumulative));
      } else {
        append_line(out, "fp_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", route.c_str(),
                    static_cast<unsigned long long>(cumulative));
      }
    }
    append_line(out, "fp_http_request_duration_seconds_sum{route=\"%s\"} %.9f\n", route.c_str(),
                static_cast<double>(sum_ns) / 1e9);
    append_line(out, "fp_http_request_duration_seconds_count{route=\"%s\"} %llu\n", route.c_str(),
                static_cast<unsigned long long>(cumulative));
  }

  std::uint64_t opened = 0;
  std::int64_t open = 0;
  for (const auto& shard : m_shards) {
    opened += shard.m_connections_opened.load(std::memory_order_relaxed);
    open += shard.m_connections_open.load(std::memory_order_relaxed);
  }
  out += "# HELP fp_http_connections_opened_total Client connections accepted.\n"
         "# TYPE fp_http_connections_opened_total counter\n";
  append_line(out, "fp_http_connections_opened_total %llu\n", static_cast<unsigned long long>(opened));
  out += "# HELP fp_http_connections_open Client connections open now.\n# TYPE fp_http_connections_open gauge\n";
  append_line(out, "fp_http_connections_open %lld\n", static_cast<long long>(std::max<std::int64_t>(open, 0)));

  PoolStats total;
  for (const auto& p : pools) {
    total.size += p.size;
    total.open += p.open;
    total.busy += p.busy;
    total.waiting += p.waiting;
  }
  const std::string store(store_kind);
  out += "# HELP fp_db_pool_connections Database connections by state (size: configured).\n"
         "# TYPE fp_db_pool_connections gauge\n";
  for (auto [state, value] : {std::pair{"size", total.size}, std::pair{"open", total.open},
                              std::pair{"busy", total.busy}}) {
    append_line(out, "fp_db_pool_connections{store=\"%s\",state=\"%s\"} %llu\n", store.c_str(), state,
                static_cast<unsigned long long>(value));
  }
  out += "# HELP fp_db_pool_waiting Requests waiting for a database connection.\n# TYPE fp_db_pool_waiting gauge\n";
  append_line(out, "fp_db_pool_waiting{store=\"%s\"} %llu\n", store.c_str(), static_cast<unsigned long long>(total.waiting));
  return out;
}

} // namespace fp::server
