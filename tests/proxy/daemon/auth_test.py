"""SMTP AUTH (RFC 4954) and implicit TLS (RFC 8314) on opes-proxy's
listeners, end to end: swaks and smtplib as clients over a STARTTLS and an
implicit-TLS listener, wrong passwords against the bad-command budget, PLAIN
refused without TLS, relaying for authenticated clients only, the identity in
AM-OPT towards the callout server and ESMTPSA in Received."""

import base64
import hmac
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateway_harness import Gateway, check, free_port, run_case  # noqa: E402

CASES = {}

ALICE, ALICE_PASSWORD = "alice@example.test", "wonderland"
TIM, TIM_PASSWORD = "tim", "tanstaaftanstaaf"  # RFC 2195's example user
# `doveadm pw -s CRAM-MD5 -p wonderland`, used when doveadm is not installed.
ALICE_CRAM_MD5 = "721a2df79bd8bf7cff39c4914f8c49b8979ad5122813c64e75f91b8a6a09b88a"


def case(function):
    CASES[function.__name__] = function
    return function


def message(subject):
    return (f"From: <{ALICE}>\r\nTo: <user@elsewhere.test>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@example.test>\r\n\r\nHello.\r\n").encode()


def alice_secret():
    """alice's {CRAM-MD5} secret, made by Dovecot's doveadm when present."""
    if shutil.which("doveadm"):
        done = subprocess.run(["doveadm", "pw", "-s", "CRAM-MD5", "-p", ALICE_PASSWORD],
                              capture_output=True, text=True, timeout=30)
        if done.returncode == 0 and done.stdout.startswith("{CRAM-MD5}"):
            return done.stdout.strip()
    return "{CRAM-MD5}" + ALICE_CRAM_MD5


class Submission:
    """A Gateway with a STARTTLS listener and an implicit-TLS one, both with
    AUTH, relaying for nobody but to example.test unless authenticated."""

    def __init__(self, paths, required=False, mechanisms=("PLAIN", "LOGIN", "CRAM-MD5"),
                 **gateway_extra):
        self.work = tempfile.TemporaryDirectory(prefix="opes-proxy-auth-")
        self.cert = os.path.join(self.work.name, "cert.pem")
        self.key = os.path.join(self.work.name, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=gateway.test", "-addext", "subjectAltName=DNS:gateway.test",
                        "-keyout", self.key, "-out", self.cert], check=True, capture_output=True)
        users = os.path.join(self.work.name, "users")
        with open(users, "w") as f:
            f.write(f"# test users\n{ALICE}:{alice_secret()}\n{TIM}:{{PLAIN}}{TIM_PASSWORD}\n")
        self.starttls_port = free_port()
        self.implicit_port = free_port()
        auth = {"mechanisms": list(mechanisms), "credentials": users, "required": required}
        self.gateway = Gateway(
            paths,
            listeners=[
                {"address": "127.0.0.1", "port": self.starttls_port, "tls": "starttls", "auth": auth},
                {"address": "127.0.0.1", "port": self.implicit_port, "tls": "implicit", "auth": auth},
            ],
            tls={"certificate": self.cert, "private_key": self.key},
            relay={"clients": [], "domains": ["example.test"]},
            **gateway_extra)

    def __enter__(self):
        self.gateway.__enter__()
        return self

    def __exit__(self, *exc):
        self.gateway.__exit__(*exc)
        self.work.cleanup()
        return False

    def context(self):
        context = ssl.create_default_context(cafile=self.cert)
        return context


