"""opes-proxy end to end: upstream.starttls as RFC 7435 names the modes
(off, opportunistic, encrypt, verify; required as before), against a second
opes-proxy offering STARTTLS with a self-signed certificate and spooling
what it gets, smtp-sink (no STARTTLS) and a recorder that breaks the
handshake. Each failure is logged with its own reason. Each case is one
CTest (`proxy upstream tls: <case>`)."""

import json
import os
import signal
import smtplib
import subprocess
import sys
import tempfile

from gateway_harness import (STAMP_URI, Gateway, Process, callout_config, check,
                             free_port, run_case)
from recording_upstream import RecordingUpstream

CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


def message(subject):
    return (f"From: <sender@example.org>\r\nTo: <user@example.net>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@example.org>\r\n\r\nHello.\r\n").encode()


class TlsUpstream:
    """A second opes-proxy (with its own opes-callout) offering STARTTLS
    with a self-signed certificate for gateway.test, spooling what it gets."""

    def __init__(self, paths):
        self.work = tempfile.TemporaryDirectory(prefix="opes-proxy-tls-upstream-")
        self.paths = paths
        self.processes = []

    def __enter__(self):
        folder = self.work.name
        self.cert = os.path.join(folder, "cert.pem")
        key = os.path.join(folder, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=gateway.test", "-addext", "subjectAltName=DNS:gateway.test",
                        "-keyout", key, "-out", self.cert], check=True, capture_output=True)
        try:
            self.paths.folder = folder
            callout_port = free_port()
            callout_path = os.path.join(folder, "callout.json")
            with open(callout_path, "w") as f:
                json.dump(callout_config(self.paths, callout_port), f)
            callout = Process([self.paths.opes_callout, "--config", callout_path], "upstream opes-callout")
            self.processes.append(callout)
            callout.wait_line(r"^opes-callout listening on ")
            self.spool = os.path.join(folder, "spool")
            config = {
                "hostname": "upstream.test",
                "listeners": [{"address": "127.0.0.1", "port": 0}],
                "tls": {"certificate": self.cert, "private_key": key},
                "spool": self.spool,
                "callout": {"servers": [{"address": "127.0.0.1", "port": callout_port}],
                            "service_groups": [{"name": "b", "services": [{"uri": STAMP_URI}]}]},
            }
            path = os.path.join(folder, "upstream.json")
            with open(path, "w") as f:
                json.dump(config, f)
            proxy = Process([self.paths.opes_proxy, "--config", path], "upstream opes-proxy")
            self.processes.append(proxy)
            self.port = int(proxy.wait_line(r"^opes-proxy listening on 127\.0\.0\.1:(\d+)$").group(1))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for process in reversed(self.processes):
            process.kill(signal.SIGTERM)
        self.work.cleanup()
        return False

    def spooled(self):
        folder = os.path.join(self.spool, "new")
        names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        texts = []
        for name in names:
            with open(os.path.join(folder, name)) as f:
                texts.append(f.read())
        return texts

    def upstream(self, **keys):
        return dict({"address": "127.0.0.1", "port": self.port}, **keys)


def delivered(gateway, subject):
    with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
        return client.sendmail("sender@example.org", ["user@example.net"], message(subject))


def refused_at_mail(gateway):
    """The reply to MAIL when the upstream cannot be used: 451 4.4.1."""
    with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
        client.ehlo("client.test")
        code, text = client.mail("sender@example.org")
        check(code == 451 and text.startswith(b"4.4.1"), f"{code} {text}")


def failure_logged(gateway, reason):
    """upstream.failed with `reason` at its start."""
    check(gateway.proxy.logged('event=upstream.failed upstream="upstream 127.0.0.1:') and
          gateway.proxy.logged(f'reason="{reason}'), gateway.proxy.log())


