"""TLS listeners of opes-callout: the server's certificate verified by the
client, and client certificates required and checked. Certificates are made
for each run with the openssl command-line tool."""

import os
import socket
import ssl
import subprocess
import tempfile

from daemon_harness import Daemon, Failure, check, config, service

ARGS = None  # set by opes_callout_test.main
READ_TIMEOUT = 10


def make_certificate(folder, name, common_name):
    """A self-signed certificate and its key; it is its own CA."""
    key = os.path.join(folder, name + ".key")
    certificate = os.path.join(folder, name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", key, "-out", certificate, "-subj", "/CN=" + common_name,
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return certificate, key


def tls_config(server_certificate, server_key, client_ca=None):
    tls = {"certificate": server_certificate, "private_key": server_key}
    if client_ca:
        tls.update({"client_ca": client_ca, "require_client_certificate": True})
    document = config([("header-stamp", ARGS.header_stamp)],
                      [service("header-stamp", "urn:opes-smtp:service:header-stamp", "header-stamp",
                               options={"name": "X-Scanned-By", "value": "tls test"})],
                      receiver=["header-stamp"])
    document["listeners"][0]["tls"] = tls
    return document


def first_octets(port, server_certificate, client=None):
    """Connects with TLS, verifying the server against its certificate, sends
    CS and returns what the server sends first (b"" when it closes)."""
    context = ssl.create_default_context(cafile=server_certificate)
    if client:
        context.load_cert_chain(*client)
    with socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(b"CS;\r\n")
            return tls.recv(64)


def a_tls_listener_serves_ocp_to_a_client_that_verifies_its_certificate():
    with tempfile.TemporaryDirectory(prefix="opes-tls-") as folder:
        certificate, key = make_certificate(folder, "server", "opes-callout test")
        with Daemon(ARGS.opes_callout, tls_config(certificate, key)) as daemon:
            got = first_octets(daemon.port, certificate)
            check(got == b"CS;\r\n", f"expected CS over TLS, got {got!r}")
            # A client that does not trust the certificate refuses the server.
            try:
                with socket.create_connection(("127.0.0.1", daemon.port), timeout=READ_TIMEOUT) as raw:
                    ssl.create_default_context().wrap_socket(raw, server_hostname="127.0.0.1")
                raise Failure("an unverified server certificate was accepted")
            except ssl.SSLCertVerificationError:
                pass


def a_required_client_certificate_is_checked():
    with tempfile.TemporaryDirectory(prefix="opes-tls-") as folder:
        certificate, key = make_certificate(folder, "server", "opes-callout test")
        client = make_certificate(folder, "client", "opes processor")
        stranger = make_certificate(folder, "stranger", "someone else")
        with Daemon(ARGS.opes_callout, tls_config(certificate, key, client_ca=client[0])) as daemon:
            got = first_octets(daemon.port, certificate, client)
            check(got == b"CS;\r\n", f"a trusted client certificate: expected CS, got {got!r}")
            for name, identity in (("no client certificate", None), ("an untrusted one", stranger)):
                try:
                    got = first_octets(daemon.port, certificate, identity)
                except (ssl.SSLError, ConnectionError, socket.timeout):
                    got = b""
                check(got == b"", f"{name}: the server answered {got!r}")


CASES = [
    a_tls_listener_serves_ocp_to_a_client_that_verifies_its_certificate,
    a_required_client_certificate_is_checked,
]
