"""opes-proxy's ODMR hold queue (RFC 2645, issue 13 sections 2 and 3), end
to end: kill -9 of the proxy after an enqueue and in the middle of a
reversed delivery, SIGHUP with a new customer domain, the customer's
refusals (DSNs to the sender), expiry and the delay warning, re-scan at
release, the split per domain. Peers in odmr_peers.py. One case per run:
odmr_queue_test.py [paths] CASE."""

import os
import signal
import smtplib
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from odmr_peers import *  # noqa: E402,F401,F403
from gateway_harness import run_case  # noqa: E402

CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


# ---- crash safety -----------------------------------------------------------


@case
def kill_9_during_a_reversed_delivery_loses_nothing_and_repeats_no_acknowledged_message(paths):
    with odmr_gateway(paths) as gateway:
        for n in range(1, 6):
            hold(gateway, [f"user{n}@example.org"], message(n, [f"user{n}@example.org"]))
        check(len(gateway.held()) == 5, f"five entries held: {gateway.held()}")
        first = Customer(gateway.odmr_port)
        first.login()
        check(first.atrn("example.org").startswith(b"250 "), "ATRN")
        answered = []

        def two_then_silence(received):
            if len(answered) < 2:
                answered.append(message_id(received["data"]))
                return "250 2.0.0 Ok: queued"
            return None  # the third message's final dot gets no reply

        first.serve(end=two_then_silence)
        check(len(first.received) == 3, f"three messages reached the customer: {len(first.received)}")
        gateway.restart_proxy(signal.SIGKILL)
        first.close()

        second = Customer(gateway.odmr_port)
        second.login()
        reply = second.atrn("example.org")
        check(reply.startswith(b"250 "), f"ATRN after the restart: {reply!r}\n{gateway.logs()}")
        second.serve()
        second.close()
        again = [message_id(m["data"]) for m in second.received]
        every = {message_id(m["data"]) for m in first.received} | set(again)
        check(every == {f"<odmr-{n}@example.net>" for n in range(1, 6)},
              f"every message delivered at least once: {sorted(every)}")
        check(not set(answered) & set(again), f"acknowledged {answered}, delivered again {again}")
        # The one in flight at the kill was never acknowledged: still held.
        check(set(again) == every - set(answered), f"the unacknowledged ones again: {again}")
        check(len(again) == len(set(again)), f"once each in the second session: {again}")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}\n{gateway.logs()}")


@case
def kill_9_right_after_the_250_to_the_senders_final_dot_loses_no_held_message(paths):
    with odmr_gateway(paths) as gateway:
        for n in range(1, 4):
            send(gateway, [f"user{n}@example.org"], message(n, [f"user{n}@example.org"]))
        # No wait for the log: the 250 itself promises the message is on disk.
        gateway.restart_proxy(signal.SIGKILL)
        check(gateway.proxy.logged("entries=3"), "the restarted proxy counts three entries\n" + gateway.proxy.log())
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), f"ATRN after the restart\n{gateway.logs()}")
        customer.serve()
        customer.close()
        ids = sorted(message_id(m["data"]) for m in customer.received)
        check(ids == [f"<odmr-{n}@example.net>" for n in range(1, 4)], f"all three: {ids}")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def a_domain_added_to_the_customers_file_is_held_after_sighup(paths):
    with odmr_gateway(paths) as gateway:
        with open(os.path.join(gateway.folder.name, "customers"), "w") as f:
            f.write(f"{CUSTOMER}:{{PLAIN}}{SECRET}:example.org,example.com,example.info\n")
        gateway.proxy.process.send_signal(signal.SIGHUP)
        check(gateway.proxy.logged("event=proxy.config_reloaded"), gateway.proxy.log())
        hold(gateway, ["user@example.info"], message(1, ["user@example.info"]))
        check(len(gateway.held("example.info")) == 1, f"held for the new domain: {gateway.held()}")
        check(gateway.sink.messages() == [], "not sent upstream")
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.info").startswith(b"250 "), f"ATRN for the new domain\n{gateway.logs()}")
        customer.serve()
        customer.close()
        check([message_id(m["data"]) for m in customer.received] == ["<odmr-1@example.net>"], f"{customer.received}")


