#!/usr/bin/env python3
"""opes-callout fails fast on its plugins: a configured plugin that cannot be
loaded makes --check-config exit 1 and the start refuse, naming the plugin
and the file, unless it is marked "optional" (then a warning). Relative
plugin paths are found in the plugin folder: --plugin-dir, else the
configuration's plugin_dir, else $OPES_PLUGIN_DIR, else the installed one.

Usage: plugin_loading_test.py --opes-callout EXE --plugin-dir DIR
           --source-dir DIR CASE
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from daemon_harness import Daemon, Failure, check, config, run, service  # noqa: E402

ARGS = None
HEADER_STAMP_URI = "urn:opes-smtp:service:header-stamp"
CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


def with_missing_plugin(optional):
    """header-stamp, found by file name, and a scanner whose file is missing."""
    document = config([("header-stamp", "header-stamp.so"), ("virus-scan", "virus-scan.so")],
                      [service("header-stamp", HEADER_STAMP_URI, "header-stamp",
                               options={"name": "X-Scanned-By", "value": "gateway"}),
                       service("virus-scan", "urn:test:virus-scan", "virus-scan")],
                      receiver=["virus-scan", "header-stamp"], log_level="warning")
    if optional:
        document["plugins"][1]["optional"] = True
    return document


def write(folder, document, name="opes-callout.json"):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        json.dump(document, f)
    return path


def missing_file():
    return os.path.join(ARGS.plugin_dir, "virus-scan.so")


@case
def a_missing_plugin_fails_check_config_and_the_start_naming_the_plugin_and_its_path():
    with tempfile.TemporaryDirectory() as folder:
        path = write(folder, with_missing_plugin(optional=False))
        for args in (["--check-config"], []):
            status, out, err = run(ARGS.opes_callout, *args, "--config", path, "--plugin-dir", ARGS.plugin_dir)
            what = " ".join(args) or "start"
            check(status == 1, f"{what}: exit {status}, expected 1; {err!r}")
            check(f"opes-callout: config {path}: plugin 'virus-scan' left out: plugin {missing_file()}" in err,
                  f"{what}: the plugin and its file are not named: {err!r}")
            check(out == "", f"{what}: nothing may be announced: {out!r}")


@case
def an_optional_plugin_that_is_missing_starts_with_a_warning():
    document = with_missing_plugin(optional=True)
    with tempfile.TemporaryDirectory() as folder:
        path = write(folder, document)
        status, out, err = run(ARGS.opes_callout, "--check-config", "--config", path,
                               "--plugin-dir", ARGS.plugin_dir)
        check(status == 0 and "OK, 1 services" in out, f"check-config: exit {status} {out!r} {err!r}")
        check(f"warning: plugin 'virus-scan' left out: plugin {missing_file()}" in err, f"no warning: {err!r}")
    with Daemon(ARGS.opes_callout, document, ["--plugin-dir", ARGS.plugin_dir]) as daemon, \
            daemon.connect() as client:
        line = daemon.wait_for_log(r"level=warning event=catalog-problem .*plugin 'virus-scan' left out")
        check(missing_file() in line and "(optional)" in line, f"log line {line!r}")
        client.start()
        nr = client.negotiate_receiver()
        check(nr.anonymous[0].named.get("Adaptive-Parts") == [b"RAWDATA"], f"header-stamp's needs: {nr.raw!r}")


@case
def the_shipped_config_passes_check_config_with_the_build_plugin_dir():
    shipped = os.path.join(ARGS.source_dir, "config", "opes-callout.json")
    status, out, err = run(ARGS.opes_callout, "--check-config", "--config", shipped, "--plugin-dir", ARGS.plugin_dir)
    check(status == 0 and "OK, 2 services" in out, f"--plugin-dir: exit {status} {out!r} {err!r}")
    check(f"plugins from {ARGS.plugin_dir}" in out, f"the plugin folder is not named: {out!r}")
    # $OPES_PLUGIN_DIR does the same for a configuration without plugin_dir.
    done = subprocess.run([ARGS.opes_callout, "--check-config", "--config", shipped], capture_output=True,
                          text=True, timeout=30, env=dict(os.environ, OPES_PLUGIN_DIR=ARGS.plugin_dir))
    check(done.returncode == 0 and "OK, 2 services" in done.stdout,
          f"OPES_PLUGIN_DIR: exit {done.returncode} {done.stdout!r} {done.stderr!r}")
    # Nothing in it names the build tree.
    with open(shipped) as f:
        check("build" not in f.read(), "config/opes-callout.json names a build folder")


@case
def plugin_dir_is_relative_to_the_config_file_and_the_command_line_overrides_it():
    with tempfile.TemporaryDirectory() as folder:
        os.mkdir(os.path.join(folder, "lib"))
        os.symlink(os.path.join(ARGS.plugin_dir, "header-stamp.so"), os.path.join(folder, "lib", "header-stamp.so"))
        document = config([("header-stamp", "header-stamp.so")],
                          [service("header-stamp", HEADER_STAMP_URI, "header-stamp",
                                   options={"name": "X-Scanned-By", "value": "gateway"})],
                          receiver=["header-stamp"], plugin_dir="lib")
        path = write(folder, document)
        # From another working directory, and $OPES_PLUGIN_DIR does not beat the key.
        done = subprocess.run([ARGS.opes_callout, "--check-config", "--config", path], capture_output=True,
                              text=True, timeout=30, cwd="/", env=dict(os.environ, OPES_PLUGIN_DIR="/nonexistent"))
        check(done.returncode == 0 and "OK, 1 services" in done.stdout,
              f"plugin_dir: exit {done.returncode} {done.stdout!r} {done.stderr!r}")
        status, out, err = run(ARGS.opes_callout, "--check-config", "--config", path, "--plugin-dir", "/nonexistent")
        check(status == 1 and "plugin 'header-stamp' left out: plugin /nonexistent/header-stamp.so" in err,
              f"--plugin-dir: exit {status} {err!r}")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    for option in ("opes-callout", "plugin-dir", "source-dir"):
        parser.add_argument("--" + option, required=True)
    parser.add_argument("case", choices=sorted(CASES))
    ARGS = parser.parse_args()
    ARGS.plugin_dir = os.path.realpath(ARGS.plugin_dir)
    try:
        CASES[ARGS.case]()
    except Failure as failure:
        print(f"FAILED {ARGS.case}: {failure}", file=sys.stderr)
        return 1
    print(f"passed {ARGS.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
