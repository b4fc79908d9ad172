"""opes-proxy as an ODMR provider (RFC 2645, issue 13 section 3), end to end:
mail the gateway accepts for a customer's domain is held in the hold queue
and handed over when the customer authenticates on the odmr listener and
sends ATRN; the roles then reverse on the same connection. Real peers:
fetchmail in ODMR mode relaying to a second smtp-sink, smtp-sink as the
upstream (where the DSNs to the senders land), the real opes-callout; raw
sockets as the customer for every ATRN reply, the reversal's first bytes
and TLS carried over it, kill -9 of the proxy after an enqueue and in the
middle of a reversed delivery, the customer's refusals (DSNs), expiry and
the delay warning, re-scan at release, the split per domain, 8BITMIME and
SMTPUTF8 through the hold, SIGHUP with a new customer domain. One case per
run: odmr_test.py [paths] CASE."""

import base64
import glob
import hashlib
import hmac
import os
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateway_harness import (GTUBE, QUARANTINE_MARK, QUARANTINE_URI, STAMP_URI, FILTER_URI,  # noqa: E402
                             Failure, Gateway, Sink, check, run_case, START_TIMEOUT)

CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


CUSTOMER = "cust"
SECRET = "secret"
CUSTOMERS = f"{CUSTOMER}:{{PLAIN}}{SECRET}:example.org,example.com\n"
SENDER = "sender@example.net"  # not a customer domain: its DSNs go to the upstream sink


def message(number, recipients, subject=None, body="Held for the customer.\r\n"):
    to = ", ".join(f"<{r}>" for r in recipients)
    return (f"From: <{SENDER}>\r\nTo: {to}\r\nSubject: {subject or f'held {number}'}\r\n"
            f"Message-ID: <odmr-{number}@example.net>\r\n\r\n{body}").encode()


def odmr_gateway(paths, odmr=None, proxy_services=None, groups=(), customers=CUSTOMERS, tls=False):
    """A Gateway whose proxy has an SMTP listener (first) and an odmr
    listener (second), the customers file and the hold queue `hold` beside
    its configuration; `odmr`: keys over the defaults of the odmr object;
    `groups`: more service groups; `tls`: a self-signed certificate for
    gateway.test (gateway.certificate), so that STARTTLS is offered.
    gateway.odmr_port is the odmr listener's port once it has started."""
    settings = {"customers": "customers", "queue": "hold", "atrn_interval_seconds": 0,
                "reply_timeout_seconds": 20, **(odmr or {})}

    def customize(document, gateway):
        with open(os.path.join(gateway.folder.name, "customers"), "w") as f:
            f.write(customers)
        document["listeners"] = [{"address": "127.0.0.1", "port": 0},
                                 {"address": "127.0.0.1", "port": 0, "protocol": "odmr"}]
        document["odmr"] = settings
        document["callout"]["service_groups"] += list(groups)
        if tls:
            gateway.certificate = os.path.join(gateway.folder.name, "proxy-cert.pem")
            key = os.path.join(gateway.folder.name, "proxy-key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-subj", "/CN=gateway.test", "-addext", "subjectAltName=DNS:gateway.test",
                            "-keyout", key, "-out", gateway.certificate], check=True, capture_output=True)
            document["tls"] = {"certificate": gateway.certificate, "private_key": key}

    return OdmrGateway(paths, proxy_services=proxy_services, proxy_customize=customize)


def listening_ports(process, count=2):
    """The ports of the first `count` "listening on" lines, in their order."""
    deadline = time.time() + START_TIMEOUT
    while time.time() < deadline:
        ports = [int(m.group(1)) for m in (re.match(r"^opes-proxy listening on 127\.0\.0\.1:(\d+)$", line)
                                           for line in list(process.lines)) if m]
        if len(ports) >= count:
            return ports[:count]
        time.sleep(0.05)
    raise Failure(f"{process.what} did not print {count} listening lines:\n" + process.log())


class OdmrGateway(Gateway):
    def __enter__(self):
        super().__enter__()
        try:
            self.port, self.odmr_port = listening_ports(self.proxy)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def restart_proxy(self, sig=signal.SIGKILL):
        process = super().restart_proxy(sig)
        self.port, self.odmr_port = listening_ports(process)
        return process

    def queue(self):
        return os.path.join(self.folder.name, "hold")

    def held(self, domain="*"):
        """The records of the hold queue (QUEUE/held/DOMAIN/ID.rec)."""
        return sorted(glob.glob(os.path.join(self.queue(), "held", domain, "*.rec")))

    def queue_files(self):
        """Every message or record file anywhere in the queue (leases included)."""
        found = []
        for folder, _, files in os.walk(self.queue()):
            found += [os.path.join(folder, f) for f in files if f.endswith((".eml", ".rec"))]
        return sorted(found)


def send(gateway, recipients, content):
    with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
        refusals = client.sendmail(SENDER, recipients, content)
        check(refusals == {}, f"refusals {refusals}")


def hold(gateway, recipients, content):
    """Sends a message for customer domains and waits until it is held."""
    before = gateway.proxy.log().count("event=odmr.held")
    send(gateway, recipients, content)
    deadline = time.time() + 5
    while gateway.proxy.log().count("event=odmr.held") <= before and time.time() < deadline:
        time.sleep(0.05)
    check(gateway.proxy.log().count("event=odmr.held") > before, "odmr.held logged\n" + gateway.proxy.log())


