// Runs independent calls side by side (the client is thread-safe and shares its connections).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace fp::cloud {

// Calls fn(i) for every i in [0, count) on at most `width` threads and returns when all are done.
// An exception thrown by fn (allocation failure; the calls themselves return errors as values) is
// rethrown here after every thread has finished.
template <typename Fn>
void parallel_for(std::size_t count, std::size_t width, Fn fn) {
  width = std::clamp<std::size_t>(width, 1, std::max<std::size_t>(count, 1));
  if (count <= 1 || width == 1) {
    for (std::size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  std::vector<std::thread> threads;
  threads.reserve(width);
  for (std::size_t t = 0; t < width; ++t) {
    threads.emplace_back([&] {
      for (std::size_t i = next++; i < count; i = next++) {
        try {
          fn(i);
        } catch (...) {
          std::lock_guard lock(failure_mutex);
          if (!failure) failure = std::current_exception();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);
}

// fn(i) -> T for every i, results in order.
template <typename T, typename Fn>
std::vector<T> parallel_map(std::size_t count, std::size_t width, Fn fn) {
  std::vector<std::optional<T>> slots(count);
  parallel_for(count, width, [&](std::size_t i) { slots[i].emplace(fn(i)); });
  std::vector<T> results;
  results.reserve(count);
  for (auto& slot : slots) results.push_back(std::move(*slot));
  return results;
}

} // namespace fp::cloud
