#pragma once
// The configuration of opes-proxy: one JSON document, read strictly (every
// key known, every error naming its path). docs/operator-guide.md describes
// each key; config/opes-proxy.json is the built-in default.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "opes/host/host_policy.hpp"
#include "opes/odmr/customers.hpp"
#include "opes/sasl/credentials.hpp"
#include "opes/sasl/server_exchange.hpp"
#include "opes/support/json_reader.hpp"
#include "opes/support/log.hpp"

namespace opes::proxy {

using support::ConfigError;
using support::LogLevel;
using Seconds = std::chrono::seconds;

/// A certificate and key we present (STARTTLS to clients; a client
/// certificate towards a callout server).
struct TlsIdentity {
  std::string certificate_file;
  std::string private_key_file;
};

/// How we check a server we connect to (upstream MTA, callout server).
struct TlsPeerCheck {
  std::optional<std::string> ca_file;  // absent: the system's trust store
  bool verify = true;                   // secure by default: the name and chain are checked
  std::string server_name;              // empty: the configured address
};

/// How a listener uses the top-level `tls` identity. starttls: offered
/// after EHLO when `tls` is set (RFC 3207; today's behaviour and the
/// default); implicit: the TLS handshake comes first, before the greeting
/// (RFC 8314 §3.3, submissions on port 465), and STARTTLS is not offered;
/// none: plain text only.
enum class ListenerTls { starttls, implicit, none };

/// SMTP AUTH on a listener (RFC 4954). PLAIN and LOGIN carry the password
/// and are offered and taken only under TLS; CRAM-MD5 also without.
struct ListenerAuth {
  std::vector<sasl::Mechanism> mechanisms{sasl::Mechanism::plain, sasl::Mechanism::login};
  std::string credentials_file;  // as resolved, for logs
  /// Read when the configuration is: a reload (SIGHUP) reads it again.
  std::shared_ptr<const sasl::Credentials> credentials;
  /// MAIL before a successful AUTH gets 530 5.7.0 (RFC 4954 §6).
  bool required = false;
  /// The Received field names the authenticated identity in a comment.
  bool identity_in_received = true;
};

/// HOST on a listener (draft-khanna-proxy-mail-protocols-00): off (SMTP:
/// 502), allowed (the client may name its server; otherwise the configured
/// destinations), required (nothing but HOST until a server is named; a
/// pop3 listener is always `required`).
enum class HostMode { off, allowed, required };

/// What a listener speaks: SMTP (the OPES path), POP3 (RFC 1939) with the
/// HOST preamble and then pass-through, no adaptation, or ODMR (RFC 2645:
/// customers authenticate and take their held mail with ATRN; the top-level
/// `odmr` settings).
enum class ListenerProtocol { smtp, pop3, odmr };

struct Listener {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: a free port, printed at start
  std::string service_group;  // empty: the first service group
  ListenerProtocol protocol = ListenerProtocol::smtp;
  HostMode host = HostMode::off;
  ListenerTls tls = ListenerTls::starttls;
  std::optional<ListenerAuth> auth;  // absent: AUTH is not offered
};

/// Who may send to which recipients (no open relay): a recipient is
/// accepted when the client's address is in `clients` or the recipient's
/// domain is in `domains` (compared case-insensitively).
struct RelayPolicy {
  struct Network {
    std::string text;                 // as configured, for logs: "127.0.0.0/8"
    std::vector<std::uint8_t> prefix; // 4 or 16 octets
    unsigned bits = 0;
  };
  std::vector<Network> clients;
  std::vector<std::string> domains;
  /// Whether clients outside `clients` may use sender-specified routing
  /// (`user%remote@domain`, `"user@remote"@domain`, `remote!user@domain`);
  /// relay_decision.hpp. Off: an upstream applying the percent hack would
  /// otherwise relay for anyone.
  bool allow_untrusted_routing = false;
};

/// RFC 7435 and Postfix's smtp_tls_security_level: `off` (none),
/// `opportunistic` (may: encrypted when offered, unauthenticated, plain
/// text when not offered or when the handshake fails), `encrypt` (STARTTLS
/// required, unauthenticated), `verify` (STARTTLS required, chain and name
/// verified). The old `required` is read as `verify`, or `encrypt` with
/// `tls.verify: false`.
enum class UpstreamTls { off, opportunistic, encrypt, verify };

/// Telling the upstream who the client is (client_forwarding.hpp): Postfix's
/// XCLIENT (its policy then judges the real client) or XFORWARD (its logs
/// and Received name it), each only when the upstream offers it.
enum class ForwardClient { off, xclient, xforward };

struct Upstream {
  std::string address;
  std::uint16_t port = 25;
  UpstreamTls starttls = UpstreamTls::opportunistic;
  /// For `verify` (and `required`): verify is true. The TLS client context
  /// verifies exactly when `check.verify` is set: read_upstream() sets it
  /// from the mode.
  TlsPeerCheck check;
  ForwardClient forward_client = ForwardClient::off;
  Seconds connect_timeout{30};
  Seconds reply_timeout{300};  // RFC 5321 §4.5.3.2 gives 5 to 10 minutes per command
};

/// What a named destination is (docs/operator-guide.md, "Destinations and
/// routes"). Adding a kind (the ODMR hold queue, a submission server, the
/// HOST-named upstream of a session) is a value here, its settings in
/// Destination, its reader in config.cpp (read_destination) and a case in
/// make_destination_delivery() (routing_delivery.hpp).
/// `hold` is not configured as a destination: it is the ODMR hold queue,
/// which the configuration adds with a route for every customer domain.
enum class DestinationKind { upstream, spool, hold };

struct Destination {
  std::string name;  // as configured; the legacy top-level upstream or spool is "default"
  DestinationKind kind = DestinationKind::spool;
  Upstream upstream;            // kind upstream
  std::filesystem::path spool;  // kind spool
};

/// Recipient domains sent to one destination. Patterns as in Postfix's
/// transport(5) tables: "example.org" is that domain only, ".example.org"
/// every name below it; stored in lower case. No domains: the default route.
struct Route {
  std::vector<std::string> domains;
  std::string destination;
};

/// Named destinations and the routes choosing one per recipient. The most
/// specific pattern wins whatever the order of the routes (the domain
/// itself, then ".parent" from the nearest, as transport(5) looks them up),
/// so one domain in two routes is a configuration error.
struct Routing {
  std::vector<Destination> destinations;
  std::vector<Route> routes;
  /// Built by the configuration reader: pattern -> index in destinations.
  std::map<std::string, std::size_t, std::less<>> by_pattern;
  std::size_t default_destination = 0;

