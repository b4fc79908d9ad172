#pragma once
// Why a policy input (configuration, a header section, an identifier) is
// refused. Errors are values in the processor's cores.

#include <string>

namespace opes::processor {

struct PolicyError {
  std::string reason;

  friend bool operator==(const PolicyError&, const PolicyError&) = default;
};

}  // namespace opes::processor
