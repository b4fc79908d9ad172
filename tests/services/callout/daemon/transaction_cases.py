"""Daemon tests of whole transactions: the callout server's dispatch to the
plugins, checked on the wire as the processor sees it.

Per transaction the processor sends TS xid sg, AMS xid, a DUM per negotiated
part in SMTP order (AM-Part, Allow), then AME xid. The server answers AMS at
once, each adaptive command part (MAIL, RCPT) as soon as it is processed,
content parts after AME, then AME and TE; a failing service ends only its
transaction with TE 400. The order and spelling of named parameters are not
fixed by these tests: they check message names, xids, AM-Part, SMTP-Error,
Add-Header and payload octets.
"""

import signal
import time

import ocp_wire
from daemon_harness import Daemon, check, config, dum, service

ARGS = None  # set by opes_callout_test.main
SG = 1
MAIL = b"<sender@example.org>"
RCPT = b"<rcpt@example.com>"
MESSAGE = b"From: sender@example.org\r\nTo: rcpt@example.com\r\nSubject: test\r\n\r\nHello;\r\n\"quoted\"\r\n"


def header_stamp_config(value):
    return config([("header-stamp", ARGS.header_stamp)],
                  [service("header-stamp", "urn:opes-smtp:service:header-stamp", "header-stamp",
                           options={"name": "X-Scanned-By", "value": value})],
                  receiver=["header-stamp"])


def throwing_config():
    return config([("throwing", ARGS.throwing)], [service("throwing", "urn:test:throwing", "throwing")],
                  receiver=["throwing"])


def session(daemon, uri):
    """A connection with the receiver profile enabled and SG 1 naming `uri`."""
    client = daemon.connect()
    client.start()
    client.negotiate_receiver(adaptive=("MAIL", "RCPT", "RAWDATA"))
    client.create_service_group(SG, uri)
    return client


def begin(client, xid):
    client.send(f"TS {xid} {SG};\r\nAMS {xid};\r\n".encode())


def send_parts(client, xid, parts, offset=0):
    for part, payload in parts:
        client.send(dum(xid, offset, part, payload))
        offset += len(payload)
    return offset


def transaction(client, xid, parts):
    """Runs one whole transaction; returns the server's messages up to its TE."""
    begin(client, xid)
    send_parts(client, xid, parts)
    client.send(f"AME {xid};\r\n".encode())
    return until_te(client, xid)


def until_te(client, xid):
    return client.read_until(lambda m: m.name == "TE" and m.xid() == str(xid))


def result_code(message):
    """The code of a TE/AME/CE result, None when absent."""
    values = message.anonymous[1:] if message.name in ("TE", "AME") else message.anonymous
    for value in values:
        if isinstance(value, ocp_wire.Structure) and value.anonymous:
            return int(value.anonymous[0])
    return None


def result_reason(message):
    for value in message.anonymous:
        if isinstance(value, ocp_wire.Structure) and len(value.anonymous) > 1:
            return value.anonymous[1].decode("utf-8", "replace")
    return ""


def adapted_parts(messages, xid, sent_parts):
    """{part: (octets, [answer messages])} of the adapted dataflow; a DUY
    stands for the original octets it names."""
    original = b"".join(payload for _, payload in sent_parts)
    starts = []
    offset = 0
    for part, payload in sent_parts:
        starts.append((offset, offset + len(payload), part))
        offset += len(payload)
    parts = {}
    for message in messages:
        if message.xid() != str(xid) or message.name not in ("DUM", "DUY"):
            continue
        if message.name == "DUM":
            part = message.text("AM-Part")
            octets = message.payload
        else:
            org_offset, org_size = int(message.anonymous[1]), int(message.anonymous[2])
            octets = original[org_offset:org_offset + org_size]
            part = message.text("AM-Part") or next(p for s, e, p in starts if s <= org_offset < e)
        check(part is not None, f"an answer without AM-Part: {message.raw!r}")
        entry = parts.setdefault(part, [b"", []])
        entry[0] += octets
        entry[1].append(message)
    return parts


