// The order API's routes and handlers, independent of any HTTP library: a parsed request in, a
// response out through a callback. The HTTP server, the tests and the fuzzer all drive it.
#pragma once

#include "store.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace fp::server {

enum class Method { get, head, post, put, del, options, other };
Method parse_method(std::string_view text);

// Routes as exported on /metrics; `other` is every path that matched nothing.
enum class Route { orders, order, healthz, metrics, other };
constexpr std::size_t k_route_count = 5;
std::string_view route_label(Route route);

constexpr std::size_t k_max_page_limit = 10000;
// GET /orders without a limit is sent in pages of this many orders, each read from the store when
// the previous one has been written, so memory does not grow with the number of orders.
constexpr std::size_t k_stream_page = 256;

struct Request {
  Method method = Method::get;
  std::string_view target;       // path and query, as received
  std::string_view content_type; // the Content-Type header, if any
  std::string_view body;
};

// More body to send after Response::body; each part is fetched when the previous one is written.
class BodyStream {
public:
  virtual ~BodyStream() = default;
  // Replies with the next part, or nullopt after the last one.
  virtual void next(Reply<std::optional<std::string>> reply) = 0;
};

struct Response {
  unsigned status = 200;
  std::string body;
  std::string_view content_type = "application/json";
  std::string_view allow;        // the Allow header (405 and OPTIONS)
  bool retry_later = false;      // 503 for a saturated or unreachable database: send Retry-After
  std::unique_ptr<BodyStream> stream;
};

using Respond = std::function<void(Response)>;
// Produces the /metrics page (it gathers figures from every worker, so it answers asynchronously).
using MetricsSource = std::function<void(std::function<void(std::string)>)>;
// Receives a line for the operator about a server-side fault (a 500).
using ErrorLog = std::function<void(std::string_view)>;

class OrderApi {
public:
  OrderApi(Store& store, MetricsSource metrics, ErrorLog log);

  // Answers `request` through `respond` (possibly before returning). Returns the route matched,
  // for the caller's metrics.
  Route handle(const Request& request, Respond respond);

private:
  void list_orders(std::string_view query, Respond respond);
  void get_order(const std::string& id, Respond respond);
  void create_order(const Request& request, Respond respond);
  void update_order(const std::string& id, const Request& request, Respond respond);
  void delete_order(const std::string& id, Respond respond);
  void health(Respond respond);
  Response store_failure(const StoreError& error);

  Store& m_store;
  MetricsSource m_metrics;
  ErrorLog m_log;
};

// {"message":"..."} with Flask's trailing newline.
Response message_response(unsigned status, std::string_view message);

} // namespace fp::server
