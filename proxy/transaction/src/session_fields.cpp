#include "opes/transaction/session_fields.hpp"

#include <ctime>
#include <random>

namespace opes::proxy {

std::string new_session_id() {
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string id(12, '0');
  for (char& c : id) c = kAlphabet[pick(generator)];
  return id;
}

std::string rfc5322_date() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[64];
  // The C locale's day and month names are RFC 5322's.
  const std::size_t size = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S +0000", &utc);
  return std::string(text, size);
}

ocp::smtp::HeaderField received_field(const ReceivedInput& input) {
  return smtp::format_received(input, rfc5322_date());
}

}  // namespace opes::proxy
