#include "opes/callout/callout_handler.hpp"

#include <algorithm>
#include <map>

#include "ocp/smtp/allow_record.hpp"
#include "ocp/smtp/am_option.hpp"
#include "ocp/smtp/dum_parameters.hpp"
#include "ocp/smtp/parameter_rules.hpp"
#include "ocp/smtp/part_sequence.hpp"
#include "ocp/smtp/profile_scopes.hpp"
#include "ocp/smtp/reply.hpp"
#include "opes/callout/adapted_flow.hpp"
#include "opes/callout/log.hpp"
#include "opes/callout/part_views.hpp"
#include "opes/callout/transaction_pipeline.hpp"
#include "opes/plugin_host/metadata.hpp"

namespace opes::callout {

namespace {

namespace engine = ocp::engine;
namespace smtp = ocp::smtp;

plugin_host::Allow to_allow(const std::optional<smtp::SupportedParams>& allow) {
  if (!allow) return plugin_host::Allow::none();  // smtp §3.3.2: omitted = empty list
  return plugin_host::Allow{allow->smtp_error, allow->advice, allow->add_header};
}

std::string xid_text(ocp::Xid xid) { return std::to_string(xid.value); }

/// The processor's own id for the mail transaction (AM-OPT
/// `transaction-id`, smtp §3.4.3), when it is fit to be a log field: the
/// same id then names the message in the processor's, the callout server's
/// and the plugins' lines. Visible US-ASCII only, at most 128 octets; else
/// the callout server's own `peer/xid`.
std::string log_transaction_id(const std::optional<std::vector<smtp::AmOption>>& options,
                               const std::string& peer, ocp::Xid xid) {
  if (options) {
    if (const smtp::AmOption* given = smtp::find_am_option(*options, plugin_host::metadata_key::transaction_id)) {
      const std::string& id = given->value;
      const bool fit = !id.empty() && id.size() <= 128 &&
                       std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 0x7f; });
      if (fit) return id;
    }
  }
  return peer + "/" + xid_text(xid);
}

class CalloutHandler final : public EngineHandler {
 public:
  CalloutHandler(std::shared_ptr<const ServiceCatalog> catalog, const PeerInfo& peer, TimePoint now)
      : EngineHandler(config_for(this, *catalog), now), catalog_(std::move(catalog)), peer_(peer.address) {}

 protected:
  void on_event(engine::Event& event) override;

 private:
  struct Transaction {
    smtp::SmtpProfile profile;
    TransactionPipeline pipeline;
    smtp::PartSequence sequence;
    smtp::AllowRecord allows;
    std::optional<smtp::AmPart> previous_part;
    bool begun = false;
    std::string services;  // names, for the log
    std::string id;        // for the log: log_transaction_id(), known from the first DUM
  };

  static engine::Config config_for(CalloutHandler* self, const ServiceCatalog& catalog) {
    engine::Config config = engine_config_for(catalog.config());
    config.on_offer = [self](const engine::OfferContext& offer) { return self->answer_offer(offer); };
    return config;
  }

  engine::OfferAnswer answer_offer(const engine::OfferContext& offer);
  void on_service_group(const engine::ServiceGroupCreatedByPeer& created);
  void on_transaction_started(const engine::TransactionStarted& started);
  void on_data(const engine::DataReceived& data);
  void on_message_ended(const engine::ApplicationMessageEnded& ended);
  void send_answers(ocp::Xid xid, Transaction& transaction);
  void fail_transaction(ocp::Xid xid, const std::string& service, const std::string& reason,
                        const std::string& smtp_reply = {});
  void forget(ocp::Xid xid);
  std::string id_of(ocp::Xid xid) const;

  std::shared_ptr<const ServiceCatalog> catalog_;
  std::string peer_;
  smtp::ProfileScopes scopes_;
  std::map<std::uint32_t, std::vector<const CatalogService*>> groups_;  // the processor's sg-ids
  std::map<std::uint32_t, Transaction> transactions_;
};

