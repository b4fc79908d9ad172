"""opes-proxy benchmark (issue 4, section 4), all processes on 127.0.0.1:

1. Throughput: Postfix's smtp-source -> opes-proxy (+ opes-callout running
   the pass-through service, which changes nothing) -> smtp-sink, against
   smtp-source -> smtp-sink directly, in the same run: 20 parallel sessions,
   4 KiB messages, 20,000 messages each. Prints msgs/s of both and the ratio
   (target: at least 0.8), and the CPU per message of each process (user +
   system, from /proc/PID/stat and the rusage of smtp-source): proxy plus
   callout against smtp-sink plus smtp-source of the direct run, the cost of
   one receive and one send, the floor for a proxy.
2. Memory: the proxy's resident set while one 50 MiB message passes through
   with a content-modifying service (disclaimer): peak (VmHWM) against idle
   (VmRSS after a warm-up message). Target: within a few MiB.

usage: proxy_bench.py --build BUILD_DIR [--messages N] [--sessions N] [--size BYTES]
"""

import argparse
import json
import os
import resource
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_listening(port, process, what, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"proxy_bench: {what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"proxy_bench: {what} does not listen on {port}")


def read_listening(process, what):
    line = process.stdout.readline().decode().strip()
    if " listening on 127.0.0.1:" not in line:
        sys.exit(f"proxy_bench: {what} said {line!r}")
    return int(line.rsplit(":", 1)[1])


class Processes:
    def __init__(self):
        self.running = []

    def start(self, argv, **kwargs):
        process = subprocess.Popen(argv, **kwargs)
        self.running.append(process)
        return process

    def stop_all(self):
        for process in reversed(self.running):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=35)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.running = []


def start_sink(processes, dump_folder=None):
    port = free_port()
    argv = ["smtp-sink"] + (["-u", "nobody"] if os.geteuid() == 0 else [])
    if dump_folder:
        os.makedirs(dump_folder, exist_ok=True)
        os.chmod(dump_folder, 0o777)  # smtp-sink writes as nobody
        argv += ["-d", os.path.join(dump_folder, "%H%M%S.")]
    argv += [f"127.0.0.1:{port}", "256"]
    sink = processes.start(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port, sink, "smtp-sink")
    return port


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU of a running process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (man 5 proc)


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_source(port, args):
    argv = ["smtp-source", "-s", str(args.sessions), "-l", str(args.size), "-m", str(args.messages),
            "-f", "sender@example.org", "-t", "recipient@example.net", "-M", "bench.example",
            f"127.0.0.1:{port}"]
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"proxy_bench: smtp-source failed ({done.returncode}): {done.stderr.strip()}")
    return args.messages / elapsed, elapsed


def callout_config(build, folder, service):
    plugins = {
        "pass-through": ("pass-through", os.path.join(build, "plugins", "pass-through.so"), {}),
        "disclaimer": ("disclaimer", os.path.join(build, "plugins", "disclaimer.so"),
                       {"footer": "--\nSent through the OPES-SMTP benchmark."}),
    }
    name, path, options = plugins[service]
    entry = {"name": name, "uri": f"urn:opes-smtp:bench:{name}", "plugin": name}
    if options:
        entry["options"] = options
    document = {
        "threads": 1,
        "listeners": [{"address": "127.0.0.1", "port": 0}],
        "plugins": [{"name": name, "path": os.path.realpath(path)}],
        "services": [entry],
        "profiles": {"receiver": [name]},
        "limits": {"max_message_size": 128 << 20, "max_buffered_part": 128 << 20},
    }
    config = os.path.join(folder, f"callout-{service}.json")
    with open(config, "w") as f:
        json.dump(document, f)
    return config, entry["uri"]


def proxy_config(folder, sink_port, callout_port, uri, threads):
    document = {
        "hostname": "gateway.bench",
        "threads": threads,
        "listeners": [{"address": "127.0.0.1", "port": 0}],
        "upstream": {"address": "127.0.0.1", "port": sink_port, "starttls": "off"},
        "work_directory": os.path.join(folder, "work"),
        "quarantine": os.path.join(folder, "quarantine"),
        "limits": {"max_message_size": 128 << 20, "max_sessions": 1000},
        "callout": {"servers": [{"address": "127.0.0.1", "port": callout_port}],
                    "connections_per_server": 2,
                    "service_groups": [{"name": "bench", "services": [{"uri": uri}]}]},
    }
    config = os.path.join(folder, "proxy.json")
    with open(config, "w") as f:
        json.dump(document, f)
    return config


