"""opes-proxy as an ODMR provider (RFC 2645, issue 13 section 3), end to
end: the customer's side of the protocol. fetchmail in ODMR mode relaying
to a second smtp-sink takes the held mail; raw sockets as the customer get
every ATRN reply (502, 530, 501, 450, 451, 453, 250), the reversal's first
bytes, TLS carried over it, 8BITMIME and SMTPUTF8 through the hold. Peers
in odmr_peers.py. One case per run: odmr_test.py [paths] CASE."""

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


# ---- fetchmail ------------------------------------------------------------


@case
def fetchmail_gets_the_held_messages_once_each_adapted_and_a_second_run_has_no_mail(paths):
    if not shutil.which("fetchmail"):
        raise SystemExit("fetchmail is not installed (scripts/setup.sh installs it)")
    with odmr_gateway(paths) as gateway:
        customer_sink = Sink(os.path.join(gateway.folder.name, "customer"))
        gateway.processes.append(customer_sink.process)
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        hold(gateway, ["other@example.org"], message(2, ["other@example.org"]))
        hold(gateway, ["user@example.com"], message(3, ["user@example.com"]))
        send(gateway, ["someone@example.net"], message(4, ["someone@example.net"], subject="ordinary"))
        upstream = gateway.sink.messages(expected=1)
        check(len(upstream) == 1 and "Message-ID: <odmr-4@example.net>" in upstream[0],
              f"the ordinary message went upstream at once: {upstream}\n{gateway.logs()}")
        check(customer_sink.messages() == [], "nothing reaches the customer before ATRN")
        check(len(gateway.held()) == 3, f"three entries held: {gateway.held()}")

        done = fetchmail(gateway, customer_sink)
        check(done.returncode == 0, f"fetchmail exit {done.returncode}\n{done.stdout}{done.stderr}\n{gateway.logs()}")
        arrived = customer_sink.messages(expected=3)
        ids = sorted(message_id(d.encode()) for d in arrived)
        check(ids == [f"<odmr-{n}@example.net>" for n in (1, 2, 3)],
              f"each held message once at the customer: {ids}\n{done.stdout}\n{gateway.logs()}")
        for dump in arrived:
            check("X-Scanned-By: OPES-SMTP test" in dump, "adapted before it was held\n" + dump)
        check(any("X-Rcpt-Args: <user@example.com>" in d for d in arrived), "\n".join(arrived))
        check(gateway.proxy.logged("event=odmr.atrn"), gateway.proxy.log())
        check(gateway.proxy.logged("event=odmr.released") and gateway.proxy.logged("delivered=3"),
              gateway.proxy.log())
        check(gateway.queue_files() == [], f"the hold queue is empty: {gateway.queue_files()}")
        upstream = gateway.sink.messages()
        check(len(upstream) == 1, f"the upstream got only the ordinary message: {len(upstream)}")

        again = fetchmail(gateway, customer_sink)
        check(again.returncode == 0, f"second fetchmail exit {again.returncode}\n{again.stdout}{again.stderr}")
        check("You have no mail" in again.stdout + again.stderr, again.stdout + again.stderr)
        check(len(customer_sink.messages()) == 3, "nothing delivered twice")


# ---- every ATRN reply over a raw socket -------------------------------------


@case
def commands_outside_the_odmr_states_get_502(paths):
    with odmr_gateway(paths) as gateway:
        customer = Customer(gateway.odmr_port)
        customer.greeted()
        for command in ("MAIL FROM:<a@example.net>", "NOOP", "RCPT TO:<b@example.org>", "VRFY cust"):
            reply = customer.command(command)
            check(reply.startswith(b"502 "), f"{command} in the initial state: {reply!r}")
        customer.close()
        customer = Customer(gateway.odmr_port)
        customer.login()
        for command in ("MAIL FROM:<a@example.net>", "NOOP", "RSET"):
            reply = customer.command(command)
            check(reply.startswith(b"502 "), f"{command} after AUTH: {reply!r}")
        # RFC 2645 5.4 leaves EHLO, AUTH, ATRN and QUIT out of the 502s;
        # RFC 4954 4: AUTH after a successful AUTH is 503.
        reply = customer.command("AUTH CRAM-MD5")
        check(reply.startswith(b"503 "), f"AUTH again: {reply!r}")
        check(customer.command("QUIT").startswith(b"221 "), "QUIT")
        customer.close()


