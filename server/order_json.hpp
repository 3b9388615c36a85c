// Reading orders from request bodies (with the API's validation rules) and writing them back
// byte for byte as Flask's jsonify did for app.py: sorted keys, compact separators, ASCII only.
#pragma once

#include "order.hpp"

#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace fp::server {

constexpr std::size_t k_max_text_bytes = 1000;

// The error is the message for a 400 answer.
tl::expected<NewOrder, std::string> parse_new_order(std::string_view body);
tl::expected<OrderPatch, std::string> parse_order_patch(std::string_view body);

// Appends a JSON string literal escaped as Python's json.dumps(ensure_ascii=True) does.
void append_json_string(std::string& out, std::string_view utf8);

// Appends {"_id":...,"customer_address":...,"customer_name":...,"product":...,"quantity":...}.
void append_order_json(std::string& out, const Order& order);

} // namespace fp::server
