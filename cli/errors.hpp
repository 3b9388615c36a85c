// How commands report failure to main(), the one place that prints an error and picks the exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace fp::cli {

// A mistake in the command line or configuration: exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Exit codes every command shares (a command may return its own from its documented set).
constexpr int k_exit_ok = 0;
constexpr int k_exit_failure = 1;
constexpr int k_exit_usage = 2;
constexpr int k_exit_interrupted = 130;

} // namespace fp::cli
