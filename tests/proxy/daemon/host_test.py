"""opes-proxy HOST for SMTP (issue 12, draft-khanna-proxy-mail-protocols-00):
the client names its mail server, the proxy connects to the checked
address, relays the server's greeting as the reply to HOST and runs the
ordinary OPES path with that server as the upstream. Real peers: Postfix's
smtp-sink and a private Postfix instance as named servers, smtplib's docmd,
swaks (through a HOST-first pipe) and raw sockets as clients, the real
opes-callout. One case per run: host_test.py [paths] CASE."""

import os
import smtplib
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateway_harness import Gateway, Sink, check, free_port, run_case
import postfix_instance

CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


MESSAGE = (b"From: <sender@example.net>\r\nTo: <team@example.org>\r\nSubject: through HOST\r\n"
           b"Message-ID: <host-1@example.net>\r\n\r\nNamed by the client.\r\n")


def with_host(rules, mode="required", extra_groups=(), **policy):
    """A HOST listener (mode), host_policy rules made by `rules(gateway)`."""
    def customize(document, gateway):
        document["listeners"] = [{"address": "127.0.0.1", "port": 0, "host": mode}]
        document["host_policy"] = {"rules": rules(gateway), "client_first_wait_ms": 200, **policy}
        document["callout"]["service_groups"] += list(extra_groups)
    return customize


def target_sink(gateway):
    """A second smtp-sink: the server the client names (the configured
    upstream, gateway.sink, must see nothing)."""
    sink = Sink(os.path.join(gateway.folder.name, "named"))
    gateway.processes.append(sink.process)
    return sink


