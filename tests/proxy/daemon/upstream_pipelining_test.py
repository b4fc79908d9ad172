"""opes-proxy's SMTP client and PIPELINING towards the upstream (RFC 2920):
with `upstream.forward_client: xforward`, the XFORWARD lines and the MAIL
behind them go in one write where the upstream offers PIPELINING, and one
at a time where it does not. A recording upstream keeps each read apart, so
a test sees which commands the proxy wrote at once. Each case is one CTest
("proxy upstream pipelining: <case>")."""

import smtplib
import sys

from gateway_harness import Gateway, check, run_case
from recording_upstream import RecordingUpstream

CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


XFORWARD = "XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT"
MESSAGE = (b"From: <sender@example.org>\r\nTo: <user@example.net>\r\nSubject: pipelined\r\n"
           b"Message-ID: <pipelined@example.org>\r\n\r\nHello.\r\n")


def send_two(gateway):
    """Two messages in one client session; returns the client's port."""
    with smtplib.SMTP("127.0.0.1", gateway.port, local_hostname="client.test", timeout=20) as client:
        port = client.sock.getsockname()[1]
        for _ in range(2):
            refused = client.sendmail("sender@example.org", ["user@example.net"], MESSAGE)
            check(refused == {}, str(refused))
    return port


def upstream_at(recorder):
    return {"address": "127.0.0.1", "port": recorder.port, "starttls": "off", "forward_client": "xforward"}


@case
def xforward_and_its_mail_go_in_one_write_when_the_upstream_offers_pipelining(paths):
    with RecordingUpstream(["PIPELINING", XFORWARD, "8BITMIME"]) as recorder:
        with Gateway(paths, upstream=upstream_at(recorder)) as gateway:
            port = send_two(gateway)
            check(recorder.messages == 2, gateway.proxy.log())
        [reads] = recorder.received_segments()
        groups = [read for read in reads if read.startswith(b"XFORWARD ")]
        # One read per transaction: XFORWARD then MAIL, nothing else, in one group.
        check(len(groups) == 2 and
              all(read.count(b"\r\n") == 2 and read.endswith(b" SOURCE=REMOTE NAME=[UNAVAILABLE] ADDR=127.0.0.1 "
                                                                 b"PORT=%d\r\nMAIL FROM:<sender@example.org>\r\n" % port)
                  for read in groups), repr(reads))
        # The rest is unchanged: one EHLO, RCPT and DATA each after a reply.
        [wire] = recorder.received()
        check(wire.count(b"EHLO ") == 1 and wire.count(b"RCPT TO:") == 2, repr(wire))
        check(all(not read.startswith(b"RCPT") or read.count(b"\r\n") == 1 for read in reads), repr(reads))


@case
def without_pipelining_xforward_waits_for_its_reply_before_mail(paths):
    with RecordingUpstream([XFORWARD, "8BITMIME"]) as recorder:
        with Gateway(paths, upstream=upstream_at(recorder)) as gateway:
            send_two(gateway)
            check(recorder.messages == 2, gateway.proxy.log())
        [reads] = recorder.received_segments()
        xforwards = [read for read in reads if read.startswith(b"XFORWARD ")]
        check(len(xforwards) == 2 and all(read.count(b"\r\n") == 1 for read in xforwards), repr(reads))
        check(sum(read.startswith(b"MAIL FROM:") for read in reads) == 2, repr(reads))


if __name__ == "__main__":
    sys.exit(run_case(CASES))
