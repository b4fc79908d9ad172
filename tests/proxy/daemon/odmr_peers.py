"""The ODMR end-to-end tests' peers (odmr_test.py, odmr_queue_test.py): a
Gateway with an odmr listener and a customers file, a raw-socket ODMR
customer (CRAM-MD5, ATRN, then the customer's SMTP server side of the
reversed session, scripted per command), fetchmail in ODMR mode as
real-peers.md section 4 runs it, and the helpers that hold mail and read
the DSNs the upstream sink gets."""

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