def message_id(data):
    found = re.search(rb"^Message-ID:\s*(<[^>]*>)", data, re.M | re.I)
    return found.group(1).decode() if found else None


def dsns(sink, expected, timeout=10):
    """The sink's dumps sent from the null sender (DSNs), waiting for `expected`."""
    deadline = time.time() + timeout
    while True:
        found = [d for d in sink.messages() if "X-Mail-Args: <>" in d]
        if len(found) >= expected or time.time() > deadline:
            return found
        time.sleep(0.1)


class Customer:
    """An ODMR customer over a raw socket: the provider's client until the
    250 to ATRN, then the SMTP server of the reversed session."""

    def __init__(self, port):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buffer = b""
        self.received = []  # each message: {"sender", "recipients", "data"}

    def line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.socket.recv(65536)
            if not chunk:
                raise Failure(f"the provider closed the connection; had {self.buffer!r}")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line + b"\r\n"

    def reply(self):
        lines = [self.line()]
        while lines[-1][3:4] == b"-":
            lines.append(self.line())
        return b"".join(lines)

    def command(self, text):
        self.socket.sendall(text.encode() + b"\r\n")
        return self.reply()

    def silent(self, seconds=0.5):
        """True when the provider sends nothing within `seconds`."""
        if self.buffer:
            return False
        self.socket.settimeout(seconds)
        try:
            chunk = self.socket.recv(1)
            self.buffer += chunk
            return False
        except socket.timeout:
            return True
        finally:
            self.socket.settimeout(20)

    def greeted(self):
        greeting = self.reply()
        check(greeting.startswith(b"220 "), f"greeting {greeting!r}")
        ehlo = self.command("EHLO customer.test")
        check(ehlo.startswith(b"250-") and b"ATRN" in ehlo and b"AUTH CRAM-MD5" in ehlo, f"EHLO {ehlo!r}")
        return ehlo

    def login(self, user=CUSTOMER, secret=SECRET):
        """Greeting, EHLO, AUTH CRAM-MD5 (RFC 2195) as fetchmail does it."""
        self.greeted()
        challenge = self.command("AUTH CRAM-MD5")
        check(challenge.startswith(b"334 "), f"AUTH CRAM-MD5: {challenge!r}")
        digest = hmac.new(secret.encode(), base64.b64decode(challenge[4:].strip()), hashlib.md5).hexdigest()
        done = self.command(base64.b64encode(f"{user} {digest}".encode()).decode())
        check(done.startswith(b"235 "), f"CRAM-MD5 response: {done!r}")

    def starttls(self, cafile):
        """STARTTLS (RFC 3207) after EHLO; EHLO again over TLS, its reply."""
        ready = self.command("STARTTLS")
        check(ready.startswith(b"220 "), f"STARTTLS: {ready!r}")
        context = ssl.create_default_context(cafile=cafile)
        self.socket = context.wrap_socket(self.socket, server_hostname="gateway.test")
        return self.command("EHLO customer.test")

    def login_plain(self, user=CUSTOMER, secret=SECRET):
        token = base64.b64encode(f"\0{user}\0{secret}".encode()).decode()
        done = self.command(f"AUTH PLAIN {token}")
        check(done.startswith(b"235 "), f"AUTH PLAIN: {done!r}")

    def atrn(self, domains, greeting_behind=False):
        """ATRN; with `greeting_behind` the reversed session's 220 goes in
        the same write. The reply line exactly as sent."""
        data = f"ATRN {domains}\r\n".encode()
        if greeting_behind:
            data += b"220 customer.test ESMTP ready\r\n"
        self.socket.sendall(data)
        return self.reply()

    def serve(self, rcpt=None, end=None, greeted=False):
        """The reversed session: this side is the SMTP server. `rcpt(address)`
        and `end(message)` give the reply (default 250); `end` returning None
        means no answer at all (the method returns then, the connection
        kept). Returns the EHLO line the provider sent; ends on QUIT."""
        if not greeted:
            self.socket.sendall(b"220 customer.test ESMTP ready\r\n")
        hello = None
        current = None
        while True:
            line = self.line()
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                hello = line
                self.socket.sendall(b"250-customer.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES\r\n")
            elif verb == b"MAIL":
                current = {"sender": line[10:].strip().decode(), "recipients": [], "data": b""}
                self.socket.sendall(b"250 2.1.0 Ok\r\n")
            elif verb == b"RCPT":
                address = re.search(rb"<([^>]*)>", line).group(1).decode()
                answer = rcpt(address) if rcpt else "250 2.1.5 Ok"
                if answer.startswith("2"):
                    current["recipients"].append(address)
                self.socket.sendall(answer.encode() + b"\r\n")
            elif verb == b"DATA":
                self.socket.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                data = b""
                while True:
                    piece = self.line()
                    if piece == b".\r\n":
                        break
                    data += piece
                current["data"] = data
                self.received.append(current)
                answer = end(current) if end else "250 2.0.0 Ok: queued"
                if answer is None:
                    return hello
                self.socket.sendall(answer.encode() + b"\r\n")
            elif verb == b"RSET":
                current = None
                self.socket.sendall(b"250 2.0.0 Ok\r\n")
            elif verb == b"QUIT":
                self.socket.sendall(b"221 2.0.0 Bye\r\n")
                return hello
            else:
                self.socket.sendall(b"502 5.5.2 Error: command not recognized\r\n")

    def close(self):
        self.socket.close()