def greeting_of(port):
    """What the server says first to a direct connection, byte for byte."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as direct:
        data = read_reply(direct)
        direct.sendall(b"QUIT\r\n")
        return data


def read_reply(connection, timeout=10):
    """One complete (possibly multi-line) SMTP reply."""
    connection.settimeout(timeout)
    data = b""
    while True:
        chunk = connection.recv(4096)
        if not chunk:
            return data
        data += chunk
        lines = data.split(b"\r\n")
        if len(lines) >= 2 and len(lines[-2]) >= 4 and lines[-2][3:4] == b" " and lines[-1] == b"":
            return data


def refused(gateway, argument):
    """HOST `argument` after the proxy's greeting: the reply, and whether
    the proxy closed the connection afterwards."""
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as client:
        greeting = read_reply(client)
        check(greeting.startswith(b"220 gateway.test"), f"proxy greeting: {greeting!r}")
        client.sendall(f"HOST {argument}\r\n".encode())
        reply = read_reply(client)
        rest = client.recv(100)
        return reply, rest == b""


@case
def smtplib_docmd_host_gets_the_sinks_own_greeting_and_the_message_arrives_there_adapted(paths):
    named = {}

    def rules(gateway):
        named["sink"] = target_sink(gateway)
        return [{"name": "lab", "networks": ["127.0.0.1/32"], "ports": [named["sink"].port]}]

    with Gateway(paths, proxy_customize=with_host(rules)) as gateway:
        sink = named["sink"]
        expected = greeting_of(sink.port)
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            code, text = client.docmd("HOST", f"127.0.0.1:{sink.port}")
            check(code == 220, f"HOST: {code} {text}")
            # The server's greeting, relayed as it said it.
            check(f"{code} {text.decode()}\r\n".encode() == expected, f"{text!r} vs {expected!r}")
            client.ehlo("client.test")
            check(client.ehlo_resp.startswith(b"gateway.test"), f"EHLO is the proxy's: {client.ehlo_resp!r}")
            refusals = client.sendmail("sender@example.net", ["team@example.org"], MESSAGE)
            check(refusals == {}, f"refusals {refusals}")
        dumps = sink.messages(expected=1)
        check(len(dumps) == 1, f"named server got {len(dumps)}\n{gateway.logs()}")
        check("X-Scanned-By: OPES-SMTP test" in dumps[0], "adapted (header-stamp)\n" + dumps[0])
        check("OPES-System:" in dumps[0] or "OPES-Via:" in dumps[0], "traced\n" + dumps[0])
        check(gateway.sink.messages() == [], "the configured upstream got nothing")
        check(gateway.proxy.logged("smtp.host"), "smtp.host logged\n" + gateway.proxy.log())
        check(gateway.proxy.logged("host.allowed"), "host.allowed logged\n" + gateway.proxy.log())


@case
def swaks_through_a_host_first_pipe_to_a_private_postfix_delivers_the_adapted_message(paths):
    if not postfix_instance.available():
        raise SystemExit("postfix is not installed (scripts/setup.sh installs it)")
    state = {}

    def rules(gateway):
        state["final"] = target_sink(gateway)
        state["postfix"] = postfix_instance.PostfixInstance(state["final"].port).__enter__()
        return [{"name": "postfix", "networks": ["127.0.0.1/32"], "ports": [state["postfix"].port]}]

    try:
        with Gateway(paths, proxy_customize=with_host(rules)) as gateway:
            postfix = state["postfix"]
            pipe = (f"{sys.executable} {os.path.join(os.path.dirname(os.path.abspath(__file__)), 'host_first_pipe.py')}"
                    f" 127.0.0.1 {gateway.port} 127.0.0.1:{postfix.port}")
            done = subprocess.run(
                ["swaks", "--pipe", pipe, "--from", "sender@example.net", "--to", "team@example.org",
                 "--helo", "client.test", "--header", "Subject: swaks through HOST",
                 "--body", "Named by a HOST-first client."],
                capture_output=True, text=True, timeout=60)
            check(done.returncode == 0, f"swaks: {done.returncode}\n{done.stdout}{done.stderr}\n{gateway.logs()}")
            # Postfix's greeting reached swaks as the first line (client-first HOST).
            check("<-  220 postfix.test ESMTP" in done.stdout, "Postfix greeting relayed\n" + done.stdout)
            dumps = state["final"].messages(expected=1, timeout=20)
            check(len(dumps) == 1, f"relayed by Postfix: {len(dumps)}\n{postfix.log()}")
            check("X-Scanned-By: OPES-SMTP test" in dumps[0], "adapted\n" + dumps[0])
            check("by postfix.test (Postfix)" in dumps[0], "through Postfix\n" + dumps[0])
            check(gateway.sink.messages() == [], "the configured upstream got nothing")
    finally:
        if "postfix" in state:
            state["postfix"].__exit__(None, None, None)


@case
def a_client_that_speaks_first_gets_no_proxy_greeting_before_the_servers(paths):
    named = {}

    def rules(gateway):
        named["sink"] = target_sink(gateway)
        return [{"name": "lab", "networks": ["127.0.0.1/32"], "ports": [named["sink"].port]}]

    with Gateway(paths, proxy_customize=with_host(rules, client_first_wait_ms=2000)) as gateway:
        expected = greeting_of(named["sink"].port)
        with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as client:
            client.sendall(f"HOST 127.0.0.1:{named['sink'].port}\r\n".encode())
            first = read_reply(client)
            check(first == expected, f"first bytes are the server's greeting: {first!r} vs {expected!r}")
            client.sendall(b"EHLO client.test\r\n")
            ehlo = read_reply(client)
            check(ehlo.startswith(b"250-gateway.test"), f"EHLO: {ehlo!r}")
            client.sendall(b"QUIT\r\n")
            check(read_reply(client).startswith(b"221"), "QUIT")


@case
def refusals_forbidden_network_forbidden_port_loopback_name_and_a_closed_port_get_421_and_close(paths):
    named = {}
    closed = free_port()
    by_name = free_port()

    def rules(gateway):
        named["sink"] = target_sink(gateway)
        port = named["sink"].port
        # "localhost" on by_name is allowed by name only: never loopback.
        return [{"name": "lab", "networks": ["127.0.0.1/32"], "ports": [port, closed]},
                {"name": "by-name", "names": ["localhost"], "ports": [by_name]}]

    with Gateway(paths, proxy_customize=with_host(rules)) as gateway:
        port = named["sink"].port
        for argument, expected, cause in (
                (f"127.0.0.2:{port}", f"421 4.7.1 127.0.0.2:{port} is not allowed by the HOST policy", "network"),
                (f"127.0.0.1:{port + 1 if port + 1 != closed else port + 2}", None, "port"),
                (f"localhost:{by_name}", f"421 4.7.1 localhost:{by_name} is not allowed by the HOST policy",
                 "loopback"),
                (f"127.0.0.1:{closed}", f"421 4.4.1 cannot connect to 127.0.0.1:{closed}", "closed")):
            reply, closed_after = refused(gateway, argument)
            text = reply.decode()
            if expected:
                check(text.startswith(expected), f"{cause}: {text!r}")
            else:
                check(text.startswith("421 4.7.1 ") and "not allowed by the HOST policy" in text, f"{cause}: {text!r}")
            check(closed_after, f"{cause}: the proxy closes after 421")
        # Logged lines are read by a thread: waited for, not read at once.
        check(gateway.proxy.logged("is loopback and no rule allows it explicitly"),
              "the loopback denial names the class\n" + gateway.proxy.log())
        check(gateway.proxy.logged("event=host.unreachable"), "the closed port is logged\n" + gateway.proxy.log())
        check(gateway.sink.messages() == [] and named["sink"].messages() == [], "nothing delivered")


@case
def host_after_mail_or_twice_gets_503_and_required_mode_refuses_mail_before_host(paths):
    named = {}

    def rules(gateway):
        named["sink"] = target_sink(gateway)
        return [{"name": "lab", "networks": ["127.0.0.1/32"], "ports": [named["sink"].port]}]

    with Gateway(paths, proxy_customize=with_host(rules)) as gateway:
        port = named["sink"].port
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            code, text = client.mail("sender@example.net")
            check(code == 503 and b"HOST" in text, f"MAIL before HOST: {code} {text}")
            code, _ = client.docmd("HOST", f"127.0.0.1:{port}")
            check(code == 220, f"HOST after a refused MAIL: {code}")
            code, text = client.docmd("HOST", f"127.0.0.1:{port}")
            check(code == 503, f"HOST twice: {code} {text}")
        named_first = free_port()
        check(named_first != port, "ports differ")
    # allowed mode: without HOST the configured upstream; HOST after MAIL is 503.
    with Gateway(paths, proxy_customize=with_host(rules, mode="allowed")) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            check(client.mail("sender@example.net")[0] == 250, "MAIL without HOST")
            code, text = client.docmd("HOST", f"127.0.0.1:{named['sink'].port}")
            check(code == 503, f"HOST inside a transaction: {code} {text}")
            client.rset()
            check(client.sendmail("sender@example.net", ["team@example.org"], MESSAGE) == {}, "sent")
        check(len(gateway.sink.messages(expected=1)) == 1, "the configured upstream got it")


@case
def the_rule_that_allowed_the_target_chooses_the_service_group(paths):
    named = {}
    tenant = {"name": "tenant", "services": [{"name": "recipient-map", "uri": "urn:opes-smtp:service:recipient-map"}],
              "on_failure": "tempfail"}

    def rules(gateway):
        named["a"] = target_sink(gateway)
        named["b"] = Sink(os.path.join(gateway.folder.name, "named-b"))
        gateway.processes.append(named["b"].process)
        return [{"name": "default-chain", "networks": ["127.0.0.1/32"], "ports": [named["a"].port]},
                {"name": "tenant-chain", "networks": ["127.0.0.1/32"], "ports": [named["b"].port],
                 "service_group": "tenant"}]

    with Gateway(paths, proxy_customize=with_host(rules, extra_groups=[tenant])) as gateway:
        for key in ("a", "b"):
            with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
                check(client.docmd("HOST", f"127.0.0.1:{named[key].port}")[0] == 220, f"HOST {key}")
                client.ehlo("client.test")
                check(client.sendmail("sender@example.net", ["alias@example.org"], MESSAGE) == {}, "sent")
        a = named["a"].messages(expected=1)[0]
        b = named["b"].messages(expected=1)[0]
        check("X-Scanned-By: OPES-SMTP test" in a, "the listener's group stamps\n" + a)
        check("X-Scanned-By" not in b, "the tenant's group does not stamp\n" + b)
        check("real.person@example.net" in b, "the tenant's group maps the recipient\n" + b)
        check(gateway.proxy.logged("service_group=tenant"), "logged\n" + gateway.proxy.log())


@case
def host_attempts_beyond_the_per_client_limit_get_421(paths):
    def rules(gateway):
        return [{"name": "nowhere", "networks": ["192.0.2.0/24"]}]

    with Gateway(paths, proxy_customize=with_host(rules, max_attempts_per_client=2)) as gateway:
        for _ in range(2):
            reply, _ = refused(gateway, "127.0.0.9:25")
            check(reply.startswith(b"421 4.7.1 "), f"denied: {reply!r}")
        reply, closed_after = refused(gateway, "127.0.0.9:25")
        check(reply.startswith(b"421 4.7.0 ") and b"Too many HOST attempts" in reply, f"limited: {reply!r}")
        check(closed_after, "closed")
        check(gateway.proxy.logged("host.attempt_limit"), gateway.proxy.log())


@case
def with_require_auth_host_before_auth_gets_530_and_after_cram_md5_it_connects(paths):
    named = {}

    def customize(document, gateway):
        named["sink"] = target_sink(gateway)
        users = os.path.join(gateway.folder.name, "users")
        with open(users, "w") as f:
            f.write("tim:{PLAIN}tanstaaftanstaaf\n")
        document["listeners"] = [{"address": "127.0.0.1", "port": 0, "host": "required",
                                  "auth": {"mechanisms": ["CRAM-MD5"], "credentials": users}}]
        document["host_policy"] = {"require_auth": True, "client_first_wait_ms": 0, "rules": [
            {"name": "lab", "networks": ["127.0.0.1/32"], "ports": [named["sink"].port]}]}

    with Gateway(paths, proxy_customize=customize) as gateway:
        target = f"127.0.0.1:{named['sink'].port}"
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            code, text = client.docmd("HOST", target)
            check((code, text) == (530, b"5.7.0 Authentication required before HOST"), f"{code} {text}")
            code, _ = client.login("tim", "tanstaaftanstaaf")
            check(code == 235, f"AUTH CRAM-MD5: {code}")
            code, text = client.docmd("HOST", target)
            check(code == 220, f"HOST after AUTH: {code} {text}")
            check(client.sendmail("tim@example.net", ["team@example.org"], MESSAGE) == {}, "sent")
        check(len(named["sink"].messages(expected=1)) == 1, "the named server got it")


@case
def the_host_example_passes_check_config_from_its_folder(paths):
    folder = os.path.join(paths.source_dir, "config", "examples")
    done = subprocess.run([paths.opes_proxy, "--check-config", "--config", "host.json"], cwd=folder,
                          capture_output=True, text=True, timeout=30)
    check(done.returncode == 0, f"--check-config: {done.returncode}\n{done.stdout}{done.stderr}")


if __name__ == "__main__":
    sys.exit(run_case(CASES, errors=(OSError, smtplib.SMTPException)))
