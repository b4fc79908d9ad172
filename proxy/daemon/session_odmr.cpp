// ODMR's provider side of one session (RFC 2645): the command table of its
// three states, ATRN's checks, and the hand-over of the connection to the
// reversed delivery (odmr_release.hpp).
//
//   ATRN before AUTH                        530 5.7.0 (the table, §5.2.1)
//   not the ABNF                            501 5.5.4
//   the customers file unreadable           451 4.3.0 (§5.2.1: cannot verify access)
//   a domain not the customer's             450 4.7.1, nothing is sent (§5.2.1 MUST)
//   asked again within atrn_interval        450 4.7.0 (§5.2.1 MAY)
//   no mail held                            453 4.7.0, or with no_mail reverse 250
//   otherwise                               250 on one line (fetchmail reads one),
//                                           then the roles reverse

#include "odmr_release.hpp"
#include "odmr_runtime.hpp"
#include "opes/odmr/atrn.hpp"
#include "opes/smtp/server_replies.hpp"
#include "opes/support/log.hpp"
#include "smtp_session_impl.hpp"

namespace opes::proxy {

namespace {

using support::log;
using support::LogLevel;

/// How many entries one ATRN takes; the customer asks again for the rest.
constexpr std::size_t kEntriesPerAtrn = 10000;

}  // namespace

smtp::CommandTable odmr_commands() {
  // RFC 2645 §5: initial state EHLO, AUTH, QUIT (and STARTTLS, which a
  // customer may want before AUTH); authenticated ATRN, QUIT; else 502 (§5.4).
  smtp::CommandTable table = smtp::smtp_commands({});
  for (auto& rule : table.rules) rule.offered = false;
  table[smtp::Verb::ehlo] = {.auth = smtp::AuthGate::before};
  table[smtp::Verb::auth].offered = true;
  table[smtp::Verb::quit].offered = true;
  table[smtp::Verb::starttls].offered = true;
  table[smtp::Verb::starttls].auth = smtp::AuthGate::before;
  table[smtp::Verb::atrn] = {.auth = smtp::AuthGate::required};
  return table;
}

Reply SmtpSession::odmr_ehlo_answer(const std::string& argument) const {
  std::vector<std::string> keywords;
  // RFC 2645 §5.1.1: the reply MUST include AUTH and ATRN.
  if (auto auth = auth_.ehlo_keyword(stream_.tls())) keywords.push_back(std::move(*auth));
  keywords.push_back("ATRN");
  if (starttls_offered()) keywords.push_back("STARTTLS");
  keywords.push_back("ENHANCEDSTATUSCODES");
  return smtp::ehlo_reply(config_.hostname, "greets " + argument.substr(0, 255), keywords);
}

boost::asio::awaitable<void> SmtpSession::on_atrn(const smtp::Command& command) {
  const OdmrSettings& settings = *config_.odmr;
  const std::string& customer = auth_.user();
  auto refuse = [&](std::uint16_t code, std::string text, std::string cause) {
    log(LogLevel::info, "odmr.atrn_refused",
        {{"peer", stream_.peer()},
         {"session", transaction_ids_.session},
         {"customer", customer},
         {"reply", std::to_string(code)},
         {"cause", std::move(cause)}});
    reply(Reply::line(code, std::move(text)));
  };
  auto requested = odmr::parse_atrn_domains(command.argument);
  if (!requested) {
    refuse(501, "5.5.4 " + requested.error(), requested.error());
    co_return;
  }
  // Read afresh: domains given to or taken from a customer count at once.
  auto customers = load_customers(settings.customers_file);
  if (!customers) {
    refuse(451, "4.3.0 Unable to process ATRN request now", customers.error());
    co_return;
  }
  const std::vector<std::string>* owned = customers->domains_of(customer);
  std::vector<std::string> domains = requested->empty() && owned ? *owned : *requested;
  for (const std::string& domain : domains) {
    if (!owned || std::find(owned->begin(), owned->end(), domain) == owned->end()) {
      refuse(450, "4.7.1 ATRN request refused: " + domain + " is not yours",
             "not authorised for " + domain);
      co_return;
    }
  }
  if (domains.empty()) {
    refuse(450, "4.7.1 ATRN request refused: no domains", "the customer has no domains");
    co_return;
  }
  if (!context_.odmr->intervals.admit(customer, std::chrono::steady_clock::now(), settings.atrn_interval)) {
    refuse(450, "4.7.0 ATRN request refused: asked again within " +
                    std::to_string(settings.atrn_interval.count()) + " seconds",
           "repeated within atrn_interval_seconds");
    co_return;
  }
  queue::HoldStore& store = *context_.odmr->store;
  std::vector<queue::HeldRecord> leased = store.lease(domains, kEntriesPerAtrn);
  if (leased.empty()) {
    if (store.holds_mail(domains)) {
      // Held, but another session is delivering it right now.
      refuse(450, "4.7.0 ATRN request refused: another session is taking this mail",
             "entries leased by another session");
      co_return;
    }
    if (!settings.reverse_without_mail) {
      refuse(453, "4.7.0 You have no mail", "no mail held");
      co_return;
    }
  }
  // One line: fetchmail reads exactly one after ATRN and turns around.
  if (auto released = core_.reply_and_release(Reply::line(250, "2.0.0 OK now reversing the connection"));
      !released) {
    log_error("smtp.internal_error", released.error().reason);
    for (const queue::HeldRecord& entry : leased) (void)store.release(entry, false);
    closing_ = true;
    co_return;
  }
  log(LogLevel::info, "odmr.atrn",
      {{"peer", stream_.peer()},
       {"session", transaction_ids_.session},
       {"customer", customer},
       {"entries", std::to_string(leased.size())}});
  reversal_ = Reversal{customer, std::move(domains), std::move(leased)};
  closing_ = true;
}

boost::asio::awaitable<void> SmtpSession::reverse() {
  Reversal reversal = std::move(*reversal_);
  reversal_.reset();
  std::string unread = core_.take_unread();
  handed_over_ = true;
  co_await release_to_customer(context_, std::move(stream_), std::move(unread), std::move(reversal),
                               transaction_ids_);
}

}  // namespace opes::proxy