engine::OfferAnswer CalloutHandler::answer_offer(const engine::OfferContext& offer) {
  engine::OfferAnswer answer;
  std::vector<ocp::Feature> smtp_features;
  for (const ocp::Feature& feature : offer.features) {
    // Features that are no SMTP profile are unknown to this server (RFC 4037 §11.19).
    (smtp::direction_of(feature.uri) ? smtp_features : answer.unknowns).push_back(feature);
  }
  if (smtp_features.empty()) return answer;
  if (auto free = scopes_.check(offer.sg); !free) {
    // RFC 4037 §6.1: a feature conflicting with an enabled one is rejected.
    log(LogLevel::info, "offer-rejected", {{"peer", peer_}, {"reason", free.error().describe()}});
    answer.rejects = std::move(smtp_features);
    return answer;
  }
  ocp::NegotiationOffer smtp_offer;
  smtp_offer.features = std::move(smtp_features);
  smtp_offer.sg_id = offer.sg;
  const smtp::OfferAnswer chosen = smtp::answer_offer(smtp_offer, catalog_->needs());
  for (const std::string& refusal : chosen.refusals) {
    log(LogLevel::info, "profile-refused", {{"peer", peer_}, {"reason", refusal}});
  }
  if (chosen.response.rejects) {
    answer.rejects.insert(answer.rejects.end(), chosen.response.rejects->begin(), chosen.response.rejects->end());
  }
  if (chosen.accepted && chosen.response.feature) {
    answer.accepted = *chosen.response.feature;
    // The engine sends the NR and enables the feature before the next
    // message is read; a second NO in the same read must see it enabled.
    (void)scopes_.enable({*chosen.accepted, offer.sg});
  }
  return answer;
}

void CalloutHandler::on_event(engine::Event& event) {
  EngineHandler::on_event(event);
  std::visit(
      [&](auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, engine::NegotiationCompleted>) {
          log(LogLevel::info, "profile-negotiated",
              {{"peer", peer_}, {"feature", e.feature.uri},
               {"sg", e.sg ? std::to_string(e.sg->value) : std::string("connection")}});
        } else if constexpr (std::is_same_v<E, engine::ServiceGroupCreatedByPeer>) {
          on_service_group(e);
        } else if constexpr (std::is_same_v<E, engine::ServiceGroupDestroyedByPeer>) {
          groups_.erase(e.sg.value);
          scopes_.forget(e.sg);
        } else if constexpr (std::is_same_v<E, engine::TransactionStarted>) {
          on_transaction_started(e);
        } else if constexpr (std::is_same_v<E, engine::ApplicationMessageStarted>) {
          if (e.flow == engine::Dataflow::original && transactions_.contains(e.xid.value)) {
            (void)engine().start_application_message(e.xid);
          }
        } else if constexpr (std::is_same_v<E, engine::DataReceived>) {
          if (e.flow == engine::Dataflow::original) on_data(e);
        } else if constexpr (std::is_same_v<E, engine::ApplicationMessageEnded>) {
          if (e.flow == engine::Dataflow::original) on_message_ended(e);
        } else if constexpr (std::is_same_v<E, engine::StopSendingOrdered>) {
          // The engine answered with AME 206; nothing more will be sent.
          forget(e.xid);
          (void)engine().end_transaction(e.xid);
        } else if constexpr (std::is_same_v<E, engine::TransactionEnded>) {
          if (e.ended_by == engine::Side::local) {
            log(LogLevel::warning, "transaction-failed",
                {{"peer", peer_}, {"transaction", id_of(e.xid)}, {"xid", xid_text(e.xid)},
                 {"reason", e.result.reason.value_or("")}});
          }
          forget(e.xid);
        } else if constexpr (std::is_same_v<E, engine::ConnectionClosed>) {
          for (auto& [xid, transaction] : transactions_) {
            const support::LogTransactionScope scope(transaction.id);
            transaction.pipeline.abort();
          }
          transactions_.clear();
        }
      },
      event);
}

void CalloutHandler::on_service_group(const engine::ServiceGroupCreatedByPeer& created) {
  std::vector<const CatalogService*> services;
  for (const ocp::Service& wanted : created.services) {
    const CatalogService* service = catalog_->find_by_uri(wanted.uri);
    if (!service) {
      // RFC 4037 §11.3: a recipient that does not create the binding ends
      // the connection.
      log(LogLevel::warning, "unknown-service", {{"peer", peer_}, {"sg", std::to_string(created.sg.value)},
                                                 {"uri", wanted.uri}});
      (void)engine().close(ocp::Result::failure("SGC " + std::to_string(created.sg.value) +
                                                ": no service " + wanted.uri + " here"));
      return;
    }
    services.push_back(service);
  }
  groups_[created.sg.value] = std::move(services);
}