# ---- refusals by the customer, expiry, re-scan --------------------------------


@case
def a_550_for_one_recipient_bounces_it_and_a_451_for_the_message_keeps_it_for_the_next_atrn(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["bad@example.org", "good@example.org"],
             message(1, ["bad@example.org", "good@example.org"]))
        hold(gateway, ["later@example.org"], message(2, ["later@example.org"], subject="tempfail"))
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN")

        def rcpt(address):
            return "550 5.1.1 <bad@example.org>: user unknown" if address == "bad@example.org" else "250 2.1.5 Ok"

        def end(received):
            return "451 4.3.0 try again later" if b"Subject: tempfail" in received["data"] else "250 2.0.0 Ok"

        customer.serve(rcpt=rcpt, end=end)
        customer.close()
        good = [m for m in customer.received if message_id(m["data"]) == "<odmr-1@example.net>"]
        check(len(good) == 1 and good[0]["recipients"] == ["good@example.org"], f"{customer.received}")
        bounces = dsns(gateway.sink, 1)
        check(len(bounces) == 1, f"one DSN upstream: {len(bounces)}\n{gateway.logs()}")
        dsn = bounces[0]
        check(f"X-Rcpt-Args: <{SENDER}>" in dsn, "to the sender\n" + dsn)
        check("multipart/report" in dsn and "report-type=delivery-status" in dsn, dsn)
        check("Action: failed" in dsn and "bad@example.org" in dsn, dsn)
        check("Status: 5.1.1" in dsn, dsn)
        check("Final-Recipient:rfc822;good@example.org" not in dsn.replace(" ", ""),
              "only the refused recipient\n" + dsn)
        check(gateway.proxy.logged("delivered=1") and gateway.proxy.logged("bounced=1")
              and gateway.proxy.logged("deferred=1"), gateway.proxy.log())
        held = gateway.held()
        check(len(held) == 1, f"the deferred message is still held: {held}")
        with open(held[0]) as f:
            record = f.read()
        check("Recipient: later@example.org" in record, record)
        check(re.search(r"^Attempts: 1$", record, re.M), "the deferral is counted\n" + record)

        later = Customer(gateway.odmr_port)
        later.login()
        check(later.atrn("example.org").startswith(b"250 "), "the second ATRN")
        later.serve()
        later.close()
        check([message_id(m["data"]) for m in later.received] == ["<odmr-2@example.net>"],
              f"the deferred message, now delivered: {later.received}")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")
        check(len(dsns(gateway.sink, 2, timeout=1)) == 1, "no DSN for the deferral")


