// A plain HTTP GET with no token and no retries: whether a URL answers, and with which status.
// `fpctl up` uses it to check the deployment end to end from where the user sits, through the
// load balancer's public address, after every host checked itself from the inside.
#pragma once

#include <chrono>
#include <string>

#include <tl/expected.hpp>

namespace fp::cloud {

// The HTTP status, or curl's words for why there was none ("Connection refused", "timed out").
tl::expected<long, std::string> probe_http(const std::string& url, std::chrono::milliseconds timeout);

} // namespace fp::cloud
