#pragma once
// Generated messages for property tests: every shape the grammar allows.

#include <random>

#include "ocp/message.hpp"

namespace ocp::test {

/// A random well-formed message (unique named parameter names, values
/// nested at most `max_depth` deep, payload octets of any value).
Message random_message(std::mt19937& random, int max_depth = 3);

}  // namespace ocp::test
