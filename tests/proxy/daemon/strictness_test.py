"""opes-proxy's strictness end to end (issue 10 section 9): bare CR/LF in
message data refused or normalized, smuggled ends of data never reaching an
upstream, data refusals with data codes and the message's size in the log,
a pipelined message behind a refused DATA never run as commands, and a limit
of the callout path answered 5xx. The upstream is a small SMTP server that
records every octet it receives. One case per run: strictness_test.py
[paths] CASE."""

import os
import re
import smtplib
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateway_harness import Failure, Gateway, check, free_port, run_case

CASES = {}
TIMEOUT = 20

# Malformed ends of data a lenient MTA might take for CRLF . CRLF.
MARKERS = [b"\n.\n", b"\r.\r", b"\n.\r\n", b"\r\n.\n", b"\r.\n", b"\n.\r", b"\r.\r\n"]
NUL_MARKERS = [b"\r\n\x00.\r\n", b"\r\n.\x00\r\n", b"\n\x00.\n", b"\r\n\x00.\x00\r\n"]
SMUGGLED = (b"MAIL FROM:<smuggled@evil.example>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\n"
            b"Subject: smuggled\r\n\r\nforged\r\n")
# In what an upstream receives, a "." alone on a line ended by any of CR, LF,
# CR LF (NULs around it ignored, as some MTAs drop them).
LENIENT_END = re.compile(rb"(?:\r\n|\r|\n)\x00*\.\x00*(?:\r\n|\r|\n)")


def case(function):
    CASES[function.__name__] = function
    return function


