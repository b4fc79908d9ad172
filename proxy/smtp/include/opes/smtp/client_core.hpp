#pragma once
// The proxy's upstream side of SMTP, free of I/O: read replies, learn the
// server's extensions, write commands and dot-stuffed data.

#include "opes/smtp/client_commands.hpp"      // format_ehlo, format_mail, format_rcpt
#include "opes/smtp/dot_stuffer.hpp"          // DotStuffer
#include "opes/smtp/reply_reader.hpp"         // ReplyReader
#include "opes/smtp/server_capabilities.hpp"  // parse_ehlo