def fetchmail(gateway, sink, domains="example.org example.com"):
    """fetchmail --protocol ODMR as real-peers.md section 4 runs it."""
    home = gateway.folder.name
    rc = os.path.join(home, "fetchmailrc")
    with open(rc, "w") as f:
        f.write(f'poll 127.0.0.1 port {gateway.odmr_port} protocol ODMR timeout 10\n'
                f'    user "{CUSTOMER}" password "{SECRET}"\n'
                f'    smtphost 127.0.0.1/{sink.port}\n'
                f'    fetchdomains {domains}\n')
    os.chmod(rc, 0o600)
    return subprocess.run(["timeout", "60", "fetchmail", "-f", rc, "--pidfile", os.path.join(home, "fetchmail.pid"),
                           "-v", "-v"], env={**os.environ, "FETCHMAILHOME": home},
                          capture_output=True, text=True, timeout=90)


# ---- fetchmail ------------------------------------------------------------


@case
def fetchmail_gets_the_held_messages_once_each_adapted_and_a_second_run_has_no_mail(paths):
    if not shutil.which("fetchmail"):
        raise SystemExit("fetchmail is not installed (scripts/setup.sh installs it)")
    with odmr_gateway(paths) as gateway:
        customer_sink = Sink(os.path.join(gateway.folder.name, "customer"))
        gateway.processes.append(customer_sink.process)
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        hold(gateway, ["other@example.org"], message(2, ["other@example.org"]))
        hold(gateway, ["user@example.com"], message(3, ["user@example.com"]))
        send(gateway, ["someone@example.net"], message(4, ["someone@example.net"], subject="ordinary"))
        upstream = gateway.sink.messages(expected=1)
        check(len(upstream) == 1 and "Message-ID: <odmr-4@example.net>" in upstream[0],
              f"the ordinary message went upstream at once: {upstream}\n{gateway.logs()}")
        check(customer_sink.messages() == [], "nothing reaches the customer before ATRN")
        check(len(gateway.held()) == 3, f"three entries held: {gateway.held()}")

        done = fetchmail(gateway, customer_sink)
        check(done.returncode == 0, f"fetchmail exit {done.returncode}\n{done.stdout}{done.stderr}\n{gateway.logs()}")
        arrived = customer_sink.messages(expected=3)
        ids = sorted(message_id(d.encode()) for d in arrived)
        check(ids == [f"<odmr-{n}@example.net>" for n in (1, 2, 3)],
              f"each held message once at the customer: {ids}\n{done.stdout}\n{gateway.logs()}")
        for dump in arrived:
            check("X-Scanned-By: OPES-SMTP test" in dump, "adapted before it was held\n" + dump)
        check(any("X-Rcpt-Args: <user@example.com>" in d for d in arrived), "\n".join(arrived))
        check(gateway.proxy.logged("event=odmr.atrn"), gateway.proxy.log())
        check(gateway.proxy.logged("event=odmr.released") and gateway.proxy.logged("delivered=3"),
              gateway.proxy.log())
        check(gateway.queue_files() == [], f"the hold queue is empty: {gateway.queue_files()}")
        upstream = gateway.sink.messages()
        check(len(upstream) == 1, f"the upstream got only the ordinary message: {len(upstream)}")

        again = fetchmail(gateway, customer_sink)
        check(again.returncode == 0, f"second fetchmail exit {again.returncode}\n{again.stdout}{again.stderr}")
        check("You have no mail" in again.stdout + again.stderr, again.stdout + again.stderr)
        check(len(customer_sink.messages()) == 3, "nothing delivered twice")


# ---- every ATRN reply over a raw socket -------------------------------------


@case
def commands_outside_the_odmr_states_get_502(paths):
    with odmr_gateway(paths) as gateway:
        customer = Customer(gateway.odmr_port)
        customer.greeted()
        for command in ("MAIL FROM:<a@example.net>", "NOOP", "RCPT TO:<b@example.org>", "VRFY cust"):
            reply = customer.command(command)
            check(reply.startswith(b"502 "), f"{command} in the initial state: {reply!r}")
        customer.close()
        customer = Customer(gateway.odmr_port)
        customer.login()
        for command in ("MAIL FROM:<a@example.net>", "NOOP", "RSET"):
            reply = customer.command(command)
            check(reply.startswith(b"502 "), f"{command} after AUTH: {reply!r}")
        # RFC 2645 5.4 leaves EHLO, AUTH, ATRN and QUIT out of the 502s;
        # RFC 4954 4: AUTH after a successful AUTH is 503.
        reply = customer.command("AUTH CRAM-MD5")
        check(reply.startswith(b"503 "), f"AUTH again: {reply!r}")
        check(customer.command("QUIT").startswith(b"221 "), "QUIT")
        customer.close()


