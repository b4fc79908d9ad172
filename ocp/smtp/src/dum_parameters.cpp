#include "ocp/smtp/dum_parameters.hpp"

#include "parameter_reading.hpp"

namespace ocp::smtp {

namespace {

constexpr std::string_view kDum = "DUM";

Unexpected<ParameterError> fail(std::string_view parameter, std::string reason) {
  return unexpected(ParameterError{std::string(kDum), std::string(parameter), std::move(reason)});
}

}  // namespace

std::string ParameterError::describe() const {
  return message + ": parameter '" + parameter + "': " + reason;
}

Expected<DumParameters, ParameterError> read_dum_parameters(const DataUseMine& dum,
                                                            const ReadOptions& options) {
  const Extensions& extensions = dum.extensions;
  DumParameters parameters;

  // smtp §3.3.1: "The AM-Part parameter value is a single am-part token."
  auto am_part = detail::single_value(extensions, kAmPartParam, kDum);
  if (!am_part) return unexpected(std::move(am_part).error());
  if (*am_part) {
    auto part = read_am_part(**am_part, options);
    if (!part) return fail(kAmPartParam, part.error().reason);
    parameters.am_part = std::move(*part);
  }

  // smtp §3.3.2
  auto allow = detail::single_value(extensions, kAllowParam, kDum);
  if (!allow) return unexpected(std::move(allow).error());
  if (*allow) {
    auto params = read_supported_params(**allow);
    if (!params) return fail(kAllowParam, params.error().reason);
    parameters.allow = std::move(*params);
  }

  // smtp §3.3.3: "an SMTP reply as defined in section 4.2 of [RFC2821] but
  // without the final CRLF characters".
  auto smtp_error = detail::single_value(extensions, kSmtpErrorParam, kDum);
  if (!smtp_error) return unexpected(std::move(smtp_error).error());
  if (*smtp_error) {
    auto text = detail::text_of(**smtp_error, kSmtpErrorParam, kDum);
    if (!text) return unexpected(std::move(text).error());
    auto reply = parse_reply(*text);
    if (!reply) return fail(kSmtpErrorParam, reply.error().reason);
    // "reply with an SMTP error": a positive reply is not one.
    if (!reply->is_error()) {
      return fail(kSmtpErrorParam,
                  "reply code " + std::to_string(reply->code) + " is not an error (4yz or 5yz)");
    }
    parameters.smtp_error = std::move(*reply);
  }

  // smtp §3.3.4, §3.3.5
  auto shared = detail::read_advice_and_headers(extensions, kDum);
  if (!shared) return unexpected(std::move(shared).error());
  parameters.advice = shared->advice;
  parameters.unrecognised_advice = std::move(shared->unrecognised_advice);
  parameters.add_header = std::move(shared->add_header);

  // smtp §3.4.3
  auto am_opt = detail::single_value(extensions, kAmOptParam, kDum);
  if (!am_opt) return unexpected(std::move(am_opt).error());
  if (*am_opt) {
    auto read = read_am_options(**am_opt);
    if (!read) return fail(kAmOptParam, read.error().reason);
    parameters.am_opt = std::move(*read);
  }
  return parameters;
}

void write_dum_parameters(const DumParameters& parameters, DataUseMine& dum) {
  std::vector<NamedValue> first;
  if (parameters.am_part) {
    first.push_back({std::string(kAmPartParam), write_am_part(*parameters.am_part), {}});
  }
  if (parameters.allow) {
    first.push_back({std::string(kAllowParam), write_supported_params(*parameters.allow), {}});
  }
  if (parameters.smtp_error) {
    first.push_back({std::string(kSmtpErrorParam), Value::atom(parameters.smtp_error->text()), {}});
  }
  detail::write_advice_and_headers(parameters.advice, parameters.add_header, first);
  if (parameters.am_opt) {
    first.push_back({std::string(kAmOptParam), write_am_options(*parameters.am_opt), {}});
  }
  detail::replace_named(
      dum.extensions.named,
      {kAmPartParam, kAllowParam, kSmtpErrorParam, kAdviceParam, kAddHeaderParam, kAmOptParam},
      std::move(first));
}

}  // namespace ocp::smtp
