"""opes-proxy end to end, with real peers: Postfix's smtp-sink upstream,
opes-callout with the shipped plugins beside it, swaks and Python's smtplib
as clients. One case per run: opes_proxy_test.py [paths] CASE."""

import json
import os
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateway_harness import (FILTER_URI, FOOTER, GTUBE, QUARANTINE_MARK, STAMP_URI,
                             Gateway, Process, callout_config, check, free_port, run_case, wait_for_port)

CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


def message(subject, body="Hello.\r\n", extra_headers=""):
    return (f"From: Sender <sender@example.org>\r\nTo: <user@example.net>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@example.org>\r\n{extra_headers}\r\n{body}").encode()


def header_lines(text):
    """The header lines of a sink dump (the envelope lines come first)."""
    return text.split("\n\n", 1)[0].split("\n")


def swaks(port, *args):
    done = subprocess.run(["swaks", "--server", f"127.0.0.1:{port}", "--timeout", "20", *args],
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


# ---- adaptation -------------------------------------------------------------

@case
def swaks_message_arrives_upstream_stamped_and_traced(paths):
    with Gateway(paths) as gateway:
        status, output = swaks(gateway.port, "--from", "sender@example.org", "--to", "user@example.net",
                               "--header", "Subject: stamped", "--body", "Hello through the gateway.")
        check(status == 0, "swaks failed:\n" + output + gateway.logs())
        [dump] = gateway.sink.messages(1)
        lines = header_lines(dump)
        check("X-Scanned-By: OPES-SMTP test" in lines, "no stamp:\n" + dump)
        check("X-Rcpt-Args: <user@example.net>" in lines, dump)
        received = [i for i, l in enumerate(lines) if l.startswith("Received: from")]
        system = [i for i, l in enumerate(lines) if l.startswith("OPES-System:")]
        check(len(system) == 1 and lines[system[0]].startswith("OPES-System: http://gateway.test/opes?session="),
              dump)
        # Ours first (after smtp-sink's own Received), then the trace.
        check(len(received) == 2 and received[1] < system[0], dump)
        check("Hello through the gateway." in dump, dump)


@case
def a_recipient_is_rewritten_by_recipient_map(paths):
    with Gateway(paths) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            refused = client.sendmail("sender@example.org", ["alias@example.org", "other@example.net"],
                                      message("mapped"))
            check(refused == {}, str(refused))
        [dump] = gateway.sink.messages(1)
        lines = header_lines(dump)
        check("X-Rcpt-Args: <real.person@example.net>" in lines, dump)
        check("X-Rcpt-Args: <other@example.net>" in lines, dump)
        check("X-Rcpt-Args: <alias@example.org>" not in lines, dump)


@case
def gtube_is_rejected_with_the_plugin_reply_after_the_final_dot(paths):
    with Gateway(paths) as gateway:
        client = smtplib.SMTP("127.0.0.1", gateway.port, timeout=20)
        client.ehlo("client.test")
        check(client.mail("sender@example.org")[0] == 250, "MAIL")
        check(client.rcpt("user@example.net")[0] == 250, "RCPT")
        code, text = client.data(message("spam", GTUBE + "\r\n"))
        check((code, text) == (550, b"5.7.1 Message content rejected (test)"), f"{code} {text}")
        # The session goes on: the next message passes.
        refused = client.sendmail("sender@example.org", ["user@example.net"], message("clean"))
        check(refused == {}, str(refused))
        client.quit()
        dumps = gateway.sink.messages(1)
        check(len(dumps) == 1 and "Subject: clean" in dumps[0], "\n====\n".join(dumps))


@case
def a_disclaimer_is_added_to_the_text_part_of_a_multipart_message(paths):
    services = [{"name": "disclaimer", "uri": "urn:opes-smtp:service:disclaimer"}]
    body = ("--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThe text part.\r\n"
            "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            "AAECAwQF\r\n--b1--\r\n")
    headers = 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n'
    with Gateway(paths, proxy_services=services) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.sendmail("sender@example.org", ["user@example.net"], message("multipart", body, headers))
        [dump] = gateway.sink.messages(1)
        text_part = dump.split("--b1\n", 2)[1]
        check("The text part." in text_part, dump)
        check("Sent through the OPES-SMTP test gateway." in text_part, "no footer in the text part:\n" + dump)
        check("AAECAwQF" in dump.split("--b1\n", 2)[2], dump)
        check(dump.rstrip().endswith("--b1--"), dump)


@case
def trace_headers_go_before_existing_opes_lines_which_stay_unchanged(paths):
    existing = ("OPES-System: http://upstream-system.example/opes\r\n"
                "OPES-Via: http://upstream-system.example/opes,\r\n urn:example:virus-scan\r\n")
    with Gateway(paths) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.sendmail("sender@example.org", ["user@example.net"], message("traced", extra_headers=existing))
        [dump] = gateway.sink.messages(1)
        lines = header_lines(dump)
        ours = [i for i, l in enumerate(lines) if l.startswith("OPES-System: http://gateway.test/opes")]
        via = [i for i, l in enumerate(lines) if l.startswith("OPES-Via: http://gateway.test/opes")]
        theirs = lines.index("OPES-System: http://upstream-system.example/opes")
        check(len(ours) == 1 and len(via) == 1, dump)
        check(ours[0] < via[0] < theirs, "order:\n" + dump)
        check(lines[theirs + 1:theirs + 3] == ["OPES-Via: http://upstream-system.example/opes,",
                                               " urn:example:virus-scan"], dump)
        # The message's own fields keep their order after the trace block.
        check(lines.index("Subject: traced") < theirs, dump)
        via_text = "\n".join(lines[via[0]:theirs])
        check(FILTER_URI in via_text and STAMP_URI in via_text, via_text)


@case
def opestrace_sends_the_sender_a_notification_with_the_headers_and_no_body(paths):
    with Gateway(paths) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            check(b"OPES" in client.ehlo_resp.split(b"\n")[-1] or client.has_extn("opes"), "no OPES keyword")
            client.sendmail("sender@example.org", ["user@example.net"],
                            message("trace me", "The secret body.\r\n"), mail_options=["OPESTRACE"])
        dumps = gateway.sink.messages(2)
        check(len(dumps) == 2, "\n====\n".join(dumps) + gateway.logs())
        [note] = [d for d in dumps if "X-Mail-Args: <>" in d]
        lines = header_lines(note)
        check("X-Rcpt-Args: <sender@example.org>" in lines, note)
        check("Subject: OPES trace: trace me" in lines, note)
        check("Auto-Submitted: auto-generated" in lines, note)
        check("Content-Type: text/rfc822-headers" in note, note)
        check("X-Scanned-By: OPES-SMTP test" in note and "OPES-System: http://gateway.test/opes" in note, note)
        check("The secret body." not in note, "the body leaked:\n" + note)


@case
def opesbypass_skips_a_bypassable_service_but_never_a_protected_one(paths):
    with Gateway(paths) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.sendmail("sender@example.org", ["user@example.net"], message("bypassed"),
                            mail_options=["OPESBYPASS=*"])
            client.ehlo("client.test")
            client.mail("sender@example.org", ["OPESBYPASS=*"])
            client.rcpt("user@example.net")
            code, text = client.data(message("still filtered", GTUBE + "\r\n"))
            check(code == 550, f"the protected filter was bypassed: {code} {text}")
        [dump] = gateway.sink.messages(1)
        check("X-Scanned-By" not in dump, "header-stamp ran:\n" + dump)
        via = dump[dump.index("OPES-Via:"):]
        check(FILTER_URI in via and STAMP_URI not in via.split("\n\n")[0], dump)


@case
def opesbypass_is_refused_when_the_policy_forbids_bypass(paths):
    with Gateway(paths, allow_bypass=False) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.sendmail("sender@example.org", ["user@example.net"], message("not bypassed"),
                            mail_options=["OPESBYPASS=header-stamp"])
        [dump] = gateway.sink.messages(1)
        check("X-Scanned-By: OPES-SMTP test" in dump, "bypass was honoured:\n" + dump)


@case
def a_quarantine_advice_keeps_the_message_aside_and_delivers_nothing(paths):
    with Gateway(paths) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            client.mail("sender@example.org")
            client.rcpt("user@example.net")
            code, text = client.data(message("quarantine", QUARANTINE_MARK + "\r\n"))
            check(code == 250 and b"quarantined" in text, f"{code} {text}")
        check(gateway.sink.messages(0, timeout=0) == [], "delivered upstream")
        [stored] = gateway.quarantined()
        with open(stored) as f:
            text = f.read()
        check(QUARANTINE_MARK in text and "Envelope-To: <user@example.net>" in text, text)


@case
def recipients_outside_the_relay_policy_are_refused(paths):
    relay = {"clients": [], "domains": ["example.net"]}
    with Gateway(paths, relay=relay) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            client.mail("sender@example.org")
            code, text = client.rcpt("victim@elsewhere.example")
            check(code == 554 and b"Relay access denied" in text, f"{code} {text}")
            check(client.rcpt("user@EXAMPLE.NET")[0] == 250, "local domain refused")


# ---- TLS ------------------------------------------------------------------

def make_certificate(folder):
    key = os.path.join(folder, "key.pem")
    cert = os.path.join(folder, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=gateway.test", "-addext", "subjectAltName=DNS:gateway.test",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


@case
def starttls_with_a_test_certificate_carries_the_message(paths):
    cert_folder = tempfile.TemporaryDirectory(prefix="opes-proxy-tls-")
    cert, key = make_certificate(cert_folder.name)
    with Gateway(paths, tls={"certificate": cert, "private_key": key}) as gateway:
        context = ssl.create_default_context(cafile=cert)
        with smtplib.SMTP("127.0.0.1", gateway.port, local_hostname="client.test", timeout=20) as client:
            client.ehlo()
            check(client.has_extn("starttls"), "STARTTLS not offered")
            client._host = "gateway.test"  # the name the certificate carries
            client.starttls(context=context)
            client.ehlo()
            check(not client.has_extn("starttls"), "STARTTLS offered again after TLS")
            client.sendmail("sender@example.org", ["user@example.net"], message("over tls"))
        [dump] = gateway.sink.messages(1)
        check("with ESMTPS id" in dump, "Received does not say ESMTPS:\n" + dump)
        status, output = swaks(gateway.port, "--tls", "--tls-verify", "--tls-ca-path", cert,
                               "--tls-sni", "gateway.test", "--from", "sender@example.org",
                               "--to", "user@example.net")
        check(status == 0, "swaks --tls:\n" + output)
    cert_folder.cleanup()


@case
def starttls_to_the_upstream_is_required_and_its_certificate_verified(paths):
    # The upstream is a second opes-proxy offering STARTTLS with a test
    # certificate and spooling what it gets.
    work = tempfile.TemporaryDirectory(prefix="opes-proxy-upstream-")
    cert, key = make_certificate(work.name)
    paths.folder = work.name
    callout_port = free_port()
    callout_path = os.path.join(work.name, "callout.json")
    with open(callout_path, "w") as f:
        json.dump(callout_config(paths, callout_port), f)
    processes = [Process([paths.opes_callout, "--config", callout_path], "upstream opes-callout")]
    try:
        processes[0].wait_line(r"^opes-callout listening on ")
        upstream_config = {
            "hostname": "gateway.test",
            "listeners": [{"address": "127.0.0.1", "port": 0}],
            "tls": {"certificate": cert, "private_key": key},
            "spool": os.path.join(work.name, "spool"),
            "callout": {"servers": [{"address": "127.0.0.1", "port": callout_port}],
                        "service_groups": [{"name": "b", "services": [{"uri": STAMP_URI}]}]},
        }
        upstream_path = os.path.join(work.name, "upstream.json")
        with open(upstream_path, "w") as f:
            json.dump(upstream_config, f)
        processes.append(Process([paths.opes_proxy, "--config", upstream_path], "upstream opes-proxy"))
        upstream_port = int(processes[1].wait_line(r"^opes-proxy listening on 127\.0\.0\.1:(\d+)$").group(1))

        verified = {"address": "127.0.0.1", "port": upstream_port, "starttls": "required",
                    "tls": {"ca_file": cert, "server_name": "gateway.test"}}
        with Gateway(paths, upstream=verified) as gateway:
            with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
                refused = client.sendmail("sender@example.org", ["user@example.net"], message("tls upstream"))
                check(refused == {}, str(refused))
        spooled = os.listdir(os.path.join(work.name, "spool", "new"))
        check(len(spooled) == 1, f"{spooled}\n" + processes[1].log())
        with open(os.path.join(work.name, "spool", "new", spooled[0])) as f:
            text = f.read()
        check("by gateway.test (opes-proxy) with ESMTPS" in text, "not over TLS:\n" + text)

        # A name the certificate does not carry: no delivery, a 4xx, logged.
        wrong_name = dict(verified, tls={"ca_file": cert, "server_name": "other.test"})
        with Gateway(paths, upstream=wrong_name) as gateway:
            with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
                client.ehlo("client.test")
                code, text = client.mail("sender@example.org")
                check(code == 451 and text.startswith(b"4.4.1"), f"{code} {text}")
            check(gateway.proxy.logged("name mismatch"), gateway.proxy.log())
    finally:
        for process in processes:
            process.kill(signal.SIGTERM)
        work.cleanup()


# ---- failures ---------------------------------------------------------------

@case
def killing_the_callout_server_mid_message_gives_4xx_and_no_message_upstream(paths):
    with Gateway(paths) as gateway:
        raw = socket.create_connection(("127.0.0.1", gateway.port), timeout=20)
        reader = raw.makefile("rb")

        def reply():
            lines = []
            while True:
                line = reader.readline().decode()
                lines.append(line)
                if line[3:4] != "-":
                    return "".join(lines)

        check(reply().startswith("220"), "greeting")
        raw.sendall(b"EHLO client.test\r\n")
        reply()
        raw.sendall(b"MAIL FROM:<sender@example.org>\r\n")
        check(reply().startswith("250"), "MAIL")
        raw.sendall(b"RCPT TO:<user@example.net>\r\n")
        check(reply().startswith("250"), "RCPT")
        raw.sendall(b"DATA\r\n")
        check(reply().startswith("354"), "DATA")
        raw.sendall(b"Subject: interrupted\r\n\r\n" + b"x" * 70 + b"\r\n" * 1)
        raw.sendall((("y" * 76 + "\r\n") * 2000).encode())
        time.sleep(0.3)
        gateway.callout.kill(signal.SIGKILL)
        raw.sendall(b"the end\r\n.\r\n")
        final = reply()
        check(final.startswith("451 4.7.0"), "after the kill: " + final + gateway.logs())
        check(gateway.sink.messages(0, timeout=0) == [], "a message went upstream")

        # The callout server comes back; the client retries once; one copy arrives.
        gateway.start_callout()
        deadline = time.time() + 10
        while True:
            raw.sendall(b"MAIL FROM:<sender@example.org>\r\n")
            answer = reply()
            if answer.startswith("250") or time.time() > deadline:
                break
            time.sleep(0.5)
        check(answer.startswith("250"), "no recovery: " + answer + gateway.logs())
        raw.sendall(b"RCPT TO:<user@example.net>\r\n")
        check(reply().startswith("250"), "RCPT after recovery")
        raw.sendall(b"DATA\r\n")
        reply()
        raw.sendall(b"Subject: retried\r\n\r\nbody\r\n.\r\nQUIT\r\n")
        check(reply().startswith("250"), "retry")
        reply()
        raw.close()
        dumps = gateway.sink.messages(1)
        check(len(dumps) == 1 and "Subject: retried" in dumps[0], "\n====\n".join(dumps))


@case
def a_down_callout_server_is_skipped_and_a_recovered_one_takes_over(paths):
    spare_port = free_port()
    with Gateway(paths, spare_callout_port=spare_port) as gateway:
        # The first server listed is down: the second adapts the message.
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.sendmail("sender@example.org", ["user@example.net"], message("via second"))
        check(gateway.proxy.logged("callout.unreachable"), gateway.proxy.log())
        # The first comes up, the second goes down: after the first's backoff
        # (1 s) the first adapts the next message.
        gateway.start_callout(spare_port)
        gateway.callout.kill(signal.SIGKILL)
        time.sleep(1.5)
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            refused = client.sendmail("sender@example.org", ["user@example.net"], message("via first"))
            check(refused == {}, str(refused) + gateway.logs())
        dumps = gateway.sink.messages(2)
        check(len(dumps) == 2, "\n====\n".join(dumps) + gateway.logs())
        for dump in dumps:
            check("X-Scanned-By: OPES-SMTP test" in dump, "not adapted:\n" + dump)


@case
def without_a_callout_server_the_pass_policy_relays_the_message_unadapted(paths):
    with Gateway(paths, on_failure="pass") as gateway:
        gateway.callout.kill(signal.SIGKILL)
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            refused = client.sendmail("sender@example.org", ["user@example.net"], message("unadapted"))
            check(refused == {}, str(refused))
        [dump] = gateway.sink.messages(1)
        check("X-Scanned-By" not in dump and "Subject: unadapted" in dump, dump)
        check(gateway.proxy.logged("policy=pass"), gateway.proxy.log())


@case
def without_a_callout_server_the_tempfail_policy_answers_451_at_mail(paths):
    with Gateway(paths) as gateway:
        gateway.callout.kill(signal.SIGKILL)
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            code, text = client.mail("sender@example.org")
            check((code, text) == (451, b"4.7.0 Content adaptation unavailable, try again later"),
                  f"{code} {text}")
        check(gateway.proxy.logged("policy=tempfail"), gateway.proxy.log())


@case
def the_upstream_refusing_a_recipient_gives_its_reply_to_the_client(paths):
    with Gateway(paths, sink_args=("-f", "RCPT")) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            client.mail("sender@example.org")
            code, text = client.rcpt("user@example.net")
            check((code, text) == (500, b"5.3.0 Error: command failed"), f"{code} {text}")


@case
def the_upstream_refusing_the_message_gives_its_reply_to_the_client(paths):
    with Gateway(paths, sink_args=("-r", ".")) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            client.mail("sender@example.org")
            client.rcpt("user@example.net")
            code, text = client.data(message("refused upstream"))
            check(code == 450 and text.startswith(b"4.3.0"), f"{code} {text}")


@case
def a_cached_upstream_connection_that_went_away_is_replaced_and_the_message_arrives(paths):
    with Gateway(paths) as gateway:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.sendmail("sender@example.org", ["user@example.net"], message("first"))
        # The proxy keeps its idle upstream connection for the next client;
        # the MTA restarts meanwhile, so that connection is dead.
        gateway.restart_sink()
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            refused = client.sendmail("sender@example.org", ["user@example.net"], message("second"))
            check(refused == {}, str(refused))
        dumps = gateway.sink.messages(2)
        check(len(dumps) == 2 and "Subject: second" in dumps[-1], "\n====\n".join(dumps) + gateway.logs())


# ---- the daemon ---------------------------------------------------------------

@case
def check_config_accepts_the_built_in_default_and_the_shipped_file(paths):
    for args in ([], ["--config", os.path.join(paths.source_dir, "config", "opes-proxy.json")]):
        done = subprocess.run([paths.opes_proxy, "--check-config", *args], capture_output=True, text=True,
                              timeout=30)
        check(done.returncode == 0, f"{args}: {done.stdout}{done.stderr}")


@case
def a_bad_config_exits_1_naming_the_key(paths):
    folder = tempfile.TemporaryDirectory(prefix="opes-proxy-config-")
    path = os.path.join(folder.name, "bad.json")
    with open(path, "w") as f:
        f.write('{"listeners": [{"port": 25}], "spool": "s", "callout": {"servers": [{"address": "127.0.0.1"}],'
                ' "service_groups": [{"name": "g", "services": [{"uri": "urn:x"}], "on_failure": "maybe"}]}}')
    done = subprocess.run([paths.opes_proxy, "--check-config", "--config", path], capture_output=True,
                          text=True, timeout=30)
    check(done.returncode == 1, done.stderr)
    check("callout.service_groups[0].on_failure" in done.stderr and "tempfail or pass" in done.stderr,
          done.stderr)


@case
def check_config_finds_an_unreadable_certificate_and_an_untraceable_service_uri(paths):
    folder = tempfile.TemporaryDirectory(prefix="opes-proxy-config-")
    base = {"listeners": [{"port": 0}], "spool": os.path.join(folder.name, "spool"),
            "callout": {"servers": [{"address": "127.0.0.1"}],
                        "service_groups": [{"name": "g", "services": [{"uri": "urn:example:ok"}]}]}}
    cases = [
        (dict(base, tls={"certificate": os.path.join(folder.name, "missing.pem"),
                         "private_key": os.path.join(folder.name, "missing.key")}), "tls:"),
        (dict(base, callout=dict(base["callout"], service_groups=[
            {"name": "g", "services": [{"uri": "not a uri, really"}]}])), "cannot be traced"),
    ]
    for document, expected in cases:
        path = os.path.join(folder.name, "config.json")
        with open(path, "w") as f:
            json.dump(document, f)
        done = subprocess.run([paths.opes_proxy, "--check-config", "--config", path], capture_output=True,
                              text=True, timeout=30)
        check(done.returncode == 1 and expected in done.stderr, f"{expected}: {done.returncode} {done.stderr}")


if __name__ == "__main__":
    sys.exit(run_case(CASES))