@case
def atrn_before_auth_gets_530(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        customer = Customer(gateway.odmr_port)
        customer.greeted()
        reply = customer.command("ATRN example.org")
        check(reply.startswith(b"530 "), f"ATRN before AUTH: {reply!r}")
        check(customer.silent(), "nothing follows the 530")
        check(customer.command("QUIT").startswith(b"221 "), "QUIT")
        customer.close()
        check(len(gateway.held()) == 1, "the message is still held")


@case
def atrn_with_a_bad_domain_list_gets_501(paths):
    with odmr_gateway(paths) as gateway:
        customer = Customer(gateway.odmr_port)
        customer.login()
        for argument in ("example..org", "example.org, example.com", "exa_mple.org", "example.org,"):
            reply = customer.atrn(argument)
            check(reply.startswith(b"501 "), f"ATRN {argument!r}: {reply!r}")
        check(customer.command("QUIT").startswith(b"221 "), "QUIT")
        customer.close()
        check(gateway.proxy.logged("event=odmr.atrn_refused"), gateway.proxy.log())


@case
def atrn_for_a_domain_not_the_customers_gets_450_and_nothing_is_sent(paths):
    with odmr_gateway(paths, customers=CUSTOMERS + "shop:{PLAIN}other:shop.test\n") as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        hold(gateway, ["buyer@shop.test"], message(2, ["buyer@shop.test"]))
        customer = Customer(gateway.odmr_port)
        customer.login()
        for argument in ("shop.test", "example.org,shop.test", "example.net"):
            reply = customer.atrn(argument)
            check(reply.startswith(b"450 "), f"ATRN {argument}: {reply!r}")
            check(customer.silent(), f"nothing is sent after the 450 to ATRN {argument}")
        check(customer.command("QUIT").startswith(b"221 "), "QUIT")
        customer.close()
        check(len(gateway.held()) == 2, f"both messages still held: {gateway.held()}")
        check(gateway.proxy.logged("reply=450"), gateway.proxy.log())
        check("event=odmr.atrn " not in gateway.proxy.log(), gateway.proxy.log())


@case
def atrn_again_within_the_interval_gets_450(paths):
    with odmr_gateway(paths, odmr={"atrn_interval_seconds": 60}) as gateway:
        first = Customer(gateway.odmr_port)
        first.login()
        reply = first.atrn("example.org")
        check(reply.startswith(b"453 "), f"first ATRN, nothing held: {reply!r}")
        check(first.command("QUIT").startswith(b"221 "), "QUIT")
        first.close()
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        second = Customer(gateway.odmr_port)
        second.login()
        reply = second.atrn("example.org")
        check(reply.startswith(b"450 "), f"ATRN again within 60 s: {reply!r}")
        check(second.silent(), "nothing follows the 450")
        second.close()
        check(len(gateway.held()) == 1, "the message stays held")


@case
def atrn_with_the_customers_file_replaced_by_garbage_gets_451(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        customer = Customer(gateway.odmr_port)
        customer.login()  # the credentials as read at start
        with open(os.path.join(gateway.folder.name, "customers"), "wb") as f:
            f.write(b"\x00\x01 this is no customers file\ncust:{PLAIN}secret:not..a..domain\n")
        reply = customer.atrn("example.org")
        check(reply.startswith(b"451 "), f"ATRN with a garbage customers file: {reply!r}")
        check(customer.silent(), "nothing follows the 451")
        customer.close()
        check(gateway.proxy.logged("reply=451"), gateway.proxy.log())
        check(len(gateway.held()) == 1, "the message stays held")


@case
def atrn_without_held_mail_gets_453(paths):
    with odmr_gateway(paths) as gateway:
        customer = Customer(gateway.odmr_port)
        customer.login()
        reply = customer.atrn("example.org,example.com")
        check(reply.startswith(b"453 "), f"ATRN with no mail: {reply!r}")
        check(customer.command("QUIT").startswith(b"221 "), "QUIT")
        customer.close()


@case
def atrn_gets_a_single_line_250_and_a_greeting_sent_in_the_same_write_is_not_lost(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        customer = Customer(gateway.odmr_port)
        customer.login()
        reply = customer.atrn("example.org", greeting_behind=True)
        check(reply.startswith(b"250 ") and reply.count(b"\r\n") == 1, f"a single-line 250: {reply!r}")
        hello = customer.serve(greeted=True)
        check(hello is not None and hello.startswith(b"EHLO gateway.test"), f"the provider's EHLO: {hello!r}")
        check(len(customer.received) == 1, f"one message: {customer.received}")
        got = customer.received[0]
        check(got["recipients"] == ["user@example.org"], got["recipients"])
        check(got["sender"] == f"<{SENDER}>", got["sender"])
        check(b"X-Scanned-By: OPES-SMTP test" in got["data"], got["data"])
        check(message_id(got["data"]) == "<odmr-1@example.net>", got["data"])
        customer.close()
        check(gateway.proxy.logged("event=odmr.released"), gateway.proxy.log())
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def with_no_mail_reverse_atrn_without_mail_gets_250_then_ehlo_and_quit(paths):
    with odmr_gateway(paths, odmr={"no_mail": "reverse"}) as gateway:
        customer = Customer(gateway.odmr_port)
        customer.login()
        reply = customer.atrn("example.org")
        check(reply.startswith(b"250 "), f"ATRN with no mail, no_mail reverse: {reply!r}")
        hello = customer.serve()
        check(hello is not None and hello.startswith(b"EHLO "), f"EHLO: {hello!r}")
        check(customer.received == [], f"nothing to deliver: {customer.received}")
        customer.close()
        check(gateway.proxy.logged("event=odmr.released") and gateway.proxy.logged("entries=0"),
              gateway.proxy.log())


@case
def a_customer_that_drops_the_connection_after_the_250_keeps_its_mail_for_the_next_atrn(paths):
    with odmr_gateway(paths) as gateway:
        for n in (1, 2):
            hold(gateway, [f"user{n}@example.org"], message(n, [f"user{n}@example.org"]))
        dropping = Customer(gateway.odmr_port)
        dropping.login()
        check(dropping.atrn("example.org").startswith(b"250 "), "ATRN")
        dropping.close()
        check(gateway.proxy.logged("event=odmr.reversal_failed"), gateway.proxy.log())
        check(len(gateway.held()) == 2, f"both still held: {gateway.held()}")
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), f"the next ATRN\n{gateway.logs()}")
        customer.serve()
        customer.close()
        ids = sorted(message_id(m["data"]) for m in customer.received)
        check(ids == ["<odmr-1@example.net>", "<odmr-2@example.net>"], f"both delivered: {ids}")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def a_customer_that_never_greets_is_given_up_after_reply_timeout_seconds_and_the_mail_stays(paths):
    with odmr_gateway(paths, odmr={"reply_timeout_seconds": 1}) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        silent = Customer(gateway.odmr_port)
        silent.login()
        check(silent.atrn("example.org").startswith(b"250 "), "ATRN")
        started = time.time()
        check(gateway.proxy.logged("event=odmr.reversal_failed", timeout=10), gateway.proxy.log())
        check(time.time() - started < 8, "given up after about a second")
        silent.close()
        check(len(gateway.held()) == 1, f"still held: {gateway.held()}")
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), f"the next ATRN\n{gateway.logs()}")
        customer.serve()
        customer.close()
        check([message_id(m["data"]) for m in customer.received] == ["<odmr-1@example.net>"], "delivered")


