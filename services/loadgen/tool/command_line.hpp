#pragma once
// opes-ocp-load's command line.

#include <optional>
#include <string>
#include <vector>

#include "opes/loadgen/answer_expectations.hpp"
#include "opes/loadgen/load_run.hpp"

namespace opes::loadgen::tool {

struct ToolOptions {
  LoadOptions load;
  AnswerExpectations expected;  // expected.shape is the message shape too
  bool any_answer = false;      // --any-answer: only TE 200 is required
  bool help = false;
};

struct CommandLineError {
  std::string message;
};

/// Parses argv[1..]; every option documented in usage().
ocp::Expected<ToolOptions, CommandLineError> parse_command_line(
    const std::vector<std::string>& arguments);

std::string usage();

}  // namespace opes::loadgen::tool
