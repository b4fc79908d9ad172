"""opes-proxy end to end: no relay through sender-specified routing (the
percent hack, a quoted "@", bang paths) from clients outside relay.clients,
and the real client handed to the upstream by XCLIENT or XFORWARD. Each
case is one CTest (`proxy relay: <case>`)."""

import os
import re
import smtplib
import sys
import tempfile
import time

import postfix_instance
from gateway_harness import Failure, Gateway, Sink, check, run_case
from recording_upstream import RecordingUpstream

CASES = {}

# The four forms of issue 10 §2, then case variants and escapes.
ROUTED = [
    "<user%evil.com@localhost>",
    '<"user@evil.com"@localhost>',
    '<"user%evil.com"@localhost>',
    "<evil.com!user@localhost>",
    "<USER%EVIL.COM@LocalHost>",
    '<"user\\@evil.com"@localhost>',
    '<"a@b@evil.com"@localhost>',
    "<@relay.example:user%evil.com@localhost>",
]

# The test client connects from 127.0.0.1: outside these networks.
OUTSIDER_RELAY = {"clients": ["192.0.2.0/24"], "domains": ["localhost"]}


def case(function):
    CASES[function.__name__] = function
    return function


def message(subject):
    return (f"From: <sender@example.org>\r\nTo: <user@localhost>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@example.org>\r\n\r\nHello.\r\n").encode()


@case
def sender_routing_from_an_outsider_gets_554_5_7_1_and_nothing_reaches_the_upstream(paths):
    with Gateway(paths, relay=OUTSIDER_RELAY) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            check(client.mail("sender@example.org")[0] == 250, "MAIL refused")
            for recipient in ROUTED:
                code, text = client.docmd("RCPT", "TO:" + recipient)
                check(code == 554 and text.startswith(b"5.7.1 ") and b"Relay access denied" in text,
                      f"{recipient}: {code} {text}")
            code, text = client.docmd("DATA")
            check(code == 554 and b"no valid recipients" in text.lower(), f"DATA: {code} {text}")
        check(gateway.sink.messages(expected=1, timeout=1) == [], "something reached the upstream")
        log = gateway.proxy.log()
        check(log.count('cause="sender-specified routing"') == len(ROUTED), log)


@case
def an_outsider_still_reaches_a_local_mailbox_and_a_source_route_is_dropped(paths):
    with Gateway(paths, relay=OUTSIDER_RELAY) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            check(client.mail("sender@example.org")[0] == 250, "MAIL refused")
            check(client.docmd("RCPT", "TO:<user%evil.com@localhost>")[0] == 554, "routing taken")
            check(client.docmd("RCPT", "TO:<User@LOCALHOST>")[0] == 250, "local mailbox refused")
            code, text = client.docmd("RCPT", "TO:<@relay.example,@other.example:second@localhost>")
            check(code == 250, f"source route: {code} {text}")
            code, text = client.data(message("local"))
            check(code == 250, f"{code} {text}")
        [dump] = gateway.sink.messages(expected=1)
        rcpts = [line for line in dump.splitlines() if line.startswith("X-Rcpt-Args:")]
        check(rcpts == ["X-Rcpt-Args: <User@LOCALHOST>", "X-Rcpt-Args: <second@localhost>"], dump)


@case
def allow_untrusted_routing_passes_routed_recipients_on(paths):
    relay = dict(OUTSIDER_RELAY, allow_untrusted_routing=True)
    with Gateway(paths, relay=relay) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            client.mail("sender@example.org")
            check(client.docmd("RCPT", "TO:<user%evil.com@localhost>")[0] == 250, "percent refused")
            check(client.docmd("RCPT", "TO:<evil.com!user@localhost>")[0] == 250, "bang refused")
            check(client.docmd("RCPT", "TO:<user%evil.com@elsewhere.example>")[0] == 554,
                  "a foreign domain was taken")
            check(client.data(message("routed"))[0] == 250, "message refused")
        [dump] = gateway.sink.messages(expected=1)
        check("X-Rcpt-Args: <user%evil.com@localhost>" in dump.splitlines(), dump)


@case
def a_trusted_client_may_route(paths):
    relay = {"clients": ["127.0.0.0/8"], "domains": []}
    with Gateway(paths, relay=relay) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            refused = client.sendmail("sender@example.org", ["user%other.example@localhost"],
                                      message("trusted"))
            check(refused == {}, str(refused))
        check(len(gateway.sink.messages(expected=1)) == 1, "not delivered")


