// opes-ocp-load: an OPES processor that drives a callout server with a load
// of SMTP transactions over OCP and prints the figures (see --help).

#include <cstdio>
#include <iostream>

#include "command_line.hpp"
#include "opes/loadgen/load_run.hpp"

int main(int argc, char** argv) {
  using namespace opes::loadgen;
  const std::vector<std::string> arguments(argv + 1, argv + argc);
  auto options = tool::parse_command_line(arguments);
  if (!options) {
    std::cerr << "opes-ocp-load: " << options.error().message << "\n";
    return 2;
  }
  if (options->help) {
    std::cout << tool::usage();
    return 0;
  }
  const MessageShape shape = options->expected.shape;
  const AnswerExpectations expected = options->expected;
  const bool any_answer = options->any_answer && !expected.header && !expected.match_reply;
  const LoadStats stats = run_load(
      options->load,
      [&shape](std::size_t connection, std::size_t sequence) {
        return make_input(shape, connection, sequence);
      },
      [&expected, any_answer](const TransactionOutcome& outcome) -> std::optional<std::string> {
        if (any_answer) return require_success(outcome);
        return check_answers(expected, outcome);
      });
  std::cout << format_figures(stats, shape.size) << std::endl;
  for (const std::string& failure : stats.failures) std::cerr << "failure: " << failure << "\n";
  return stats.all_ok() ? 0 : 1;
}
