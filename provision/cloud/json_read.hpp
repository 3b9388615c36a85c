// Tolerant readers for the API's JSON: a missing key, a null or a value of another type gives the
// default instead of an exception, because the API adds fields, sends nulls and the simulator and
// the real service differ in details. Private to fp_cloud.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "client.hpp"
#include "error.hpp"

namespace fp::cloud::detail {

using nlohmann::json;

std::string text(const json& object, const char* key);
std::int64_t integer(const json& object, const char* key);
double number(const json& object, const char* key);
bool boolean(const json& object, const char* key);
std::vector<std::string> texts(const json& object, const char* key);
std::vector<std::int64_t> integers(const json& object, const char* key);
const json& member(const json& object, const char* key); // a static null when absent

// The object under `key` of a response body ({"droplet": {...}}), or a bad_response error naming
// the request.
tl::expected<const json*, ApiError> single(const Response& response, const char* key, const std::string& what);

} // namespace fp::cloud::detail
