"""opes-proxy under many idle clients (issue 10 §4): the callout pool grows
past connections_per_server x 64 transactions, the per-address limits keep
one client from taking the capacity, and a normal client still gets its
mail through to smtp-sink. Clients bind to 127.0.0.x source addresses
(all of 127/8 is local on Linux) so that several addresses are seen.
One case per run: capacity_test.py [paths] CASE."""

import os
import smtplib
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateway_harness import Failure, Gateway, check, run_case

CASES = {}
TIMEOUT = 10

# 127.0.0.1 relays (and is exempt from the per-address limits by default);
# every other loopback address is an ordinary client of example.net.
RELAY = {"clients": ["127.0.0.1/32"], "domains": ["example.net"]}
CALLOUT = {"timeouts": {"idle_seconds": 1, "probe_interval_seconds": 1}}


def case(function):
    CASES[function.__name__] = function
    return function


class Client:
    """A raw SMTP client bound to a source address, for byte-exact replies."""

    def __init__(self, port, source):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT,
                                               source_address=(source, 0))
        self.buffer = b""

    def reply(self):
        """One whole reply (every line of a multiline one), as bytes."""
        lines = []
        while True:
            while b"\r\n" not in self.buffer:
                data = self.socket.recv(4096)
                if not data:
                    raise Failure(f"connection closed after {b''.join(lines)!r}")
                self.buffer += data
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            lines.append(line + b"\r\n")
            if len(line) < 4 or line[3:4] != b"-":
                return b"".join(lines)

    def command(self, text):
        self.socket.sendall(text.encode() + b"\r\n")
        return self.reply()

    def closed_by_peer(self):
        """Whether the server closes the connection now (EOF within TIMEOUT)."""
        try:
            return self.socket.recv(4096) == b""
        except OSError:
            return True

    def close(self):
        self.socket.close()


def open_transaction(port, source):
    """A session that says EHLO and MAIL and then waits; (client, MAIL reply)."""
    client = Client(port, source)
    try:
        greeting = client.reply()
        check(greeting.startswith(b"220 "), f"greeting from {source}: {greeting!r}")
        check(client.command("EHLO idle.example").startswith(b"250"), "EHLO")
        return client, client.command("MAIL FROM:<idle@example.org>")
    except BaseException:
        client.close()
        raise


def send_normal_message(port, source, subject):
    with smtplib.SMTP("127.0.0.1", port, timeout=20, source_address=(source, 0)) as client:
        message = (f"From: <sender@example.org>\r\nTo: <user@example.net>\r\nSubject: {subject}\r\n"
                   f"Message-ID: <{subject.replace(' ', '-')}@example.org>\r\n\r\nStill here.\r\n")
        refused = client.sendmail("sender@example.org", ["user@example.net"], message.encode())
        check(refused == {}, str(refused))


def delivered(gateway, subject, timeout=5):
    """How many messages with `subject` smtp-sink holds (it also dumps the
    idle sessions' envelopes, so the files are not counted)."""
    deadline = time.time() + timeout
    while True:
        found = sum(f"\nSubject: {subject}\n" in dump for dump in gateway.sink.messages())
        if found or time.time() > deadline:
            return found
        time.sleep(0.1)


