"""opes-proxy's POP3 listener end to end (issue 12 sections 2 and 4): the
client names its server with HOST, the proxy reaches a throw-away Dovecot
(dovecot_instance.py) as the host_policy rule says (plain, STLS verified
against Dovecot's certificate, POP3S), then passes POP3 through; the
client's STLS ends at the proxy. Python's poplib and raw sockets are the
clients. Each case is one CTest (`proxy pop3 host: <case>`)."""

import os
import poplib
import re
import socket
import ssl
import subprocess
import time

from dovecot_instance import DovecotInstance
from gateway_harness import Failure, Gateway, check, free_port, run_case

CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


MESSAGE = (b"From: <sender@example.org>\r\nTo: <test@example.org>\r\nSubject: through HOST\r\n"
           b"Message-ID: <pop3-host@example.org>\r\n\r\nFirst line.\r\n.A line that starts with a dot\r\n"
           b"..\r\n.\r\nLast line.\r\n")


class Pop3Gateway:
    """Dovecot plus opes-proxy with a pop3 listener and a host_policy
    whose rules `rules(dovecot)` returns; `proxy_tls`: the proxy offers
    STLS with its own self-signed certificate."""

    def __init__(self, paths, rules, proxy_tls=False):
        self.paths = paths
        self.rules = rules
        self.proxy_tls = proxy_tls

    def __enter__(self):
        self.dovecot = DovecotInstance().__enter__()
        try:
            def customize(document, gateway):
                self.port = free_port()
                document["listeners"].append({"address": "127.0.0.1", "port": self.port, "protocol": "pop3"})
                document["host_policy"] = {"rules": self.rules(self.dovecot), "client_first_wait_ms": 300}
                if self.proxy_tls:
                    self.proxy_cert = os.path.join(gateway.folder.name, "proxy-cert.pem")
                    key = os.path.join(gateway.folder.name, "proxy-key.pem")
                    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                    "-subj", "/CN=gateway.test", "-addext", "subjectAltName=DNS:gateway.test",
                                    "-keyout", key, "-out", self.proxy_cert], check=True, capture_output=True)
                    document["tls"] = {"certificate": self.proxy_cert, "private_key": key}

            self.gateway = Gateway(self.paths, proxy_customize=customize).__enter__()
            self._pop3_port()
        except BaseException:
            self.dovecot.__exit__()
            raise
        return self

    def _pop3_port(self):
        deadline = time.time() + 15
        while time.time() < deadline:
            if f"opes-proxy listening on 127.0.0.1:{self.port}" in self.gateway.proxy.lines:
                return
            time.sleep(0.05)
        raise Failure("the pop3 listener was not printed:\n" + self.gateway.logs())

    def __exit__(self, *exc):
        self.gateway.__exit__(*exc)
        self.dovecot.__exit__(*exc)
        return False

    def logs(self):
        return self.gateway.logs() + "\n--- dovecot\n" + self.dovecot.log()

    def client(self):
        return poplib.POP3("127.0.0.1", self.port, timeout=10)


def plain_rule(dovecot, **extra):
    return {"name": "dovecot", "protocols": ["pop3"], "networks": ["127.0.0.1/32"],
            "ports": [dovecot.pop3_port], "tls": "off", **extra}


def host(pop, target):
    """HOST as a command: the answer is the upstream's greeting (or -ERR)."""
    return pop._shortcmd(f"HOST {target}")


def retrieve_and_compare(pop, pop3):
    pop.user("test")
    pop.pass_("test")
    count, size = pop.stat()
    check(count == 1, f"STAT counts {count} messages")
    _, lines, octets = pop.retr(1)
    got = b"\r\n".join(lines) + b"\r\n"
    check(got == MESSAGE, f"RETR gave {got!r}")
    pop.quit()


