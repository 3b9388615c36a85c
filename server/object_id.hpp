// Order ids in MongoDB's ObjectId format, so data and clients made for the course's app.py keep working.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fp::server {

// 12 bytes, shown as 24 lowercase hex digits: 4-byte big-endian seconds since the epoch, 5 random
// bytes chosen once per process, a 3-byte counter starting at a random value. Ids made by different
// worker processes do not collide and sort roughly by creation time.
class ObjectId {
public:
  static constexpr std::size_t k_hex_length = 24;

  // Accepts exactly 24 hex digits in either case; anything else is not an id.
  static std::optional<ObjectId> parse(std::string_view text);

  // A new id; thread-safe, lock-free.
  static ObjectId generate();

  std::string hex() const;
  const std::array<std::uint8_t, 12>& bytes() const { return m_bytes; }
  friend bool operator==(const ObjectId&, const ObjectId&) = default;

private:
  std::array<std::uint8_t, 12> m_bytes{};
};

} // namespace fp::server