# ---- XCLIENT / XFORWARD ---------------------------------------------------------

XCLIENT_KEYWORDS = ["PIPELINING", "XCLIENT NAME ADDR PORT PROTO HELO LOGIN DESTADDR DESTPORT",
                    "8BITMIME"]
XFORWARD_KEYWORDS = ["PIPELINING", "XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT", "8BITMIME"]


def upstream_at(recorder, mode):
    return {"address": "127.0.0.1", "port": recorder.port, "starttls": "off", "forward_client": mode}


def send_one(gateway, subject, helo="client.test"):
    """One message from a fresh client; returns the client's port."""
    with smtplib.SMTP("127.0.0.1", gateway.port, local_hostname=helo, timeout=20) as client:
        port = client.sock.getsockname()[1]
        refused = client.sendmail("sender@example.org", ["user@example.net"], message(subject))
        check(refused == {}, str(refused))
    return port


def transactions(proxy_log):
    return re.findall(r"event=smtp\.message .*?transaction=(\S+)", proxy_log)


def logged_transactions(proxy, count, timeout=5):
    """The ids of the first `count` smtp.message lines, once that many are
    logged: a line may come a moment after the client has its reply."""
    deadline = time.time() + timeout
    while len(transactions(proxy.log())) < count and time.time() < deadline:
        time.sleep(0.05)
    return transactions(proxy.log())


@case
def xclient_hands_the_real_client_to_the_upstream_which_is_greeted_again(paths):
    with RecordingUpstream(XCLIENT_KEYWORDS) as recorder:
        with Gateway(paths, upstream=upstream_at(recorder, "xclient")) as gateway:
            first = send_one(gateway, "first")
            second = send_one(gateway, "second", helo="other.test")
            gateway.proxy.logged("event=smtp.message", timeout=2)
        connections = recorder.received()
        # A cached connection carries another client after XCLIENT: the
        # second session gets its own.
        check(len(connections) == 2, f"{connections}")
        for wire, port, helo in ((connections[0], first, "client.test"),
                                 (connections[1], second, "other.test")):
            expected = (b"EHLO gateway.test\r\n"
                        b"XCLIENT HELO=" + helo.encode() + b" PROTO=ESMTP LOGIN=[UNAVAILABLE] "
                        b"NAME=[UNAVAILABLE] ADDR=127.0.0.1 PORT=" + str(port).encode() + b"\r\n"
                        b"EHLO " + helo.encode() + b"\r\n"
                        b"MAIL FROM:<sender@example.org>\r\n"
                        b"RCPT TO:<user@example.net>\r\n"
                        b"DATA\r\n")
            check(wire.startswith(expected), f"expected\n{expected!r}\ngot\n{wire!r}")


@case
def xclient_sends_only_the_attributes_the_upstream_lists(paths):
    with RecordingUpstream(["XCLIENT ADDR HELO"]) as recorder:
        with Gateway(paths, upstream=upstream_at(recorder, "xclient")) as gateway:
            send_one(gateway, "few")
        [wire] = recorder.received()
        check(wire.startswith(b"EHLO gateway.test\r\nXCLIENT HELO=client.test ADDR=127.0.0.1\r\n"
                              b"EHLO client.test\r\nMAIL FROM:"), repr(wire))


@case
def xforward_goes_before_every_transaction_with_its_ident(paths):
    with RecordingUpstream(XFORWARD_KEYWORDS) as recorder:
        with Gateway(paths, upstream=upstream_at(recorder, "xforward")) as gateway:
            with smtplib.SMTP("127.0.0.1", gateway.port, local_hostname="client.test", timeout=20) as client:
                port = client.sock.getsockname()[1]
                for subject in ("one", "two"):
                    refused = client.sendmail("sender@example.org", ["user@example.net"], message(subject))
                    check(refused == {}, str(refused))
            ids = logged_transactions(gateway.proxy, 2)
        check(len(ids) == 2, gateway.proxy.log())
        [wire] = recorder.received()
        xforwards = [line for line in wire.split(b"\r\n") if line.startswith(b"XFORWARD")]
        check(xforwards == [b"XFORWARD HELO=client.test PROTO=ESMTP IDENT=" + ident.encode() +
                            b" SOURCE=REMOTE NAME=[UNAVAILABLE] ADDR=127.0.0.1 PORT=" + str(port).encode()
                            for ident in ids], f"{xforwards} {ids}")
        # Each XFORWARD comes straight before its MAIL, and XFORWARD needs no new EHLO.
        check(wire.count(b"EHLO") == 1, repr(wire))
        check(wire.count(b"\r\nMAIL FROM:") == 2 and
              all(b"\r\nMAIL FROM:" in part for part in wire.split(b"XFORWARD ")[1:]), repr(wire))


