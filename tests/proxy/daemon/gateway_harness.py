"""Starts the real thing on 127.0.0.1 for the opes-proxy tests: Postfix's
smtp-sink as the upstream MTA, opes-callout with the shipped plugins, and
opes-proxy between a client and the sink. Every process is started on a
free port and killed by PID when the test ends; its stderr is kept for the
failure report."""

import argparse
import glob
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

START_TIMEOUT = 15

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
QUARANTINE_MARK = "PLEASE-QUARANTINE-THIS"
FILTER_URI = "urn:opes-smtp:service:content-filter"
STAMP_URI = "urn:opes-smtp:service:header-stamp"
MAP_URI = "urn:opes-smtp:service:recipient-map"
DISCLAIMER_URI = "urn:opes-smtp:service:disclaimer"
QUARANTINE_URI = "urn:opes-smtp:service:quarantine-filter"
FOOTER = "--\nSent through the OPES-SMTP test gateway."


class Failure(Exception):
    pass


SKIPPED = 77  # CTest's SKIP_RETURN_CODE for the cases that may skip


class Skip(Exception):
    """A case that cannot run on this machine (e.g. no ::1): exit 77."""


def check(condition, what):
    if not condition:
        raise Failure(what)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, what):
    deadline = time.time() + START_TIMEOUT
    while time.time() < deadline:
        if process.poll() is not None:
            raise Failure(f"{what} exited with {process.returncode} at start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise Failure(f"{what} did not listen on {port}")


class Process:
    """A child process whose stderr is collected; killed by PID at the end."""

    def __init__(self, argv, what):
        self.what = what
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = []
        self.stderr = []
        self._threads = [threading.Thread(target=self._collect, args=(self.process.stdout, self.lines), daemon=True),
                         threading.Thread(target=self._collect, args=(self.process.stderr, self.stderr), daemon=True)]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _collect(stream, into):
        for line in iter(stream.readline, b""):
            into.append(line.decode("utf-8", "replace").rstrip("\n"))

    def wait_line(self, pattern):
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            for line in list(self.lines):
                match = re.match(pattern, line)
                if match:
                    return match
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise Failure(f"{self.what} did not print {pattern!r}; stderr:\n" + "\n".join(self.stderr))

    def kill(self, sig=signal.SIGKILL):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self):
        return "\n".join(self.stderr)

    def logged(self, text, timeout=5):
        """Whether `text` appears on stderr within `timeout` (it is read by a thread)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.log():
                return True
            time.sleep(0.05)
        return False


class Sink:
    """smtp-sink storing each transaction in its own file (envelope in
    X-Mail-Args / X-Rcpt-Args lines, then the message)."""

    def __init__(self, folder, extra=(), port=None):
        self.folder = os.path.join(folder, "sink")
        os.makedirs(self.folder, exist_ok=True)
        os.chmod(self.folder, 0o777)  # smtp-sink writes as nobody
        self.port = port or free_port()
        argv = ["smtp-sink"]
        if os.geteuid() == 0:
            argv += ["-u", "nobody"]
        argv += ["-d", os.path.join(self.folder, "%H%M%S."), *extra, f"127.0.0.1:{self.port}", "100"]
        self.process = Process(argv, "smtp-sink")
        wait_for_port(self.port, self.process.process, "smtp-sink")

    def messages(self, expected=None, timeout=5):
        """The dumped transactions, oldest first; waits for `expected` of them."""
        deadline = time.time() + timeout
        while True:
            files = sorted(glob.glob(os.path.join(self.folder, "*")), key=os.path.getmtime)
            if expected is None or len(files) >= expected or time.time() > deadline:
                break
            time.sleep(0.05)
        texts = []
        for name in files:
            with open(name, "rb") as f:
                texts.append(f.read().decode("utf-8", "replace"))
        return texts


def callout_config(paths, port, extra=None):
    """`extra`: top-level keys that replace the defaults (log_level, say)."""
    with open(os.path.join(paths.folder, "recipients.map"), "w") as f:
        f.write("alias@example.org real.person@example.net\n")
    return {
        "threads": 1,
        "log_level": "warning",
        "listeners": [{"address": "127.0.0.1", "port": port}],
        "plugins": [
            {"name": "header-stamp", "path": paths.header_stamp},
            {"name": "content-filter", "path": paths.content_filter},
            {"name": "recipient-map", "path": paths.recipient_map},
            {"name": "disclaimer", "path": paths.disclaimer},
        ],
        "services": [
            {"name": "content-filter", "uri": FILTER_URI, "plugin": "content-filter",
             "service": "content-filter",
             "options": {"patterns": [GTUBE], "action": "reject",
                         "reply": "550 5.7.1 Message content rejected (test)"}},
            {"name": "quarantine-filter", "uri": QUARANTINE_URI, "plugin": "content-filter",
             "service": "content-filter",
             "options": {"patterns": [QUARANTINE_MARK], "action": "quarantine"}},
            {"name": "recipient-map", "uri": MAP_URI, "plugin": "recipient-map",
             "service": "recipient-map",
             "options": {"map_file": os.path.join(paths.folder, "recipients.map")}},
            {"name": "disclaimer", "uri": DISCLAIMER_URI, "plugin": "disclaimer",
             "service": "disclaimer", "options": {"footer": FOOTER}},
            {"name": "header-stamp", "uri": STAMP_URI, "plugin": "header-stamp",
             "service": "header-stamp", "options": {"name": "X-Scanned-By", "value": "OPES-SMTP test"}},
        ],
        "profiles": {"receiver": ["content-filter", "quarantine-filter", "recipient-map",
                                  "disclaimer", "header-stamp"], "sender": []},
        **(extra or {}),
    }


def proxy_config(paths, sink_port, callout_port, services=None, **extra):
    if services is None:
        services = [
            {"name": "content-filter", "uri": FILTER_URI, "bypassable": False},
            {"name": "quarantine-filter", "uri": QUARANTINE_URI},
            {"name": "recipient-map", "uri": MAP_URI},
            {"name": "header-stamp", "uri": STAMP_URI, "bypassable": True},
        ]
    document = {
        "hostname": "gateway.test",
        "log_level": "info",
        "listeners": [{"address": "127.0.0.1", "port": 0}],
        "upstream": {"address": "127.0.0.1", "port": sink_port, "starttls": "off"},
        "quarantine": os.path.join(paths.folder, "quarantine"),
        "work_directory": os.path.join(paths.folder, "work"),
        "relay": {"clients": ["127.0.0.0/8"], "domains": []},
        "callout": {
            "servers": [{"address": "127.0.0.1", "port": callout_port}],
            "timeouts": {"connect_seconds": 2, "answer_seconds": 5, "content_seconds": 10,
                         "probe_interval_seconds": 1},
            "service_groups": [{"name": "inbound", "services": services,
                                "on_failure": extra.pop("on_failure", "tempfail")}],
        },
        "tracing": {"agent_id": "http://gateway.test/opes", "opes_via": True},
    }
    # Keys merged into "callout" (and its "timeouts") instead of replacing it.
    for key, value in extra.pop("callout_settings", {}).items():
        if isinstance(value, dict):
            document["callout"].setdefault(key, {}).update(value)
        else:
            document["callout"][key] = value
    document.update(extra)
    return document


class Gateway:
    """smtp-sink, opes-callout and opes-proxy, wired together."""

    def __init__(self, paths, sink_args=(), proxy_services=None, spare_callout_port=None,
                 callout_log_level=None, callout_customize=None, upstream_options=None, callout_extra=None,
                 proxy_without=(), proxy_customize=None, **proxy_extra):
        """`spare_callout_port`: a second callout server, listed first, that
        nobody listens on until start_callout(port) is called for it.
        `callout_log_level`: opes-callout's log_level instead of warning.
        `callout_customize`: a function that may change the opes-callout
        configuration document (a dict) before it is written.
        `upstream_options`: keys merged into the `upstream` object that
        points at smtp-sink (e.g. {"starttls": "encrypt"}).
        `callout_extra`: top-level keys for every opes-callout configuration.
        `proxy_without`: top-level keys left out of the proxy's configuration
        (e.g. "upstream", to deliver into a `spool` given in proxy_extra).
        `proxy_customize`: a function called with the opes-proxy configuration
        document (a dict) and this Gateway (its sink started) before the
        document is written, e.g. to add destinations naming the sink's port."""
        self.paths = paths
        self.upstream_options = upstream_options
        self.callout_log_level = callout_log_level
        self.callout_customize = callout_customize
        self.callout_extra = callout_extra
        self.proxy_without = tuple(proxy_without)
        self.proxy_customize = proxy_customize
        self.spare_callout_port = spare_callout_port
        self.sink_args = sink_args
        self.proxy_services = proxy_services
        self.proxy_extra = proxy_extra
        self.folder = tempfile.TemporaryDirectory(prefix="opes-proxy-test-")
        os.chmod(self.folder.name, 0o755)  # smtp-sink, as nobody, writes below it
        paths.folder = self.folder.name
        self.processes = []

    def __enter__(self):
        try:
            self.sink = Sink(self.folder.name, self.sink_args)
            self.processes.append(self.sink.process)
            self.callout_port = free_port()
            self.start_callout()
            document = proxy_config(self.paths, self.sink.port, self.callout_port,
                                    self.proxy_services, **self.proxy_extra)
            if self.upstream_options:
                document["upstream"].update(self.upstream_options)
            for key in self.proxy_without:
                document.pop(key, None)
            if self.proxy_customize:
                self.proxy_customize(document, self)
            if self.spare_callout_port:
                document["callout"]["servers"].insert(
                    0, {"address": "127.0.0.1", "port": self.spare_callout_port})
            self.proxy_config_path = os.path.join(self.folder.name, "opes-proxy.json")
            with open(self.proxy_config_path, "w") as f:
                json.dump(document, f, indent=2)
            self.proxy = Process([self.paths.opes_proxy, "--config", self.proxy_config_path], "opes-proxy")
            self.processes.append(self.proxy)
            match = self.proxy.wait_line(r"^opes-proxy listening on 127\.0\.0\.1:(\d+)$")
            self.port = int(match.group(1))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def start_callout(self, port=None):
        """opes-callout on `port` (default: the main one); returns its Process."""
        port = port or self.callout_port
        path = os.path.join(self.folder.name, f"opes-callout-{port}.json")
        document = callout_config(self.paths, port, self.callout_extra)
        if self.callout_log_level:
            document["log_level"] = self.callout_log_level
        if self.callout_customize:
            self.callout_customize(document)
        with open(path, "w") as f:
            json.dump(document, f, indent=2)
        process = Process([self.paths.opes_callout, "--config", path], f"opes-callout {port}")
        self.processes.append(process)
        process.wait_line(r"^opes-callout listening on ")
        if port == self.callout_port:
            self.callout = process
        return process

    def __exit__(self, *exc):
        for process in reversed(self.processes):
            process.kill(signal.SIGTERM)
        self.folder.cleanup()
        return False

    def restart_proxy(self, sig=signal.SIGKILL):
        """opes-proxy stopped with `sig` (SIGKILL: a crash) and started again
        on the same configuration file (its queues and folders kept); the
        new Process, whose first listener's port is self.port."""
        self.proxy.kill(sig)
        self.proxy = Process([self.paths.opes_proxy, "--config", self.proxy_config_path], "opes-proxy (restarted)")
        self.processes.append(self.proxy)
        match = self.proxy.wait_line(r"^opes-proxy listening on 127\.0\.0\.1:(\d+)$")
        self.port = int(match.group(1))
        return self.proxy

    def restart_sink(self):
        """A new smtp-sink on the same port, as after an MTA restart."""
        self.sink.process.kill()
        self.sink = Sink(self.folder.name, self.sink_args, port=self.sink.port)
        self.processes.append(self.sink.process)

    def logs(self):
        return "\n".join(f"--- {p.what}\n{p.log()}" for p in self.processes)

    def quarantined(self):
        return sorted(glob.glob(os.path.join(self.folder.name, "quarantine", "new", "*")))


def run_case(cases, errors=()):
    """The main() of every test file here: reads the paths CTest passes and
    runs the one case named. `errors`: exceptions besides Failure that fail
    the case with their text (a broken connection, say)."""
    parser = argparse.ArgumentParser()
    for option in ("opes-proxy", "opes-callout", "header-stamp", "content-filter", "recipient-map",
                   "disclaimer"):
        parser.add_argument("--" + option, required=True)
    parser.add_argument("--source-dir")
    parser.add_argument("case", choices=sorted(cases))
    arguments = parser.parse_args()
    paths = argparse.Namespace(
        opes_proxy=arguments.opes_proxy, opes_callout=arguments.opes_callout,
        header_stamp=arguments.header_stamp, content_filter=arguments.content_filter,
        recipient_map=arguments.recipient_map, disclaimer=arguments.disclaimer,
        source_dir=arguments.source_dir, folder=None)
    try:
        cases[arguments.case](paths)
    except (Failure, *errors) as failure:
        print(f"FAILED {arguments.case}: {failure}", file=sys.stderr)
        return 1
    except Skip as skip:
        print(f"skipped {arguments.case}: {skip}")
        return SKIPPED
    print(f"passed {arguments.case}")
    return 0
