"""opes-proxy's clean shutdown on SIGTERM, end to end with smtp-sink and the
real opes-callout: idle clients get 421 4.3.2, a message in DATA is finished
within shutdown_grace_seconds, one still in DATA after it is cut with 421 and
delivered nowhere, every callout connection ends with CE, and the process
exits 0. One case per run: shutdown_test.py [paths] CASE."""

import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateway_harness import Failure, Gateway, check, run_case  # noqa: E402

CASES = {}
GOODBYE = b"421 4.3.2 gateway.test Service shutting down\r\n"
# What opes-callout logs (at debug) for the processor's CE 200, and (at
# info) for a connection that closed without one.
CALLOUT_CE = "event=ocp-connection-closed code=200 by=peer"
NO_CE = "transport closed without CE"


def case(function):
    CASES[function.__name__] = function
    return function


class RawClient:
    """An SMTP client over a plain socket, to see the bytes the proxy sends."""

    def __init__(self, port):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buffer = b""

    def line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.socket.recv(4096)
            if not chunk:
                raise Failure(f"connection closed; got {self.buffer!r}")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line + b"\r\n"

    def reply(self):
        """A whole (possibly multiline) reply, as sent."""
        lines = [self.line()]
        while lines[-1][3:4] == b"-":
            lines.append(self.line())
        return b"".join(lines)

    def command(self, text):
        self.socket.sendall(text.encode() + b"\r\n")
        return self.reply()

    def rest(self, timeout):
        """Everything until the proxy closes the connection (within `timeout`)."""
        self.socket.settimeout(timeout)
        data = self.buffer
        self.buffer = b""
        while True:
            chunk = self.socket.recv(4096)
            if not chunk:
                return data
            data += chunk

    def close(self):
        self.socket.close()


def greeted(port):
    client = RawClient(port)
    check(client.reply().startswith(b"220 "), "no greeting")
    check(client.command("EHLO client.test").startswith(b"250-gateway.test"), "EHLO")
    return client


def in_data(port, subject):
    """A client that has sent the first half of a message after DATA."""
    client = greeted(port)
    check(client.command("MAIL FROM:<sender@example.org>").startswith(b"250 "), "MAIL")
    check(client.command("RCPT TO:<user@example.net>").startswith(b"250 "), "RCPT")
    check(client.command("DATA").startswith(b"354 "), "DATA")
    client.socket.sendall(f"From: <sender@example.org>\r\nSubject: {subject}\r\n\r\nFirst half.\r\n".encode())
    return client


def send_one_message(port):
    """Opens the proxy's callout connection, so that there is one to end."""
    client = in_data(port, "warm-up")
    client.socket.sendall(b".\r\n")
    check(client.reply().startswith(b"250 "), "warm-up message refused")
    check(client.command("QUIT").startswith(b"221 "), "QUIT")
    client.close()


def stop(gateway):
    """SIGTERM to opes-proxy; the time it was sent."""
    sent = time.monotonic()
    gateway.proxy.process.send_signal(signal.SIGTERM)
    return sent


def exit_status(gateway, within):
    try:
        return gateway.proxy.process.wait(timeout=within)
    except Exception:
        raise Failure(f"opes-proxy still running {within} s after SIGTERM\n" + gateway.logs())


def check_callout_saw_ce(gateway):
    check(gateway.callout.logged(CALLOUT_CE), "opes-callout logged no CE 200 from the proxy:\n" + gateway.logs())
    check(NO_CE not in gateway.callout.log(), "a callout connection closed without CE:\n" + gateway.logs())


@case
def sigterm_gives_an_idle_client_421_and_ends_the_callout_connection_with_ce(paths):
    with Gateway(paths, callout_log_level="debug", shutdown_grace_seconds=20) as gateway:
        send_one_message(gateway.port)
        idle = greeted(gateway.port)
        sent = stop(gateway)
        check(idle.rest(10) == GOODBYE, "not the shutdown 421 alone:\n" + gateway.logs())
        idle.close()
        status = exit_status(gateway, 15)
        # Nothing to wait for: well within the 20 s grace period.
        elapsed = time.monotonic() - sent
        check(status == 0, f"exit {status}\n" + gateway.logs())
        check(elapsed < 10, f"exited after {elapsed:.1f} s")
        check_callout_saw_ce(gateway)
        try:
            socket.create_connection(("127.0.0.1", gateway.port), timeout=2).close()
            raise Failure("the listener still accepts after the exit")
        except ConnectionRefusedError:
            pass


@case
def sigterm_without_sessions_flushes_the_ce_before_closing_the_callout_connection(paths):
    # Nothing to wait for: the socket used to be closed in the same turn of
    # the event loop as the CE was queued, and the server saw no CE.
    with Gateway(paths, callout_log_level="debug") as gateway:
        send_one_message(gateway.port)
        sent = stop(gateway)
        status = exit_status(gateway, 15)
        elapsed = time.monotonic() - sent
        check(status == 0 and elapsed < 5, f"exit {status} after {elapsed:.1f} s\n" + gateway.logs())
        check_callout_saw_ce(gateway)


@case
def a_message_in_data_at_sigterm_is_delivered_then_the_client_gets_421(paths):
    with Gateway(paths, callout_log_level="debug", shutdown_grace_seconds=20) as gateway:
        writer = in_data(gateway.port, "finished after SIGTERM")
        idle = greeted(gateway.port)
        sent = stop(gateway)
        # The idle one goes at once; the one in DATA may go on.
        check(idle.rest(10) == GOODBYE, "idle client: not the shutdown 421\n" + gateway.logs())
        time.sleep(0.5)
        check(gateway.proxy.process.poll() is None, "opes-proxy did not wait for the message")
        writer.socket.sendall(b"Second half.\r\n.\r\n")
        reply = writer.reply()
        check(reply.startswith(b"250 2.0.0 "), f"end of data: {reply!r}\n" + gateway.logs())
        check(writer.rest(10) == GOODBYE, "after the message: not the shutdown 421\n" + gateway.logs())
        writer.close()
        status = exit_status(gateway, 15)
        elapsed = time.monotonic() - sent
        check(status == 0 and elapsed < 10, f"exit {status} after {elapsed:.1f} s\n" + gateway.logs())
        [dump] = gateway.sink.messages(1)
        check("Subject: finished after SIGTERM" in dump and "First half.\nSecond half." in dump.replace("\r", ""),
              dump)
        check("X-Scanned-By: OPES-SMTP test" in dump, "not adapted:\n" + dump)
        check_callout_saw_ce(gateway)


@case
def a_client_still_in_data_after_the_grace_period_is_cut_with_421_and_nothing_is_delivered(paths):
    grace = 2
    with Gateway(paths, callout_log_level="debug", shutdown_grace_seconds=grace) as gateway:
        writer = in_data(gateway.port, "never finished")
        sent = stop(gateway)
        rest = writer.rest(grace + 10)
        cut = time.monotonic() - sent
        check(rest == GOODBYE, f"not the shutdown 421: {rest!r}\n" + gateway.logs())
        check(grace - 0.5 <= cut < grace + 5, f"cut after {cut:.1f} s, grace {grace} s")
        writer.close()
        status = exit_status(gateway, 15)
        check(status == 0, f"exit {status}\n" + gateway.logs())
        check(gateway.sink.messages(timeout=1) == [], "something arrived upstream")
        check(gateway.proxy.logged("event=proxy.grace_over"), gateway.logs())
        # Its OCP transaction was aborted (TE 400), then CE 200.
        check_callout_saw_ce(gateway)


if __name__ == "__main__":
    sys.exit(run_case(CASES))