def check_ended_well(messages, xid):
    names = [m.name for m in messages if m.xid() == str(xid)]
    check(names and names[0] == "AMS", f"the server's AMS does not come first: {names}")
    check("AME" in names, f"no AME from the server: {names}")
    te = messages[-1]
    check(result_code(te) in (None, 200), f"the transaction failed: {te.raw!r}")


def header_stamp_adds_its_header_and_keeps_the_message():
    with Daemon(ARGS.opes_callout, header_stamp_config("OPES-SMTP gateway")) as daemon:
        with session(daemon, "urn:opes-smtp:service:header-stamp") as client:
            sent = [("RAWDATA", MESSAGE[:30]), ("RAWDATA", MESSAGE[30:])]
            messages = transaction(client, 1, sent)
            check_ended_well(messages, 1)
            parts = adapted_parts(messages, 1, sent)
            check(list(parts) == ["RAWDATA"], f"answered parts {list(parts)}")
            octets, answers = parts["RAWDATA"]
            check(octets == MESSAGE, f"the message changed: {octets!r}")
            headers = [m.text("Add-Header") for m in answers if "Add-Header" in m.named]
            check(headers == ["X-Scanned-By: OPES-SMTP gateway"], f"Add-Header {headers}")
            # The connection carries on.
            check_ended_well(transaction(client, 2, sent), 2)


def a_throwing_service_fails_only_its_transaction():
    with Daemon(ARGS.opes_callout, throwing_config()) as daemon:
        with session(daemon, "urn:test:throwing") as client:
            begin(client, 1)
            send_parts(client, 1, [("MAIL", b"throw")])
            te = until_te(client, 1)[-1]
            check(result_code(te) == 400, f"TE 400 expected: {te.raw!r}")
            check("throwing" in result_reason(te), f"the reason does not name the service: {te.raw!r}")

            # The next transaction runs, and its command part is answered at
            # once, before the processor sends anything more (ocp-digest A-28).
            begin(client, 2)
            send_parts(client, 2, [("MAIL", MAIL)])
            early = client.read_until(lambda m: m.name == "DUM" and m.text("AM-Part") == "MAIL")
            check(early[-1].xid() == "2", f"{early[-1].raw!r}")
            offset = len(MAIL)
            send_parts(client, 2, [("RCPT", RCPT), ("RAWDATA", MESSAGE)], offset)
            client.send(b"AME 2;\r\n")
            messages = early + until_te(client, 2)
            check_ended_well(messages, 2)
            parts = adapted_parts(messages, 2, [("MAIL", MAIL), ("RCPT", RCPT), ("RAWDATA", MESSAGE)])
            check({p: o for p, (o, _) in parts.items()} == {"MAIL": MAIL, "RCPT": RCPT, "RAWDATA": MESSAGE},
                  f"adapted parts {parts}")


def a_rejected_recipient_comes_back_with_smtp_error_and_no_octets():
    with Daemon(ARGS.opes_callout, throwing_config()) as daemon:
        with session(daemon, "urn:test:throwing") as client:
            sent = [("MAIL", MAIL), ("RCPT", b"reject:550 5.1.1 no such user"), ("RAWDATA", MESSAGE)]
            messages = transaction(client, 1, sent)
            check_ended_well(messages, 1)
            octets, answers = adapted_parts(messages, 1, sent)["RCPT"]
            check(octets == b"", f"a rejected part carries no octets: {octets!r}")
            errors = [m.text("SMTP-Error") for m in answers if "SMTP-Error" in m.named]
            check(errors == ["550 5.1.1 no such user"], f"SMTP-Error {errors}")


def a_replaced_part_comes_back_with_the_new_octets():
    with Daemon(ARGS.opes_callout, throwing_config()) as daemon:
        with session(daemon, "urn:test:throwing") as client:
            sent = [("MAIL", MAIL), ("RCPT", RCPT), ("RAWDATA", b"replace:Subject: new\r\n\r\nnew body\r\n")]
            messages = transaction(client, 1, sent)
            check_ended_well(messages, 1)
            octets, answers = adapted_parts(messages, 1, sent)["RAWDATA"]
            check(octets == b"Subject: new\r\n\r\nnew body\r\n", f"RAWDATA {octets!r}")
            check(all("As-is" not in m.named for m in answers), "replaced octets marked As-is")