@case
def atrn_while_another_session_takes_the_domains_mail_gets_450(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        first = Customer(gateway.odmr_port)
        first.login()
        check(first.atrn("example.org").startswith(b"250 "), "the first ATRN")
        second = Customer(gateway.odmr_port)
        second.login()
        reply = second.atrn("example.org")
        check(reply.startswith(b"450 "), f"ATRN while the first session has the mail: {reply!r}")
        second.close()
        first.serve()  # the greeting only now
        first.close()
        check([message_id(m["data"]) for m in first.received] == ["<odmr-1@example.net>"], "delivered once")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def plain_is_offered_only_after_starttls_and_the_reversal_stays_encrypted(paths):
    with odmr_gateway(paths, tls=True) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"],
                                                    body="..two dots\r\n.one dot\r\nlast\r\n"))
        customer = Customer(gateway.odmr_port)
        ehlo = customer.greeted()
        check(b"STARTTLS" in ehlo and b"PLAIN" not in ehlo, f"plain text EHLO: {ehlo!r}")
        token = base64.b64encode(f"\0{CUSTOMER}\0{SECRET}".encode()).decode()
        refused = customer.command(f"AUTH PLAIN {token}")
        check(refused.startswith(b"5"), f"AUTH PLAIN without TLS: {refused!r}")
        ehlo = customer.starttls(gateway.certificate)
        check(b"AUTH" in ehlo and b"PLAIN" in ehlo and b"ATRN" in ehlo and b"STARTTLS" not in ehlo,
              f"EHLO over TLS: {ehlo!r}")
        customer.login_plain()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN over TLS")
        customer.serve()  # the reversed session on the same TLS connection
        check(isinstance(customer.socket, ssl.SSLSocket), "still TLS")
        customer.close()
        check(len(customer.received) == 1, f"delivered over TLS: {customer.received}")
        # RFC 5321 4.5.2: lines starting with a dot are doubled on the wire.
        check(b"\r\n...two dots\r\n..one dot\r\nlast\r\n" in customer.received[0]["data"],
              customer.received[0]["data"])
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def atrn_without_domains_takes_every_domain_of_the_customer_in_any_case(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        hold(gateway, ["user@example.com"], message(2, ["user@example.com"]))
        customer = Customer(gateway.odmr_port)
        customer.login()
        reply = customer.atrn("")
        check(reply.startswith(b"250 "), f"ATRN alone: {reply!r}")
        customer.serve()
        customer.close()
        ids = sorted(message_id(m["data"]) for m in customer.received)
        check(ids == ["<odmr-1@example.net>", "<odmr-2@example.net>"], f"both domains: {ids}")
        hold(gateway, ["user@example.org"], message(3, ["user@example.org"]))
        upper = Customer(gateway.odmr_port)
        upper.login()
        reply = upper.atrn("EXAMPLE.ORG")
        check(reply.startswith(b"250 "), f"ATRN in upper case: {reply!r}")
        upper.serve()
        upper.close()
        check([message_id(m["data"]) for m in upper.received] == ["<odmr-3@example.net>"], f"{upper.received}")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def an_8bit_message_held_with_body_8bitmime_goes_to_the_customer_with_it(paths):
    with odmr_gateway(paths) as gateway:
        raw = (f"From: <{SENDER}>\r\nTo: <user@example.org>\r\nSubject: 8bit\r\n"
               f"Message-ID: <odmr-1@example.net>\r\nContent-Type: text/plain; charset=utf-8\r\n"
               f"Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + "Gr\u00fc\u00dfe aus K\u00f6ln\r\n".encode()
        before = gateway.proxy.log().count("event=odmr.held")
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            check(client.sendmail(SENDER, ["user@example.org"], raw, mail_options=["BODY=8BITMIME"]) == {}, "sent")
        check(gateway.proxy.logged("event=odmr.held"), gateway.proxy.log())
        check(gateway.proxy.log().count("event=odmr.held") == before + 1, "held once")
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN")
        customer.serve()
        customer.close()
        check(len(customer.received) == 1, f"{customer.received}")
        got = customer.received[0]
        check("BODY=8BITMIME" in got["sender"].upper(), f"MAIL to the customer: {got['sender']!r}")
        check("Gr\u00fc\u00dfe aus K\u00f6ln".encode() in got["data"], got["data"])
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def an_smtputf8_recipient_held_goes_to_the_customer_with_smtputf8(paths):
    with odmr_gateway(paths) as gateway:
        recipient = "j\u00f6rg@example.org"
        raw = (f"From: <{SENDER}>\r\nTo: <{recipient}>\r\nSubject: utf-8\r\n"
               f"Message-ID: <odmr-1@example.net>\r\n\r\nHallo J\u00f6rg\r\n").encode()
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            check(client.sendmail(SENDER, [recipient], raw, mail_options=["SMTPUTF8", "BODY=8BITMIME"]) == {},
                  "sent")
        check(gateway.proxy.logged("event=odmr.held"), gateway.proxy.log())
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN")
        customer.serve()
        customer.close()
        check(len(customer.received) == 1, f"{customer.received}\n{gateway.logs()}")
        got = customer.received[0]
        check("SMTPUTF8" in got["sender"].upper(), f"MAIL to the customer: {got['sender']!r}")
        check(got["recipients"] == [recipient], got["recipients"])


@case
def a_dsn_for_a_sender_in_a_customer_domain_is_held_for_that_domain_and_sent_from_the_null_sender(paths):
    with odmr_gateway(paths) as gateway:
        content = (b"From: <writer@example.com>\r\nTo: <bad@example.org>\r\nSubject: bounce me\r\n"
                   b"Message-ID: <odmr-1@example.com>\r\n\r\nTo be refused.\r\n")
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            check(client.sendmail("writer@example.com", ["bad@example.org"], content) == {}, "sent")
        check(gateway.proxy.logged("event=odmr.held"), gateway.proxy.log())
        refusing = Customer(gateway.odmr_port)
        refusing.login()
        check(refusing.atrn("example.org").startswith(b"250 "), "ATRN example.org")
        refusing.serve(rcpt=lambda address: "550 5.1.1 no such user")
        refusing.close()
        check(gateway.proxy.logged("bounced=1"), gateway.proxy.log())
        deadline = time.time() + 5
        while not gateway.held("example.com") and time.time() < deadline:
            time.sleep(0.1)
        check(len(gateway.held("example.com")) == 1, f"the DSN is held for example.com: {gateway.held()}")
        check(gateway.sink.messages() == [], "nothing upstream")
        writer = Customer(gateway.odmr_port)
        writer.login()
        check(writer.atrn("example.com").startswith(b"250 "), "ATRN example.com")
        # The DSN itself refused: no DSN about a DSN (RFC 3461 6.2, RFC 5321 6.1).
        writer.serve(end=lambda received: "554 5.7.1 no thanks")
        writer.close()
        check(len(writer.received) == 1, f"the DSN reached the sender's customer: {writer.received}")
        dsn = writer.received[0]
        check(dsn["sender"].startswith("<>"), f"from the null sender: {dsn['sender']!r}")
        check(dsn["recipients"] == ["writer@example.com"], dsn["recipients"])
        check(b"Action: failed" in dsn["data"] and b"bad@example.org" in dsn["data"], dsn["data"])
        time.sleep(0.5)
        check(gateway.queue_files() == [], f"no bounce of the bounce is held: {gateway.queue_files()}")
        check(gateway.sink.messages() == [], "nor sent upstream")


# ---- crash safety -----------------------------------------------------------


@case
def kill_9_during_a_reversed_delivery_loses_nothing_and_repeats_no_acknowledged_message(paths):
    with odmr_gateway(paths) as gateway:
        for n in range(1, 6):
            hold(gateway, [f"user{n}@example.org"], message(n, [f"user{n}@example.org"]))
        check(len(gateway.held()) == 5, f"five entries held: {gateway.held()}")
        first = Customer(gateway.odmr_port)
        first.login()
        check(first.atrn("example.org").startswith(b"250 "), "ATRN")
        answered = []

        def two_then_silence(received):
            if len(answered) < 2:
                answered.append(message_id(received["data"]))
                return "250 2.0.0 Ok: queued"
            return None  # the third message's final dot gets no reply

        first.serve(end=two_then_silence)
        check(len(first.received) == 3, f"three messages reached the customer: {len(first.received)}")
        gateway.restart_proxy(signal.SIGKILL)
        first.close()

        second = Customer(gateway.odmr_port)
        second.login()
        reply = second.atrn("example.org")
        check(reply.startswith(b"250 "), f"ATRN after the restart: {reply!r}\n{gateway.logs()}")
        second.serve()
        second.close()
        again = [message_id(m["data"]) for m in second.received]
        every = {message_id(m["data"]) for m in first.received} | set(again)
        check(every == {f"<odmr-{n}@example.net>" for n in range(1, 6)},
              f"every message delivered at least once: {sorted(every)}")
        check(not set(answered) & set(again), f"acknowledged {answered}, delivered again {again}")
        # The one in flight at the kill was never acknowledged: still held.
        check(set(again) == every - set(answered), f"the unacknowledged ones again: {again}")
        check(len(again) == len(set(again)), f"once each in the second session: {again}")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}\n{gateway.logs()}")


@case
def kill_9_right_after_the_250_to_the_senders_final_dot_loses_no_held_message(paths):
    with odmr_gateway(paths) as gateway:
        for n in range(1, 4):
            send(gateway, [f"user{n}@example.org"], message(n, [f"user{n}@example.org"]))
        # No wait for the log: the 250 itself promises the message is on disk.
        gateway.restart_proxy(signal.SIGKILL)
        check(gateway.proxy.logged("entries=3"), "the restarted proxy counts three entries\n" + gateway.proxy.log())
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), f"ATRN after the restart\n{gateway.logs()}")
        customer.serve()
        customer.close()
        ids = sorted(message_id(m["data"]) for m in customer.received)
        check(ids == [f"<odmr-{n}@example.net>" for n in range(1, 4)], f"all three: {ids}")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def a_domain_added_to_the_customers_file_is_held_after_sighup(paths):
    with odmr_gateway(paths) as gateway:
        with open(os.path.join(gateway.folder.name, "customers"), "w") as f:
            f.write(f"{CUSTOMER}:{{PLAIN}}{SECRET}:example.org,example.com,example.info\n")
        gateway.proxy.process.send_signal(signal.SIGHUP)
        check(gateway.proxy.logged("event=proxy.config_reloaded"), gateway.proxy.log())
        hold(gateway, ["user@example.info"], message(1, ["user@example.info"]))
        check(len(gateway.held("example.info")) == 1, f"held for the new domain: {gateway.held()}")
        check(gateway.sink.messages() == [], "not sent upstream")
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.info").startswith(b"250 "), f"ATRN for the new domain\n{gateway.logs()}")
        customer.serve()
        customer.close()
        check([message_id(m["data"]) for m in customer.received] == ["<odmr-1@example.net>"], f"{customer.received}")


