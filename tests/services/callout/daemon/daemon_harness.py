"""Runs opes-callout as a subprocess for the daemon tests, and talks OCP to it.

A Daemon writes its configuration to a temporary folder, starts the
executable, learns its port from the "opes-callout listening on ADDR:PORT"
line, collects stderr (the log) as it comes, and is always killed by PID
when the test ends. An OcpClient is one TCP connection to it.
"""

import json
import os
import queue
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time

import ocp_wire

LISTENING = re.compile(r"^opes-callout listening on (?P<address>.+):(?P<port>\d+)$")
RECEIVER = "http://iana.org/opes/ocp/SMTP/receiver"
START_TIMEOUT = 15
READ_TIMEOUT = 10


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


def run(executable, *args, timeout=30):
    """Runs opes-callout to completion: (exit status, stdout, stderr)."""
    done = subprocess.run([executable, *args], capture_output=True, timeout=timeout)
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def config(plugins, services, receiver=(), sender=(), log_level="info", **extra):
    """A configuration with one listener on a free port of 127.0.0.1."""
    document = {
        "threads": 2,
        "log_level": log_level,
        "listeners": [{"address": "127.0.0.1", "port": 0}],
        "plugins": [{"name": name, "path": path} for name, path in plugins],
        "services": services,
        "profiles": {"receiver": list(receiver), "sender": list(sender)},
    }
    document.update(extra)
    return document


def service(name, uri, plugin, inner=None, options=None, **extra):
    entry = {"name": name, "uri": uri, "plugin": plugin, "service": inner or name}
    if options is not None:
        entry["options"] = options
    entry.update(extra)
    return entry


class Daemon:
    """opes-callout serving `document` (a dict or JSON text)."""

    def __init__(self, executable, document, args=()):
        self.executable = executable
        self.folder = tempfile.TemporaryDirectory(prefix="opes-callout-test-")
        self.config_path = os.path.join(self.folder.name, "opes-callout.json")
        self.write_config(document)
        self.args = list(args)
        self.process = None
        self.lines = queue.Queue()
        self._stderr = []
        self._stderr_lock = threading.Lock()
        self.endpoints = []

    def __enter__(self):
        self.process = subprocess.Popen([self.executable, "--config", self.config_path, *self.args],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise Failure(f"no 'listening' line within {START_TIMEOUT} s; stderr:\n{self.stderr()}")
            if line is None:
                raise Failure(f"opes-callout exited with {self.process.wait()} before listening; "
                              f"stderr:\n{self.stderr()}")
            match = LISTENING.match(line)
            check(match, f"unexpected stdout line {line!r}")
            self.endpoints.append((match["address"], int(match["port"])))
            # Every listener is announced before anything else is done; one here.
            if len(self.endpoints) == 1:
                return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()  # by PID: this process only
        self.process.wait(timeout=10)
        self.folder.cleanup()
        return False

    @property
    def port(self):
        return self.endpoints[0][1]

    def write_config(self, document):
        text = document if isinstance(document, str) else json.dumps(document, indent=2)
        # Written aside and renamed, so a reload never reads half a file.
        temporary = self.config_path + ".new"
        with open(temporary, "w") as f:
            f.write(text)
        os.replace(temporary, self.config_path)

    def _read_stdout(self):
        for raw in self.process.stdout:
            self.lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self.lines.put(None)

    def _read_stderr(self):
        for raw in self.process.stderr:
            with self._stderr_lock:
                self._stderr.append(raw.decode("utf-8", "replace"))

    def stderr(self):
        with self._stderr_lock:
            return "".join(self._stderr)

    def wait_for_log(self, pattern, timeout=READ_TIMEOUT, after=0):
        """Waits until a log line at or after line index `after` matches; returns it."""
        expression = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.stderr().splitlines()[after:]:
                if expression.search(line):
                    return line
            time.sleep(0.02)
        raise Failure(f"no log line matching {pattern!r} within {timeout} s; stderr:\n{self.stderr()}")

    def log_line_count(self):
        return len(self.stderr().splitlines())

    def signal(self, number):
        self.process.send_signal(number)

    def wait_exit(self, timeout=15):
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"opes-callout still running {timeout} s later; stderr:\n{self.stderr()}")

    def connect(self):
        return OcpClient(self.port)


