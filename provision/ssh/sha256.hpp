// SHA-256 of a byte string as lowercase hex, the format `sha256sum` prints (OpenSSL's libcrypto,
// which libssh already links).
#pragma once

#include <string>
#include <string_view>

namespace fp::ssh {

std::string sha256_hex(std::string_view data);

} // namespace fp::ssh