# ---- refusals by the customer, expiry, re-scan --------------------------------


@case
def a_550_for_one_recipient_bounces_it_and_a_451_for_the_message_keeps_it_for_the_next_atrn(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["bad@example.org", "good@example.org"],
             message(1, ["bad@example.org", "good@example.org"]))
        hold(gateway, ["later@example.org"], message(2, ["later@example.org"], subject="tempfail"))
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN")

        def rcpt(address):
            return "550 5.1.1 <bad@example.org>: user unknown" if address == "bad@example.org" else "250 2.1.5 Ok"

        def end(received):
            return "451 4.3.0 try again later" if b"Subject: tempfail" in received["data"] else "250 2.0.0 Ok"

        customer.serve(rcpt=rcpt, end=end)
        customer.close()
        good = [m for m in customer.received if message_id(m["data"]) == "<odmr-1@example.net>"]
        check(len(good) == 1 and good[0]["recipients"] == ["good@example.org"], f"{customer.received}")
        bounces = dsns(gateway.sink, 1)
        check(len(bounces) == 1, f"one DSN upstream: {len(bounces)}\n{gateway.logs()}")
        dsn = bounces[0]
        check(f"X-Rcpt-Args: <{SENDER}>" in dsn, "to the sender\n" + dsn)
        check("multipart/report" in dsn and "report-type=delivery-status" in dsn, dsn)
        check("Action: failed" in dsn and "bad@example.org" in dsn, dsn)
        check("Status: 5.1.1" in dsn, dsn)
        check("Final-Recipient:rfc822;good@example.org" not in dsn.replace(" ", ""),
              "only the refused recipient\n" + dsn)
        check(gateway.proxy.logged("delivered=1") and gateway.proxy.logged("bounced=1")
              and gateway.proxy.logged("deferred=1"), gateway.proxy.log())
        held = gateway.held()
        check(len(held) == 1, f"the deferred message is still held: {held}")
        with open(held[0]) as f:
            record = f.read()
        check("Recipient: later@example.org" in record, record)
        check(re.search(r"^Attempts: 1$", record, re.M), "the deferral is counted\n" + record)

        later = Customer(gateway.odmr_port)
        later.login()
        check(later.atrn("example.org").startswith(b"250 "), "the second ATRN")
        later.serve()
        later.close()
        check([message_id(m["data"]) for m in later.received] == ["<odmr-2@example.net>"],
              f"the deferred message, now delivered: {later.received}")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")
        check(len(dsns(gateway.sink, 2, timeout=1)) == 1, "no DSN for the deferral")