@case
def opportunistic_delivers_encrypted_to_a_self_signed_upstream(paths):
    with TlsUpstream(paths) as upstream:
        with Gateway(paths, upstream=upstream.upstream(starttls="opportunistic")) as gateway:
            check(delivered(gateway, "may") == {}, "refused")
            check("event=upstream.failed" not in gateway.proxy.log(), gateway.proxy.log())
        [text] = upstream.spooled()
        # The upstream's Received field: the proxy came over TLS.
        check("by upstream.test (opes-proxy) with ESMTPS" in text, text)


@case
def opportunistic_is_the_default(paths):
    with TlsUpstream(paths) as upstream:
        with Gateway(paths, upstream=upstream.upstream()) as gateway:
            check(delivered(gateway, "default") == {}, "refused")
        [text] = upstream.spooled()
        check("by upstream.test (opes-proxy) with ESMTPS" in text, text)


@case
def encrypt_delivers_to_a_self_signed_upstream_without_verifying(paths):
    with TlsUpstream(paths) as upstream:
        with Gateway(paths, upstream=upstream.upstream(starttls="encrypt")) as gateway:
            check(delivered(gateway, "encrypt") == {}, "refused")
        [text] = upstream.spooled()
        check("with ESMTPS" in text, text)


@case
def verify_to_a_self_signed_upstream_fails_with_untrusted_chain(paths):
    with TlsUpstream(paths) as upstream:
        verify = upstream.upstream(starttls="verify", tls={"server_name": "gateway.test"})
        with Gateway(paths, upstream=verify) as gateway:
            refused_at_mail(gateway)
            failure_logged(gateway, "untrusted chain: self-signed certificate")
        check(upstream.spooled() == [], "delivered without a trusted chain")


@case
def verify_with_a_trusted_certificate_for_another_name_fails_with_name_mismatch(paths):
    with TlsUpstream(paths) as upstream:
        wrong = upstream.upstream(starttls="verify", tls={"ca_file": upstream.cert, "server_name": "other.test"})
        with Gateway(paths, upstream=wrong) as gateway:
            refused_at_mail(gateway)
            failure_logged(gateway, "name mismatch: the certificate does not name other.test")
        # The right name with the same CA delivers: the mismatch was the cause.
        right = upstream.upstream(starttls="verify", tls={"ca_file": upstream.cert, "server_name": "gateway.test"})
        with Gateway(paths, upstream=right) as gateway:
            check(delivered(gateway, "verified") == {}, "refused")
        check(len(upstream.spooled()) == 1, "not delivered")


@case
def verify_to_an_address_not_in_the_certificate_fails_with_name_mismatch(paths):
    with TlsUpstream(paths) as upstream:
        # No server_name: the configured address 127.0.0.1 must be in the certificate.
        by_address = upstream.upstream(starttls="verify", tls={"ca_file": upstream.cert})
        with Gateway(paths, upstream=by_address) as gateway:
            refused_at_mail(gateway)
            failure_logged(gateway, "name mismatch: the certificate does not name 127.0.0.1")


@case
def encrypt_to_an_upstream_not_offering_starttls_logs_no_starttls_offered(paths):
    for mode in ("encrypt", "verify", "required"):
        with Gateway(paths, upstream_options={"starttls": mode}) as gateway:
            refused_at_mail(gateway)
            failure_logged(gateway, "no STARTTLS offered")
            check(gateway.sink.messages(expected=1, timeout=0.5) == [], "delivered in plain text")


@case
def opportunistic_to_an_upstream_not_offering_starttls_delivers_in_plain_text(paths):
    with Gateway(paths, upstream_options={"starttls": "opportunistic"}) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            check(client.sendmail("sender@example.org", ["user@example.net"], message("plain")) == {},
                  "refused")
        check(len(gateway.sink.messages(expected=1)) == 1, "not delivered")