@case
def poplib_through_host_to_dovecot_retrieves_the_message_byte_identical(paths):
    with Pop3Gateway(paths, lambda d: [plain_rule(d)]) as pop3:
        pop3.dovecot.deliver("test", "1.example", MESSAGE)
        pop = pop3.client()
        check(pop.getwelcome().startswith(b"+OK gateway.test POP3 proxy ready"), f"greeting {pop.getwelcome()!r}")
        answer = host(pop, f"127.0.0.1:{pop3.dovecot.pop3_port}")
        check(answer == b"+OK Dovecot (Debian) ready.", f"HOST answered {answer!r}")
        retrieve_and_compare(pop, pop3)
        check(pop3.gateway.proxy.logged("pop3.host"), "no pop3.host line:\n" + pop3.logs())


@case
def stls_to_the_proxy_and_a_verified_starttls_upstream_carry_the_session(paths):
    rules = lambda d: [plain_rule(d, tls="starttls", ca_file=d.cert)]
    with Pop3Gateway(paths, rules, proxy_tls=True) as pop3:
        pop3.dovecot.deliver("test", "1.example", MESSAGE)
        pop = pop3.client()
        context = ssl.create_default_context(cafile=pop3.proxy_cert)
        context.check_hostname = False  # the proxy's certificate names gateway.test
        pop.stls(context=context)
        check(isinstance(pop.sock, ssl.SSLSocket), "no TLS to the proxy")
        answer = host(pop, f"127.0.0.1:{pop3.dovecot.pop3_port}")
        check(answer.startswith(b"+OK Dovecot"), f"HOST answered {answer!r}")
        capabilities = pop.capa()
        check("STLS" not in capabilities, f"CAPA under TLS lists STLS: {capabilities}")
        check("USER" in capabilities, f"CAPA lost the upstream's USER: {capabilities}")
        retrieve_and_compare(pop, pop3)
        check(pop3.gateway.proxy.logged("tls=\"TLSv1."), "the upstream was not TLS:\n" + pop3.logs())


@case
def an_implicit_tls_rule_reaches_dovecot_pop3s(paths):
    def rules(d):
        return [{"name": "pop3s", "protocols": ["pop3"], "networks": ["127.0.0.1/32"],
                 "ports": [d.pop3s_port], "tls": "implicit", "ca_file": d.cert}]
    with Pop3Gateway(paths, rules) as pop3:
        pop3.dovecot.deliver("test", "1.example", MESSAGE)
        pop = pop3.client()
        answer = host(pop, f"127.0.0.1:{pop3.dovecot.pop3s_port}")
        check(answer.startswith(b"+OK Dovecot"), f"HOST answered {answer!r}")
        retrieve_and_compare(pop, pop3)
        check(pop3.gateway.proxy.logged("tls=\"TLSv1."), "the upstream was not TLS:\n" + pop3.logs())


@case
def capa_before_host_lists_stls_and_after_stls_does_not(paths):
    with Pop3Gateway(paths, lambda d: [plain_rule(d)], proxy_tls=True) as pop3:
        pop = pop3.client()
        before = pop.capa()
        check("STLS" in before and "IMPLEMENTATION" in before, f"CAPA before STLS: {before}")
        check("USER" not in before, f"the proxy offers USER itself: {before}")
        context = ssl.create_default_context(cafile=pop3.proxy_cert)
        context.check_hostname = False
        pop.stls(context=context)
        after = pop.capa()
        check("STLS" not in after, f"CAPA after STLS: {after}")
        answer = host(pop, f"127.0.0.1:{pop3.dovecot.pop3_port}")
        check(answer.startswith(b"+OK Dovecot"), f"HOST answered {answer!r}")
        upstream = pop.capa()
        check("STLS" not in upstream and "UIDL" in upstream, f"CAPA after HOST: {upstream}")
        pop.quit()


@case
def capa_after_host_on_plain_text_offers_the_proxys_stls_not_dovecots(paths):
    with Pop3Gateway(paths, lambda d: [plain_rule(d)]) as pop3:
        pop = pop3.client()
        host(pop, f"127.0.0.1:{pop3.dovecot.pop3_port}")
        capabilities = pop.capa()
        # No TLS identity: the proxy offers no STLS, whatever Dovecot offers.
        check("STLS" not in capabilities and "PIPELINING" in capabilities, f"CAPA: {capabilities}")
        pop.quit()


