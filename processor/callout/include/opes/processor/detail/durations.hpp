#pragma once
// Durations in reasons: "30 s", "1500 ms".

#include <chrono>
#include <string>

#include "opes/processor/link_settings.hpp"

namespace opes::processor::detail {

inline std::string describe_duration(Duration d) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(d).count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

}  // namespace opes::processor::detail
