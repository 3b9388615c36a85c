#include "order_json.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

namespace fp::server {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 4> k_fields = {"product", "quantity", "customer_name",
                                                       "customer_address"};

tl::expected<json, std::string> parse_object(std::string_view body) {
  // parse(..., allow_exceptions=false): malformed input becomes a value, not an exception.
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return tl::unexpected(std::string("Request body must be a JSON object"));
  }
  return doc;
}

tl::expected<std::string, std::string> text_field(const json& value, std::string_view name) {
  if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
    return tl::unexpected("Invalid field: " + std::string(name) + " must be a non-empty string");
  }
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > k_max_text_bytes) {
    return tl::unexpected("Invalid field: " + std::string(name) + " must be at most " +
                          std::to_string(k_max_text_bytes) + " bytes");
  }
  // PostgreSQL text cannot hold NUL; refusing it here keeps both stores identical.
  if (text.find('\0') != std::string::npos) {
    return tl::unexpected("Invalid field: " + std::string(name) + " must not contain NUL characters");
  }
  return text;
}

tl::expected<std::int64_t, std::string> quantity_field(const json& value) {
  // JSON 2.0 or 1e3 are numbers with a fraction or exponent, not integers (as in Python's json).
  if (value.is_number_unsigned()) {
    const auto n = value.get<std::uint64_t>();
    if (n >= 1 && n <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(n);
    }
  } else if (value.is_number_integer() && value.get<std::int64_t>() >= 1) {
    return value.get<std::int64_t>();
  }
  return tl::unexpected(std::string("Invalid field: quantity must be a positive integer"));
}

void append_hex4(std::string& out, std::uint32_t unit) {
  constexpr char digits[] = "0123456789abcdef";
  out += "\\u";
  out += digits[(unit >> 12) & 0xf];
  out += digits[(unit >> 8) & 0xf];
  out += digits[(unit >> 4) & 0xf];
  out += digits[unit & 0xf];
}

// Decodes one UTF-8 sequence at text[i]; returns the code point and advances i. Invalid bytes
// (possible only for rows written by something other than this server) become U+FFFD.
std::uint32_t next_code_point(std::string_view text, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  std::uint32_t cp = 0;
  if (lead < 0x80) { ++i; return lead; }
  if ((lead & 0xe0) == 0xc0) { length = 2; cp = lead & 0x1f; }
  else if ((lead & 0xf0) == 0xe0) { length = 3; cp = lead & 0x0f; }
  else if ((lead & 0xf8) == 0xf0) { length = 4; cp = lead & 0x07; }
  else { ++i; return 0xfffd; }
  if (i + length > text.size()) { ++i; return 0xfffd; }
  for (std::size_t k = 1; k < length; ++k) {
    const auto c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xc0) != 0x80) { ++i; return 0xfffd; }
    cp = (cp << 6) | (c & 0x3f);
  }
  i += length;
  return cp;
}

} // namespace

tl::expected<NewOrder, std::string> parse_new_order(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return tl::unexpected(doc.error());
  for (auto field : k_fields) {
    if (!doc->contains(field)) return tl::unexpected("Missing field: " + std::string(field));
  }
  NewOrder order;
  auto product = text_field((*doc)["product"], "product");
  if (!product) return tl::unexpected(product.error());
  auto quantity = quantity_field((*doc)["quantity"]);
  if (!quantity) return tl::unexpected(quantity.error());
  auto name = text_field((*doc)["customer_name"], "customer_name");
  if (!name) return tl::unexpected(name.error());
  auto address = text_field((*doc)["customer_address"], "customer_address");
  if (!address) return tl::unexpected(address.error());
  order.product = std::move(*product);
  order.quantity = *quantity;
  order.customer_name = std::move(*name);
  order.customer_address = std::move(*address);
  return order;
}

tl::expected<OrderPatch, std::string> parse_order_patch(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return tl::unexpected(doc.error());
  OrderPatch patch;
  if (auto it = doc->find("product"); it != doc->end()) {
    auto value = text_field(*it, "product");
    if (!value) return tl::unexpected(value.error());
    patch.product = std::move(*value);
  }
  if (auto it = doc->find("quantity"); it != doc->end()) {
    auto value = quantity_field(*it);
    if (!value) return tl::unexpected(value.error());
    patch.quantity = *value;
  }
  if (auto it = doc->find("customer_name"); it != doc->end()) {
    auto value = text_field(*it, "customer_name");
    if (!value) return tl::unexpected(value.error());
    patch.customer_name = std::move(*value);
  }
  if (auto it = doc->find("customer_address"); it != doc->end()) {
    auto value = text_field(*it, "customer_address");
    if (!value) return tl::unexpected(value.error());
    patch.customer_address = std::move(*value);
  }
  if (patch.empty()) {
    return tl::unexpected(std::string(
      "No field to update: give at least one of product, quantity, customer_name, customer_address"));
  }
  return patch;
}

// Hand-written rather than nlohmann's dump(): this is on every response's path, writes straight
// into the response buffer, and must match Python's escaping exactly (\u escapes in lowercase hex,
// surrogate pairs above U+FFFF, DEL escaped, '/' not escaped).
void append_json_string(std::string& out, std::string_view utf8) {
  out += '"';
  std::size_t i = 0;
  while (i < utf8.size()) {
    const char c = utf8[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '"' && c != '\\') {
      out += c;
      ++i;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      default: break;
    }
    const std::uint32_t cp = next_code_point(utf8, i);
    if (cp > 0xffff) {
      const std::uint32_t v = cp - 0x10000;
      append_hex4(out, 0xd800 + (v >> 10));
      append_hex4(out, 0xdc00 + (v & 0x3ff));
    } else {
      append_hex4(out, cp);
    }
  }
  out += '"';
}

void append_order_json(std::string& out, const Order& order) {
  out += "{\"_id\":\"";
  out += order.id; // always 24 hex digits, nothing to escape
  out += "\",\"customer_address\":";
  append_json_string(out, order.customer_address);
  out += ",\"customer_name\":";
  append_json_string(out, order.customer_name);
  out += ",\"product\":";
  append_json_string(out, order.product);
  out += ",\"quantity\":";
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, order.quantity);
  out.append(digits, end);
  out += '}';
}

} // namespace fp::server