@case
def atrn_before_auth_gets_530(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        customer = Customer(gateway.odmr_port)
        customer.greeted()
        reply = customer.command("ATRN example.org")
        check(reply.startswith(b"530 "), f"ATRN before AUTH: {reply!r}")
        check(customer.silent(), "nothing follows the 530")
        check(customer.command("QUIT").startswith(b"221 "), "QUIT")
        customer.close()
        check(len(gateway.held()) == 1, "the message is still held")


@case
def atrn_with_a_bad_domain_list_gets_501(paths):
    with odmr_gateway(paths) as gateway:
        customer = Customer(gateway.odmr_port)
        customer.login()
        for argument in ("example..org", "example.org, example.com", "exa_mple.org", "example.org,"):
            reply = customer.atrn(argument)
            check(reply.startswith(b"501 "), f"ATRN {argument!r}: {reply!r}")
        check(customer.command("QUIT").startswith(b"221 "), "QUIT")
        customer.close()
        check(gateway.proxy.logged("event=odmr.atrn_refused"), gateway.proxy.log())


@case
def atrn_for_a_domain_not_the_customers_gets_450_and_nothing_is_sent(paths):
    with odmr_gateway(paths, customers=CUSTOMERS + "shop:{PLAIN}other:shop.test\n") as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        hold(gateway, ["buyer@shop.test"], message(2, ["buyer@shop.test"]))
        customer = Customer(gateway.odmr_port)
        customer.login()
        for argument in ("shop.test", "example.org,shop.test", "example.net"):
            reply = customer.atrn(argument)
            check(reply.startswith(b"450 "), f"ATRN {argument}: {reply!r}")
            check(customer.silent(), f"nothing is sent after the 450 to ATRN {argument}")
        check(customer.command("QUIT").startswith(b"221 "), "QUIT")
        customer.close()
        check(len(gateway.held()) == 2, f"both messages still held: {gateway.held()}")
        check(gateway.proxy.logged("reply=450"), gateway.proxy.log())
        check("event=odmr.atrn " not in gateway.proxy.log(), gateway.proxy.log())


@case
def atrn_again_within_the_interval_gets_450(paths):
    with odmr_gateway(paths, odmr={"atrn_interval_seconds": 60}) as gateway:
        first = Customer(gateway.odmr_port)
        first.login()
        reply = first.atrn("example.org")
        check(reply.startswith(b"453 "), f"first ATRN, nothing held: {reply!r}")
        check(first.command("QUIT").startswith(b"221 "), "QUIT")
        first.close()
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        second = Customer(gateway.odmr_port)
        second.login()
        reply = second.atrn("example.org")
        check(reply.startswith(b"450 "), f"ATRN again within 60 s: {reply!r}")
        check(second.silent(), "nothing follows the 450")
        second.close()
        check(len(gateway.held()) == 1, "the message stays held")


@case
def atrn_with_the_customers_file_replaced_by_garbage_gets_451(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        customer = Customer(gateway.odmr_port)
        customer.login()  # the credentials as read at start
        with open(os.path.join(gateway.folder.name, "customers"), "wb") as f:
            f.write(b"\x00\x01 this is no customers file\ncust:{PLAIN}secret:not..a..domain\n")
        reply = customer.atrn("example.org")
        check(reply.startswith(b"451 "), f"ATRN with a garbage customers file: {reply!r}")
        check(customer.silent(), "nothing follows the 451")
        customer.close()
        check(gateway.proxy.logged("reply=451"), gateway.proxy.log())
        check(len(gateway.held()) == 1, "the message stays held")


@case
def atrn_without_held_mail_gets_453(paths):
    with odmr_gateway(paths) as gateway:
        customer = Customer(gateway.odmr_port)
        customer.login()
        reply = customer.atrn("example.org,example.com")
        check(reply.startswith(b"453 "), f"ATRN with no mail: {reply!r}")
        check(customer.command("QUIT").startswith(b"221 "), "QUIT")
        customer.close()


@case
def atrn_gets_a_single_line_250_and_a_greeting_sent_in_the_same_write_is_not_lost(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        customer = Customer(gateway.odmr_port)
        customer.login()
        reply = customer.atrn("example.org", greeting_behind=True)
        check(reply.startswith(b"250 ") and reply.count(b"\r\n") == 1, f"a single-line 250: {reply!r}")
        hello = customer.serve(greeted=True)
        check(hello is not None and hello.startswith(b"EHLO gateway.test"), f"the provider's EHLO: {hello!r}")
        check(len(customer.received) == 1, f"one message: {customer.received}")
        got = customer.received[0]
        check(got["recipients"] == ["user@example.org"], got["recipients"])
        check(got["sender"] == f"<{SENDER}>", got["sender"])
        check(b"X-Scanned-By: OPES-SMTP test" in got["data"], got["data"])
        check(message_id(got["data"]) == "<odmr-1@example.net>", got["data"])
        customer.close()
        check(gateway.proxy.logged("event=odmr.released"), gateway.proxy.log())
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def with_no_mail_reverse_atrn_without_mail_gets_250_then_ehlo_and_quit(paths):
    with odmr_gateway(paths, odmr={"no_mail": "reverse"}) as gateway:
        customer = Customer(gateway.odmr_port)
        customer.login()
        reply = customer.atrn("example.org")
        check(reply.startswith(b"250 "), f"ATRN with no mail, no_mail reverse: {reply!r}")
        hello = customer.serve()
        check(hello is not None and hello.startswith(b"EHLO "), f"EHLO: {hello!r}")
        check(customer.received == [], f"nothing to deliver: {customer.received}")
        customer.close()
        check(gateway.proxy.logged("event=odmr.released") and gateway.proxy.logged("entries=0"),
              gateway.proxy.log())


@case
def a_customer_that_drops_the_connection_after_the_250_keeps_its_mail_for_the_next_atrn(paths):
    with odmr_gateway(paths) as gateway:
        for n in (1, 2):
            hold(gateway, [f"user{n}@example.org"], message(n, [f"user{n}@example.org"]))
        dropping = Customer(gateway.odmr_port)
        dropping.login()
        check(dropping.atrn("example.org").startswith(b"250 "), "ATRN")
        dropping.close()
        check(gateway.proxy.logged("event=odmr.reversal_failed"), gateway.proxy.log())
        check(len(gateway.held()) == 2, f"both still held: {gateway.held()}")
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), f"the next ATRN\n{gateway.logs()}")
        customer.serve()
        customer.close()
        ids = sorted(message_id(m["data"]) for m in customer.received)
        check(ids == ["<odmr-1@example.net>", "<odmr-2@example.net>"], f"both delivered: {ids}")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def a_customer_that_never_greets_is_given_up_after_reply_timeout_seconds_and_the_mail_stays(paths):
    with odmr_gateway(paths, odmr={"reply_timeout_seconds": 1}) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        silent = Customer(gateway.odmr_port)
        silent.login()
        check(silent.atrn("example.org").startswith(b"250 "), "ATRN")
        started = time.time()
        check(gateway.proxy.logged("event=odmr.reversal_failed", timeout=10), gateway.proxy.log())
        check(time.time() - started < 8, "given up after about a second")
        silent.close()
        check(len(gateway.held()) == 1, f"still held: {gateway.held()}")
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), f"the next ATRN\n{gateway.logs()}")
        customer.serve()
        customer.close()
        check([message_id(m["data"]) for m in customer.received] == ["<odmr-1@example.net>"], "delivered")


