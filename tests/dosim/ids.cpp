#include "ids.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/uuid/detail/md5.hpp>
#include <cstdio>
#include <sstream>
#include <vector>

namespace fp::dosim {

IdSource::IdSource() : m_random(std::random_device{}()) {}

std::string IdSource::uuid() {
  const std::uint64_t high = m_random();
  const std::uint64_t low = m_random();
  unsigned char bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<unsigned char>(high >> (8 * i));
    bytes[8 + i] = static_cast<unsigned char>(low >> (8 * i));
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40); // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80); // RFC 4122 variant
  std::string text;
  char hex[3];
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    std::snprintf(hex, sizeof hex, "%02x", bytes[i]);
    text += hex;
  }
  return text;
}

std::string IdSource::token(std::size_t length) {
  static constexpr char k_digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string text;
  for (std::size_t i = 0; i < length; ++i) text += k_digits[m_random() % 36];
  return text;
}

std::optional<std::string> ssh_fingerprint(const std::string& public_key) {
  std::istringstream in(public_key);
  std::string type, blob;
  if (!(in >> type >> blob) || (type.rfind("ssh-", 0) != 0 && type.rfind("ecdsa-", 0) != 0)) return std::nullopt;
  namespace base64 = boost::beast::detail::base64;
  // Decoded into 4-byte words so the MD5 code's word reads are aligned.
  std::vector<std::uint32_t> words(base64::decoded_size(blob.size()) / 4 + 1);
  const auto [written, read] = base64::decode(words.data(), blob.data(), blob.size());
  if (read != blob.size() || written < 16) return std::nullopt;
  boost::uuids::detail::md5 hash;
  hash.process_bytes(words.data(), written);
  boost::uuids::detail::md5::digest_type digest;
  hash.get_digest(digest);
  unsigned char bytes[16];
  // Boost (>= 1.71, little-endian) stores each digest word byte-swapped for its uuid code
  // (see BOOST_UUID_DETAIL_MD5_BYTE_OUT); undo that to get the standard MD5 byte order.
  for (int i = 0; i < 4; ++i) {
    for (int b = 0; b < 4; ++b) bytes[4 * i + b] = static_cast<unsigned char>(digest[i] >> (8 * (3 - b)));
  }
  std::string text;
  char hex[4];
  for (int i = 0; i < 16; ++i) {
    std::snprintf(hex, sizeof hex, i ? ":%02x" : "%02x", bytes[i]);
    text += hex;
  }
  return text;
}

} // namespace fp::dosim