def swaks(port, *args):
    done = subprocess.run(["swaks", "--server", f"127.0.0.1:{port}", "--timeout", "20",
                           "--from", ALICE, "--to", "user@elsewhere.test", *args],
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


class Dialogue:
    """A raw SMTP client: byte-exact lines, one reply at a time."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.file = self.sock.makefile("rb")
        self.greeting = self.reply()

    def reply(self):
        lines = []
        while True:
            line = self.file.readline().decode()
            if not line:
                return lines
            lines.append(line.rstrip("\r\n"))
            if len(line) < 4 or line[3] != "-":
                return lines

    def say(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def close(self):
        self.file.close()
        self.sock.close()


def plain_response(user, password):
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()


@case
def swaks_authenticates_with_cram_md5_and_plain_over_starttls_and_implicit_tls(paths):
    with Submission(paths) as s:
        status, output = swaks(s.starttls_port, "--auth", "CRAM-MD5", "--auth-user", ALICE,
                               "--auth-password", ALICE_PASSWORD, "--header", "Subject: cram")
        check(status == 0, "swaks --auth CRAM-MD5:\n" + output)
        check("235 2.7.0 Authentication successful" in output, "no 235:\n" + output)
        status, output = swaks(s.starttls_port, "--tls", "--auth", "PLAIN", "--auth-user", TIM,
                               "--auth-password", TIM_PASSWORD, "--header", "Subject: plain")
        check(status == 0, "swaks --tls --auth PLAIN:\n" + output)
        status, output = swaks(s.implicit_port, "--tlsc", "--auth", "CRAM-MD5", "--auth-user", TIM,
                               "--auth-password", TIM_PASSWORD, "--header", "Subject: implicit")
        check(status == 0, "swaks --tlsc --auth CRAM-MD5:\n" + output)
        check("AUTH PLAIN LOGIN CRAM-MD5" in output and "STARTTLS" not in output,
              "the implicit-TLS listener's EHLO:\n" + output)
        dumps = s.gateway.sink.messages(3)
        check(len(dumps) == 3, f"{len(dumps)} messages upstream")
        by_subject = {next(l for l in d.split("\n") if l.startswith("Subject:")): d for d in dumps}
        check("with ESMTPA id" in by_subject["Subject: cram"], by_subject["Subject: cram"])
        check("with ESMTPSA id" in by_subject["Subject: plain"], by_subject["Subject: plain"])
        check("with ESMTPSA id" in by_subject["Subject: implicit"], by_subject["Subject: implicit"])
        check(s.gateway.proxy.logged(f"smtp.auth peer=127.0.0.1"), s.gateway.logs())


@case
def smtplib_login_works_after_starttls_and_over_smtp_ssl(paths):
    with Submission(paths, required=True) as s:
        with smtplib.SMTP("127.0.0.1", s.starttls_port, local_hostname="client.test", timeout=20) as client:
            client.ehlo()
            check(client.esmtp_features.get("auth", "").strip() == "CRAM-MD5",
                  f"AUTH before TLS: {client.esmtp_features.get('auth')!r}")
            client._host = "gateway.test"
            client.starttls(context=s.context())
            client.ehlo()
            check(client.esmtp_features.get("auth", "").strip() == "PLAIN LOGIN CRAM-MD5",
                  f"AUTH after TLS: {client.esmtp_features.get('auth')!r}")
            code, text = client.mail(ALICE)
            check((code, text) == (530, b"5.7.0 Authentication required"), f"MAIL before AUTH: {code} {text}")
            client.rset()
            client.login(ALICE, ALICE_PASSWORD)
            client.sendmail(ALICE, ["user@elsewhere.test"], message("starttls login"))
            code, text = client.docmd("AUTH", "PLAIN " + plain_response(ALICE, ALICE_PASSWORD))
            check(code == 503, f"a second AUTH: {code} {text}")
        with smtplib.SMTP_SSL(local_hostname="client.test", timeout=20, context=s.context()) as client:
            client._host = "gateway.test"  # the name the certificate carries, verified
            client.connect("127.0.0.1", s.implicit_port)
            client.ehlo()
            check(not client.has_extn("starttls"), "STARTTLS offered on the implicit-TLS listener")
            check(client.esmtp_features.get("auth", "").strip() == "PLAIN LOGIN CRAM-MD5", client.esmtp_features)
            # smtplib's LOGIN: the user name and password as two 334 answers.
            client.user, client.password = TIM, TIM_PASSWORD
            code, text = client.auth("LOGIN", client.auth_login, initial_response_ok=False)
            check(code == 235, f"AUTH LOGIN: {code} {text}")
            client.sendmail("tim@example.test", ["user@elsewhere.test"], message("implicit login"))
        dumps = s.gateway.sink.messages(2)
        check(len(dumps) == 2 and all("with ESMTPSA id" in d for d in dumps), "\n".join(dumps))


@case
def wrong_passwords_get_535_and_the_bad_command_budget_ends_the_session(paths):
    with Submission(paths) as s:
        context = s.context()
        raw = socket.create_connection(("127.0.0.1", s.implicit_port), timeout=20)
        tls = context.wrap_socket(raw, server_hostname="gateway.test")
        f = tls.makefile("rb")

        def reply():
            lines = []
            while True:
                line = f.readline().decode()
                if not line:
                    return lines
                lines.append(line.rstrip("\r\n"))
                if line[3:4] != "-":
                    return lines

        check(reply()[0].startswith("220 "), "no greeting over implicit TLS")
        tls.sendall(b"EHLO client.test\r\n")
        check("250-AUTH PLAIN LOGIN CRAM-MD5" in reply(), "AUTH not offered")
        answers = []
        for _ in range(20):
            tls.sendall(b"AUTH PLAIN " + plain_response(ALICE, "guess").encode() + b"\r\n")
            answers.append(reply())
        check(answers[0] == ["535 5.7.8 Authentication credentials invalid"], answers[0])
        check(all(a[0] == "535 5.7.8 Authentication credentials invalid" for a in answers), answers)
        check(reply() == ["421 4.7.0 gateway.test Error: too many errors"], "no 421 after 20 failures")
        check(reply() == [], "the connection stayed open")
        tls.close()
        check(s.gateway.proxy.logged(f"smtp.auth_failed peer=127.0.0.1"), s.gateway.logs())
        log = s.gateway.proxy.log()
        check(f"user={ALICE}" in log and "wrong password" in log,
              "the failure does not name the user and cause:\n" + log)
        check("guess" not in log, "the password was logged:\n" + log)


@case
def plain_without_tls_gets_538_and_an_unknown_mechanism_504(paths):
    with Submission(paths) as s:
        d = Dialogue(s.starttls_port)
        ehlo = d.say("EHLO client.test")
        check("250-AUTH CRAM-MD5" in ehlo and "250-STARTTLS" in ehlo, ehlo)
        check(d.say("AUTH PLAIN " + plain_response(ALICE, ALICE_PASSWORD)) ==
              ["538 5.7.11 Encryption required for requested authentication mechanism"], "PLAIN without TLS")
        check(d.say("AUTH LOGIN") ==
              ["538 5.7.11 Encryption required for requested authentication mechanism"], "LOGIN without TLS")
        check(d.say("AUTH DIGEST-MD5") == ["504 5.5.4 Unrecognized authentication type"], "DIGEST-MD5")
        check(d.say("AUTH") == ["501 5.5.4 Syntax: AUTH mechanism [initial-response]"], "AUTH alone")
        check(d.say("AUTH CRAM-MD5 dGlt") == ["501 5.5.2 Invalid authentication response"],
              "CRAM-MD5 with an initial response")
        # CRAM-MD5 without TLS, cancelled with "*" (RFC 4954 §4).
        challenge = d.say("AUTH CRAM-MD5")
        check(len(challenge) == 1 and challenge[0].startswith("334 "), challenge)
        decoded = base64.b64decode(challenge[0][4:]).decode()
        check(decoded.startswith("<") and decoded.endswith("@gateway.test>"), decoded)
        check(d.say("*") == ["501 5.0.0 Authentication cancelled"], "cancel")
        check(d.say("QUIT")[0].startswith("221"), "QUIT")
        d.close()


@case
def an_authenticated_client_relays_where_an_unauthenticated_one_cannot(paths):
    with Submission(paths) as s:
        d = Dialogue(s.starttls_port)
        d.say("EHLO client.test")
        check(d.say(f"MAIL FROM:<{ALICE}>")[0].startswith("250"), "MAIL")
        check(d.say("RCPT TO:<user@elsewhere.test>") ==
              ["554 5.7.1 <user@elsewhere.test>: Relay access denied"], "unauthenticated relay")
        check(d.say("RCPT TO:<someone@example.test>")[0].startswith("250"), "local domain")
        check(d.say("RSET")[0].startswith("250"), "RSET")
        challenge = d.say("AUTH CRAM-MD5")[0]
        nonce = base64.b64decode(challenge[4:])
        digest = hmac.new(TIM_PASSWORD.encode(), nonce, "md5").hexdigest()
        check(d.say(base64.b64encode(f"{TIM} {digest}".encode()).decode()) ==
              ["235 2.7.0 Authentication successful"], "CRAM-MD5 by hand")
        check(d.say(f"MAIL FROM:<{ALICE}>")[0].startswith("250"), "MAIL")
        check(d.say("RCPT TO:<user@elsewhere.test>")[0].startswith("250"), "authenticated relay")
        d.say("QUIT")
        d.close()


class Recorder:
    """A TCP relay between opes-proxy and opes-callout that keeps what the
    proxy sends: the OCP stream with AM-OPT."""

    def __init__(self):
        self.port = free_port()
        self.target = None
        self.sent = bytearray()
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client):
        deadline = time.time() + 15
        while self.target is None and time.time() < deadline:
            time.sleep(0.02)
        upstream = socket.create_connection(("127.0.0.1", self.target), timeout=30)

        def pump(source, sink, record):
            try:
                while True:
                    data = source.recv(65536)
                    if not data:
                        break
                    if record:
                        with self.lock:
                            self.sent += data
                    sink.sendall(data)
            except OSError:
                pass
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        threading.Thread(target=pump, args=(upstream, client, False), daemon=True).start()
        pump(client, upstream, True)

    def close(self):
        self.server.close()


@case
def the_callout_server_gets_the_identity_in_am_opt_and_received_says_esmtpsa(paths):
    recorder = Recorder()
    try:
        with Submission(paths, callout_settings={"servers": [{"address": "127.0.0.1",
                                                               "port": recorder.port}]}) as s:
            recorder.target = s.gateway.callout_port
            status, output = swaks(s.implicit_port, "--tlsc", "--auth", "PLAIN", "--auth-user", ALICE,
                                   "--auth-password", ALICE_PASSWORD)
            check(status == 0, "swaks:\n" + output)
            [dump] = s.gateway.sink.messages(1)
            check("with ESMTPSA id" in dump, dump)
            # listeners[].auth.identity_in_received (on by default).
            check(f"(Authenticated sender: {ALICE})" in dump, dump)
            check("X-Scanned-By: OPES-SMTP test" in dump, "not adapted:\n" + dump)
            # smtp §3.4.3 AM-OPT, the OPES_META_AUTH key; a name with "@" goes
            # as a quoted string with its length (RFC 4037 §3.2).
            with recorder.lock:
                sent = bytes(recorder.sent)
            check(f'{{auth "{len(ALICE)}:{ALICE}"}}'.encode() in sent,
                  "no auth in AM-OPT:\n" + sent.decode("utf-8", "replace")[-3000:])
    finally:
        recorder.close()


@case
def the_submission_example_passes_check_config_from_any_directory(paths):
    example = os.path.join(paths.source_dir, "config", "examples", "submission.json")
    done = subprocess.run([paths.opes_proxy, "--check-config", "--config", example],
                          capture_output=True, text=True, timeout=30, cwd="/")
    check(done.returncode == 0, f"--check-config: {done.returncode}\n{done.stdout}{done.stderr}")
    broken = tempfile.TemporaryDirectory(prefix="opes-proxy-auth-example-")
    # The same example with a broken user line is refused, naming file and line.
    for name in ("submission.json", "submission-cert.pem", "submission-key.pem"):
        shutil.copy(os.path.join(os.path.dirname(example), name), broken.name)
    with open(os.path.join(broken.name, "submission-users"), "w") as f:
        f.write("alice@example.test:{CRAM-MD5}short\n")
    done = subprocess.run([paths.opes_proxy, "--check-config", "--config",
                           os.path.join(broken.name, "submission.json")],
                          capture_output=True, text=True, timeout=30, cwd="/")
    check(done.returncode != 0, "a broken credentials file passed")
    check("listeners[0].auth.credentials: " in done.stderr + done.stdout and
          "submission-users: line 1: a {CRAM-MD5} secret is 64 hex digits" in done.stderr + done.stdout,
          done.stdout + done.stderr)
    broken.cleanup()


if __name__ == "__main__":
    sys.exit(run_case(CASES, errors=(OSError, smtplib.SMTPException, ssl.SSLError)))