@case
def idle_transactions_of_many_clients_do_not_block_a_normal_client(paths):
    addresses = [f"127.0.0.{i}" for i in range(2, 16)]  # 14 addresses x 10 = 140 transactions
    clients = []
    with Gateway(paths, callout_log_level="info", relay=RELAY, callout_settings=CALLOUT) as gateway:
        try:
            for address in addresses:
                for _ in range(10):
                    client, reply = open_transaction(gateway.port, address)
                    clients.append(client)
                    check(reply == b"250 2.1.0 Ok\r\n",
                          f"MAIL {len(clients)} from {address}: {reply!r}\n" + gateway.logs())
                # The 11th open transaction of one address is refused before
                # it takes a callout transaction; its session stays usable.
                client, reply = open_transaction(gateway.port, address)
                clients.append(client)
                check(reply == b"451 4.7.1 Too many open transactions from your address, try again later\r\n",
                      f"11th MAIL from {address}: {reply!r}")
                check(client.command("NOOP").startswith(b"250"), "NOOP after the refusal")
            check(gateway.proxy.logged("event=callout.pool_growing"), "no third callout connection:\n"
                  + gateway.logs())
            check(gateway.proxy.logged("event=smtp.client_limit peer=127.0.0.2:"), gateway.proxy.log())
            check("limit=limits.max_transactions_per_client max=10" in gateway.proxy.log(),
                  gateway.proxy.log())
            # 140 idle transactions are open (more than 2 connections x 64):
            # an ordinary client and a relay client still send mail.
            send_normal_message(gateway.port, "127.0.0.30", "normal client")
            send_normal_message(gateway.port, "127.0.0.1", "relay client")
            check(delivered(gateway, "normal client") == 1, gateway.logs())
            check(delivered(gateway, "relay client") == 1, gateway.logs())
            # A released transaction is counted no more: RSET frees the slot.
            check(clients[0].command("RSET").startswith(b"250"), "RSET")
            again = clients[0].command("MAIL FROM:<idle@example.org>")
            check(again == b"250 2.1.0 Ok\r\n", f"MAIL after RSET: {again!r}")
        finally:
            for client in clients:
                client.close()
        # Demand gone: the extra connection ends with CE (callout.closed is
        # logged once the link wrote CE), the minimum stays.
        check(gateway.proxy.logged("event=callout.idle_closed", timeout=10), gateway.logs())
        check(gateway.proxy.logged("event=callout.closed", timeout=5), gateway.logs())
        check("transport closed without CE" not in gateway.callout.log(), gateway.callout.log())
        send_normal_message(gateway.port, "127.0.0.30", "after the idle clients")
        check(delivered(gateway, "after the idle clients") == 1, gateway.logs())


@case
def one_address_beyond_its_session_limit_gets_421_and_others_do_not(paths):
    clients = []
    with Gateway(paths, relay=RELAY) as gateway:
        try:
            for _ in range(20):
                client = Client(gateway.port, "127.0.0.2")
                clients.append(client)
                check(client.reply().startswith(b"220 "), "greeting")
            started = time.time()
            refused = Client(gateway.port, "127.0.0.2")
            clients.append(refused)
            reply = refused.reply()
            check(reply == b"421 4.7.0 gateway.test Too many connections from your address, try again later\r\n",
                  repr(reply))
            check(refused.closed_by_peer() and time.time() - started < 2, "the refused session stays open")
            check(gateway.proxy.logged("event=smtp.client_limit peer=127.0.0.2:"), gateway.proxy.log())
            check("limit=limits.max_sessions_per_client max=20" in gateway.proxy.log(), gateway.proxy.log())
            # Another address is not affected, nor the exempt relay client.
            other = Client(gateway.port, "127.0.0.3")
            clients.append(other)
            check(other.reply().startswith(b"220 "), "another address")
            for _ in range(25):
                relay = Client(gateway.port, "127.0.0.1")
                clients.append(relay)
                check(relay.reply().startswith(b"220 "), "relay clients are exempt")
            # A session that ends gives its slot back.
            check(clients[0].command("QUIT").startswith(b"221"), "QUIT")
            deadline = time.time() + 5
            while True:
                again = Client(gateway.port, "127.0.0.2")
                clients.append(again)
                greeting = again.reply()
                if greeting.startswith(b"220 ") or time.time() > deadline:
                    break
            check(greeting.startswith(b"220 "), f"after a QUIT: {greeting!r}")
        finally:
            for client in clients:
                client.close()


@case
def the_global_session_limit_answers_421_4_3_2_and_closes(paths):
    clients = []
    limits = {"max_sessions": 5}
    with Gateway(paths, relay=RELAY, limits=limits) as gateway:
        try:
            for i in range(5):
                client = Client(gateway.port, f"127.0.0.{2 + i}")
                clients.append(client)
                check(client.reply().startswith(b"220 "), "greeting")
            started = time.time()
            refused = Client(gateway.port, "127.0.0.9")
            clients.append(refused)
            reply = refused.reply()
            check(reply == b"421 4.3.2 gateway.test Too many connections, try again later\r\n", repr(reply))
            check(refused.closed_by_peer() and time.time() - started < 2, "the refused session stays open")
            check(gateway.proxy.logged("event=smtp.too_many_sessions peer=127.0.0.9:"), gateway.proxy.log())
        finally:
            for client in clients:
                client.close()


if __name__ == "__main__":
    sys.exit(run_case(CASES))