def an_sg_naming_an_unknown_service_ends_the_connection_with_ce_400():
    with Daemon(ARGS.opes_callout, header_stamp_config("x")) as daemon:
        client = daemon.connect()
        client.start()
        client.negotiate_receiver()
        client.create_service_group(SG, "urn:test:nobody-has-this")
        begin(client, 1)
        ce = client.read_until(lambda m: m.name == "CE")[-1]
        check(result_code(ce) == 400, f"CE 400 expected: {ce.raw!r}")
        client.close()


def sighup_old_connections_keep_their_services_new_ones_get_the_new():
    with Daemon(ARGS.opes_callout, header_stamp_config("before")) as daemon:
        sent = [("RAWDATA", MESSAGE)]
        old = session(daemon, "urn:opes-smtp:service:header-stamp")
        # A transaction open at the reload finishes on the old services.
        begin(old, 1)
        send_parts(old, 1, sent)
        old.read_until(lambda m: m.name == "AMS")
        mark = daemon.log_line_count()
        daemon.write_config(header_stamp_config("after"))
        daemon.signal(signal.SIGHUP)
        daemon.wait_for_log(r"event=config-reloaded", after=mark)
        old.send(b"AME 1;\r\n")
        _, answers = adapted_parts(until_te(old, 1), 1, sent)["RAWDATA"]
        stamps = [m.text("Add-Header") for m in answers if "Add-Header" in m.named]
        check(stamps == ["X-Scanned-By: before"], f"the live transaction changed services: {stamps}")
        # Then the old connection ends in order (RFC 4037 §11.2), so that the
        # processor reconnects to the new services.
        ce = old.read_message()
        check(ce is not None and ce.raw == b'CE {200 "22:configuration reloaded"};\r\n', f"got {ce!r}")
        check(old.wait_closed(), "the connection stays open after CE")

        def stamped(client, xid):
            _, answers = adapted_parts(transaction(client, xid, sent), xid, sent)["RAWDATA"]
            return [m.text("Add-Header") for m in answers if "Add-Header" in m.named]

        with session(daemon, "urn:opes-smtp:service:header-stamp") as new:
            check(stamped(new, 1) == ["X-Scanned-By: after"], "a new connection has the old services")
        old.close()


def sigterm_lets_an_open_transaction_finish_then_sends_ce_200():
    with Daemon(ARGS.opes_callout, header_stamp_config("x")) as daemon:
        with session(daemon, "urn:opes-smtp:service:header-stamp") as client:
            begin(client, 1)
            send_parts(client, 1, [("RAWDATA", MESSAGE)])
            early = client.read_until(lambda m: m.name == "AMS")
            daemon.signal(signal.SIGTERM)
            time.sleep(0.5)
            check(daemon.process.poll() is None, "the daemon did not wait for the open transaction")
            client.send(b"AME 1;\r\n")
            messages = early + until_te(client, 1)
            check_ended_well(messages, 1)
            ce = client.read_message()
            check(ce is not None and ce.raw == b'CE {200 "20:server shutting down"};\r\n', f"got {ce!r}")
            check(client.wait_closed(), "the connection stays open after CE")
        check(daemon.wait_exit() == 0, f"stderr:\n{daemon.stderr()}")


CASES = [
    header_stamp_adds_its_header_and_keeps_the_message,
    a_throwing_service_fails_only_its_transaction,
    a_rejected_recipient_comes_back_with_smtp_error_and_no_octets,
    a_replaced_part_comes_back_with_the_new_octets,
    an_sg_naming_an_unknown_service_ends_the_connection_with_ce_400,
    sighup_old_connections_keep_their_services_new_ones_get_the_new,
    sigterm_lets_an_open_transaction_finish_then_sends_ce_200,
]
