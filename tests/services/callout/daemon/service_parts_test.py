"""opes-callout refuses, at start and in --check-config, a configuration
whose services of one profile declare content parts that exclude each other
and that the server cannot derive from each other (draft-ietf-opes-smtp-00
§3.2.1; docs/ocp-conformance.md, "Every service gets its parts"), naming
the services; and accepts the mixes it derives. One case per run."""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ARGS = None


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


def config(services, receiver):
    plugins = [{"name": "filter", "path": ARGS.content_filter},
               {"name": "stamp", "path": ARGS.header_stamp},
               {"name": "split", "path": ARGS.split_parts}]
    return {"listeners": [{"address": "127.0.0.1", "port": 0}], "plugins": plugins, "services": services,
            "profiles": {"receiver": receiver, "sender": []}}


FILTER = {"name": "content-filter", "uri": "urn:opes-smtp:service:content-filter", "plugin": "filter",
          "options": {"patterns": ["x"]}}
SUBJECT = {"name": "subject-filter", "uri": "urn:test:subject-only", "plugin": "split", "service": "subject-only"}
STAMP = {"name": "header-stamp", "uri": "urn:opes-smtp:service:header-stamp", "plugin": "stamp",
         "options": {"name": "X-A", "value": "1"}}
HEADERS = {"name": "header-stamp-headers", "uri": "urn:opes-smtp:service:header-stamp-headers", "plugin": "stamp",
           "service": "header-stamp-headers", "options": {"name": "X-B", "value": "1"}}

REFUSAL = ("services 'content-filter' (RAWDATA) and 'subject-filter' (SINGLEHEADERS) cannot share the "
           "profiles.receiver profile")


def run(document, *arguments):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "opes-callout.json")
        with open(path, "w") as f:
            json.dump(document, f)
        return subprocess.run([ARGS.opes_callout, "--config", path, *arguments], capture_output=True, text=True,
                              timeout=30)


def check_config_refuses_rawdata_next_to_singleheaders_naming_both_services():
    done = run(config([FILTER, SUBJECT], ["content-filter", "subject-filter"]), "--check-config")
    check(done.returncode == 1, f"exit {done.returncode}: {done.stdout}{done.stderr}")
    check(REFUSAL in done.stderr and "OK" not in done.stdout, done.stderr)


def start_refuses_rawdata_next_to_singleheaders_before_listening():
    done = run(config([FILTER, SUBJECT], ["content-filter", "subject-filter"]))
    check(done.returncode == 1, f"exit {done.returncode}: {done.stdout}{done.stderr}")
    check(REFUSAL in done.stderr and "listening" not in done.stdout, done.stdout + done.stderr)


def check_config_accepts_rawdata_and_allheaders_services_together():
    done = run(config([FILTER, STAMP, HEADERS], ["content-filter", "header-stamp-headers", "header-stamp"]),
               "--check-config")
    check(done.returncode == 0 and "OK, 3 services" in done.stdout, f"exit {done.returncode}: {done.stderr}")


CASES = {f.__name__: f for f in (check_config_refuses_rawdata_next_to_singleheaders_naming_both_services,
                                 start_refuses_rawdata_next_to_singleheaders_before_listening,
                                 check_config_accepts_rawdata_and_allheaders_services_together)}


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    for option in ("--opes-callout", "--content-filter", "--header-stamp", "--split-parts"):
        parser.add_argument(option, required=True)
    parser.add_argument("case", choices=sorted(CASES))
    ARGS = parser.parse_args()
    try:
        CASES[ARGS.case]()
    except Failure as failure:
        print(f"FAILED {ARGS.case}: {failure}", file=sys.stderr)
        return 1
    print(f"passed {ARGS.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