def raw_lines(sock, count, timeout=5):
    sock.settimeout(timeout)
    data = b""
    while data.count(b"\r\n") < count:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


@case
def a_client_first_host_gets_dovecots_greeting_and_no_proxy_greeting(paths):
    with Pop3Gateway(paths, lambda d: [plain_rule(d)]) as pop3:
        with socket.create_connection(("127.0.0.1", pop3.port), timeout=5) as sock:
            sock.sendall(f"HOST 127.0.0.1:{pop3.dovecot.pop3_port}\r\nCAPA\r\n".encode())
            data = raw_lines(sock, 3)
            check(data.startswith(b"+OK Dovecot (Debian) ready.\r\n+OK"), f"first lines {data!r}")
            check(b"POP3 proxy ready" not in data, f"a proxy greeting came: {data!r}")
            sock.sendall(b"QUIT\r\n")


def refused(pop3, target, expected=b"-ERR"):
    with socket.create_connection(("127.0.0.1", pop3.port), timeout=10) as sock:
        sock.sendall(f"HOST {target}\r\n".encode())
        data = raw_lines(sock, 1, timeout=10)
        check(data.startswith(expected), f"HOST {target} answered {data!r}")
        sock.settimeout(5)
        rest = sock.recv(100)
        check(rest == b"", f"the connection stayed open after {data!r}: {rest!r}")
        return data


@case
def a_target_outside_every_rule_is_refused(paths):
    with Pop3Gateway(paths, lambda d: [plain_rule(d)]) as pop3:
        answer = refused(pop3, "192.0.2.1:110", b"-ERR [SYS/PERM]")
        check(b"192.0.2" in answer and b"not allowed" in answer, f"answer {answer!r}")


@case
def a_port_the_rule_does_not_list_is_refused(paths):
    with Pop3Gateway(paths, lambda d: [plain_rule(d)]) as pop3:
        refused(pop3, f"127.0.0.1:{pop3.dovecot.pop3s_port}", b"-ERR [SYS/PERM]")


@case
def a_name_that_resolves_to_loopback_is_refused_under_a_names_rule(paths):
    def rules(d):
        return [{"name": "by-name", "protocols": ["pop3"], "names": ["localhost"], "ports": [d.pop3_port],
                 "tls": "off"}]
    with Pop3Gateway(paths, rules) as pop3:
        refused(pop3, f"localhost:{pop3.dovecot.pop3_port}", b"-ERR [SYS/PERM]")
        check(pop3.gateway.proxy.logged("loopback"), "the denial does not name loopback:\n" + pop3.logs())


@case
def a_port_nobody_listens_on_gets_sys_temp(paths):
    closed_port = free_port()
    def rules(d):
        return [plain_rule(d, ports=[closed_port])]
    with Pop3Gateway(paths, rules) as pop3:
        refused(pop3, f"127.0.0.1:{closed_port}", b"-ERR [SYS/TEMP]")


@case
def an_upstream_certificate_that_cannot_be_verified_is_refused(paths):
    rules = lambda d: [plain_rule(d, tls="starttls")]  # verify, no ca_file: the system store
    with Pop3Gateway(paths, rules) as pop3:
        answer = refused(pop3, f"127.0.0.1:{pop3.dovecot.pop3_port}", b"-ERR [SYS/TEMP]")
        check(b"TLS" in answer, f"answer {answer!r}")
        check(pop3.gateway.proxy.logged("pop3.tls_failed"), "no pop3.tls_failed line:\n" + pop3.logs())


@case
def commands_before_host_get_the_host_first_refusal(paths):
    with Pop3Gateway(paths, lambda d: [plain_rule(d)]) as pop3:
        pop = pop3.client()
        try:
            pop.user("test")
            raise Failure("USER before HOST was accepted")
        except poplib.error_proto as error:
            check(b"HOST first" in error.args[0], f"USER answered {error.args[0]!r}")
        pop.quit()


if __name__ == "__main__":
    raise SystemExit(run_case(CASES, errors=(OSError, poplib.error_proto, ssl.SSLError)))