void CalloutHandler::on_transaction_started(const engine::TransactionStarted& started) {
  const auto group = groups_.find(started.sg.value);
  const smtp::SmtpProfile* profile = scopes_.governing(started.sg);
  if (group == groups_.end() || !profile) {
    // the engine refuses transactions without a profile; a group we
    // refused closed the connection already.
    (void)engine().end_transaction(started.xid, ocp::Result::failure("no SMTP profile governs this service group"));
    return;
  }
  std::vector<PipelineService> chain;
  std::string names;
  for (const CatalogService* service : group->second) {
    if (!service->runs_for(profile->direction)) {
      const std::string reason = "service " + service->name + " does not run for the " +
                                 std::string(smtp::to_string(profile->direction)) + " profile";
      log(LogLevel::warning, "transaction-refused", {{"peer", peer_}, {"xid", xid_text(started.xid)},
                                                     {"service", service->name}, {"reason", reason}});
      (void)engine().end_transaction(started.xid, ocp::Result::failure(reason));
      return;
    }
    // Never a service that would get none of its parts (part_views.hpp):
    // the transaction is refused, loudly, instead of passing unseen.
    if (auto served = check_served(service->instance.info(), *profile); !served) {
      const std::string reason = "service " + service->name + ": " + served.error();
      log(LogLevel::warning, "transaction-refused", {{"peer", peer_}, {"xid", xid_text(started.xid)},
                                                     {"service", service->name}, {"reason", reason}});
      (void)engine().end_transaction(started.xid, ocp::Result::failure(reason));
      return;
    }
    chain.push_back(PipelineService{service->name, service->instance});
    names += (names.empty() ? "" : ",") + service->name;
  }
  Transaction transaction{*profile,
                          TransactionPipeline(std::move(chain), catalog_->config().limits.max_buffered_part),
                          smtp::PartSequence(*profile, smtp::Dataflow::original),
                          {}, std::nullopt, false, std::move(names), {}};
  transactions_.emplace(started.xid.value, std::move(transaction));
}

void CalloutHandler::on_data(const engine::DataReceived& data) {
  const auto found = transactions_.find(data.xid.value);
  if (found == transactions_.end()) return;
  Transaction& transaction = found->second;

  ocp::DataUseMine dum;
  dum.xid = data.xid;
  dum.my_offset = data.offset;
  dum.kept = data.kept;
  dum.extensions = data.extensions;
  const auto parameters = smtp::read_dum_parameters(dum);
  if (!parameters) return fail_transaction(data.xid, {}, parameters.error().describe());
  if (auto allowed = smtp::check_processor_dum(*parameters); !allowed) {
    return fail_transaction(data.xid, {}, allowed.error().describe());
  }
  const smtp::AmPart& part = *parameters->am_part;  // check_processor_dum requires it
  if (auto in_order = transaction.sequence.accept_received(part); !in_order) {
    return fail_transaction(data.xid, {}, in_order.error().describe());
  }
  transaction.allows.record(part, data.offset, static_cast<std::uint32_t>(data.payload.size()),
                            parameters->allow.value_or(smtp::SupportedParams::none()));

  if (!transaction.begun) {
    transaction.begun = true;
    // smtp §3.4.3: AM-OPT rides on the first DUM (Figure 15), so this is
    // where the transaction learns the processor's id for its log lines.
    transaction.id = log_transaction_id(parameters->am_opt, peer_, data.xid);
    log(LogLevel::debug, "transaction-started",
        {{"peer", peer_}, {"transaction", transaction.id}, {"xid", xid_text(data.xid)},
         {"service", transaction.services}});
    plugin_host::Metadata metadata;
    // smtp §3.4.3: the processor's session facts; the plugin ABI's keys are
    // the names our processor sends, others pass through for plugins that
    // know them. The transaction id is the one this server logs with.
    if (parameters->am_opt) {
      for (const smtp::AmOption& option : *parameters->am_opt) {
        if (option.key != plugin_host::metadata_key::transaction_id) metadata.emplace_back(option.key, option.value);
      }
    }
    metadata.emplace_back(plugin_host::metadata_key::transaction_id, transaction.id);
    const support::LogTransactionScope scope(transaction.id);
    if (auto begun = transaction.pipeline.begin(metadata); !begun) {
      return fail_transaction(data.xid, begun.error().service, begun.error().reason);
    }
  }
  // A plugin's lines during this call name the transaction (plugin_log).
  const support::LogTransactionScope scope(transaction.id);
  const bool starts_part = !transaction.previous_part || !(*transaction.previous_part == part) ||
                           !part.can_span_dums();
  transaction.previous_part = part;
  auto added = transaction.pipeline.add(part, starts_part, data.payload.view(), data.offset,
                                        transaction.profile.is_adaptive(part), to_allow(parameters->allow));
  if (!added) {
    return fail_transaction(data.xid, added.error().service, added.error().reason, added.error().smtp_reply);
  }
  send_answers(data.xid, transaction);
}

