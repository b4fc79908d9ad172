"""A private Postfix instance on a free loopback port for the opes-proxy
tests (as /work/shared/docs/real-peers.md describes): its own main.cf and
master.cf in a temporary folder, nothing read from or written to
/etc/postfix, relaying everything to a given smtp-sink. Started with
`postfix -c DIR start`, stopped with `postfix -c DIR stop`; the master's
PID is waited for."""

import os
import shutil
import subprocess
import tempfile
import time

from gateway_harness import Failure, free_port, wait_for_port


def available():
    return shutil.which("postfix") is not None and os.path.exists("/etc/postfix/master.cf.proto")


class PostfixInstance:
    def __init__(self, relay_port, extra_main=()):
        self.folder = tempfile.mkdtemp(prefix="opes-pf-")
        os.chmod(self.folder, 0o755)
        self.port = free_port()
        self.relay_port = relay_port
        self.extra_main = list(extra_main)
        self.etc = os.path.join(self.folder, "etc")
        self.log_file = os.path.join(self.folder, "postfix.log")

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self):
        for sub in ("etc", "spool", "data"):
            os.makedirs(os.path.join(self.folder, sub))
        shutil.chown(os.path.join(self.folder, "data"), user="postfix")
        main = [
            "compatibility_level = 3.6",
            f"queue_directory = {self.folder}/spool",
            f"data_directory = {self.folder}/data",
            "mail_owner = postfix",
            "setgid_group = postdrop",
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "myhostname = postfix.test",
            "mydestination =",
            "mynetworks = 127.0.0.0/8",
            f"relayhost = [127.0.0.1]:{self.relay_port}",
            "smtp_tls_security_level = none",
            "smtpd_tls_security_level = none",
            f"maillog_file = {self.log_file}",
            f"maillog_file_prefixes = {self.folder}",
            "alias_maps =",
            "alias_database =",
            "local_recipient_maps =",
            *self.extra_main,
        ]
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write("\n".join(main) + "\n")
        with open("/etc/postfix/master.cf.proto") as f:
            proto = f.read().splitlines()
        master = []
        for line in proto:
            fields = line.split()
            if fields[:2] == ["smtp", "inet"]:
                line = f"127.0.0.1:{self.port} inet n - n - - smtpd"
            elif line and not line[0].isspace() and not line.startswith("#") and len(fields) >= 8:
                fields[4] = "n"  # no chroot: the instance has no chroot tree
                line = " ".join(fields)
            master.append(line)
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write("\n".join(master) + "\n")
        done = subprocess.run(["postfix", "-c", self.etc, "start"], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise Failure(f"postfix start: {done.returncode} {done.stdout}{done.stderr}\n{self.log()}")
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                wait_for_port(self.port, _Alive(), "postfix")
                return
            except Failure:
                time.sleep(0.1)
        raise Failure("postfix did not listen\n" + self.log())

    def __exit__(self, *exc):
        pid_file = os.path.join(self.folder, "spool", "pid", "master.pid")
        pid = None
        try:
            with open(pid_file) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            pass
        subprocess.run(["postfix", "-c", self.etc, "stop"], capture_output=True, timeout=60)
        deadline = time.time() + 15
        while pid and time.time() < deadline and _running(pid):
            time.sleep(0.1)
        shutil.rmtree(self.folder, ignore_errors=True)
        return False

    def log(self):
        try:
            with open(self.log_file) as f:
                return f.read()
        except OSError:
            return ""


class _Alive:
    """wait_for_port() wants a process; Postfix's master is not our child."""

    returncode = None

    def poll(self):
        return None


def _running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
