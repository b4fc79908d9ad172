// libFuzzer target for proxy/odmr and the DSNs of proxy/smtp. The input's
// first octet is a separator; the rest, split at its next occurrence, is an
// ATRN argument and a customers file. Then make_dsn gets the second piece
// as the original message and the first as the diagnostic, the DSN
// parameters and the unique part. Nothing may crash, and the results keep
// their promises (std::abort otherwise):
//   ATRN: lower case, once each, each an ATRN domain, and parsed again the
//     same;
//   customers: all_domains sorted, each domain's owner holding it;
//   DSN: every line we write ends in CRLF and is at most 998 octets, and the
//     boundary occurs in the body only as its delimiters.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "opes/odmr/atrn.hpp"
#include "opes/odmr/customers.hpp"
#include "opes/smtp/delivery_status.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void atrn(std::string_view argument) {
  const auto domains = opes::odmr::parse_atrn_domains(argument);
  if (!domains) return;
  std::string joined;
  for (const std::string& domain : *domains) {
    check(opes::odmr::is_atrn_domain(domain));
    check(std::none_of(domain.begin(), domain.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
    check(std::count(domains->begin(), domains->end(), domain) == 1);
    joined += (joined.empty() ? "" : ",") + domain;
  }
  const auto again = opes::odmr::parse_atrn_domains(joined);
  check(again && *again == *domains);
}

void customers(std::string_view text) {
  opes::odmr::CustomersLimits limits;
  limits.credentials.max_users = 64;
  limits.max_domains_per_customer = 64;
  const auto parsed = opes::odmr::parse_customers(text, limits);
  if (!parsed) return;
  const std::vector<std::string> all = parsed->all_domains();
  check(std::is_sorted(all.begin(), all.end()));
  for (const std::string& domain : all) {
    const auto owner = parsed->owner_of(domain);
    check(owner.has_value());
    const auto* domains = parsed->domains_of(*owner);
    check(domains && std::find(domains->begin(), domains->end(), domain) != domains->end());
    check(parsed->credentials().find(*owner) != nullptr);
  }
}

void dsn(std::string_view words, std::string_view original) {
  using namespace std::chrono;
  opes::smtp::DsnRequest request;
  request.reporting_mta = "gateway.example";
  request.sender = "alice@example.org";
  request.sender_dsn_parameters = std::string(words);
  opes::smtp::DsnRecipient failed;
  failed.address = "bob@customer.example";
  failed.dsn_parameters = std::string(words);
  failed.status = std::string(words.substr(0, 8));
  failed.diagnostic = std::string(words);
  failed.remote_mta = std::string(words.substr(0, 40));
  opes::smtp::DsnRecipient delayed = failed;
  delayed.action = opes::smtp::DsnAction::delayed;
  request.recipients = {failed, delayed};
  request.arrival = system_clock::time_point(seconds(1796000000));
  request.now = request.arrival + hours(30);
  request.retry_until = request.arrival + hours(120);
  request.explanation = std::string(words);
  request.original = original;
  request.unique = std::string(words.substr(0, 64));
  const auto message = opes::smtp::make_dsn(request);
  if (!message) return;
  const std::string& content = message->content;
  const std::size_t at = content.find("boundary=\"");
  check(at != std::string::npos);
  const std::size_t start = at + 10;
  const std::string boundary = content.substr(start, content.find('"', start) - start);
  check(!boundary.empty() && boundary.size() <= 70);
  // In the body: the three delimiters and the close only. (The header
  // section may hold it, in the Message-ID, where it does no harm.)
  const std::size_t body = content.find("\r\n\r\n");
  check(body != std::string::npos);
  std::size_t occurrences = 0;
  for (std::size_t i = content.find(boundary, body); i != std::string::npos;
       i = content.find(boundary, i + 1))
    ++occurrences;
  check(occurrences == 4);
  // What we write: all of it but the returned original (the third part's
  // content) and the closing delimiter after it.
  const std::string third = "\r\n--" + boundary + "\r\nContent-Description: Undelivered Message";
  const std::size_t returned = content.find(third);
  check(returned != std::string::npos);
  const std::string_view ours = std::string_view(content).substr(0, returned + 2);
  std::size_t line = 0;
  while (line < ours.size()) {
    const std::size_t end = ours.find("\r\n", line);
    check(end != std::string_view::npos && end - line <= 998);
    const std::string_view text = ours.substr(line, end - line);
    check(text.find('\r') == std::string_view::npos && text.find('\n') == std::string_view::npos);
    line = end + 2;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = input.find(static_cast<char>(data[0]));
  const std::string_view first = input.substr(0, split);
  const std::string_view second =
      split == std::string_view::npos ? std::string_view() : input.substr(split + 1);
  atrn(first);
  customers(second);
  dsn(first, second);
  return 0;
}
