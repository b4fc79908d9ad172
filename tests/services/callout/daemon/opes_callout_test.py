#!/usr/bin/env python3
"""Behaviour of the opes-callout daemon, run as CTest tests over real sockets.

Usage: opes_callout_test.py --opes-callout EXE --source-dir DIR --version V
           --header-stamp SO --content-filter SO --throwing SO --wrong-abi SO
           --figures SO [CASE...]

Runs the named cases (all when none are named);
tests/services/callout/daemon/CMakeLists.txt registers each as its own CTest test. Every case starts its own daemon on a
free port of 127.0.0.1 and kills it by PID when done. Standard library only.
"""

import argparse
import json
import os
import signal
import socket
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from daemon_harness import Daemon, Failure, check, config, offer, run, service  # noqa: E402

ARGS = None
HEADER_STAMP_URI = "urn:opes-smtp:service:header-stamp"
NR_FEATURE = b'NR {"38:http://iana.org/opes/ocp/SMTP/receiver"\r\n'


def header_stamp_config(value="OPES-SMTP gateway", **extra):
    return config([("header-stamp", ARGS.header_stamp)],
                  [service("header-stamp", HEADER_STAMP_URI, "header-stamp",
                           options={"name": "X-Scanned-By", "value": value}, **extra)],
                  receiver=["header-stamp"])


def shipped_config_with_built_plugins():
    """config/opes-callout.json with its plugin paths pointing at this build."""
    with open(os.path.join(ARGS.source_dir, "config", "opes-callout.json")) as f:
        document = json.load(f)
    built = {"header-stamp": ARGS.header_stamp, "content-filter": ARGS.content_filter}
    for plugin in document["plugins"]:
        plugin["path"] = built[plugin["name"]]
    return document


def write_temporary(folder, document):
    path = os.path.join(folder, "opes-callout.json")
    with open(path, "w") as f:
        f.write(json.dumps(document))
    return path


# --- command line ------------------------------------------------------------

def help_prints_usage_and_exits_0():
    status, out, err = run(ARGS.opes_callout, "--help")
    check(status == 0, f"--help exited {status}: {err}")
    check(out.startswith("usage: opes-callout"), f"usage expected, got {out!r}")
    for option in ("--config", "--listen", "--check-config", "--version"):
        check(option in out, f"--help does not mention {option}")


def version_prints_the_project_version():
    status, out, err = run(ARGS.opes_callout, "--version")
    check(status == 0, f"--version exited {status}: {err}")
    check(out == f"opes-callout {ARGS.version}\n", f"got {out!r}")


def bad_arguments_exit_2_with_a_message():
    for args in (["--bogus"], ["--config"], ["--listen"], ["--listen", "localhost"],
                 ["--listen", "127.0.0.1:70000"], ["--listen", "::1:5"], ["extra"]):
        status, out, err = run(ARGS.opes_callout, *args)
        check(status == 2, f"{args}: exit {status}, expected 2")
        check(err.startswith("opes-callout: ") and "--help" in err, f"{args}: message {err!r}")
        check(out == "", f"{args}: nothing expected on stdout, got {out!r}")


def check_config_accepts_the_shipped_config():
    with tempfile.TemporaryDirectory() as folder:
        path = write_temporary(folder, shipped_config_with_built_plugins())
        status, out, err = run(ARGS.opes_callout, "--check-config", "--config", path)
        check(status == 0, f"exit {status}: {err}")
        check("OK, 2 services" in out, f"stdout {out!r}")


def check_config_accepts_the_built_in_default():
    # Its plugins are this build's, not yet installed ones.
    plugin_dir = os.path.dirname(ARGS.header_stamp)
    status, out, err = run(ARGS.opes_callout, "--check-config", "--plugin-dir", plugin_dir)
    check(status == 0, f"exit {status}: {err}")
    check("built-in default: OK, 2 services" in out, f"stdout {out!r}")


def check_config_names_the_path_of_an_unknown_key():
    document = header_stamp_config()
    document["listeners"] = [{"address": "127.0.0.1", "prot": 11344, "port": 0}]
    with tempfile.TemporaryDirectory() as folder:
        path = write_temporary(folder, document)
        status, out, err = run(ARGS.opes_callout, "--check-config", "--config", path)
        check(status == 1, f"exit {status}, expected 1")
        check(f"opes-callout: config {path}: listeners[0].prot: unknown key" in err, f"stderr {err!r}")
        # Starting refuses it the same way, before binding anything.
        status, out, err = run(ARGS.opes_callout, "--config", path)
        check(status == 1 and "listeners[0].prot: unknown key" in err, f"start: {status} {err!r}")
        check(out == "", f"nothing may be announced: {out!r}")