@case
def atrn_while_another_session_takes_the_domains_mail_gets_450(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        first = Customer(gateway.odmr_port)
        first.login()
        check(first.atrn("example.org").startswith(b"250 "), "the first ATRN")
        second = Customer(gateway.odmr_port)
        second.login()
        reply = second.atrn("example.org")
        check(reply.startswith(b"450 "), f"ATRN while the first session has the mail: {reply!r}")
        second.close()
        first.serve()  # the greeting only now
        first.close()
        check([message_id(m["data"]) for m in first.received] == ["<odmr-1@example.net>"], "delivered once")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def plain_is_offered_only_after_starttls_and_the_reversal_stays_encrypted(paths):
    with odmr_gateway(paths, tls=True) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"],
                                                    body="..two dots\r\n.one dot\r\nlast\r\n"))
        customer = Customer(gateway.odmr_port)
        ehlo = customer.greeted()
        check(b"STARTTLS" in ehlo and b"PLAIN" not in ehlo, f"plain text EHLO: {ehlo!r}")
        token = base64.b64encode(f"\0{CUSTOMER}\0{SECRET}".encode()).decode()
        refused = customer.command(f"AUTH PLAIN {token}")
        check(refused.startswith(b"5"), f"AUTH PLAIN without TLS: {refused!r}")
        ehlo = customer.starttls(gateway.certificate)
        check(b"AUTH" in ehlo and b"PLAIN" in ehlo and b"ATRN" in ehlo and b"STARTTLS" not in ehlo,
              f"EHLO over TLS: {ehlo!r}")
        customer.login_plain()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN over TLS")
        customer.serve()  # the reversed session on the same TLS connection
        check(isinstance(customer.socket, ssl.SSLSocket), "still TLS")
        customer.close()
        check(len(customer.received) == 1, f"delivered over TLS: {customer.received}")
        # RFC 5321 4.5.2: lines starting with a dot are doubled on the wire.
        check(b"\r\n...two dots\r\n..one dot\r\nlast\r\n" in customer.received[0]["data"],
              customer.received[0]["data"])
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def atrn_without_domains_takes_every_domain_of_the_customer_in_any_case(paths):
    with odmr_gateway(paths) as gateway:
        hold(gateway, ["user@example.org"], message(1, ["user@example.org"]))
        hold(gateway, ["user@example.com"], message(2, ["user@example.com"]))
        customer = Customer(gateway.odmr_port)
        customer.login()
        reply = customer.atrn("")
        check(reply.startswith(b"250 "), f"ATRN alone: {reply!r}")
        customer.serve()
        customer.close()
        ids = sorted(message_id(m["data"]) for m in customer.received)
        check(ids == ["<odmr-1@example.net>", "<odmr-2@example.net>"], f"both domains: {ids}")
        hold(gateway, ["user@example.org"], message(3, ["user@example.org"]))
        upper = Customer(gateway.odmr_port)
        upper.login()
        reply = upper.atrn("EXAMPLE.ORG")
        check(reply.startswith(b"250 "), f"ATRN in upper case: {reply!r}")
        upper.serve()
        upper.close()
        check([message_id(m["data"]) for m in upper.received] == ["<odmr-3@example.net>"], f"{upper.received}")
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def an_8bit_message_held_with_body_8bitmime_goes_to_the_customer_with_it(paths):
    with odmr_gateway(paths) as gateway:
        raw = (f"From: <{SENDER}>\r\nTo: <user@example.org>\r\nSubject: 8bit\r\n"
               f"Message-ID: <odmr-1@example.net>\r\nContent-Type: text/plain; charset=utf-8\r\n"
               f"Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + "Gr\u00fc\u00dfe aus K\u00f6ln\r\n".encode()
        before = gateway.proxy.log().count("event=odmr.held")
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            check(client.sendmail(SENDER, ["user@example.org"], raw, mail_options=["BODY=8BITMIME"]) == {}, "sent")
        check(gateway.proxy.logged("event=odmr.held"), gateway.proxy.log())
        check(gateway.proxy.log().count("event=odmr.held") == before + 1, "held once")
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN")
        customer.serve()
        customer.close()
        check(len(customer.received) == 1, f"{customer.received}")
        got = customer.received[0]
        check("BODY=8BITMIME" in got["sender"].upper(), f"MAIL to the customer: {got['sender']!r}")
        check("Gr\u00fc\u00dfe aus K\u00f6ln".encode() in got["data"], got["data"])
        check(gateway.queue_files() == [], f"the queue is empty: {gateway.queue_files()}")


@case
def an_smtputf8_recipient_held_goes_to_the_customer_with_smtputf8(paths):
    with odmr_gateway(paths) as gateway:
        recipient = "j\u00f6rg@example.org"
        raw = (f"From: <{SENDER}>\r\nTo: <{recipient}>\r\nSubject: utf-8\r\n"
               f"Message-ID: <odmr-1@example.net>\r\n\r\nHallo J\u00f6rg\r\n").encode()
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            check(client.sendmail(SENDER, [recipient], raw, mail_options=["SMTPUTF8", "BODY=8BITMIME"]) == {},
                  "sent")
        check(gateway.proxy.logged("event=odmr.held"), gateway.proxy.log())
        customer = Customer(gateway.odmr_port)
        customer.login()
        check(customer.atrn("example.org").startswith(b"250 "), "ATRN")
        customer.serve()
        customer.close()
        check(len(customer.received) == 1, f"{customer.received}\n{gateway.logs()}")
        got = customer.received[0]
        check("SMTPUTF8" in got["sender"].upper(), f"MAIL to the customer: {got['sender']!r}")
        check(got["recipients"] == [recipient], got["recipients"])


@case
def a_dsn_for_a_sender_in_a_customer_domain_is_held_for_that_domain_and_sent_from_the_null_sender(paths):
    with odmr_gateway(paths) as gateway:
        content = (b"From: <writer@example.com>\r\nTo: <bad@example.org>\r\nSubject: bounce me\r\n"
                   b"Message-ID: <odmr-1@example.com>\r\n\r\nTo be refused.\r\n")
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            check(client.sendmail("writer@example.com", ["bad@example.org"], content) == {}, "sent")
        check(gateway.proxy.logged("event=odmr.held"), gateway.proxy.log())
        refusing = Customer(gateway.odmr_port)
        refusing.login()
        check(refusing.atrn("example.org").startswith(b"250 "), "ATRN example.org")
        refusing.serve(rcpt=lambda address: "550 5.1.1 no such user")
        refusing.close()
        check(gateway.proxy.logged("bounced=1"), gateway.proxy.log())
        deadline = time.time() + 5
        while not gateway.held("example.com") and time.time() < deadline:
            time.sleep(0.1)
        check(len(gateway.held("example.com")) == 1, f"the DSN is held for example.com: {gateway.held()}")
        check(gateway.sink.messages() == [], "nothing upstream")
        writer = Customer(gateway.odmr_port)
        writer.login()
        check(writer.atrn("example.com").startswith(b"250 "), "ATRN example.com")
        # The DSN itself refused: no DSN about a DSN (RFC 3461 6.2, RFC 5321 6.1).
        writer.serve(end=lambda received: "554 5.7.1 no thanks")
        writer.close()
        check(len(writer.received) == 1, f"the DSN reached the sender's customer: {writer.received}")
        dsn = writer.received[0]
        check(dsn["sender"].startswith("<>"), f"from the null sender: {dsn['sender']!r}")
        check(dsn["recipients"] == ["writer@example.com"], dsn["recipients"])
        check(b"Action: failed" in dsn["data"] and b"bad@example.org" in dsn["data"], dsn["data"])
        time.sleep(0.5)
        check(gateway.queue_files() == [], f"no bounce of the bounce is held: {gateway.queue_files()}")
        check(gateway.sink.messages() == [], "nor sent upstream")


if __name__ == "__main__":
    sys.exit(run_case(CASES, errors=(OSError, smtplib.SMTPException, ssl.SSLError)))