  /// The index of the destination of `recipient` (a forward-path without
  /// brackets; "postmaster" and other domainless paths take the default).
  std::size_t destination_for(std::string_view recipient) const;
  /// The destination every route leads to, when they all lead to one.
  std::optional<std::size_t> only_destination() const;
  std::optional<std::size_t> find(std::string_view name) const;
};

/// A route's pattern in lower case, or nullopt when `text` is not one: a
/// domain, ".domain" for every name below it, or an address literal.
std::optional<std::string> parse_domain_pattern(std::string_view text);

struct CalloutServer {
  std::string address;
  std::uint16_t port = 11344;
  /// TLS to the callout server when set.
  std::optional<TlsPeerCheck> tls;
  std::optional<TlsIdentity> client_identity;
};

struct ServiceSettings {
  std::string uri;   // the OCP service id sent in SGC, and its tracing agent id
  std::string name;  // for logs and opesbypass; defaults to the URI
  /// Secure by default: a service may be skipped on a sender's opesbypass
  /// request only when the operator says so.
  bool bypassable = false;
};

enum class FailurePolicy { tempfail, pass };

struct ServiceGroup {
  std::string name;
  std::vector<ServiceSettings> services;
  /// What happens to a message when no callout server answers in time.
  FailurePolicy on_failure = FailurePolicy::tempfail;
};

struct CalloutSettings {
  std::vector<CalloutServer> servers;
  /// Kept open to each server (the minimum of the pool), per thread.
  unsigned connections_per_server = 2;
  /// Opened as transactions need them, per thread: a further connection only
  /// when every open one has max_open_transactions (processor::LinkSettings).
  unsigned max_connections_per_server = 32;
  /// Open transactions per OCP connection (processor::LinkSettings); at
  /// most the callout server's own limit (opes-callout: 256).
  unsigned max_transactions_per_connection = 64;
  /// A connection above connections_per_server that has had no transaction
  /// this long is closed with CE (checked each probe interval).
  Seconds idle_timeout{60};
  Seconds connect_timeout{5};
  Seconds answer_timeout{30};    // a command part's answer
  Seconds content_timeout{120};  // the content's answers, after the message ended
  Seconds probe_interval{10};
  std::vector<ServiceGroup> service_groups;
};

struct Limits {
  std::uint64_t max_message_size = 50u << 20;  // SIZE; 0: none
  std::size_t max_recipients = 1000;
  std::size_t max_line_length = 1000;  // RFC 5321 §4.5.3.1.6, CRLF included
  std::size_t max_sessions = 1000;
  std::size_t memory_buffer = 1u << 20;       // held content beyond this spills to disk
  std::size_t max_header_section = 1u << 20;  // the header section of one message
  // Per client address, like Postfix's anvil (0: no limit); relay.clients
  // are exempt unless exempt_relay_clients is false.
  std::size_t max_sessions_per_client = 20;
  std::size_t max_transactions_per_client = 10;
  bool exempt_relay_clients = true;
};

struct Timeouts {
  Seconds command{300};  // waiting for the client's next command (RFC 5321 §4.5.3.2.7)
  Seconds data{600};     // waiting for more message content
  Seconds session{3600};
  /// An implicit-TLS listener's handshake, before the greeting (RFC 8314 §3.3).
  Seconds tls_handshake{30};
  /// A POP3 session after HOST: how long either side may stay silent while
  /// the other waits (RFC 1939 §3: an autologout timer of at least 10 minutes).
  Seconds pop3_idle{600};
};

/// How strictly the client's SMTP is read, beyond what is always refused.
struct SmtpStrictness {
  /// A bare CR or LF in message data (RFC 5321 §2.3.8): reject refuses the
  /// message (secure default); normalize makes it a CRLF. The end of data is
  /// CR LF . CR LF in both (Postfix smtpd_forbid_bare_newline).
  enum class BareLineEndings { reject, normalize };
  BareLineEndings bare_line_endings = BareLineEndings::reject;
};
/// Who gets the opestrace notification they ask for (draft-ietf-opes-smtp
/// §4.2). The envelope sender is the client's claim: secure by default,
/// only clients we relay for (relay.clients) are believed.
enum class TraceNotify { relay_clients, anyone, nobody };

struct Tracing {
  std::string agent_id;  // the OPES-System trace entry; default http://<hostname>/opes
  bool opes_via = false;
  TraceNotify notify = TraceNotify::relay_clients;
  std::size_t notify_max_header = 8192;  // header octets a notification repeats
  Seconds notify_window{3600};           // the rate window of notify_per_sender / notify_total
  std::size_t notify_per_sender = 5;     // notifications to one sender per window
  std::size_t notify_total = 100;        // notifications in all per window (all threads)
};

/// On-Demand Mail Relay (RFC 2645): mail for the customers' domains is held
/// in a durable queue instead of going upstream, and handed over when the
/// customer connects to an odmr listener and asks with ATRN.
struct OdmrSettings {
  /// The customers file (opes/odmr/customers.hpp): credentials and domains.
  std::filesystem::path customers_file;
  /// As read with the configuration; ATRN reads the file again when it
  /// changed (a file that cannot be read then gives 451, RFC 2645 §5.2.1).
  std::shared_ptr<const odmr::Customers> customers;
  std::filesystem::path queue;  // the hold queue's folder
  /// RFC 2645 §5.2.1: a customer asking again within this gets 450.
  Seconds atrn_interval{60};
  /// No mail held: 453 (false), or 250, EHLO and QUIT (RFC 2645 §5.2.1 MAY).
  bool reverse_without_mail = false;
  /// Held this long, a message bounces (Postfix maximal_queue_lifetime: 5 days).
  Seconds max_hold{5 * 86400};
  /// A delay DSN (RFC 3464 Action: delayed) once a message is held this
  /// long; 0: none (Postfix delay_warning_time is off by default too).
  Seconds delay_warning{0};
  /// How often held messages are checked against max_hold and delay_warning.
  Seconds sweep_interval{60};
  /// Every wait in the reversed session: the customer's 220, each reply.
  Seconds reply_timeout{300};
  /// Re-scan at release: each message runs through this service group again
  /// before it goes to the customer; "" no re-scan.
  std::string release_service_group;
};

struct ProxyConfig {
  std::string hostname = "localhost";  // greeting, EHLO, Received
  unsigned threads = 1;
  LogLevel log_level = LogLevel::warning;
  support::LogOutput log_output;  // log_format, log_timestamps
  std::vector<Listener> listeners;
  std::optional<TlsIdentity> tls;  // STARTTLS is offered when set
  /// Which servers HOST may name (listeners with `host`); no rules: none.
  host::HostPolicy host_policy;
  std::optional<OdmrSettings> odmr;
  Limits limits;
  Timeouts timeouts;
  RelayPolicy relay;
  /// The legacy single destination: at most one of upstream and spool,
  /// and then `routing` has it as its only destination, "default".
  std::optional<Upstream> upstream;
  std::optional<std::filesystem::path> spool;
  /// Where accepted mail goes, per recipient: `destinations` and `routes`,
  /// or the one destination of upstream or spool.
  Routing routing;
  std::filesystem::path quarantine;  // Advice: Quarantine
  std::filesystem::path work_directory;  // spilled content
  CalloutSettings callout;
  Tracing tracing;
  SmtpStrictness smtp;
  bool allow_bypass = true;  // honour opesbypass for bypassable services
  /// SIGTERM/SIGINT: how long sessions in a mail transaction may take to
  /// finish it before they are cut with 421 (0: at once).
  Seconds shutdown_grace{30};

  const ServiceGroup* find_group(std::string_view name) const;
};

using ConfigResult = ocp::Expected<ProxyConfig, std::vector<ConfigError>>;

/// Parses and checks a configuration document. Relative paths are taken
/// relative to `base` (the configuration file's directory).
ConfigResult parse_config(std::string_view text, const std::filesystem::path& base = {});
ConfigResult load_config(const std::filesystem::path& file);

/// The ODMR customers file, read to at most one octet past its bound; the
/// error names the file and the line. ATRN reads it again each time.
ocp::Expected<odmr::Customers, std::string> load_customers(const std::filesystem::path& file);

/// Whether `address` (textual IPv4 or IPv6) falls in one of the networks.
bool in_networks(const std::vector<RelayPolicy::Network>& networks, std::string_view address);

}  // namespace opes::proxy
