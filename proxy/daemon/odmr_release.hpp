#pragma once
// The reversed state of ODMR (RFC 2645 §5.3): after the 250 to ATRN the
// customer is the server and we are its client, on the same connection.
// Its greeting is read (the octets it sent behind ATRN first), then each
// leased message goes to it with only the recipients of its domains:
//
//   customer's 250 after the final dot   the entry is acknowledged (removed)
//   5yz to a recipient or the message    a DSN (RFC 3464) to the sender,
//                                        then removed
//   4yz, or the connection lost          held again, one attempt counted
//
// With release re-scan (odmr.release_service_group) each message runs
// through a MailTransaction of that group first, with the Origin its record
// kept: a refusal bounces, a quarantine advice quarantines.

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

#include "gateway_context.hpp"
#include "ocp/smtp/reply.hpp"
#include "opes/proxy/mail_stream.hpp"
#include "opes/queue/hold_store.hpp"
#include "opes/smtp/delivery_status.hpp"
#include "opes/transaction/mail_transaction.hpp"

namespace opes::proxy {

struct Reversal {
  std::string customer;
  std::vector<std::string> domains;
  std::vector<queue::HeldRecord> leased;  // may be empty (odmr.no_mail reverse)
};

/// Delivers `reversal` to the customer on `stream`; every lease is
/// acknowledged or released before it returns.
boost::asio::awaitable<void> release_to_customer(GatewayContext& context, MailStream stream,
                                                 std::string already_read, Reversal reversal,
                                                 TransactionIds& ids);

/// Sends `dsn` from the null sender through the configured routes (the
/// sender's domain decides where it goes, the hold queue included). The
/// reply of the route that took it, or of the refusal.
boost::asio::awaitable<ocp::smtp::Reply> send_dsn(GatewayContext& context, const smtp::DsnMessage& dsn);

/// The DSN request for `entry`'s recipients `failed` (each with its reply);
/// `content` is the held message.
smtp::DsnRequest dsn_request(const ProxyConfig& config, const queue::HeldRecord& entry,
                             std::vector<smtp::DsnRecipient> failed, std::string_view content,
                             std::string explanation);

}  // namespace opes::proxy
