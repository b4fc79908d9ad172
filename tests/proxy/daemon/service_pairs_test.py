"""Every pair of shipped services in one callout profile and one service
group, both orders, each proving its own effect on a message sent through
opes-proxy (real opes-callout, real smtp-sink upstream): issue 10 §1, "a
service must never be skipped silently". header-stamp (RAWDATA) and
header-stamp-headers (ALLHEADERS) are both included, and paired with each
other, so every pair of RAWDATA with ALLHEADERS services is here.
One case per unordered pair, both orders: service_pairs_test.py [paths] CASE."""

import itertools
import os
import smtplib
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateway_harness import (DISCLAIMER_URI, FILTER_URI, GTUBE, MAP_URI, STAMP_URI, Failure, Gateway,
                             check, run_case)

HEADERS_URI = "urn:opes-smtp:service:header-stamp-headers"
RAW_STAMP = "X-Scanned-By: OPES-SMTP test"      # header-stamp, as the harness configures it
HEADERS_STAMP = "X-Headers-Stamped: yes"         # header-stamp-headers, configured below
FOOTER_LINE = "Sent through the OPES-SMTP test gateway."
FILTER_REPLY = (550, b"5.7.1 Message content rejected (test)")

# Name in the callout configuration -> service URI.
SERVICES = {
    "header-stamp": STAMP_URI,
    "header-stamp-headers": HEADERS_URI,
    "content-filter": FILTER_URI,
    "recipient-map": MAP_URI,
    "disclaimer": DISCLAIMER_URI,
}


def message(subject, body):
    return (f"From: Sender <sender@example.org>\r\nTo: <alias@example.org>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@example.org>\r\n\r\n{body}").encode()


def header_lines(text):
    return text.split("\n\n", 1)[0].split("\n")


def opes_via(text):
    """The OPES-Via entries the gateway added, unfolded, in order."""
    lines = header_lines(text)
    start = next(i for i, line in enumerate(lines) if line.startswith("OPES-Via: http://gateway.test/opes"))
    value = lines[start][len("OPES-Via:"):]
    for line in lines[start + 1:]:
        if not line[:1] in (" ", "\t"):
            break
        value += line
    return [entry.strip().split(";")[0].strip() for entry in value.split(",")]


def only(names):
    """The callout configuration with these services, in this order, as the receiver profile."""
    def customize(document):
        document["services"].append(
            {"name": "header-stamp-headers", "uri": HEADERS_URI, "plugin": "header-stamp",
             "service": "header-stamp-headers", "options": {"name": "X-Headers-Stamped", "value": "yes"}})
        document["profiles"]["receiver"] = list(names)
        document["log_level"] = "info"
    return customize


def run_pair(paths, names, bypass=None):
    services = [{"name": name, "uri": SERVICES[name], "bypassable": name == bypass} for name in names]
    with Gateway(paths, proxy_services=services, callout_customize=only(names)) as gateway:
        context = f"pair {' then '.join(names)}"
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            options = [f"OPESBYPASS={bypass}"] if bypass else []
            try:
                refused = client.sendmail("sender@example.org", ["alias@example.org"],
                                          message("pair clean", "A clean message.\r\n"), mail_options=options)
            except smtplib.SMTPException as error:
                raise Failure(f"{context}: {error!r}\n{gateway.logs()}")
            check(refused == {}, f"{context}: {refused}\n{gateway.logs()}")
            if "content-filter" in names:
                client.ehlo("client.test")
                check(client.mail("sender@example.org")[0] == 250, f"{context}: MAIL")
                check(client.rcpt("alias@example.org")[0] == 250, f"{context}: RCPT")
                reply = client.data(message("pair gtube", GTUBE + "\r\n"))
                check(reply == FILTER_REPLY, f"{context}: GTUBE got {reply}\n{gateway.logs()}")
        dumps = gateway.sink.messages(1)
        check(len(dumps) == 1 and "Subject: pair clean" in dumps[0],
              f"{context}: upstream got:\n" + "\n====\n".join(dumps))
        dump = dumps[0]
        lines = header_lines(dump)
        ran = [name for name in names if name != bypass]
        # Each service's own effect, and no effect of a service that did not run.
        check((RAW_STAMP in lines) == ("header-stamp" in ran), f"{context}: header-stamp stamp:\n{dump}")
        check((HEADERS_STAMP in lines) == ("header-stamp-headers" in ran),
              f"{context}: header-stamp-headers stamp:\n{dump}")
        mapped = "recipient-map" in ran
        check(("X-Rcpt-Args: <real.person@example.net>" in lines) == mapped, f"{context}: recipient:\n{dump}")
        check(("X-Rcpt-Args: <alias@example.org>" in lines) == (not mapped), f"{context}: recipient:\n{dump}")
        body = dump.split("\n\n", 1)[1]
        check("A clean message." in body, f"{context}: body lost:\n{dump}")
        check((FOOTER_LINE in body) == ("disclaimer" in ran), f"{context}: disclaimer footer:\n{dump}")
        # OPES-Via: the system, then exactly the services that processed it, in order.
        via = opes_via(dump)
        check(via[0].startswith("http://gateway.test/opes?session=") and via[1:] == [SERVICES[n] for n in ran],
              f"{context}: OPES-Via {via}\n{dump}")
        check("transaction-failed" not in gateway.callout.log(), f"{context}:\n{gateway.logs()}")


CASES = {}
for first, second in itertools.combinations(SERVICES, 2):
    def both_orders(paths, first=first, second=second):
        run_pair(paths, (first, second))
        run_pair(paths, (second, first))
    CASES[f"{first}_and_{second}_both_orders_each_show_their_effect"] = both_orders


def bypassed_header_service_is_not_in_opes_via_and_the_filter_still_rejects(paths):
    run_pair(paths, ("header-stamp-headers", "content-filter"), bypass="header-stamp-headers")


CASES[bypassed_header_service_is_not_in_opes_via_and_the_filter_still_rejects.__name__] = \
    bypassed_header_service_is_not_in_opes_via_and_the_filter_still_rejects


if __name__ == "__main__":
    sys.exit(run_case(CASES, errors=(smtplib.SMTPException, OSError)))
