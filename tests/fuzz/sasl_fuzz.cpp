// libFuzzer target for proxy/sasl: base64 (a decode must re-encode to the
// same text), the credentials file reader, and a server exchange of each
// mechanism fed the input's lines as responses, against credentials read
// from the input too. Nothing may crash, leak or read out of bounds.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "opes/sasl/base64.hpp"
#include "opes/sasl/credentials.hpp"
#include "opes/sasl/server_exchange.hpp"

namespace {

using namespace opes::sasl;

void exchange(Mechanism mechanism, const Credentials& credentials, std::string_view input) {
  ChallengeSource source{[] { return std::uint64_t{1896}; }, [] { return std::int64_t{697170952}; },
                         "fuzz.test"};
  ServerExchange server(mechanism, credentials, source);
  const auto end = input.find('\n');
  const std::string_view first = input.substr(0, end);
  Outcome outcome = server.start(first.empty() ? std::nullopt : std::optional<std::string_view>(first));
  input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
  while (outcome.kind == Outcome::Kind::challenge) {
    const auto next = input.find('\n');
    outcome = server.step(input.substr(0, next));
    if (next == std::string_view::npos) break;
    input = input.substr(next + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto decoded = base64_decode(input)) {
    if (base64_encode(*decoded) != input) std::abort();  // canonical base64 only
  }
  CredentialsLimits limits;
  limits.max_users = 64;
  auto parsed = parse_credentials(input, limits);
  Credentials credentials = parsed ? std::move(*parsed) : Credentials();
  credentials.add("tim", hmac_md5_contexts("tanstaaftanstaaf"));
  for (Mechanism mechanism : {Mechanism::plain, Mechanism::login, Mechanism::cram_md5})
    exchange(mechanism, credentials, input);
  return 0;
}