@case
def a_message_held_past_max_hold_seconds_bounces_with_status_4_4_7(paths):
    with odmr_gateway(paths, odmr={"max_hold_seconds": 1, "sweep_interval_seconds": 1,
                                   "delay_warning_seconds": 0}) as gateway:
        started = time.time()
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        bounces = dsns(gateway.sink, 1, timeout=10)
        check(len(bounces) == 1, f"one DSN within seconds: {len(bounces)}\n{gateway.logs()}")
        check(time.time() - started < 10, "within a few seconds")
        dsn = bounces[0]
        check(f"X-Rcpt-Args: <{SENDER}>" in dsn, dsn)
        check("Status: 4.4.7" in dsn and "Action: failed" in dsn and "user@example.org" in dsn, dsn)
        check(gateway.proxy.logged("event=odmr.expired"), gateway.proxy.log())
        deadline = time.time() + 5
        while gateway.queue_files() and time.time() < deadline:
            time.sleep(0.1)
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def a_delay_warning_goes_once_before_the_bounce(paths):
    with odmr_gateway(paths, odmr={"max_hold_seconds": 4, "sweep_interval_seconds": 1,
                                   "delay_warning_seconds": 1}) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        first = dsns(gateway.sink, 1, timeout=5)
        check(len(first) == 1, f"the delay warning: {len(first)}\n{gateway.logs()}")
        check("Action: delayed" in first[0] and f"X-Rcpt-Args: <{SENDER}>" in first[0], first[0])
        check(len(gateway.held()) == 1, "still held after the warning")
        both = dsns(gateway.sink, 2, timeout=10)
        check(len(both) == 2, f"the warning and the bounce: {len(both)}\n{gateway.logs()}")
        bounce = next(d for d in both if "Action: failed" in d)
        check("Status: 4.4.7" in bounce, bounce)
        check(len(dsns(gateway.sink, 3, timeout=2)) == 2, "one warning only")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def the_release_service_group_rescans_at_atrn_and_a_refused_message_bounces(paths):
    release = {"name": "release", "services": [{"name": "content-filter", "uri": FILTER_URI, "bypassable": False}],
               "on_failure": "tempfail"}
    stamp_only = [{"name": "header-stamp", "uri": STAMP_URI, "bypassable": True}]
    with odmr_gateway(paths, odmr={"release_service_group": "release"}, proxy_services=stamp_only,
                      groups=[release]) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"], subject="spam",
                                                    body=f"{GTUBE}\r\n"))
        hold(gateway, ["user@example.org"], message(2, ["user@example.org"], subject="clean"))
        check(len(gateway.held()) == 2, "the stamp-only group held both")
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN")
        customer.serve()
        customer.close()
        check([message_id(m["data"]) for m in customer.received] == ["<odmr-2@example.net>"],
              f"only the clean message: {[message_id(m['data']) for m in customer.received]}\n{gateway.logs()}")
        check(all(GTUBE.encode() not in m["data"] for m in customer.received), "no GTUBE at the customer")
        bounces = dsns(gateway.sink, 1)
        check(len(bounces) == 1, f"one DSN: {len(bounces)}\n{gateway.logs()}")
        check(f"X-Rcpt-Args: <{SENDER}>" in bounces[0] and "Action: failed" in bounces[0], bounces[0])
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def a_quarantine_advice_at_release_keeps_the_message_aside_and_sends_the_customer_nothing(paths):
    release = {"name": "release", "services": [{"name": "quarantine-filter", "uri": QUARANTINE_URI}],
               "on_failure": "tempfail"}
    stamp_only = [{"name": "header-stamp", "uri": STAMP_URI, "bypassable": True}]
    with odmr_gateway(paths, odmr={"release_service_group": "release"}, proxy_services=stamp_only,
                      groups=[release]) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"], body=f"{QUARANTINE_MARK}\r\n"))
        hold(gateway, ["user@example.org"], message(2, ["user@example.org"]))
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN")
        customer.serve()
        customer.close()
        check([message_id(m["data"]) for m in customer.received] == ["<odmr-2@example.net>"],
              f"only the other message: {[message_id(m['data']) for m in customer.received]}\n{gateway.logs()}")
        deadline = time.time() + 5
        while not gateway.quarantined() and time.time() < deadline:
            time.sleep(0.1)
        stored = gateway.quarantined()
        check(len(stored) == 1, f"quarantined: {stored}\n{gateway.logs()}")
        with open(stored[0], "rb") as f:
            check(b"<odmr-1@example.net>" in f.read(), "the marked message is the one kept aside")
        check(dsns(gateway.sink, 1, timeout=1) == [], "no DSN for a quarantined message")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def a_message_for_two_customer_domains_is_held_twice_and_atrn_takes_one_domains_recipient(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["a@example.org", "b@example.com"], message(1, ["a@example.org", "b@example.com"]))
        check(len(gateway.held("example.org")) == 1 and len(gateway.held("example.com")) == 1,
              f"one entry per domain: {gateway.held()}")
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN example.org")
        customer.serve()
        customer.close()
        check(len(customer.received) == 1 and customer.received[0]["recipients"] == ["a@example.org"],
              f"only example.org's recipient: {customer.received}")
        check(gateway.held("example.org") == [] and len(gateway.held("example.com")) == 1,
              f"example.com's entry waits: {gateway.held()}")
        with open(gateway.held("example.com")[0]) as f:
            record = f.read()
        check("b@example.com" in record and "a@example.org" not in record, record)


if __name__ == "__main__":
    sys.exit(run_case(CASES, errors=(OSError, smtplib.SMTPException, ssl.SSLError)))
