"""opes-proxy end to end for the opestrace notification's audience, size and
rate (draft-ietf-opes-smtp-00 §4.2; docs/ocp-conformance.md, "Policy: the
opestrace notification") and for the ESMTP parameters it takes: 555 5.5.4 for
what it did not advertise (RFC 5321 §4.1.1.11), DSN (RFC 3461) relayed and
spooled, and the Received field's UTF8SMTP and IPv6 literal. Real peers:
smtp-sink (which offers DSN unless -N), opes-callout, smtplib.
One case per run: trace_and_esmtp_test.py [paths] CASE."""

import glob
import os
import re
import smtplib
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateway_harness import Gateway, Skip, check, run_case

CASES = {}

# A relay policy that does not cover 127.0.0.1: the test client is an
# outsider who may still send to the local domain example.net.
OUTSIDER_RELAY = {"clients": ["192.0.2.0/24"], "domains": ["example.net"]}


def case(function):
    CASES[function.__name__] = function
    return function


def message(subject, body="Hello.\r\n", extra_headers=""):
    return (f"From: <victim@evil.test>\r\nTo: <user@example.net>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@evil.test>\r\n{extra_headers}\r\n{body}").encode()


def notifications(dumps):
    """The sink dumps that are trace notifications (sent from the null sender)."""
    return [d for d in dumps if "X-Mail-Args: <>" in d]


def send(port, sender, subject, mail_options=("OPESTRACE",), extra_headers=""):
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("client.test")
        code, text = client.mail(sender, list(mail_options))
        check(code == 250, f"MAIL: {code} {text}")
        code, text = client.rcpt("user@example.net")
        check(code == 250, f"RCPT: {code} {text}")
        code, text = client.data(message(subject, extra_headers=extra_headers))
        check(code == 250, f"DATA: {code} {text}")


def settle(gateway, expected, timeout=3):
    """The sink's dumps once `expected` arrived, then a moment more: a
    notification that should not exist has time to show up."""
    gateway.sink.messages(expected, timeout=10)
    time.sleep(timeout)
    return gateway.sink.messages()


# ---- section 3: the opestrace notification -----------------------------------

@case
def opestrace_from_a_client_outside_relay_clients_is_taken_and_sends_no_notification(paths):
    with Gateway(paths, relay=OUTSIDER_RELAY) as gateway:
        send(gateway.port, "victim@evil.test", "reflect me")
        dumps = settle(gateway, 1)
        check(len(dumps) == 1, "\n====\n".join(dumps) + gateway.logs())
        check(notifications(dumps) == [], "a notification went to the forged sender:\n" + dumps[-1])
        # The trace is still in the message (draft §4.1), only not mailed back.
        check("OPES-System: http://gateway.test/opes" in dumps[0], dumps[0])
        check(gateway.proxy.logged("event=proxy.trace_notification_skipped")
              and gateway.proxy.logged("the client is not in relay.clients"), gateway.proxy.log())


@case
def a_relay_client_gets_its_notification_but_none_when_tracing_notify_is_nobody(paths):
    with Gateway(paths) as gateway:
        send(gateway.port, "sender@example.org", "relay trace")
        dumps = settle(gateway, 2, timeout=0)
        [note] = notifications(dumps)
        check("X-Rcpt-Args: <sender@example.org>" in note, note)
        check("Subject: OPES trace: relay trace" in note and "shortened" not in note, note)
    with Gateway(paths, tracing={"agent_id": "http://gateway.test/opes", "notify": "nobody"}) as gateway:
        send(gateway.port, "sender@example.org", "nobody trace")
        dumps = settle(gateway, 1)
        check(len(dumps) == 1 and notifications(dumps) == [], "\n====\n".join(dumps))
        check(gateway.proxy.logged("tracing.notify is nobody"), gateway.proxy.log())