def a_missing_config_file_exits_1_naming_it():
    status, _, err = run(ARGS.opes_callout, "--config", "/nonexistent/opes-callout.json")
    check(status == 1, f"exit {status}")
    check("/nonexistent/opes-callout.json: cannot be read" in err, f"stderr {err!r}")


def listen_replaces_the_configured_listeners():
    document = header_stamp_config()
    document["listeners"] = [{"address": "127.0.0.1", "port": 0}, {"address": "127.0.0.1", "port": 0}]
    with Daemon(ARGS.opes_callout, document, ["--listen", "127.0.0.1:0"]) as daemon:
        with daemon.connect() as client:
            client.start()
        daemon.signal(signal.SIGTERM)
        check(daemon.wait_exit() == 0, f"stderr:\n{daemon.stderr()}")
        rest = []
        while (line := daemon.lines.get(timeout=5)) is not None:
            rest.append(line)
        check(rest == [], f"one listener only, but stdout also had {rest}")


def listen_accepts_an_ipv6_address_in_brackets():
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        print("skipped: no IPv6 loopback here")
        return
    status, _, err = run(ARGS.opes_callout, "--check-config", "--listen", "[::1]:0",
                         "--plugin-dir", os.path.dirname(ARGS.header_stamp))
    check(status == 0, f"--listen [::1]:0 refused: {err}")
    daemon = Daemon(ARGS.opes_callout, header_stamp_config(), ["--listen", "[::1]:0"])
    with daemon:
        check(daemon.endpoints[0][0] == "[::1]", f"announced {daemon.endpoints}")


def a_port_in_use_exits_1_naming_the_address():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, out, err = run(ARGS.opes_callout, "--listen", f"127.0.0.1:{port}",
                               "--plugin-dir", os.path.dirname(ARGS.header_stamp), timeout=15)
        check(status == 1, f"exit {status}, expected 1; stderr {err!r}")
        check(f"127.0.0.1:{port}" in err, f"the address is not named: {err!r}")
        check(out == "", f"nothing may be announced: {out!r}")


# --- the draft's negotiation figures over a real socket ------------------------

FIGURES = {
    # figure: (service, EHLO keywords, NO as the digest has it, our NR)
    "4": ("figure-4", [],
          b'NO ({"38:http://iana.org/opes/ocp/SMTP/receiver"\r\nAdaptive-Commands: (RCPT,DATA)\r\n'
          b'Informative-Commands: (IP,HELO,MAIL)\r\n})\r\nSG: 25\r\n;\r\n',
          NR_FEATURE + b"Adaptive-Parts: (RAWDATA)\r\nInformative-Parts: (MAIL,RCPT)\r\n}\r\nSG: 25\r\n;\r\n"),
    "5": ("figure-5", [],
          b'NO ({"38:http://iana.org/opes/ocp/SMTP/receiver"\r\nAdaptive-Commands: (MAIL,RCPT)\r\n'
          b'Informative-Commands: (IP,EHLO,SINGLEHEADERS)\r\n})\r\nSG: 25\r\n;\r\n',
          NR_FEATURE + b"Adaptive-Parts: (MAIL,RCPT)\r\nInformative-Parts: (IP,EHLO,SINGLEHEADERS)\r\n"
          b"Header-List: (From,To,Reply-To,Received)\r\n}\r\nSG: 25\r\n;\r\n"),
    "12": ("figure-4", ["AUTH", "SIZE"],
           b'NO ({"38:http://iana.org/opes/ocp/SMTP/receiver"\r\nAdaptive-Commands: (RCPT,DATA)\r\n'
           b'Informative-Commands: (IP,HELO,MAIL)\r\n})\r\nSG: 25\r\n;\r\n',
           NR_FEATURE + b"Adaptive-Parts: (RAWDATA)\r\nInformative-Parts: (MAIL,RCPT)\r\n"
           b"Extensions: (AUTH,SIZE)\r\n}\r\nSG: 25\r\n;\r\n"),
    "14": ("figure-14", ["AUTH", "SIZE", "VIPEXT"],
           b'NO ({"38:http://iana.org/opes/ocp/SMTP/receiver"\r\nAdaptive-Commands: (RCPT,DATA)\r\n'
           b'Informative-Commands: (IP,HELO,MAIL,VIPNAME)\r\n})\r\nSG: 25\r\n;\r\n',
           NR_FEATURE + b"Adaptive-Parts: (RAWDATA)\r\nInformative-Parts: (MAIL,RCPT,VIPNAME)\r\n"
           b"Extensions: (AUTH,SIZE,VIPEXT)\r\n}\r\nSG: 25\r\n;\r\n"),
}