def start_gateway(processes, build, folder, sink_port, service, threads):
    callout_json, uri = callout_config(build, folder, service)
    callout = processes.start([os.path.join(build, "bin", "opes-callout"), "--config", callout_json],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    callout_port = read_listening(callout, "opes-callout")
    proxy = processes.start([os.path.join(build, "bin", "opes-proxy"), "--config",
                             proxy_config(folder, sink_port, callout_port, uri, threads)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return proxy, read_listening(proxy, "opes-proxy")


def memory_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(field)


def big_message(size):
    line = ("0123456789" * 7 + "abcdefg") + "\r\n"  # 79 octets
    head = b"From: <sender@example.org>\r\nTo: <recipient@example.net>\r\nSubject: big\r\n\r\n"
    return head + (line * (size // len(line) + 1)).encode()[:size]


def measured_run(port, args, watched):
    """smtp-source into `port`; the CPU seconds each watched process and
    smtp-source (a reaped child: its rusage) spent on the run."""
    before = {name: cpu_seconds(pid) for name, pid in watched.items()}
    source_before = children_cpu_seconds()
    rate, elapsed = run_source(port, args)
    cpu = {name: cpu_seconds(pid) - before[name] for name, pid in watched.items()}
    cpu["smtp-source"] = children_cpu_seconds() - source_before
    return rate, elapsed, cpu


def throughput(args, folder):
    processes = Processes()
    try:
        sink_port = start_sink(processes)
        sink_pid = processes.running[-1].pid
        direct_rate, direct_time, direct_cpu = measured_run(sink_port, args, {"smtp-sink": sink_pid})
        proxy, proxy_port = start_gateway(processes, args.build, folder, sink_port, "pass-through",
                                          args.threads)
        callout_pid = processes.running[-2].pid
        proxy_rate, proxy_time, proxy_cpu = measured_run(
            proxy_port, args, {"smtp-sink": sink_pid, "opes-proxy": proxy.pid, "opes-callout": callout_pid})
    finally:
        processes.stop_all()
    per_message = lambda seconds: seconds / args.messages * 1e6  # noqa: E731
    floor = per_message(direct_cpu["smtp-sink"] + direct_cpu["smtp-source"])
    gateway = per_message(proxy_cpu["opes-proxy"] + proxy_cpu["opes-callout"])
    print(f"cpu per message, direct:  smtp-sink {per_message(direct_cpu['smtp-sink']):.0f} us + "
          f"smtp-source {per_message(direct_cpu['smtp-source']):.0f} us = {floor:.0f} us "
          f"(one receive plus one send: the floor for a proxy)")
    print(f"cpu per message, proxied: opes-proxy {per_message(proxy_cpu['opes-proxy']):.0f} us + "
          f"opes-callout {per_message(proxy_cpu['opes-callout']):.0f} us = {gateway:.0f} us "
          f"({gateway / floor:.2f} x the floor; smtp-sink {per_message(proxy_cpu['smtp-sink']):.0f} us, "
          f"smtp-source {per_message(proxy_cpu['smtp-source']):.0f} us)")
    print(f"direct  smtp-source -> smtp-sink:                     {direct_rate:8.0f} msgs/s "
          f"({args.messages} messages in {direct_time:.1f} s)")
    print(f"proxied smtp-source -> opes-proxy(+callout) -> sink:  {proxy_rate:8.0f} msgs/s "
          f"({args.messages} messages in {proxy_time:.1f} s)")
    ratio = proxy_rate / direct_rate
    print(f"ratio proxied/direct: {ratio:.2f} (target >= 0.80: {'met' if ratio >= 0.8 else 'NOT met'})")
    return ratio


def memory(args, folder):
    processes = Processes()
    try:
        os.chmod(folder, 0o755)
        dumps = os.path.join(folder, "sink")
        sink_port = start_sink(processes, dumps)
        proxy, proxy_port = start_gateway(processes, args.build, folder, sink_port, "disclaimer", 1)
        with smtplib.SMTP("127.0.0.1", proxy_port, timeout=600) as client:
            client.sendmail("sender@example.org", ["recipient@example.net"], big_message(4096))
            idle = memory_kib(proxy.pid, "VmRSS")
            message = big_message(args.big << 20)
            started = time.monotonic()
            client.sendmail("sender@example.org", ["recipient@example.net"], message)
            elapsed = time.monotonic() - started
        peak = memory_kib(proxy.pid, "VmHWM")
    finally:
        processes.stop_all()
    # The service did change it: the footer is at the end of what arrived.
    arrived = max((os.path.join(dumps, name) for name in os.listdir(dumps)), key=os.path.getsize)
    with open(arrived, "rb") as f:
        f.seek(-512, os.SEEK_END)
        changed = b"Sent through the OPES-SMTP benchmark." in f.read()
    size = os.path.getsize(arrived)
    # smtp-sink stores lines with LF only: 1 octet less per 79-octet line.
    if not changed or size < (args.big << 20) * 0.98:
        sys.exit(f"proxy_bench: the big message arrived unchanged or cut ({size} octets)")
    print(f"memory: one {args.big} MiB message through disclaimer (content changed) in {elapsed:.1f} s: "
          f"idle RSS {idle / 1024:.1f} MiB, peak RSS {peak / 1024:.1f} MiB, "
          f"growth {(peak - idle) / 1024:.1f} MiB; arrived with the footer ({size} octets)")
    return peak - idle


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=1,
                        help="opes-proxy threads (1 measured best on 2 CPUs shared by 4 processes)")
    parser.add_argument("--big", type=int, default=50, help="MiB of the memory test's message")
    parser.add_argument("--no-memory", action="store_true", help="the throughput part only")
    args = parser.parse_args()
    for tool in ("smtp-source", "smtp-sink"):
        if not shutil.which(tool):
            sys.exit(f"proxy_bench: {tool} not found (scripts/setup.sh installs postfix)")
    folder = tempfile.mkdtemp(prefix="opes-proxy-bench-")
    try:
        throughput(args, folder)
        if not args.no_memory:
            memory(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