@case
def forwarding_is_not_sent_to_an_upstream_that_does_not_offer_it(paths):
    with RecordingUpstream(["PIPELINING", "XFORWARD NAME ADDR"]) as recorder:
        with Gateway(paths, upstream=upstream_at(recorder, "xclient")) as gateway:
            send_one(gateway, "plain")
            check(gateway.proxy.logged("event=upstream.forward_client_unavailable"), gateway.proxy.log())
        [wire] = recorder.received()
        check(b"XCLIENT" not in wire and b"XFORWARD" not in wire, repr(wire))
        check(wire.startswith(b"EHLO gateway.test\r\nMAIL FROM:<sender@example.org>\r\n"), repr(wire))


@case
def forwarding_is_off_by_default(paths):
    with RecordingUpstream(XCLIENT_KEYWORDS + ["XFORWARD NAME ADDR"]) as recorder:
        upstream = {"address": "127.0.0.1", "port": recorder.port, "starttls": "off"}
        with Gateway(paths, upstream=upstream) as gateway:
            send_one(gateway, "default")
        [wire] = recorder.received()
        check(b"XCLIENT" not in wire and b"XFORWARD" not in wire, repr(wire))


@case
def xclient_lets_a_real_postfix_judge_the_real_client(paths):
    """Postfix with smtpd_authorized_xclient_hosts = 127.0.0.1 and a HELO
    restriction: through XCLIENT its policy sees the client's HELO (and
    its Received field names the client), without it only opes-proxy."""
    if not postfix_instance.available():
        raise Failure("postfix is not installed (scripts/setup.sh installs it)")
    folder = tempfile.TemporaryDirectory(prefix="opes-pf-sink-")
    os.chmod(folder.name, 0o755)
    sink = Sink(folder.name)
    try:
        restrictions = ["smtpd_authorized_xclient_hosts = 127.0.0.1",
                        "smtpd_helo_restrictions = check_helo_access inline:{ evil.test=REJECT }"]
        with postfix_instance.PostfixInstance(sink.port, restrictions) as postfix:
            upstream = {"address": "127.0.0.1", "port": postfix.port, "starttls": "off",
                        "forward_client": "xclient"}
            with Gateway(paths, upstream=upstream) as gateway:
                send_one(gateway, "through xclient", helo="client.test")
                with smtplib.SMTP("127.0.0.1", gateway.port, local_hostname="evil.test", timeout=20) as client:
                    client.ehlo()
                    check(client.mail("sender@example.org")[0] == 250, "MAIL refused")
                    code, text = client.rcpt("user@example.net")
                    check(code == 554 and b"<evil.test>: Helo command rejected" in text,
                          f"{code} {text}\n{postfix.log()}")
            [dump] = sink.messages(expected=1, timeout=20)
            check("Received: from client.test (unknown [127.0.0.1])" in dump, dump + postfix.log())
            check("by postfix.test (Postfix) with ESMTP" in dump, dump)

            # The same without XCLIENT: Postfix sees opes-proxy's EHLO only.
            plain = dict(upstream, forward_client="off")
            with Gateway(paths, upstream=plain) as gateway:
                with smtplib.SMTP("127.0.0.1", gateway.port, local_hostname="evil.test", timeout=20) as client:
                    refused = client.sendmail("sender@example.org", ["user@example.net"], message("plain"))
                    check(refused == {}, str(refused))
            dumps = sink.messages(expected=2, timeout=20)
            check(len(dumps) == 2 and "Received: from gateway.test (" in dumps[1], "\n".join(dumps))
    finally:
        sink.process.kill()
        folder.cleanup()


if __name__ == "__main__":
    sys.exit(run_case(CASES))