def negotiate_figure(number):
    """The figure's NO, sent after CS and an SGC that creates the SG 25 it
    names (RFC 4037 §11.18: a NO may only name an existing group), is answered
    with exactly the NR of docs/ocp-conformance.md."""
    name, keywords, no, nr = FIGURES[number]
    uri = f"urn:test:{name}"
    extra = {"ehlo_keywords": keywords} if keywords else {}
    document = config([("figures", ARGS.figures)], [service(name, uri, "figures", **extra)], receiver=[name])
    with Daemon(ARGS.opes_callout, document) as daemon, daemon.connect() as client:
        client.send(b"CS;\r\n")
        client.create_service_group(25, uri)
        client.send(no)
        expected = b"CS;\r\n" + nr
        answer = client.read_exactly(len(expected))
        check(answer == expected, f"Figure {number}:\n expected {expected!r}\n      got {answer!r}\n"
                                  f"stderr:\n{daemon.stderr()}")
        client.send(b"PQ;\r\n")
        check(client.read_exactly(len(b"PA;\r\n")) == b"PA;\r\n", "the connection is not usable after the NR")


def figure_4_is_answered_with_rawdata_adaptive_and_mail_rcpt_informative():
    negotiate_figure("4")


def figure_5_is_answered_with_its_parts_and_header_list():
    negotiate_figure("5")


def figure_12_is_answered_with_the_configured_extensions():
    negotiate_figure("12")


def figure_14_is_answered_with_the_extension_part_vipname():
    negotiate_figure("14")


# --- a plugin that cannot be loaded ------------------------------------------

def wrong_abi_config(optional=False):
    document = config([("wrong-abi", ARGS.wrong_abi), ("header-stamp", ARGS.header_stamp)],
                      [service("legacy", "urn:test:legacy", "wrong-abi", inner="anything"),
                       service("header-stamp", HEADER_STAMP_URI, "header-stamp",
                               options={"name": "X-Scanned-By", "value": "gateway"})],
                      receiver=["legacy", "header-stamp"], log_level="warning")
    if optional:
        document["plugins"][0]["optional"] = True
    return document


def check_wrong_abi_message(text):
    check(ARGS.wrong_abi in text, f"the plugin file is not named: {text!r}")
    check("ABI 2.0" in text and "ABI 1.0" in text, f"both ABI versions are not named: {text!r}")
    check("service 'legacy' left out" in text, f"the service left out is not named: {text!r}")


def a_wrong_abi_plugin_is_reported_and_the_others_still_run():
    # Only when the plugin is optional: a required one stops the start
    # (plugin_loading_test.py).
    with Daemon(ARGS.opes_callout, wrong_abi_config(optional=True)) as daemon, daemon.connect() as client:
        line = daemon.wait_for_log(r"level=warning event=catalog-problem .*plugin 'wrong-abi' left out")
        check(ARGS.wrong_abi in line and "ABI 2.0" in line and "ABI 1.0" in line, f"log line {line!r}")
        # The service's line follows the plugin's; stderr is read as it comes.
        daemon.wait_for_log(r"level=warning event=catalog-problem .*service 'legacy' left out")
        check_wrong_abi_message(daemon.stderr())
        client.start()
        nr = client.negotiate_receiver()
        check(nr.anonymous[0].named.get("Adaptive-Parts") == [b"RAWDATA"], f"header-stamp's needs: {nr.raw!r}")


def check_config_fails_on_a_wrong_abi_plugin_with_the_same_message():
    with tempfile.TemporaryDirectory() as folder:
        path = write_temporary(folder, wrong_abi_config())
        status, out, err = run(ARGS.opes_callout, "--check-config", "--config", path)
        check(status == 1, f"exit {status}, expected 1")
        check_wrong_abi_message(err)


# --- signals -----------------------------------------------------------------

def sighup_reloads_for_new_connections_and_ends_idle_ones_with_ce_200():
    with Daemon(ARGS.opes_callout, header_stamp_config()) as daemon:
        old = daemon.connect()
        old.start()
        before = old.negotiate_receiver()
        check("Extensions" not in before.anonymous[0].named, f"{before.raw!r}")

        mark = daemon.log_line_count()
        daemon.write_config(header_stamp_config(value="reloaded", ehlo_keywords=["SIZE"]))
        daemon.signal(signal.SIGHUP)
        line = daemon.wait_for_log(r"level=info event=config-reloaded", after=mark)
        check("connections_renewed=1" in line, f"the live connection was not counted: {line!r}")

        # A live connection without an open transaction ends in order at once
        # (RFC 4037 §11.2), so its processor reconnects to the new catalog.
        expected = b'CE {200 "22:configuration reloaded"};\r\n'
        got = old.read_exactly(len(expected))
        check(got == expected, f"expected {expected!r}, got {got!r}")
        check(old.wait_closed(), "the connection stays open after CE")
        with daemon.connect() as new:
            new.start()
            after = new.negotiate_receiver()
            check(after.anonymous[0].named.get("Extensions") == [b"SIZE"],
                  f"a new connection does not see the new configuration: {after.raw!r}")
            new.send(b"PQ;\r\n")
            check(new.read_exactly(5) == b"PA;\r\n", "the new connection does not answer")
        old.close()