@case
def an_88_kb_header_section_gives_a_notification_of_bounded_size(paths):
    filler = "".join(f"X-Filler-{i:04d}: {'f' * 80}\r\n" for i in range(900))  # 88.8 KB
    with Gateway(paths) as gateway:
        send(gateway.port, "sender@example.org", "huge header", extra_headers=filler)
        dumps = settle(gateway, 2, timeout=0)
        [note] = notifications(dumps)
        [original] = [d for d in dumps if d is not note]
        check("X-Filler-0899" in original, "the original lost lines")
        # 8192 header octets and a page of our own text, not the 90 KB of the report.
        check(len(note) < 8192 + 4096, f"{len(note)} octets:\n{note[:2000]}")
        check("X-Filler-0000" in note and "X-Filler-0899" not in note, note)
        check("The header section is shortened: the first " in note, note)
        check(gateway.proxy.logged("header_octets_included="), gateway.proxy.log())


@case
def the_rate_limits_stop_the_notification_after_per_sender_and_total(paths):
    tracing = {"agent_id": "http://gateway.test/opes",
               "notify_rate": {"window_seconds": 3600, "per_sender": 2, "total": 3}}
    with Gateway(paths, tracing=tracing) as gateway:
        for n in range(3):
            send(gateway.port, "sender@example.org", f"first sender {n}")
        for n in range(2):
            send(gateway.port, "Other@Example.org", f"second sender {n}")
        dumps = settle(gateway, 5 + 3)
        notes = notifications(dumps)
        rcpts = sorted(line for d in notes for line in d.split("\n") if line.startswith("X-Rcpt-Args:"))
        check(rcpts == ["X-Rcpt-Args: <Other@Example.org>", "X-Rcpt-Args: <sender@example.org>",
                        "X-Rcpt-Args: <sender@example.org>"], f"{rcpts}\n" + gateway.logs())
        check(len(dumps) == 5 + 3, f"{len(dumps)} dumps")
        check(gateway.proxy.logged("tracing.notify_rate.per_sender reached for this sender")
              and gateway.proxy.logged("tracing.notify_rate.total reached"), gateway.proxy.log())


# ---- section 8: ESMTP parameters honestly ------------------------------------

@case
def a_parameter_the_proxy_did_not_advertise_gets_555_5_5_4(paths):
    with Gateway(paths) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=30) as client:
            client.ehlo("client.test")
            check(client.has_extn("dsn"), "DSN is not advertised")
            code, text = client.mail("sender@example.org", ["FOO=bar"])
            check((code, text) == (555, b"5.5.4 FOO is not offered"), f"{code} {text}")
            code, text = client.mail("sender@example.org")
            check(code == 250, f"{code} {text}")
            code, text = client.rcpt("user@example.net", ["FOO=bar"])
            check((code, text) == (555, b"5.5.4 FOO is not offered"), f"{code} {text}")
            code, text = client.rcpt("user@example.net", ["NOTIFY=ALWAYS"])
            check((code, text) == (501, b"5.5.4 NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY"),
                  f"{code} {text}")
            client.rset()
            # After HELO nothing is advertised, so no parameter is taken.
            client.helo("client.test")
            code, text = client.mail("sender@example.org", ["SIZE=100"])
            check((code, text) == (555, b"5.5.4 SIZE is not offered"), f"{code} {text}")
        check(gateway.sink.messages(0, timeout=0) == [], "something was delivered")


@case
def dsn_parameters_reach_an_upstream_that_offers_dsn_and_are_dropped_before_one_that_does_not(paths):
    mail_options = ["RET=HDRS", "ENVID=QQ314159"]
    rcpt_options = ["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;user+2Bx@example.net"]
    for sink_args, expect_dsn in (((), True), (("-N",), False)):
        with Gateway(paths, sink_args=sink_args) as gateway:
            with smtplib.SMTP("127.0.0.1", gateway.port, timeout=30) as client:
                refused = client.sendmail("sender@example.org", ["user@example.net"], message("dsn"),
                                          mail_options=mail_options, rcpt_options=rcpt_options)
                check(refused == {}, str(refused))
            [dump] = gateway.sink.messages(1)
            lines = dump.split("\n")
            if expect_dsn:
                check("X-Mail-Args: <sender@example.org> RET=HDRS ENVID=QQ314159" in lines, dump)
                check("X-Rcpt-Args: <user@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;user+2Bx@example.net"
                      in lines, dump)
            else:
                check("X-Mail-Args: <sender@example.org>" in lines, dump)
                check("X-Rcpt-Args: <user@example.net>" in lines, dump)


