"""opes-proxy routing (issue 11 section 5): named destinations and routes
choosing one per recipient. Real peers: Postfix's smtp-sink as upstreams,
the spool, smtplib and swaks as clients, the real opes-callout.
One case per run: routing_test.py [paths] CASE."""

import glob
import json
import os
import smtplib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateway_harness import Gateway, Sink, check, run_case

CASES = {}

ANOTHER_DESTINATION = (b"4.5.3 <bob@remote.test>: Recipient for another destination, "
                       b"send it in a new transaction")


def case(function):
    CASES[function.__name__] = function
    return function


def message(subject):
    return (f"From: <sender@example.net>\r\nTo: <team@example.org>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@example.net>\r\n\r\nRouted.\r\n").encode()


def routes_to_spool_and_sink(spool):
    """example.org and every name below it into `spool`, the rest to the sink."""
    def customize(document, gateway):
        document.pop("upstream")
        document["destinations"] = {
            "mta": {"upstream": {"address": "127.0.0.1", "port": gateway.sink.port, "starttls": "off"}},
            "local": {"spool": spool},
        }
        document["routes"] = [{"domains": ["example.org", ".example.org"], "destination": "local"},
                              {"destination": "mta"}]
    return customize


def spooled(folder, expected, timeout=5):
    deadline = time.time() + timeout
    while True:
        files = sorted(glob.glob(os.path.join(folder, "new", "*")))
        if len(files) >= expected or time.time() > deadline:
            break
        time.sleep(0.05)
    texts = []
    for name in files:
        with open(name, "rb") as f:
            texts.append(f.read().decode("utf-8", "replace"))
    return texts


def rcpt_args(dump):
    return [line for line in dump.split("\n") if line.startswith("X-Rcpt-Args:")]


@case
def two_domains_in_one_transaction_give_452_for_the_second_destination_and_the_retry_delivers_it(paths):
    spool_holder = tempfile.TemporaryDirectory(prefix="opes-routing-spool-")
    spool = spool_holder.name
    with Gateway(paths, proxy_customize=routes_to_spool_and_sink(spool)) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            # Several destinations: MAIL is taken by the proxy, sent on at the first RCPT.
            check(client.mail("sender@example.net") == (250, b"2.1.0 Ok"), "MAIL")
            check(client.rcpt("alice@Example.ORG") == (250, b"2.1.5 Ok"), "first recipient")
            reply = client.rcpt("bob@remote.test")
            check(reply == (452, ANOTHER_DESTINATION), f"second destination: {reply}")
            check(client.rcpt("carol@sub.example.org") == (250, b"2.1.5 Ok"), "subdomain")
            code, text = client.data(message("first part"))
            check(code == 250 and text.startswith(b"2.0.0 Ok: queued as "), f"{code} {text}")
            # RFC 5321 §4.5.3.1.10: the client sends the 452 recipient again, alone.
            refused = client.sendmail("sender@example.net", ["bob@remote.test"], message("second part"))
            check(refused == {}, str(refused))
        [stored] = spooled(spool, 1)
        check("Envelope-To: <alice@Example.ORG>,\r\n <carol@sub.example.org>\r\n" in stored, stored)
        check("Subject: first part" in stored and "bob@" not in stored.split("\r\n\r\n")[0], stored)
        [dump] = gateway.sink.messages(1)
        check(rcpt_args(dump) == ["X-Rcpt-Args: <bob@remote.test>"], dump)
        check("Subject: second part" in dump, dump)
        time.sleep(0.3)
        check(len(spooled(spool, 1)) == 1 and len(gateway.sink.messages()) == 1, gateway.logs())


@case
def swaks_to_a_routed_domain_lands_in_the_spool_and_to_any_other_upstream(paths):
    spool_holder = tempfile.TemporaryDirectory(prefix="opes-routing-spool-")
    spool = spool_holder.name
    with Gateway(paths, proxy_customize=routes_to_spool_and_sink(spool)) as gateway:
        for recipient, subject in (("Alice@EXAMPLE.ORG", "to local"), ("x@example.org.remote.test", "to mta"),
                                   ("y@deep.lists.example.org", "to local too")):
            done = subprocess.run(["swaks", "--server", f"127.0.0.1:{gateway.port}", "--timeout", "20",
                                   "--from", "sender@example.net", "--to", recipient,
                                   "--header", f"Subject: {subject}"],
                                  capture_output=True, text=True, timeout=60)
            check(done.returncode == 0, done.stdout + done.stderr + gateway.logs())
        stored = spooled(spool, 2)
        check(len(stored) == 2, str(stored))
        check(sorted(s.split("\r\n")[1] for s in stored) ==
              ["Envelope-To: <Alice@EXAMPLE.ORG>", "Envelope-To: <y@deep.lists.example.org>"], str(stored))
        [dump] = gateway.sink.messages(1)
        check(rcpt_args(dump) == ["X-Rcpt-Args: <x@example.org.remote.test>"], dump)


