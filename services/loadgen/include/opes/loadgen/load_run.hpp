#pragma once
// Runs a load against a callout server over TCP: N concurrent OCP
// connections (Boost.Asio C++20 coroutines), each negotiating the SMTP
// receiver profile and then running M transactions one after another (or
// several at once), every outcome handed to a check. Nothing waits without
// a bound: the whole run has a deadline, and a connection that hears
// nothing from the server for the idle timeout while it waits for answers
// is given up.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "opes/loadgen/load_stats.hpp"
#include "opes/loadgen/processor_session.hpp"
#include "opes/loadgen/transaction_input.hpp"
#include "opes/loadgen/transaction_outcome.hpp"

namespace opes::loadgen {

struct LoadOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::size_t connections = 1;
  std::size_t transactions_per_connection = 1;
  /// The services, SGC, Kept, pipelining depth (max_open_transactions).
  SessionSettings session;
  /// Threads running the client's io_context.
  unsigned threads = 1;
  /// Give up on the whole run after this long.
  std::chrono::milliseconds deadline{std::chrono::minutes(5)};
  /// Give up on a connection that has heard nothing from the server for
  /// this long while it waits for a message (NR, an answer, TE).
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(10)};
};

/// The input of transaction `sequence` (0-based over the whole load;
/// connection c runs sequences c*M .. c*M+M-1). Called concurrently.
using TransactionSource =
    std::function<TransactionInput(std::size_t connection, std::size_t sequence)>;

/// Judges one transaction the server ended with its TE: nullopt when it is
/// as expected, else why not. Called concurrently from the load's threads.
/// Transactions that did not end with the server's TE (a connection lost, a
/// timeout, a TE of our own engine after a violation) fail without a check.
using OutcomeCheck = std::function<std::optional<std::string>(const TransactionOutcome&)>;

/// The default check: TE 200 and no wire problem (TransactionOutcome::succeeded).
std::optional<std::string> require_success(const TransactionOutcome& outcome);

LoadStats run_load(const LoadOptions& options, const TransactionSource& source,
                   const OutcomeCheck& check = require_success);

}  // namespace opes::loadgen
