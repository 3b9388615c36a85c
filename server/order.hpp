// The order record and the two shapes a client sends: a whole new order, or a partial update.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fp::server {

struct NewOrder {
  std::string product;
  std::int64_t quantity = 0;
  std::string customer_name;
  std::string customer_address;
};

struct Order {
  std::string id; // 24 lowercase hex digits (ObjectId::hex)
  std::string product;
  std::int64_t quantity = 0;
  std::string customer_name;
  std::string customer_address;
};

// PUT changes only the fields it names; the others keep their values (app.py set them to null).
struct OrderPatch {
  std::optional<std::string> product;
  std::optional<std::int64_t> quantity;
  std::optional<std::string> customer_name;
  std::optional<std::string> customer_address;

  bool empty() const { return !product && !quantity && !customer_name && !customer_address; }
};

} // namespace fp::server