@case
def a_broken_handshake_fails_encrypt_and_opportunistic_retries_in_plain_text(paths):
    with RecordingUpstream(["PIPELINING", "STARTTLS"], broken_tls=True) as recorder:
        upstream = {"address": "127.0.0.1", "port": recorder.port, "starttls": "encrypt",
                    "connect_seconds": 5}
        with Gateway(paths, upstream=upstream) as gateway:
            refused_at_mail(gateway)
            failure_logged(gateway, "handshake failure: ")
        check(recorder.messages == 0, "delivered")
        check(all(b"MAIL FROM" not in wire for wire in recorder.received()), repr(recorder.received()))

    with RecordingUpstream(["PIPELINING", "STARTTLS"], broken_tls=True) as recorder:
        upstream = {"address": "127.0.0.1", "port": recorder.port, "starttls": "opportunistic",
                    "connect_seconds": 5}
        with Gateway(paths, upstream=upstream) as gateway:
            with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
                check(client.sendmail("sender@example.org", ["user@example.net"], message("retry")) == {},
                      "refused")
            check(gateway.proxy.logged('event=upstream.tls_failed upstream="upstream 127.0.0.1:') and
                  gateway.proxy.logged('reason="handshake failure: ') and
                  gateway.proxy.logged('action="plain text"'), gateway.proxy.log())
        wires = recorder.received()
        check(len(wires) == 2, repr(wires))
        # Then the TLS ClientHello, which the recorder took as plain text.
        check(wires[0].startswith(b"EHLO gateway.test\r\nSTARTTLS\r\n"), repr(wires[0]))
        check(b"MAIL FROM" not in wires[0], repr(wires[0]))
        check(wires[1].startswith(b"EHLO gateway.test\r\nMAIL FROM:<sender@example.org>"), repr(wires[1]))
        check(recorder.messages == 1, "not delivered in plain text")


@case
def the_callout_connection_checks_its_server_name_the_same_way(paths):
    """MailStream::connect_tls serves the callout links too: a TLS listener
    of opes-callout with the gateway.test certificate is used when the name
    matches, and refused (the tempfail policy answers 451) when it does not."""
    work = tempfile.TemporaryDirectory(prefix="opes-proxy-callout-tls-")
    cert = os.path.join(work.name, "cert.pem")
    key = os.path.join(work.name, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=gateway.test", "-addext", "subjectAltName=DNS:gateway.test",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    paths.folder = work.name
    port = free_port()
    config = callout_config(paths, port)
    config["listeners"][0]["tls"] = {"certificate": cert, "private_key": key}
    config_path = os.path.join(work.name, "callout.json")
    with open(config_path, "w") as f:
        json.dump(config, f)
    callout = Process([paths.opes_callout, "--config", config_path], "TLS opes-callout")
    try:
        callout.wait_line(r"^opes-callout listening on ")

        def callout_settings(server_name):
            return {"servers": [{"address": "127.0.0.1", "port": port,
                                 "tls": {"ca_file": cert, "server_name": server_name}}],
                    "timeouts": {"connect_seconds": 2, "answer_seconds": 5, "content_seconds": 10,
                                 "probe_interval_seconds": 1},
                    "service_groups": [{"name": "inbound", "services": [{"uri": STAMP_URI}]}]}

        with Gateway(paths, callout=callout_settings("gateway.test")) as gateway:
            check(delivered(gateway, "callout over tls") == {}, gateway.logs())
            [dump] = gateway.sink.messages(expected=1)
            check("X-Scanned-By: OPES-SMTP test" in dump, dump)
        with Gateway(paths, callout=callout_settings("other.test")) as gateway:
            with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
                client.ehlo("client.test")
                code, text = client.mail("sender@example.org")
                check(code == 451, f"{code} {text}")
            check(gateway.sink.messages(expected=1, timeout=0.5) == [], "delivered unadapted")
    finally:
        callout.kill(signal.SIGTERM)
        work.cleanup()


if __name__ == "__main__":
    sys.exit(run_case(CASES))