class OcpClient:
    """One OCP connection acting as the OPES processor."""

    def __init__(self, port):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT)
        self.received = b""
        self.closed = False

    def close(self):
        self.socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def send(self, octets):
        self.socket.sendall(octets)

    def _receive_some(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or self.closed:
            return False
        self.socket.settimeout(remaining)
        try:
            chunk = self.socket.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.closed = True
            return False
        self.received += chunk
        return True

    def read_exactly(self, size, timeout=READ_TIMEOUT):
        """The next `size` octets (fewer if the peer stopped sending)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < size and self._receive_some(deadline):
            pass
        octets, self.received = self.received[:size], self.received[size:]
        return octets

    def read_message(self, timeout=READ_TIMEOUT):
        """The next complete message, or None after `timeout` or at EOF."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                message, end = ocp_wire.parse_one(self.received)
                self.received = self.received[end:]
                return message
            except ocp_wire.NeedMore:
                pass
            if not self._receive_some(deadline):
                return None

    def read_until(self, predicate, timeout=READ_TIMEOUT):
        """Messages up to and including the first one for which predicate holds."""
        messages = []
        deadline = time.monotonic() + timeout
        while True:
            message = self.read_message(max(0.0, deadline - time.monotonic()))
            if message is None:
                raise Failure(f"no awaited message; got {[m.raw for m in messages]} "
                              f"(connection {'closed' if self.closed else 'open'})")
            messages.append(message)
            if predicate(message):
                return messages

    def wait_closed(self, timeout=READ_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not self.closed and self._receive_some(deadline):
            pass
        return self.closed

    # The processor's side of the SMTP profile.

    def start(self):
        """CS exchanged."""
        self.send(b"CS;\r\n")
        check(self.read_exactly(5) == b"CS;\r\n", "the server did not start with CS")

    def negotiate_receiver(self, adaptive=("MAIL", "RCPT", "RAWDATA"), informative=()):
        """A connection-scoped NO for the receiver profile; returns the NR."""
        self.send(offer(adaptive, informative))
        nr = self.read_message()
        check(nr is not None and nr.name == "NR", f"no NR: {nr!r}")
        check(nr.anonymous and isinstance(nr.anonymous[0], ocp_wire.Structure)
              and nr.anonymous[0].anonymous == [RECEIVER.encode()], f"receiver profile refused: {nr.raw!r}")
        return nr

    def create_service_group(self, sg, *uris):
        self.send(b"SGC " + str(sg).encode() + b" ({" + b",".join(ocp_wire.quoted(u) for u in uris)
                  + b"});\r\n")


def offer(adaptive, informative=(), sg=None):
    members = b""
    if adaptive:
        members += b"\r\nAdaptive-Parts: (" + b",".join(p.encode() for p in adaptive) + b")"
    if informative:
        members += b"\r\nInformative-Parts: (" + b",".join(p.encode() for p in informative) + b")"
    if members:
        members += b"\r\n"
    named = b"\r\nSG: " + str(sg).encode() + b"\r\n" if sg is not None else b""
    return b"NO ({" + ocp_wire.quoted(RECEIVER) + members + b"})" + named + b";\r\n"


def dum(xid, offset, part, payload, allow=("SMTP-Error", "Advice", "Add-Header")):
    return (f"DUM {xid} {offset}\r\nAM-Part: {part}\r\nAllow: ({','.join(allow)})\r\n\r\n"
            f"{len(payload)}:").encode() + payload + b"\r\n;\r\n"
