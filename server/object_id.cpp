#include "object_id.hpp"

#include <atomic>
#include <chrono>
#include <random>

namespace fp::server {
namespace {

constexpr char k_hex_digits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct ProcessIdentity {
  std::array<std::uint8_t, 5> random{};
  std::atomic<std::uint32_t> counter{0};

  ProcessIdentity() {
    std::random_device device;
    std::uniform_int_distribution<std::uint32_t> byte(0, 255);
    for (auto& b : random) b = static_cast<std::uint8_t>(byte(device));
    counter = std::uniform_int_distribution<std::uint32_t>(0, 0xffffff)(device);
  }
};

ProcessIdentity& identity() {
  static ProcessIdentity instance;
  return instance;
}

} // namespace

std::optional<ObjectId> ObjectId::parse(std::string_view text) {
  if (text.size() != k_hex_length) return std::nullopt;
  ObjectId id;
  for (std::size_t i = 0; i < id.m_bytes.size(); ++i) {
    const int high = hex_value(text[2 * i]);
    const int low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    id.m_bytes[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return id;
}

ObjectId ObjectId::generate() {
  auto& process = identity();
  const auto seconds = static_cast<std::uint32_t>(
    std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count());
  const std::uint32_t count = process.counter.fetch_add(1, std::memory_order_relaxed) & 0xffffff;

  ObjectId id;
  id.m_bytes[0] = static_cast<std::uint8_t>(seconds >> 24);
  id.m_bytes[1] = static_cast<std::uint8_t>(seconds >> 16);
  id.m_bytes[2] = static_cast<std::uint8_t>(seconds >> 8);
  id.m_bytes[3] = static_cast<std::uint8_t>(seconds);
  for (std::size_t i = 0; i < process.random.size(); ++i) id.m_bytes[4 + i] = process.random[i];
  id.m_bytes[9] = static_cast<std::uint8_t>(count >> 16);
  id.m_bytes[10] = static_cast<std::uint8_t>(count >> 8);
  id.m_bytes[11] = static_cast<std::uint8_t>(count);
  return id;
}

std::string ObjectId::hex() const {
  std::string out(k_hex_length, '0');
  for (std::size_t i = 0; i < m_bytes.size(); ++i) {
    out[2 * i] = k_hex_digits[m_bytes[i] >> 4];
    out[2 * i + 1] = k_hex_digits[m_bytes[i] & 0x0f];
  }
  return out;
}

} // namespace fp::server
