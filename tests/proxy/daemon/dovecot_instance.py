"""A throw-away Dovecot 2.3 (POP3 with STLS, and POP3S) on free loopback
ports for the POP3 HOST tests, as /work/shared/docs/real-peers.md section 3
describes: its own dovecot.conf in a temporary folder (nothing read from
/etc/dovecot, state_dir inside it), a self-signed certificate naming
localhost and IP:127.0.0.1, users test/test and alice/"alice secret",
mail in maildirs owned by nobody. Started in the foreground as a direct
child (`dovecot -F`) and stopped by its PID."""

import os
import pwd
import shutil
import subprocess
import tempfile
import time

from gateway_harness import Failure, free_port

CONFIG = """base_dir = {T}/dovecot/run
state_dir = {T}/dovecot/state
instance_name = test-dovecot-{POP3}
protocols = pop3
listen = 127.0.0.1
log_path = {T}/dovecot/dovecot.log
ssl = yes
ssl_cert = <{T}/dovecot/tls.pem
ssl_key = <{T}/dovecot/tls.key
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {T}/dovecot/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={T}/mail/%n
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {POP3}
  }}
  inet_listener pop3s {{
    address = 127.0.0.1
    port = {POP3S}
  }}
}}
service anvil {{
  chroot =
}}
"""


def available():
    return shutil.which("dovecot") is not None and os.path.exists("/usr/lib/dovecot/pop3")


class DovecotInstance:
    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="opes-dc-")
        os.chmod(self.folder, 0o755)  # dovenull (login) and nobody (mail) must get in
        self.pop3_port = free_port()
        self.pop3s_port = free_port()
        self.cert = os.path.join(self.folder, "dovecot", "tls.pem")
        self.process = None

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self):
        if not available():
            raise Failure("dovecot-pop3d is not installed (scripts/setup.sh installs it)")
        T = self.folder
        for sub in ("dovecot/run", "dovecot/state", "mail"):
            os.makedirs(os.path.join(T, sub), exist_ok=True)
        nobody = pwd.getpwnam("nobody")
        os.chown(os.path.join(T, "mail"), nobody.pw_uid, nobody.pw_gid)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", os.path.join(T, "dovecot", "tls.key"), "-out", self.cert],
                       check=True, capture_output=True)
        with open(os.path.join(T, "dovecot", "users"), "w") as f:
            f.write("test:{PLAIN}test\nalice:{PLAIN}alice secret\n")
        self.config = os.path.join(T, "dovecot", "dovecot.conf")
        with open(self.config, "w") as f:
            f.write(CONFIG.format(T=T, POP3=self.pop3_port, POP3S=self.pop3s_port))
        subprocess.run(["doveconf", "-c", self.config, "-n"], check=True, capture_output=True)
        self.process = subprocess.Popen(["dovecot", "-F", "-c", self.config],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise Failure(f"dovecot exited with {self.process.returncode}: {self.log()}")
            listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
            if f"127.0.0.1:{self.pop3_port} " in listening and f"127.0.0.1:{self.pop3s_port} " in listening:
                return
            time.sleep(0.02)
        raise Failure("dovecot did not listen")

    def deliver(self, user, name, message):
        """Puts `message` (bytes, CRLF lines as POP3 sends them) in the
        user's maildir (Dovecot stores LF; RETR gives CRLF back)."""
        nobody = pwd.getpwnam("nobody")
        home = os.path.join(self.folder, "mail", user)
        for part in ("", "Maildir", "Maildir/new", "Maildir/cur", "Maildir/tmp"):
            path = os.path.join(home, part)
            os.makedirs(path, exist_ok=True)
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        path = os.path.join(home, "Maildir", "new", name)
        with open(path, "wb") as f:
            f.write(message.replace(b"\r\n", b"\n"))
        os.chown(path, nobody.pw_uid, nobody.pw_gid)

    def log(self):
        try:
            with open(os.path.join(self.folder, "dovecot", "dovecot.log")) as f:
                return f.read()
        except OSError:
            return ""

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
        return False