def sighup_with_a_broken_config_keeps_the_old_one():
    with Daemon(ARGS.opes_callout, header_stamp_config(ehlo_keywords=["SIZE"])) as daemon:
        mark = daemon.log_line_count()
        broken = header_stamp_config()
        broken["listeners"][0]["prot"] = 1
        daemon.write_config(broken)
        daemon.signal(signal.SIGHUP)
        line = daemon.wait_for_log(r"level=error event=config-reload-failed", after=mark)
        check("listeners[0].prot: unknown key" in line, f"the cause is not named: {line!r}")
        daemon.write_config("{ not json")
        daemon.signal(signal.SIGHUP)
        daemon.wait_for_log(r"config-reload-failed.*not valid JSON", after=mark)
        check(daemon.process.poll() is None, "the daemon stopped")
        with daemon.connect() as client:
            client.start()
            nr = client.negotiate_receiver()
            check(nr.anonymous[0].named.get("Extensions") == [b"SIZE"], f"the old configuration is gone: {nr.raw!r}")


def sigterm_without_connections_exits_0():
    with Daemon(ARGS.opes_callout, header_stamp_config()) as daemon:
        daemon.signal(signal.SIGTERM)
        status = daemon.wait_exit()
        check(status == 0, f"exit {status}; stderr:\n{daemon.stderr()}")


def sigint_exits_0_like_sigterm():
    with Daemon(ARGS.opes_callout, header_stamp_config()) as daemon:
        daemon.signal(signal.SIGINT)
        check(daemon.wait_exit() == 0, f"stderr:\n{daemon.stderr()}")


def sigterm_ends_an_idle_connection_with_ce_200_and_exits_0():
    with Daemon(ARGS.opes_callout, header_stamp_config()) as daemon, daemon.connect() as client:
        client.start()
        client.negotiate_receiver()
        daemon.signal(signal.SIGTERM)
        expected = b'CE {200 "20:server shutting down"};\r\n'
        got = client.read_exactly(len(expected))
        check(got == expected, f"expected {expected!r}, got {got!r}")
        check(client.wait_closed(), "the connection stays open after CE")
        status = daemon.wait_exit()
        check(status == 0, f"exit {status}; stderr:\n{daemon.stderr()}")


CASES = [
    help_prints_usage_and_exits_0,
    version_prints_the_project_version,
    bad_arguments_exit_2_with_a_message,
    check_config_accepts_the_shipped_config,
    check_config_accepts_the_built_in_default,
    check_config_names_the_path_of_an_unknown_key,
    a_missing_config_file_exits_1_naming_it,
    listen_replaces_the_configured_listeners,
    listen_accepts_an_ipv6_address_in_brackets,
    a_port_in_use_exits_1_naming_the_address,
    figure_4_is_answered_with_rawdata_adaptive_and_mail_rcpt_informative,
    figure_5_is_answered_with_its_parts_and_header_list,
    figure_12_is_answered_with_the_configured_extensions,
    figure_14_is_answered_with_the_extension_part_vipname,
    a_wrong_abi_plugin_is_reported_and_the_others_still_run,
    check_config_fails_on_a_wrong_abi_plugin_with_the_same_message,
    sighup_reloads_for_new_connections_and_ends_idle_ones_with_ce_200,
    sighup_with_a_broken_config_keeps_the_old_one,
    sigterm_without_connections_exits_0,
    sigint_exits_0_like_sigterm,
    sigterm_ends_an_idle_connection_with_ce_200_and_exits_0,
]


def main(argv):
    global ARGS
    parser = argparse.ArgumentParser()
    for option in ("--opes-callout", "--source-dir", "--version", "--header-stamp", "--content-filter",
                   "--throwing", "--wrong-abi", "--figures"):
        parser.add_argument(option, required=True)
    parser.add_argument("cases", nargs="*")
    ARGS = parser.parse_args(argv)

    import tls_cases
    import transaction_cases  # the dispatch-level cases share ARGS
    transaction_cases.ARGS = ARGS
    tls_cases.ARGS = ARGS
    known = {case.__name__: case for case in CASES + transaction_cases.CASES + tls_cases.CASES}
    names = ARGS.cases or list(known)
    failed = 0
    for name in names:
        if name not in known:
            print(f"unknown case {name}", file=sys.stderr)
            return 2
        try:
            known[name]()
            print(f"ok {name}")
        except Failure as failure:
            failed += 1
            print(f"FAIL {name}: {failure}")
        except Exception:  # a broken test is a failure too, with its trace
            failed += 1
            print(f"FAIL {name}:\n{traceback.format_exc()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