class RecordingUpstream:
    """A minimal SMTP server on 127.0.0.1 that keeps every octet received, per
    connection, and splits it into commands and messages (a message ends at
    the first CR LF . CR LF, as a strict MTA reads it)."""

    def __init__(self):
        self.port = free_port()
        self.raw = []        # every octet received, per connection
        self.commands = []   # command lines, all connections
        self.messages = []   # message data as received (stuffed), final dot excluded
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.2)
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop:
            try:
                connection, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._session, args=(connection,), daemon=True).start()

    def _session(self, connection):
        received = bytearray()
        self.raw.append(received)
        pending = b""
        in_data = False
        connection.settimeout(TIMEOUT)
        try:
            connection.sendall(b"220 upstream.test ESMTP\r\n")
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                received += chunk
                pending += chunk
                while True:
                    if in_data:
                        end = (b"\r\n" + pending).find(b"\r\n.\r\n")
                        if end < 0:
                            break
                        self.messages.append(pending[:end])
                        pending = pending[end + 3:]
                        in_data = False
                        connection.sendall(b"250 2.0.0 Ok: queued\r\n")
                        continue
                    line_end = pending.find(b"\r\n")
                    if line_end < 0:
                        break
                    line = pending[:line_end]
                    pending = pending[line_end + 2:]
                    self.commands.append(line)
                    verb = line.split(b" ", 1)[0].upper()
                    if verb == b"EHLO":
                        connection.sendall(b"250-upstream.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                                           b"250 SIZE 100000000\r\n")
                    elif verb == b"DATA":
                        in_data = True
                        connection.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    elif verb == b"QUIT":
                        connection.sendall(b"221 2.0.0 Bye\r\n")
                        return
                    elif verb == b"MAIL":
                        connection.sendall(b"250 2.1.0 Ok\r\n")
                    elif verb == b"RCPT":
                        connection.sendall(b"250 2.1.5 Ok\r\n")
                    else:
                        connection.sendall(b"250 2.0.0 Ok\r\n")
        except OSError:
            return
        finally:
            connection.close()

    def close(self):
        self._stop = True
        self._listener.close()

    def wait_messages(self, count, timeout=5):
        deadline = time.time() + timeout
        while len(self.messages) < count and time.time() < deadline:
            time.sleep(0.05)
        return self.messages


def recording_gateway(paths, **extra):
    """A Gateway whose upstream is a RecordingUpstream (smtp-sink idles)."""
    upstream = RecordingUpstream()
    extra.setdefault("upstream", {"address": "127.0.0.1", "port": upstream.port, "starttls": "off"})
    return Gateway(paths, **extra), upstream


class Client:
    """A raw SMTP client: exact octets out, replies read line by line."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buffer = b""
        self.reply()  # greeting

    def send(self, octets):
        self.sock.sendall(octets)

    def reply(self):
        """One whole reply (all its lines), as received."""
        text = b""
        while True:
            while b"\r\n" not in self.buffer:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise Failure("connection closed; got so far: %r" % (text + self.buffer))
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            text += line + b"\r\n"
            if len(line) < 4 or line[3:4] != b"-":
                return text

    def command(self, line):
        self.send(line + b"\r\n")
        return self.reply()

    def rest(self):
        """Everything until the server closes."""
        data = self.buffer
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return data
            data += chunk

    def close(self):
        self.sock.close()


def open_transaction(client):
    check(client.command(b"EHLO client.test").startswith(b"250"), "EHLO")
    check(client.command(b"MAIL FROM:<sender@example.org>") == b"250 2.1.0 Ok\r\n", "MAIL")
    check(client.command(b"RCPT TO:<user@example.net>") == b"250 2.1.5 Ok\r\n", "RCPT")
    reply = client.command(b"DATA")
    check(reply.startswith(b"354 "), "DATA: %r" % reply)


def smuggling_message(marker):
    return b"Subject: smuggling test\r\n\r\nbefore" + marker + SMUGGLED + b"after\r\n.\r\n"


def check_upstream_is_safe(upstream, gateway):
    """Nothing the upstream received could end a message early at a lenient MTA."""
    ends_seen = 0
    for connection in upstream.raw:
        data = bytes(connection)
        ends = LENIENT_END.findall(data)
        ends_seen += len(ends)
        check(all(end == b"\r\n.\r\n" for end in ends), "lenient end upstream: %r" % data)
        check(b"\x00" not in data, "NUL upstream: %r" % data)
        check(re.search(rb"\r(?!\n)|(?<!\r)\n", data) is None, "bare CR or LF upstream: %r" % data)
    # One end per message the strict upstream read, and no other.
    check(ends_seen == len(upstream.messages), "%d ends, %d messages" % (ends_seen, len(upstream.messages)))
    for command in upstream.commands:
        check(b"smuggled" not in command and b"victim" not in command,
              "a smuggled command reached the upstream: %r\n%s" % (command, gateway.logs()))


def unstuffed_size(content):
    """The size the proxy logs for a refused message in reject mode: lines are
    split at CR LF only, a leading dot is removed, every other octet counts."""
    lines = content.split(b"\r\n")
    return sum(len(line) - (1 if line.startswith(b".") else 0) + 2 for line in lines[:-1])


# ---- bare line endings ------------------------------------------------------

@case
def every_malformed_end_of_data_is_refused_in_reject_mode_and_nothing_reaches_the_upstream(paths):
    gateway, upstream = recording_gateway(paths)
    with gateway:
        for marker in MARKERS + NUL_MARKERS:
            client = Client(gateway.port)
            open_transaction(client)
            message = smuggling_message(marker)
            client.send(message)
            reply = client.reply()
            check(reply.startswith(b"550 5.6.0 "), "%r: %r\n%s" % (marker, reply, gateway.logs()))
            check(b"in message data is not allowed" in reply, "%r: %r" % (marker, reply))
            # The session is in step: the smuggled lines were message data.
            check(client.command(b"NOOP") == b"250 2.0.0 Ok\r\n", "NOOP after %r" % marker)
            check(client.command(b"QUIT") == b"221 2.0.0 Bye\r\n", "QUIT")
            client.close()
            size = unstuffed_size(message[:-3])
            check(gateway.proxy.logged("size=%d outcome=refused" % size),
                  "%r: no refusal logged with size=%d:\n%s" % (marker, size, gateway.proxy.log()))
        time.sleep(0.3)
        check(upstream.messages == [], "a refused message reached the upstream: %r" % upstream.messages)
        check_upstream_is_safe(upstream, gateway)
    upstream.close()


@case
def malformed_ends_of_data_are_normalized_and_stuffed_in_normalize_mode(paths):
    gateway, upstream = recording_gateway(paths, smtp={"bare_line_endings": "normalize"})
    with gateway:
        for number, marker in enumerate(MARKERS, 1):
            client = Client(gateway.port)
            open_transaction(client)
            client.send(smuggling_message(marker))
            reply = client.reply()
            check(reply.startswith(b"250 "), "%r: %r\n%s" % (marker, reply, gateway.logs()))
            check(client.command(b"QUIT") == b"221 2.0.0 Bye\r\n", "QUIT")
            client.close()
            messages = upstream.wait_messages(number)
            check(len(messages) == number, "%r: %d messages upstream" % (marker, len(messages)))
            received = messages[-1]
            # The smuggled lines arrived as content of this one message.
            check(b"\r\nMAIL FROM:<smuggled@evil.example>\r\n" in received, repr(received))
            check(received.endswith(b"\r\nafter\r\n"), repr(received))
        for marker in NUL_MARKERS:
            client = Client(gateway.port)
            open_transaction(client)
            client.send(smuggling_message(marker))
            reply = client.reply()
            check(reply == b"550 5.6.0 NUL in message data is not allowed\r\n", "%r: %r" % (marker, reply))
            client.close()
        time.sleep(0.3)
        check(len(upstream.messages) == len(MARKERS), "NUL messages went upstream")
        check_upstream_is_safe(upstream, gateway)
    upstream.close()


@case
def a_long_data_line_gets_550_naming_the_limit_and_the_log_has_the_message_size(paths):
    gateway, upstream = recording_gateway(paths, limits={"max_line_length": 100})
    with gateway:
        client = Client(gateway.port)
        open_transaction(client)
        message = b"Subject: long\r\n\r\n" + b"x" * 99 + b"\r\n" + b"." + b"y" * 98 + b"\r\n" + b"z" * 99 + b"\r\n.\r\n"
        client.send(message)
        reply = client.reply()
        check(reply == b"550 5.6.0 Line too long in message data (limit 100 octets)\r\n", repr(reply))
        # Not a command error: the session goes on and the next message passes.
        check(client.command(b"MAIL FROM:<sender@example.org>") == b"250 2.1.0 Ok\r\n", "MAIL")
        check(client.command(b"RCPT TO:<user@example.net>") == b"250 2.1.5 Ok\r\n", "RCPT")
        check(client.command(b"DATA").startswith(b"354"), "DATA")
        client.send(b"Subject: short\r\n\r\n" + b"x" * 98 + b"\r\n.\r\n")
        check(client.reply().startswith(b"250 "), "the second message")
        client.close()
        size = len(message) - 3 - 1  # the final ".\r\n", the stuffed dot
        check(gateway.proxy.logged("size=%d outcome=refused reply=\"550 5.6.0 Line too long" % size),
              gateway.proxy.log())
        check(len(upstream.wait_messages(1)) == 1, "second message upstream")
        check_upstream_is_safe(upstream, gateway)
    upstream.close()


# ---- pipelining -------------------------------------------------------------

@case
def a_message_pipelined_behind_a_refused_data_is_never_run_as_commands(paths):
    gateway, upstream = recording_gateway(paths, relay={"clients": [], "domains": ["example.net"]})
    with gateway:
        client = Client(gateway.port)
        check(client.command(b"EHLO client.test").startswith(b"250"), "EHLO")
        client.send(b"MAIL FROM:<sender@example.org>\r\nRCPT TO:<user@elsewhere.example>\r\nDATA\r\n"
                    b"Subject: quoted session\r\n\r\n" + SMUGGLED + b".\r\nQUIT\r\n")
        replies = client.rest()
        client.close()
        check(replies == b"250 2.1.0 Ok\r\n"
                         b"554 5.7.1 <user@elsewhere.example>: Relay access denied\r\n"
                         b"554 5.5.1 Error: no valid recipients\r\n"
                         b"421 4.5.0 gateway.test Error: SMTP protocol synchronization\r\n",
              "%r\n%s" % (replies, gateway.logs()))
        check(gateway.proxy.logged("smtp.pipelining_violation"), gateway.proxy.log())
        # A client that waits for the DATA reply keeps its session.
        client = Client(gateway.port)
        check(client.command(b"EHLO client.test").startswith(b"250"), "EHLO")
        check(client.command(b"MAIL FROM:<sender@example.org>") == b"250 2.1.0 Ok\r\n", "MAIL")
        client.command(b"RCPT TO:<user@elsewhere.example>")
        check(client.command(b"DATA") == b"554 5.5.1 Error: no valid recipients\r\n", "DATA")
        check(client.command(b"QUIT") == b"221 2.0.0 Bye\r\n", "QUIT")
        client.close()
        time.sleep(0.3)
        check(upstream.messages == [], "a message went upstream: %r" % upstream.messages)
        check_upstream_is_safe(upstream, gateway)
    upstream.close()


# ---- limits of the callout path ---------------------------------------------

@case
def a_header_section_of_40000_lines_gets_552_naming_the_limit_and_the_callout_server_stays_up(paths):
    gateway, upstream = recording_gateway(paths)
    with gateway:
        header = b"".join(b"X-Filler-%05d: %s\r\n" % (i, b"a" * 10) for i in range(40000))
        check(len(header) > 1048576, "the header section is over 1 MiB")
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=60) as client:
            try:
                client.sendmail("sender@example.org", ["user@example.net"],
                                b"Subject: huge header\r\n" + header + b"\r\nbody\r\n")
                raise Failure("the message was accepted")
            except smtplib.SMTPDataError as error:
                check(error.smtp_code == 552, "%d %r\n%s" % (error.smtp_code, error.smtp_error, gateway.logs()))
                check(error.smtp_error == b"5.3.4 Message header too large for this system: header "
                                          b"section exceeds 1048576 octets (max_header_section)",
                      repr(error.smtp_error))
            # The callout server is not blamed: the next message is adapted at once.
            refused = client.sendmail("sender@example.org", ["user@example.net"],
                                      b"Subject: small\r\n\r\nbody\r\n")
            check(refused == {}, str(refused))
        messages = upstream.wait_messages(1)
        check(len(messages) == 1 and b"X-Scanned-By: OPES-SMTP test" in messages[0], repr(messages))
        log = gateway.proxy.log()
        check("proxy.adaptation_failed" not in log and "callout.unreachable" not in log, log)
    upstream.close()


@case
def a_message_over_the_callout_servers_max_buffered_part_gets_552_naming_the_limit_and_the_server_stays_up(paths):
    # opes-callout holds at most 64 KiB of a message; its OCP messages may
    # still carry the proxy's 64 KiB DUMs (max_message_size is per OCP message).
    gateway, upstream = recording_gateway(
        paths, callout_extra={"limits": {"max_buffered_part": 65536, "max_message_size": 262144}})
    with gateway:
        body = b"".join(b"line %06d of a message too big for the callout server\r\n" % i for i in range(4000))
        check(len(body) > 65536, "the message is over max_buffered_part")
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=60) as client:
            try:
                client.sendmail("sender@example.org", ["user@example.net"], b"Subject: big\r\n\r\n" + body)
                raise Failure("the message was accepted")
            except smtplib.SMTPDataError as error:
                check(error.smtp_code == 552, "%d %r\n%s" % (error.smtp_code, error.smtp_error, gateway.logs()))
                check(error.smtp_error == b"5.3.4 Message too big for content adaptation "
                                          b"(max_buffered_part 65536 octets)", repr(error.smtp_error))
            # Not a callout failure: the next message is adapted at once.
            refused = client.sendmail("sender@example.org", ["user@example.net"],
                                      b"Subject: small\r\n\r\nbody\r\n")
            check(refused == {}, str(refused))
        messages = upstream.wait_messages(1)
        check(len(messages) == 1 and b"X-Scanned-By: OPES-SMTP test" in messages[0] and
              b"Subject: small" in messages[0], repr(messages))
        check(not any(b"Subject: big" in bytes(data) for data in upstream.raw), "the big message went upstream")
        log = gateway.proxy.log()
        check("proxy.adaptation_failed" not in log and "callout.unreachable" not in log and
              "callout.ended_by_server" not in log, log)
        check("outcome=\"rejected by the callout server\"" in log or "rejected by the callout server" in log, log)
        callout_log = gateway.callout.log()
        check("transaction.rejected" in callout_log and "max_buffered_part 65536" in callout_log and
              "transaction-failed" not in callout_log, callout_log)
    upstream.close()


if __name__ == "__main__":
    sys.exit(run_case(CASES))