void CalloutHandler::on_message_ended(const engine::ApplicationMessageEnded& ended) {
  const auto found = transactions_.find(ended.xid.value);
  if (found == transactions_.end()) return;
  Transaction& transaction = found->second;
  if (ended.result.code != ocp::Result::kOk) {
    // The processor gave up on the message (its client went away, say).
    forget(ended.xid);
    (void)engine().end_transaction(ended.xid);
    return;
  }
  if (!transaction.begun) {
    transaction.id = log_transaction_id(std::nullopt, peer_, ended.xid);
  }
  const support::LogTransactionScope scope(transaction.id);
  if (!transaction.begun) {
    if (auto begun = transaction.pipeline.begin({}); !begun) {
      return fail_transaction(ended.xid, begun.error().service, begun.error().reason);
    }
    transaction.begun = true;
  }
  if (auto finished = transaction.pipeline.end_of_message(); !finished) {
    return fail_transaction(ended.xid, finished.error().service, finished.error().reason);
  }
  send_answers(ended.xid, transaction);
  if (!transactions_.contains(ended.xid.value)) return;  // sending failed it
  (void)engine().end_application_message(ended.xid);
  (void)engine().end_transaction(ended.xid);
  log(LogLevel::debug, "transaction-completed",
      {{"peer", peer_}, {"transaction", transaction.id}, {"xid", xid_text(ended.xid)},
       {"service", transaction.services}});
  forget(ended.xid);
}

void CalloutHandler::send_answers(ocp::Xid xid, Transaction& transaction) {
  while (auto answer = transaction.pipeline.next_answer()) {
    if (answer->kind == PartAnswer::Kind::rejected) {
      // A refusal is what an operator most needs to find: logged at the
      // default level, one line, named by the processor's transaction id.
      log(LogLevel::warning, "transaction.rejected",
          {{"peer", peer_}, {"transaction", transaction.id}, {"xid", xid_text(xid)},
           {"service", answer->service}, {"part", std::string(answer->name.token())},
           {"reply", answer->reply}});
    }
    const std::string service = answer->service;
    if (auto sent = send_answer(engine(), xid, std::move(*answer), transaction.allows); !sent) {
      return fail_transaction(xid, service, "cannot send the answer: " + sent.error());
    }
  }
}

void CalloutHandler::fail_transaction(ocp::Xid xid, const std::string& service, const std::string& reason,
                                      const std::string& smtp_reply) {
  const std::string text = service.empty() ? reason : "service " + service + ": " + reason;
  log(LogLevel::warning, "transaction-failed",
      {{"peer", peer_}, {"transaction", id_of(xid)}, {"xid", xid_text(xid)}, {"service", service},
       {"reason", text}});
  forget(xid);
  ocp::Result result = ocp::Result::failure(text);
  if (!smtp_reply.empty()) {
    // A limit of this server that no answer could carry: the reply the
    // message deserves rides on the result (ocp::smtp::kResultSmtpError).
    result.extensions.named.push_back(
        ocp::NamedValue{std::string(smtp::kResultSmtpError), ocp::Value::atom(smtp_reply), {}});
  }
  (void)engine().end_transaction(xid, std::move(result));
}

void CalloutHandler::forget(ocp::Xid xid) {
  const auto found = transactions_.find(xid.value);
  if (found == transactions_.end()) return;
  {
    const support::LogTransactionScope scope(found->second.id);
    found->second.pipeline.abort();
  }
  transactions_.erase(found);
}

std::string CalloutHandler::id_of(ocp::Xid xid) const {
  const auto found = transactions_.find(xid.value);
  if (found == transactions_.end() || found->second.id.empty()) return peer_ + "/" + xid_text(xid);
  return found->second.id;
}

}  // namespace

engine::Config engine_config_for(const CalloutConfig& config) {
  engine::Config engine_config;
  engine_config.role = engine::Role::callout_server;
  engine_config.limits.max_transactions = config.limits.max_transactions_per_connection;
  engine_config.limits.max_service_groups = config.limits.max_service_groups_per_connection;
  // A replaced message is queued whole before the writer drains it.
  engine_config.limits.max_output_bytes =
      std::max<std::size_t>(engine_config.limits.max_output_bytes, config.limits.max_buffered_part + (1u << 20));
  engine_config.parse.limits.max_message_size = config.limits.max_message_size;
  engine_config.parse.limits.max_payload_size = config.limits.max_message_size;
  engine_config.timeouts.negotiation = config.timeouts.negotiation;
  engine_config.timeouts.transaction_idle = config.timeouts.transaction;
  engine_config.timeouts.connection_idle = config.timeouts.idle_connection;
  engine_config.is_profile = [](const ocp::Feature& feature) { return smtp::direction_of(feature.uri).has_value(); };
  engine_config.supports = [](const ocp::Feature& feature) { return smtp::direction_of(feature.uri).has_value(); };
  return engine_config;
}

std::unique_ptr<ConnectionHandler> make_callout_handler(std::shared_ptr<const ServiceCatalog> catalog,
                                                        const PeerInfo& peer, TimePoint now) {
  return std::make_unique<CalloutHandler>(std::move(catalog), peer, now);
}

HandlerFactory make_handler_factory(std::shared_ptr<const ServiceCatalog> catalog) {
  return [catalog = std::move(catalog)](const PeerInfo& peer) {
    return make_callout_handler(catalog, peer, std::chrono::steady_clock::now());
  };
}

}  // namespace opes::callout