@case
def a_message_held_past_max_hold_seconds_bounces_with_status_4_4_7(paths):
    with odmr_gateway(paths, odmr={"max_hold_seconds": 1, "sweep_interval_seconds": 1,
                                   "delay_warning_seconds": 0}) as gateway:
        started = time.time()
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        bounces = dsns(gateway.sink, 1, timeout=10)
        check(len(bounces) == 1, f"one DSN within seconds: {len(bounces)}\n{gateway.logs()}")
        check(time.time() - started < 10, "within a few seconds")
        dsn = bounces[0]
        check(f"X-Rcpt-Args: <{SENDER}>" in dsn, dsn)
        check("Status: 4.4.7" in dsn and "Action: failed" in dsn and "user@example.org" in dsn, dsn)
        check(gateway.proxy.logged("event=odmr.expired"), gateway.proxy.log())
        deadline = time.time() + 5
        while gateway.queue_files() and time.time() < deadline:
            time.sleep(0.1)
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def a_delay_warning_goes_once_before_the_bounce(paths):
    with odmr_gateway(paths, odmr={"max_hold_seconds": 4, "sweep_interval_seconds": 1,
                                   "delay_warning_seconds": 1}) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        first = dsns(gateway.sink, 1, timeout=5)
        check(len(first) == 1, f"the delay warning: {len(first)}\n{gateway.logs()}")
        check("Action: delayed" in first[0] and f"X-Rcpt-Args: <{SENDER}>" in first[0], first[0])
        check(len(gateway.held()) == 1, "still held after the warning")
        both = dsns(gateway.sink, 2, timeout=10)
        check(len(both) == 2, f"the warning and the bounce: {len(both)}\n{gateway.logs()}")
        bounce = next(d for d in both if "Action: failed" in d)
        check("Status: 4.4.7" in bounce, bounce)
        check(len(dsns(gateway.sink, 3, timeout=2)) == 2, "one warning only")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def the_release_service_group_rescans_at_atrn_and_a_refused_message_bounces(paths):
    release = {"name": "release", "services": [{"name": "content-filter", "uri": FILTER_URI, "bypassable": False}],
               "on_failure": "tempfail"}
    stamp_only = [{"name": "header-stamp", "uri": STAMP_URI, "bypassable": True}]
    with odmr_gateway(paths, odmr={"release_service_group": "release"}, proxy_services=stamp_only,
                      groups=[release]) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"], subject="spam",
                                                    body=f"{GTUBE}\r\n"))
        hold(gateway, ["user@example.org"], message(2, ["user@example.org"], subject="clean"))
        check(len(gateway.held()) == 2, "the stamp-only group held both")
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN")
        customer.serve()
        customer.close()
        check([message_id(m["data"]) for m in customer.received] == ["<odmr-2@example.net>"],
              f"only the clean message: {[message_id(m['data']) for m in customer.received]}\n{gateway.logs()}")
        check(all(GTUBE.encode() not in m["data"] for m in customer.received), "no GTUBE at the customer")
        bounces = dsns(gateway.sink, 1)
        check(len(bounces) == 1, f"one DSN: {len(bounces)}\n{gateway.logs()}")
        check(f"X-Rcpt-Args: <{SENDER}>" in bounces[0] and "Action: failed" in bounces[0], bounces[0])
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def a_quarantine_advice_at_release_keeps_the_message_aside_and_sends_the_customer_nothing(paths):
    release = {"name": "release", "services": [{"name": "quarantine-filter", "uri": QUARANTINE_URI}],
               "on_failure": "tempfail"}
    stamp_only = [{"name": "header-stamp", "uri": STAMP_URI, "bypassable": True}]
    with odmr_gateway(paths, odmr={"release_service_group": "release"}, proxy_services=stamp_only,
                      groups=[release]) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"], body=f"{QUARANTINE_MARK}\r\n"))
        hold(gateway, ["user@example.org"], message(2, ["user@example.org"]))
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN")
        customer.serve()
        customer.close()
        check([message_id(m["data"]) for m in customer.received] == ["<odmr-2@example.net>"],
              f"only the other message: {[message_id(m['data']) for m in customer.received]}\n{gateway.logs()}")
        deadline = time.time() + 5
        while not gateway.quarantined() and time.time() < deadline:
            time.sleep(0.1)
        stored = gateway.quarantined()
        check(len(stored) == 1, f"quarantined: {stored}\n{gateway.logs()}")
        with open(stored[0], "rb") as f:
            check(b"<odmr-1@example.net>" in f.read(), "the marked message is the one kept aside")
        check(dsns(gateway.sink, 1, timeout=1) == [], "no DSN for a quarantined message")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def a_message_for_two_customer_domains_is_held_twice_and_atrn_takes_one_domains_recipient(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["a@example.org", "b@example.com"], message(1, ["a@example.org", "b@example.com"]))
        check(len(gateway.held("example.org")) == 1 and len(gateway.held("example.com")) == 1,
              f"one entry per domain: {gateway.held()}")
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN example.org")
        customer.serve()
        customer.close()
        check(len(customer.received) == 1 and customer.received[0]["recipients"] == ["a@example.org"],
              f"only example.org's recipient: {customer.received}")
        check(gateway.held("example.org") == [] and len(gateway.held("example.com")) == 1,
              f"example.com's entry waits: {gateway.held()}")
        with open(gateway.held("example.com")[0]) as f:
            record = f.read()
        check("b@example.com" in record and "a@example.org" not in record, record)


if __name__ == "__main__":
    sys.exit(run_case(CASES, errors=(OSError, smtplib.SMTPException, ssl.SSLError)))