@case
def an_idle_connection_to_one_upstream_is_never_reused_for_another(paths):
    gateway = Gateway(paths)
    second = Sink(os.path.join(gateway.folder.name, "second"))
    gateway.processes.append(second.process)

    def customize(document, gw):
        document.pop("upstream")
        document["destinations"] = {
            "first": {"upstream": {"address": "127.0.0.1", "port": gw.sink.port, "starttls": "off"}},
            "second": {"upstream": {"address": "127.0.0.1", "port": second.port, "starttls": "off"}},
        }
        document["routes"] = [{"domains": ["second.test"], "destination": "second"},
                              {"destination": "first"}]
    gateway.proxy_customize = customize
    with gateway:
        # One session after the other, within the cache's 5 s: each leaves
        # its connection idle for the next session to the same upstream.
        for recipient in ("a@first.test", "b@second.test", "c@first.test", "d@second.test"):
            with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
                refused = client.sendmail("sender@example.net", [recipient], message("to " + recipient))
                check(refused == {}, str(refused))
        # Sorted: a sink's files of one second need not be in mtime order.
        first = gateway.sink.messages(2)
        seconds = second.messages(2)
        check(sorted(rcpt_args(d) for d in first) ==
              [["X-Rcpt-Args: <a@first.test>"], ["X-Rcpt-Args: <c@first.test>"]], "\n".join(first) + gateway.logs())
        check(sorted(rcpt_args(d) for d in seconds) ==
              [["X-Rcpt-Args: <b@second.test>"], ["X-Rcpt-Args: <d@second.test>"]], "\n".join(seconds))


@case
def check_config_accepts_the_routing_example_from_its_folder_and_names_an_unknown_destination(paths):
    examples = os.path.join(paths.source_dir, "config", "examples")
    done = subprocess.run([paths.opes_proxy, "--check-config", "--config", "routing.json"], cwd=examples,
                          capture_output=True, text=True, timeout=30)
    check(done.returncode == 0, done.stdout + done.stderr)
    with open(os.path.join(examples, "routing.json")) as f:
        document = json.load(f)
    document["routes"][0]["destination"] = "locl"
    folder = tempfile.TemporaryDirectory(prefix="opes-routing-config-")
    path = os.path.join(folder.name, "bad.json")
    with open(path, "w") as f:
        json.dump(document, f)
    done = subprocess.run([paths.opes_proxy, "--check-config", "--config", path], capture_output=True,
                          text=True, timeout=30)
    check(done.returncode == 1, done.stdout + done.stderr)
    check("routes[0].destination: no destination is named 'locl' (configured: local, mta)" in done.stderr,
          done.stderr)



@case
def check_config_names_the_destination_whose_tls_ca_file_cannot_be_read(paths):
    examples = os.path.join(paths.source_dir, "config", "examples")
    with open(os.path.join(examples, "routing.json")) as f:
        document = json.load(f)
    folder = tempfile.TemporaryDirectory(prefix="opes-routing-config-")
    missing = os.path.join(folder.name, "no-such-ca.pem")
    document["destinations"]["mta"]["upstream"].update({"starttls": "verify", "tls": {"ca_file": missing}})
    document["destinations"]["local"]["spool"] = os.path.join(folder.name, "spool")
    path = os.path.join(folder.name, "tls.json")
    with open(path, "w") as f:
        json.dump(document, f)
    done = subprocess.run([paths.opes_proxy, "--check-config", "--config", path], capture_output=True,
                          text=True, timeout=30)
    check(done.returncode == 1, done.stdout + done.stderr)
    check(f": destinations.mta.upstream.tls: CA file {missing}: No such file or directory" in done.stderr,
          done.stderr)


if __name__ == "__main__":
    sys.exit(run_case(CASES, errors=(OSError, smtplib.SMTPException)))
