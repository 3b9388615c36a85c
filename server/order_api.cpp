#include "order_api.hpp"

#include "object_id.hpp"
#include "order_json.hpp"

#include <algorithm>
#include <charconv>

namespace fp::server {
namespace {

constexpr std::string_view k_allow_orders = "GET, HEAD, OPTIONS, POST";
constexpr std::string_view k_allow_order = "DELETE, GET, HEAD, OPTIONS, PUT";
constexpr std::string_view k_allow_read_only = "GET, HEAD, OPTIONS";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

// application/json or any application/*+json, parameters (charset) ignored, as Flask accepts.
bool is_json_media_type(std::string_view content_type) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  if (iequals(type, "application/json")) return true;
  return type.size() > 17 && iequals(type.substr(0, 12), "application/") && iequals(type.substr(type.size() - 5), "+json");
}

std::string orders_body_start() { return "{\"orders\":["; }

void append_orders(std::string& out, const std::vector<Order>& orders, std::size_t count, bool first) {
  for (std::size_t i = 0; i < count; ++i) {
    if (!first || i > 0) out += ',';
    append_order_json(out, orders[i]);
  }
}

// The rest of GET /orders after the first page: one page per call, each read after the
// previous one went out, so a slow client slows the reads instead of filling memory.
class OrderPages final : public BodyStream {
public:
  OrderPages(Store& store, std::string after) : m_store(store), m_after(std::move(after)) {}

  void next(Reply<std::optional<std::string>> reply) override {
    if (m_done) {
      reply(std::optional<std::string>());
      return;
    }
    m_store.list(ListQuery{k_stream_page + 1, m_after}, [this, reply = std::move(reply)](auto result) {
      if (!result) {
        reply(tl::unexpected(result.error()));
        return;
      }
      const auto& orders = *result;
      const bool more = orders.size() > k_stream_page;
      const std::size_t count = std::min(orders.size(), k_stream_page);
      std::string part;
      part.reserve(count * 160 + 4);
      append_orders(part, orders, count, false);
      if (more) {
        m_after = orders[count - 1].id;
      } else {
        part += "]}\n";
        m_done = true;
      }
      reply(std::optional<std::string>(std::move(part)));
    });
  }

private:
  Store& m_store;
  std::string m_after;
  bool m_done = false;
};

std::optional<std::string> normalised_id(std::string_view text) {
  auto id = ObjectId::parse(text);
  if (!id) return std::nullopt;
  return id->hex();
}

Response json_response(unsigned status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

Response allow_response(unsigned status, std::string_view allow) {
  Response response = status == 405 ? message_response(405, "Method not allowed") : Response{};
  response.status = status;
  response.allow = allow;
  if (status != 405) response.content_type = "text/plain";
  return response;
}

std::string order_message_body(std::string_view message, const Order& order) {
  std::string body = "{\"message\":";
  append_json_string(body, message);
  body += ",\"order\":";
  append_order_json(body, order);
  body += "}\n";
  return body;
}

} // namespace

Method parse_method(std::string_view text) {
  if (text == "GET") return Method::get;
  if (text == "POST") return Method::post;
  if (text == "PUT") return Method::put;
  if (text == "DELETE") return Method::del;
  if (text == "HEAD") return Method::head;
  if (text == "OPTIONS") return Method::options;
  return Method::other;
}

std::string_view route_label(Route route) {
  switch (route) {
    case Route::orders: return "/orders";
    case Route::order: return "/orders/{id}";
    case Route::healthz: return "/healthz";
    case Route::metrics: return "/metrics";
    case Route::other: break;
  }
  return "other";
}

Response message_response(unsigned status, std::string_view message) {
  std::string body = "{\"message\":";
  append_json_string(body, message);
  body += "}\n";
  return json_response(status, std::move(body));
}

OrderApi::OrderApi(Store& store, MetricsSource metrics, ErrorLog log)
  : m_store(store), m_metrics(std::move(metrics)), m_log(std::move(log)) {}

Route OrderApi::handle(const Request& request, Respond respond) {
  const auto question = request.target.find('?');
  const std::string_view path = request.target.substr(0, question);
  const std::string_view query = question == std::string_view::npos ? std::string_view() : request.target.substr(question + 1);
  // HEAD is GET without the body; the HTTP layer drops the body.
  const Method method = request.method == Method::head ? Method::get : request.method;

  if (path == "/orders") {
    switch (method) {
      case Method::get: list_orders(query, std::move(respond)); break;
      case Method::post: create_order(request, std::move(respond)); break;
      case Method::options: respond(allow_response(200, k_allow_orders)); break;
      default: respond(allow_response(405, k_allow_orders)); break;
    }
    return Route::orders;
  }
  constexpr std::string_view k_prefix = "/orders/";
  if (path.starts_with(k_prefix) && path.size() > k_prefix.size() &&
      path.find('/', k_prefix.size()) == std::string_view::npos) {
    if (method == Method::options) {
      respond(allow_response(200, k_allow_order));
      return Route::order;
    }
    if (method != Method::get && method != Method::put && method != Method::del) {
      respond(allow_response(405, k_allow_order));
      return Route::order;
    }
    auto id = normalised_id(path.substr(k_prefix.size()));
    if (!id) {
      respond(message_response(400, "Invalid order id"));
      return Route::order;
    }
    if (method == Method::get) get_order(*id, std::move(respond));
    else if (method == Method::put) update_order(*id, request, std::move(respond));
    else delete_order(*id, std::move(respond));
    return Route::order;
  }
  if (path == "/healthz" || path == "/metrics") {
    const bool healthz = path == "/healthz";
    if (method == Method::get) {
      if (healthz) {
        health(std::move(respond));
      } else {
        m_metrics([respond = std::move(respond)](std::string text) {
          Response response = json_response(200, std::move(text));
          response.content_type = "text/plain; version=0.0.4; charset=utf-8";
          respond(std::move(response));
        });
      }
    } else {
      respond(allow_response(method == Method::options ? 200 : 405, k_allow_read_only));
    }
    return healthz ? Route::healthz : Route::metrics;
  }
  respond(message_response(404, "Not found"));
  return Route::other;
}

void OrderApi::list_orders(std::string_view query, Respond respond) {
  std::optional<std::size_t> limit;
  std::optional<std::string> after;
  // Parameters other than limit and after are ignored, as Flask ignores them; the last of a
  // repeated one wins.
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const auto key = pair.substr(0, eq);
    const auto value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "limit") {
      std::size_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > k_max_page_limit) {
        respond(message_response(400, "Invalid limit: expected an integer from 1 to 10000"));
        return;
      }
      limit = n;
    } else if (key == "after") {
      after = normalised_id(value);
      if (!after) {
        respond(message_response(400, "Invalid after: expected an order id (24 hex digits)"));
        return;
      }
    }
  }

  const std::size_t page = limit.value_or(k_stream_page);
  m_store.list(ListQuery{page + 1, after}, [this, page, paged = limit.has_value(), respond = std::move(respond)](
                                             StoreResult<std::vector<Order>> result) {
    if (!result) {
      respond(store_failure(result.error()));
      return;
    }
    const auto& orders = *result;
    const bool more = orders.size() > page;
    const std::size_t count = std::min(orders.size(), page);
    std::string body;
    body.reserve(count * 160 + 64);
    if (paged && more) {
      body += "{\"next\":\"";
      body += orders[count - 1].id;
      body += "\",\"orders\":[";
    } else {
      body = orders_body_start();
    }
    append_orders(body, orders, count, true);
    if (paged || !more) {
      body += "]}\n";
      respond(json_response(200, std::move(body)));
      return;
    }
    Response response = json_response(200, std::move(body));
    response.stream = std::make_unique<OrderPages>(m_store, orders[count - 1].id);
    respond(std::move(response));
  });
}

