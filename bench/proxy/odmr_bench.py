"""ODMR benchmark (issue 13, section 4), all processes on 127.0.0.1:

1. Durable enqueue: Postfix's smtp-source (20 sessions, 4 KiB) -> opes-proxy
   (+ opes-callout running the pass-through service) -> the hold queue, every
   recipient in a customer domain. A 250 means the message and its record
   are fsync'd and renamed (group commit). Prints msgs/s and the CPU per
   message of opes-proxy and opes-callout (/proc/PID/stat), beside
   smtp-source -> smtp-sink directly in the same run (the floor: one receive
   plus one send, nothing stored). Target: at least 1,000 msgs/s.
2. Release: fetchmail in ODMR mode (RFC 2645, the real customer) asks with
   ATRN and relays the reversed session to a local smtp-sink; msgs/s from
   fetchmail's start to its exit, and the proxy's CPU per message. Each
   message leaves the queue only after the sink's 250. fetchmail relays
   without TCP_NODELAY, which costs one delayed ACK (about 40 ms) per
   message; so the same release is measured a second time through a
   minimal customer written here (CRAM-MD5, ATRN, then a byte pipe with
   TCP_NODELAY on both sides), which shows the gateway's own rate.

usage: odmr_bench.py --build BUILD_DIR [--messages N] [--sessions N] [--size BYTES] [--queue DIR]
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_bench import (Processes, callout_config, children_cpu_seconds, cpu_seconds, read_listening,  # noqa: E402
                         start_sink)

DOMAIN = "customer.example"


def run_source(port, args, recipient):
    argv = ["smtp-source", "-s", str(args.sessions), "-l", str(args.size), "-m", str(args.messages),
            "-f", "sender@example.net", "-t", recipient, "-M", "bench.example", f"127.0.0.1:{port}"]
    before = children_cpu_seconds()
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"odmr_bench: smtp-source failed ({done.returncode}): {done.stderr.strip()}")
    return args.messages / elapsed, elapsed, children_cpu_seconds() - before


def proxy_config(folder, queue, sink_port, callout_port, uri):
    with open(os.path.join(folder, "customers"), "w") as f:
        f.write(f"cust:{{PLAIN}}secret:{DOMAIN}\n")
    document = {
        "hostname": "provider.bench",
        "threads": 1,
        "log_level": "warning",
        "listeners": [{"address": "127.0.0.1", "port": 0}, {"address": "127.0.0.1", "port": 0, "protocol": "odmr"}],
        "upstream": {"address": "127.0.0.1", "port": sink_port, "starttls": "off"},
        "odmr": {"customers": "customers", "queue": queue, "atrn_interval_seconds": 0},
        "work_directory": os.path.join(folder, "work"),
        "quarantine": os.path.join(folder, "quarantine"),
        "limits": {"max_sessions": 1000},
        "callout": {"servers": [{"address": "127.0.0.1", "port": callout_port}],
                    "service_groups": [{"name": "bench", "services": [{"uri": uri}]}]},
    }
    path = os.path.join(folder, "proxy.json")
    with open(path, "w") as f:
        json.dump(document, f)
    return path


def held_entries(queue):
    return len(glob.glob(os.path.join(queue, "held", DOMAIN, "*.rec")))


def release(folder, odmr_port, sink_port):
    rc = os.path.join(folder, "fetchmailrc")
    with open(rc, "w") as f:
        f.write(f'poll 127.0.0.1 port {odmr_port} protocol ODMR timeout 300\n'
                f'    user "cust" password "secret"\n'
                f'    smtphost 127.0.0.1/{sink_port}\n'
                f'    fetchdomains {DOMAIN}\n')
    os.chmod(rc, 0o600)
    environment = dict(os.environ, FETCHMAILHOME=folder)
    started = time.monotonic()
    done = subprocess.run(["fetchmail", "-f", rc, "--pidfile", os.path.join(folder, "fetchmail.pid")],
                          env=environment, capture_output=True, text=True, timeout=3600)
    return time.monotonic() - started, done


def relay_release(odmr_port, sink_port, queue, expected):
    """The customer side of ODMR in a few lines: AUTH CRAM-MD5, ATRN, then
    a pipe to smtp-sink, as fetchmail does, but with TCP_NODELAY. Returns
    the seconds from ATRN until the queue is empty."""
    import base64
    import hashlib
    import hmac
    import socket
    import threading
    provider = socket.create_connection(("127.0.0.1", odmr_port), timeout=600)
    provider.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = provider.makefile("rb", buffering=0)

    def reply():
        while True:
            line = reader.readline()
            if line[3:4] != b"-":
                return line

    reply()
    provider.sendall(b"EHLO customer.bench\r\n")
    reply()
    provider.sendall(b"AUTH CRAM-MD5\r\n")
    challenge = base64.b64decode(reply()[4:].strip())
    digest = hmac.new(b"secret", challenge, hashlib.md5).hexdigest()
    provider.sendall(base64.b64encode(b"cust " + digest.encode()) + b"\r\n")
    reply()
    started = time.monotonic()
    provider.sendall(f"ATRN {DOMAIN}\r\n".encode())
    if not reply().startswith(b"250 "):
        sys.exit("odmr_bench: ATRN refused")
    local = socket.create_connection(("127.0.0.1", sink_port), timeout=600)
    local.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def pump(source, target):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        try:
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    threads = [threading.Thread(target=pump, args=(local, provider), daemon=True),
               threading.Thread(target=pump, args=(provider, local), daemon=True)]
    for thread in threads:
        thread.start()
    while held_entries(queue) > 0 and time.monotonic() - started < 3600:
        time.sleep(0.01)
    elapsed = time.monotonic() - started
    for thread in threads:
        thread.join(timeout=30)
    provider.close()
    local.close()
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--queue", help="the hold queue's folder (default: in a temporary folder)")
    args = parser.parse_args()
    for tool in ("smtp-source", "smtp-sink", "fetchmail"):
        if not shutil.which(tool):
            sys.exit(f"odmr_bench: {tool} not found (scripts/setup.sh installs postfix and fetchmail)")
    folder = tempfile.mkdtemp(prefix="opes-odmr-bench-")
    os.chmod(folder, 0o755)
    queue = args.queue or os.path.join(folder, "hold")
    processes = Processes()
    per_message = lambda seconds: seconds / args.messages * 1e6  # noqa: E731
    try:
        sink_port = start_sink(processes)
        sink_pid = processes.running[-1].pid
        direct_sink = cpu_seconds(sink_pid)
        direct_rate, direct_time, direct_source = run_source(sink_port, args, "user@example.net")
        direct_sink = cpu_seconds(sink_pid) - direct_sink

        callout_json, uri = callout_config(args.build, folder, "pass-through")
        callout = processes.start([os.path.join(args.build, "bin", "opes-callout"), "--config", callout_json],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        callout_port = read_listening(callout, "opes-callout")
        proxy = processes.start([os.path.join(args.build, "bin", "opes-proxy"), "--config",
                                 proxy_config(folder, queue, sink_port, callout_port, uri)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        smtp_port = read_listening(proxy, "opes-proxy")
        odmr_port = read_listening(proxy, "opes-proxy (odmr)")

        before = {"opes-proxy": cpu_seconds(proxy.pid), "opes-callout": cpu_seconds(callout.pid)}
        rate, elapsed, source_cpu = run_source(smtp_port, args, f"user@{DOMAIN}")
        cpu = {name: cpu_seconds(pid) - before[name]
               for name, pid in (("opes-proxy", proxy.pid), ("opes-callout", callout.pid))}
        held = held_entries(queue)
        if held != args.messages:
            sys.exit(f"odmr_bench: {held} entries held, expected {args.messages}")
        print(f"direct  smtp-source -> smtp-sink (nothing stored): {direct_rate:8.0f} msgs/s; cpu per message "
              f"smtp-sink {per_message(direct_sink):.0f} us + smtp-source {per_message(direct_source):.0f} us")
        print(f"enqueue smtp-source -> opes-proxy -> hold queue:   {rate:8.0f} msgs/s "
              f"({args.messages} messages in {elapsed:.1f} s); cpu per message opes-proxy "
              f"{per_message(cpu['opes-proxy']):.0f} us + opes-callout {per_message(cpu['opes-callout']):.0f} us, "
              f"smtp-source {per_message(source_cpu):.0f} us")
        print(f"enqueue target >= 1000 msgs/s: {'met' if rate >= 1000 else 'NOT met'}")

        proxy_before = cpu_seconds(proxy.pid)
        sink_before = cpu_seconds(sink_pid)
        released, done = release(folder, odmr_port, sink_port)
        proxy_cpu = cpu_seconds(proxy.pid) - proxy_before
        sink_cpu = cpu_seconds(sink_pid) - sink_before
        left = held_entries(queue)
        if done.returncode != 0 or left != 0:
            sys.exit(f"odmr_bench: fetchmail exit {done.returncode}, {left} entries left\n{done.stderr}")
        print(f"release ATRN -> fetchmail -> smtp-sink:            {args.messages / released:8.0f} msgs/s "
              f"({args.messages} messages in {released:.1f} s); cpu per message opes-proxy "
              f"{per_message(proxy_cpu):.0f} us, smtp-sink {per_message(sink_cpu):.0f} us "
              f"(fetchmail relays every octet between them)")

        rate, elapsed, source_cpu = run_source(smtp_port, args, f"user@{DOMAIN}")
        proxy_before = cpu_seconds(proxy.pid)
        sink_before = cpu_seconds(sink_pid)
        released = relay_release(odmr_port, sink_port, queue, args.messages)
        proxy_cpu = cpu_seconds(proxy.pid) - proxy_before
        sink_cpu = cpu_seconds(sink_pid) - sink_before
        if held_entries(queue) != 0:
            sys.exit(f"odmr_bench: {held_entries(queue)} entries left after the relay")
        print(f"release ATRN -> TCP_NODELAY pipe -> smtp-sink:     {args.messages / released:8.0f} msgs/s "
              f"({args.messages} messages in {released:.1f} s); cpu per message opes-proxy "
              f"{per_message(proxy_cpu):.0f} us, smtp-sink {per_message(sink_cpu):.0f} us")
    finally:
        processes.stop_all()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
