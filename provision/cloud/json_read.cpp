#include "json_read.hpp"

namespace fp::cloud::detail {

const json& member(const json& object, const char* key) {
  static const json k_null;
  if (!object.is_object()) return k_null;
  const auto it = object.find(key);
  return it == object.end() ? k_null : *it;
}

std::string text(const json& object, const char* key) {
  const json& value = member(object, key);
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  return {};
}

std::int64_t integer(const json& object, const char* key) {
  const json& value = member(object, key);
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_number_float()) return static_cast<std::int64_t>(value.get<double>());
  if (value.is_string()) {
    try {
      return std::stoll(value.get<std::string>());
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

double number(const json& object, const char* key) {
  const json& value = member(object, key);
  if (value.is_number()) return value.get<double>();
  return 0.0;
}

bool boolean(const json& object, const char* key) {
  const json& value = member(object, key);
  return value.is_boolean() && value.get<bool>();
}

std::vector<std::string> texts(const json& object, const char* key) {
  std::vector<std::string> out;
  const json& value = member(object, key);
  if (!value.is_array()) return out;
  for (const auto& item : value)
    if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

std::vector<std::int64_t> integers(const json& object, const char* key) {
  std::vector<std::int64_t> out;
  const json& value = member(object, key);
  if (!value.is_array()) return out;
  for (const auto& item : value)
    if (item.is_number_integer()) out.push_back(item.get<std::int64_t>());
  return out;
}

tl::expected<const json*, ApiError> single(const Response& response, const char* key, const std::string& what) {
  const json& value = member(response.body, key);
  if (value.is_object()) return &value;
  return tl::unexpected(make_error(ErrorKind::bad_response,
                                   what + ": the answer has no \"" + std::string(key) + "\" object",
                                   "check that the API URL points at the DigitalOcean API"));
}

} // namespace fp::cloud::detail