void OrderApi::get_order(const std::string& id, Respond respond) {
  m_store.find(id, [this, respond = std::move(respond)](StoreResult<std::optional<Order>> result) {
    if (!result) return respond(store_failure(result.error()));
    if (!*result) return respond(message_response(404, "Order not found"));
    std::string body = "{\"order\":";
    append_order_json(body, **result);
    body += "}\n";
    respond(json_response(200, std::move(body)));
  });
}

void OrderApi::create_order(const Request& request, Respond respond) {
  if (!is_json_media_type(request.content_type)) {
    return respond(message_response(415, "Content-Type must be application/json"));
  }
  auto parsed = parse_new_order(request.body);
  if (!parsed) return respond(message_response(400, parsed.error()));
  Order order{ObjectId::generate().hex(), std::move(parsed->product), parsed->quantity,
              std::move(parsed->customer_name), std::move(parsed->customer_address)};
  // The store reads `order` before it replies, but PostgreSQL replies later: keep it alive with
  // the callback.
  auto shared = std::make_shared<Order>(std::move(order));
  m_store.create(*shared, [this, shared, respond = std::move(respond)](StoreResult<void> result) {
    if (!result) return respond(store_failure(result.error()));
    respond(json_response(200, order_message_body("Order created successfully", *shared)));
  });
}

void OrderApi::update_order(const std::string& id, const Request& request, Respond respond) {
  if (!is_json_media_type(request.content_type)) {
    return respond(message_response(415, "Content-Type must be application/json"));
  }
  auto patch = parse_order_patch(request.body);
  if (!patch) return respond(message_response(400, patch.error()));
  m_store.update(id, *patch, [this, respond = std::move(respond)](StoreResult<std::optional<Order>> result) {
    if (!result) return respond(store_failure(result.error()));
    if (!*result) return respond(message_response(404, "Order not found"));
    respond(json_response(200, order_message_body("Order updated successfully", **result)));
  });
}

void OrderApi::delete_order(const std::string& id, Respond respond) {
  m_store.remove(id, [this, respond = std::move(respond)](StoreResult<bool> result) {
    if (!result) return respond(store_failure(result.error()));
    if (!*result) return respond(message_response(404, "Order not found"));
    respond(message_response(200, "Order deleted successfully"));
  });
}

void OrderApi::health(Respond respond) {
  m_store.ping([respond = std::move(respond)](StoreResult<void> result) {
    if (result) return respond(json_response(200, "{\"status\":\"ok\"}\n"));
    std::string body = "{\"reason\":";
    append_json_string(body, result.error().message);
    body += ",\"status\":\"unavailable\"}\n";
    Response response = json_response(503, std::move(body));
    response.retry_later = true;
    respond(std::move(response));
  });
}

Response OrderApi::store_failure(const StoreError& error) {
  if (error.kind == StoreError::Kind::internal) {
    if (m_log) m_log(error.message);
    return message_response(500, "Internal server error");
  }
  Response response = message_response(503, error.kind == StoreError::Kind::overloaded
                                               ? "Database busy, try again"
                                               : "Database unavailable, try again");
  response.retry_later = true;
  return response;
}

} // namespace fp::server
