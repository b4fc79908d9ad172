#include "opes/proxy/spool.hpp"

#include <system_error>
#include <utility>

namespace opes::proxy {

namespace {

std::string envelope_fields(const Envelope& envelope) {
  std::string fields = "Return-Path: <" + envelope.sender + ">\r\n";
  if (!envelope.recipients.empty()) {
    fields += "Envelope-To: ";
    for (std::size_t i = 0; i < envelope.recipients.size(); ++i) {
      // Folded so that many recipients keep lines short (RFC 5322 §2.2.3).
      if (i > 0) fields += ",\r\n ";
      fields += "<" + envelope.recipients[i] + ">";
    }
    fields += "\r\n";
  }
  // RFC 3461 §4: what a later delivery needs to honour the client's DSN
  // request. The values are xtext or keywords (printable US-ASCII without
  // SP; RFC 6533 utf-8 ORCPT aside), checked before they got here.
  if (!envelope.dsn.empty()) fields += "Envelope-DSN: " + envelope.dsn + "\r\n";
  for (std::size_t i = 0; i < envelope.recipients.size() && i < envelope.recipient_dsn.size(); ++i) {
    if (envelope.recipient_dsn[i].empty()) continue;
    fields += "Envelope-DSN-Recipient: <" + envelope.recipients[i] + "> " +
              envelope.recipient_dsn[i] + "\r\n";
  }
  return fields;
}

}  // namespace

ocp::Expected<SpoolMessage, std::string> SpoolMessage::create(const std::filesystem::path& directory,
                                                              const Envelope& envelope) {
  std::error_code ec;
  std::filesystem::create_directories(directory / "tmp", ec);
  if (!ec) std::filesystem::create_directories(directory / "new", ec);
  if (ec) return ocp::unexpected("cannot create " + directory.string() + ": " + ec.message());
  auto file = DurableFile::create(directory / "tmp", directory / "new");
  if (!file) return ocp::unexpected(file.error());
  SpoolMessage message(std::move(*file));
  if (auto written = message.write(envelope_fields(envelope)); !written)
    return ocp::unexpected(written.error());
  return message;
}

}  // namespace opes::proxy