def spooled(folder, expected=1, timeout=10):
    deadline = time.time() + timeout
    while True:
        files = sorted(glob.glob(os.path.join(folder, "spool", "new", "*")))
        if len(files) >= expected or time.time() > deadline:
            break
        time.sleep(0.05)
    texts = []
    for name in files:
        with open(name, "rb") as f:
            texts.append(f.read().decode("utf-8"))
    return texts


@case
def dsn_parameters_are_recorded_with_the_message_in_the_spool(paths):
    with Gateway(paths, proxy_without=("upstream",), spool="spool") as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=30) as client:
            client.ehlo("client.test")
            check(client.mail("sender@example.org", ["RET=FULL", "ENVID=env+2B1"])[0] == 250, "MAIL")
            check(client.rcpt("user@example.net", ["NOTIFY=NEVER"])[0] == 250, "RCPT 1")
            check(client.rcpt("other@example.net")[0] == 250, "RCPT 2")
            code, text = client.data(message("spooled dsn"))
            check(code == 250, f"{code} {text}")
        [stored] = spooled(gateway.folder.name)
        head = stored.split("\r\n\r\n", 1)[0].split("\r\n")
        check(head[:5] == ["Return-Path: <sender@example.org>",
                           "Envelope-To: <user@example.net>,", " <other@example.net>",
                           "Envelope-DSN: RET=FULL ENVID=env+2B1",
                           "Envelope-DSN-Recipient: <user@example.net> NOTIFY=NEVER"], stored)


@case
def an_smtputf8_transaction_is_received_with_utf8smtp(paths):
    with Gateway(paths, proxy_without=("upstream",), spool="spool") as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=30) as client:
            client.ehlo("client.test")
            code, text = client.mail("s\u00e9nder@example.org", ["SMTPUTF8"])
            check(code == 250, f"{code} {text}")
            check(client.rcpt("user@example.net")[0] == 250, "RCPT")
            code, text = client.data(message("utf8"))
            check(code == 250, f"{code} {text}")
            client.mail("sender@example.org")
            client.rcpt("user@example.net")
            code, text = client.data(message("ascii"))
            check(code == 250, f"{code} {text}")
        stored = spooled(gateway.folder.name, 2)
        check(len(stored) == 2, str(stored))
        [utf8] = [s for s in stored if "Subject: utf8" in s]
        [ascii_only] = [s for s in stored if "Subject: ascii" in s]
        check("\r\n\tby gateway.test (opes-proxy) with UTF8SMTP id " in utf8, utf8)
        check("\r\n\tby gateway.test (opes-proxy) with ESMTP id " in ascii_only, ascii_only)


def has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@case
def an_ipv6_client_is_received_as_an_ipv6_address_literal(paths):
    if not has_ipv6_loopback():
        raise Skip("this machine has no ::1")
    listeners = [{"address": "127.0.0.1", "port": 0}, {"address": "::1", "port": 0}]
    relay = {"clients": ["127.0.0.0/8", "::1/128"], "domains": []}
    with Gateway(paths, listeners=listeners, relay=relay) as gateway:
        port = int(gateway.proxy.wait_line(r"^opes-proxy listening on \[::1\]:(\d+)$").group(1))
        with smtplib.SMTP("::1", port, timeout=30) as client:
            client.ehlo("client6.test")
            refused = client.sendmail("sender@example.org", ["user@example.net"], message("ipv6"))
            check(refused == {}, str(refused))
        [dump] = gateway.sink.messages(1)
        check(re.search(r"\nReceived: from client6\.test \(\[IPv6:::1\]\)\r?\n\tby gateway\.test "
                        r"\(opes-proxy\) with ESMTP id ", dump), dump)


if __name__ == "__main__":
    sys.exit(run_case(CASES))
