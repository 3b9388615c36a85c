#include "ssh/sha256.hpp"

#include <array>
#include <stdexcept>

#include <openssl/evp.h>

namespace fp::ssh {

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL cannot compute SHA-256"); // only when out of memory
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    text += k_hex[digest[i] >> 4];
    text += k_hex[digest[i] & 0x0f];
  }
  return text;
}

} // namespace fp::ssh
