#!/usr/bin/env python3
"""Behaviour of the ocpdump tool, run as CTest tests.

Usage: ocpdump_test.py OCPDUMP SOURCE_DIR [CASE...]

Runs the named cases (all when none are named); ocp/tools/CMakeLists.txt
registers each case as its own CTest test. Only the standard library is used.
"""

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import traceback

OCPDUMP = ""
EXAMPLES = ""

FIGURE8_OFFSETS = [0, 65, 131, 231]
FIGURE8_SIZES = [65, 66, 100, 92]
FIGURE8_PAYLOAD_SIZES = [19, 18, 49, 41]

ERROR_LINE = re.compile(r"^ocpdump: (?P<source>.+): offset (?P<offset>\d+): (?P<reason>.+)$")


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


def run(*args, stdin=None):
    """Runs ocpdump; returns (exit status, stdout bytes, stderr text)."""
    done = subprocess.run([OCPDUMP, *args], input=stdin, capture_output=True, timeout=60)
    return done.returncode, done.stdout, done.stderr.decode("utf-8", "replace")


def example(name):
    return os.path.join(EXAMPLES, name)


def read_example(name):
    with open(example(name), "rb") as f:
        return f.read()


def json_lines(stdout):
    text = stdout.decode("utf-8")
    check(text == "" or text.endswith("\n"), "JSON output does not end with a newline")
    return [json.loads(line) for line in text.splitlines()]


def dump_ok(*args, stdin=None):
    status, out, err = run(*args, stdin=stdin)
    check(status == 0, f"ocpdump {' '.join(args)} exited {status}: {err}")
    check(err == "", f"unexpected stderr: {err!r}")
    return out


def parse_error(err):
    """The one error line on stderr, as a match with source, offset and reason."""
    lines = err.splitlines()
    check(len(lines) == 1, f"expected one error line, got {err!r}")
    match = ERROR_LINE.match(lines[0])
    check(match is not None, f"error line does not name an offset: {lines[0]!r}")
    return match


def write_temp(directory, name, data):
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


# --- cases -----------------------------------------------------------------


def figure8_decodes_to_four_dums_at_their_offsets():
    data = read_example("figure8.ocp")
    messages = json_lines(dump_ok("--format", "json", example("figure8.ocp")))
    check(len(messages) == 4, f"expected 4 messages, got {len(messages)}")
    check([m["name"] for m in messages] == ["DUM"] * 4, "all four messages are DUMs")
    check([m["offset"] for m in messages] == FIGURE8_OFFSETS, f"offsets {[m['offset'] for m in messages]}")
    check([m["size"] for m in messages] == FIGURE8_SIZES, f"sizes {[m['size'] for m in messages]}")
    check(sum(FIGURE8_SIZES) == len(data), "messages cover the whole file")
    check([m["payload"]["size"] for m in messages] == FIGURE8_PAYLOAD_SIZES, "payload sizes")
    check(messages[0]["payload"]["text"] == "<steve@example.org>", "MAIL payload text")
    check(messages[0]["anonymous"] == ["72", "1", "0"], "anonymous values in wire order")
    check(messages[0]["named"] == [{"name": "Kept", "value": "0"}, {"name": "AM-Part", "value": "MAIL"}],
          "named parameters in wire order")
    parts = [m["named"][1]["value"] for m in messages]
    check(parts == ["MAIL", "RCPT", "RAWDATA", "RAWDATA"], f"AM-Part values {parts}")
    for m in messages:
        check(list(m) == ["offset", "size", "name", "anonymous", "named", "payload", "catalog"],
              f"key order {list(m)}")
        check(m["catalog"] == {"valid": True}, f"catalog check {m['catalog']}")
        # The payload must be exactly the octets the offset and size frame.
        payload = m["payload"]["text"].encode("utf-8")
        whole = data[m["offset"]:m["offset"] + m["size"]]
        check(whole.endswith(payload + b"\r\n;\r\n"), "payload text is the framed octets")
    # Read the draft's way, the third anonymous value is the offset.
    legacy = json_lines(dump_ok("--legacy-am-id", example("figure8.ocp")))
    check(all(m["catalog"] == {"valid": True} for m in legacy), "legacy reading is valid too")


def byte_at_a_time_gives_identical_output():
    for name in ["figure8.ocp", "session.ocp"]:
        whole = dump_ok(example(name))
        for chunk in ["1", "2", "7", "64"]:
            check(dump_ok("--chunk", chunk, example(name)) == whole, f"{name}: --chunk {chunk} differs")
            check(dump_ok("--format", "ocp", "--chunk=" + chunk, example(name)) ==
                  dump_ok("--format", "ocp", example(name)), f"{name}: ocp format with --chunk {chunk}")
        data = read_example(name)
        check(dump_ok(stdin=data) == whole, f"{name}: standard input differs from the file")
        check(dump_ok("--chunk", "1", "-", stdin=data) == whole, f"{name}: '-' byte at a time differs")


def ocp_format_reproduces_the_examples_byte_for_byte():
    for name in ["figure8.ocp", "session.ocp"]:
        data = read_example(name)
        check(dump_ok("--format", "ocp", example(name)) == data, f"{name}: --format ocp changed octets")
        check(dump_ok("--format=ocp", "--chunk", "1", stdin=data) == data, f"{name}: from stdin")


def truncated_stream_exits_1_naming_the_offset():
    data = read_example("figure8.ocp")
    with tempfile.TemporaryDirectory() as directory:
        path = write_temp(directory, "truncated.ocp", data[:300])
        for chunk in ["65536", "1"]:
            status, out, err = run("--chunk", chunk, path)
            check(status == 1, f"exit status {status}, expected 1")
            error = parse_error(err)
            check(error["source"] == path, f"error names {error['source']}, expected {path}")
            # The stream ends inside the fourth message (231..322).
            check(231 <= int(error["offset"]) <= 300, f"offset {error['offset']} not in the 4th message")
            check([m["offset"] for m in json_lines(out)] == FIGURE8_OFFSETS[:3],
                  "the three complete messages are still printed")
    status, _, err = run(stdin=data[:300])
    check(status == 1, f"stdin: exit status {status}")
    check(parse_error(err)["source"] == "<stdin>", "stdin is named <stdin>")


def wrong_length_prefix_exits_1_at_the_failing_octet():
    data = read_example("figure8.ocp")
    # One octet too few: the payload ends before '>', where CR LF must follow.
    broken = data.replace(b"18:<paul@example.com>", b"17:<paul@example.com>")
    failing_octet = data.index(b"18:<paul") + len(b"18:") + 17
    with tempfile.TemporaryDirectory() as directory:
        cases = [
            (broken, failing_octet, 1),
            # RFC 4037 §3.3 as printed: "32:" before a 44-octet uri (digest C-3.3-2).
            (b'NO ({"32:http://www.iana.org/assignments/opes/ocp/tls"});\r\n', 41, 0),
        ]
        for number, (stream, offset, printed) in enumerate(cases):
            path = write_temp(directory, f"wrong-length-{number}.ocp", stream)
            for chunk in ["65536", "1"]:
                status, out, err = run("--chunk", chunk, path)
                check(status == 1, f"case {number}: exit status {status}, expected 1")
                error = parse_error(err)
                check(int(error["offset"]) == offset,
                      f"case {number}: offset {error['offset']}, expected {offset} ({error['reason']})")
                check(len(json_lines(out)) == printed, f"case {number}: messages before the error printed")


def session_example_is_valid_message_by_message():
    data = read_example("session.ocp")
    messages = json_lines(dump_ok(example("session.ocp")))
    names = [m["name"] for m in messages]
    check(names == ["CS", "CS", "NO", "NR", "SGC", "TS", "AMS", "DUM", "DUM", "DUM", "DUM", "AME",
                    "AMS", "DUM", "AME", "TE", "CE"], f"message sequence {names}")
    offset = 0
    for m in messages:
        check(m["catalog"] == {"valid": True}, f"{m['name']} at {m['offset']}: {m['catalog']}")
        check(m["offset"] == offset, f"{m['name']} at {m['offset']}, expected {offset}")
        offset += m["size"]
    check(offset == len(data), "messages cover the whole file")

    receiver = "http://iana.org/opes/ocp/SMTP/receiver"
    offer = messages[2]["anonymous"][0][0]
    answer = messages[3]["anonymous"][0]
    for feature in (offer, answer):
        check(feature["anonymous"] == [receiver], "SMTP receiver profile")
        members = [member["name"] for member in feature["named"]]
        check(members == ["Adaptive-Parts", "Informative-Parts"], f"profile members {members}")

    # RFC 4037 §11.9: each dataflow's DUM offsets are contiguous from 0.
    flows = []
    open_flow = None
    for m in messages:
        if m["name"] == "AMS":
            check(open_flow is None, "one dataflow open at a time in this example")
            open_flow = {"data": b"", "dums": []}
        elif m["name"] == "AME":
            flows.append(open_flow)
            open_flow = None
        elif m["name"] == "DUM":
            check(open_flow is not None, "DUM outside AMS..AME")
            check(int(m["anonymous"][1]) == len(open_flow["data"]),
                  f"DUM at {m['offset']}: my-offset {m['anonymous'][1]}, expected {len(open_flow['data'])}")
            check(any(p["name"] == "AM-Part" for p in m["named"]), "every DUM names its AM-Part")
            open_flow["dums"].append(m)
            open_flow["data"] += m["payload"]["text"].encode("utf-8")
    original, adapted = flows
    parts = [next(p["value"] for p in d["named"] if p["name"] == "AM-Part") for d in original["dums"]]
    check(parts == ["MAIL", "RCPT", "RAWDATA", "RAWDATA"], f"original parts {parts}")
    # The server's As-is must point at the original octets it repeats.
    for dum in adapted["dums"]:
        as_is = next((p["value"] for p in dum["named"] if p["name"] == "As-is"), None)
        if as_is is not None:
            payload = dum["payload"]["text"].encode("utf-8")
            check(original["data"][int(as_is):int(as_is) + len(payload)] == payload,
                  "As-is names the original octets of the payload")


def octets_that_are_not_utf8_appear_as_base64():
    stream = (b'x-doit "3:\xff\xfe\x00";\r\n'
              b"DUM 1 0\r\n4:\xc3\x28ab\r\n;\r\n"
              b"DUM 1 4\r\n0:\r\n;\r\n")
    messages = json_lines(dump_ok(stdin=stream))
    check(messages[0]["anonymous"] == [{"base64": "//4A"}], f"atom {messages[0]['anonymous']}")
    check(messages[0]["catalog"] == {"known": False}, "unknown message names are reported as unknown")
    check(messages[1]["payload"] == {"size": 4, "base64": "wyhhYg=="}, f"payload {messages[1]['payload']}")
    check(messages[2]["payload"] == {"size": 0, "text": ""}, "an empty payload is still a payload")
    check(dump_ok("--format", "ocp", stdin=stream) == stream, "ocp format keeps the octets")

    # Text exactly when Python's strict decoder agrees the octets are UTF-8
    # (it too rejects overlong forms, surrogates and code points past U+10FFFF).
    samples = [b"\xff", b"\xff\x01", b"\xff\x01\x02", b"\xff\x01\x02\x03", b"\xff\x01\x02\x03\x04",
               b"\xc3\xa9", b"\xc0\x80", b"\xe2\x82", b"\xe2\x82\xac", b"\xed\xa0\x80", b"\xed\x9f\xbf",
               b"\xf0\x9f\x98\x80", b"\xf0\x8f\xbf\xbf", b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80",
               b"\xf5\x80\x80\x80", b"a\x00b", bytes(range(256))]
    stream = b"".join(b"DUM 1 0\r\n%d:%s\r\n;\r\n" % (len(s), s) for s in samples)
    for sample, message in zip(samples, json_lines(dump_ok(stdin=stream))):
        try:
            expected = {"size": len(sample), "text": sample.decode("utf-8")}
        except UnicodeDecodeError:
            expected = {"size": len(sample), "base64": base64.b64encode(sample).decode("ascii")}
        check(message["payload"] == expected, f"{sample!r}: {message['payload']}, expected {expected}")


def catalog_errors_are_reported_without_failing_the_dump():
    stream = b"TS 1;\r\nAME 10 1;\r\n"
    strict = json_lines(dump_ok(stdin=stream))
    check(strict[0]["catalog"]["valid"] is False, "TS without sg-id is invalid")
    check("my-sg-id" in strict[0]["catalog"]["error"], f"error names the parameter: {strict[0]['catalog']}")
    # RFC 4037: AME's second value is a result; the drafts put an am-id there.
    check(strict[1]["catalog"]["valid"] is False, "AME 10 1 is a type error read strictly")
    legacy = json_lines(dump_ok("--legacy-am-id", stdin=stream))
    check(legacy[1]["catalog"] == {"valid": True}, "AME 10 1 is valid with --legacy-am-id")


def spaces_inside_braces_need_lenient_braces():
    stream = b"TE 7 { 200 OK };\r\n"
    status, _, err = run(stdin=stream)
    check(status == 1, "strict reading rejects spaces inside braces")
    check(int(parse_error(err)["offset"]) == 6, f"strict error offset: {err!r}")
    messages = json_lines(dump_ok("--lenient-braces", stdin=stream))
    check(messages[0]["anonymous"][1] == {"anonymous": ["200", "OK"], "named": []}, "result structure")
    check(dump_ok("--lenient-braces", "--format", "ocp", stdin=stream) == b"TE 7 {200 OK};\r\n",
          "ocp format writes the canonical form")


def extra_values_appear_only_when_present():
    stream = b"DUM 1 0\r\nKept: 0 19\r\n\r\n0:\r\n;\r\n"
    message = json_lines(dump_ok(stdin=stream))[0]
    check(message["named"] == [{"name": "Kept", "value": "0", "extra_values": ["19"]}],
          f"Kept: offset size {message['named']}")


def usage_and_io_errors_exit_2():
    status, out, _ = run("--help")
    check(status == 0 and out.startswith(b"Usage: ocpdump"), "--help prints the usage")
    status, out, _ = run("--version")
    check(status == 0 and out.startswith(b"ocpdump "), "--version prints the version")
    bad = [["--bogus"], ["--format", "xml"], ["--format"], ["--chunk", "0"], ["--chunk", "x"],
           ["--chunk"], ["--legacy-am-id=1"], ["a.ocp", "b.ocp"]]
    for args in bad:
        status, out, err = run(*args)
        check(status == 2, f"{args}: exit status {status}, expected 2")
        check(out == b"" and err.startswith("ocpdump: "), f"{args}: message on stderr only")
    status, _, err = run(os.path.join(EXAMPLES, "no-such-file.ocp"))
    check(status == 2 and "no-such-file.ocp" in err, f"missing file: {status} {err!r}")
    status, _, err = run(EXAMPLES)
    check(status == 2, f"a directory as input: exit status {status}")
    check(dump_ok(stdin=b"") == b"", "empty input is an empty, valid stream")


CASES = {case.__name__: case for case in [
    figure8_decodes_to_four_dums_at_their_offsets,
    byte_at_a_time_gives_identical_output,
    ocp_format_reproduces_the_examples_byte_for_byte,
    truncated_stream_exits_1_naming_the_offset,
    wrong_length_prefix_exits_1_at_the_failing_octet,
    session_example_is_valid_message_by_message,
    octets_that_are_not_utf8_appear_as_base64,
    catalog_errors_are_reported_without_failing_the_dump,
    spaces_inside_braces_need_lenient_braces,
    extra_values_appear_only_when_present,
    usage_and_io_errors_exit_2,
]}


def main(argv):
    global OCPDUMP, EXAMPLES
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    OCPDUMP = os.path.abspath(argv[1])
    EXAMPLES = os.path.join(os.path.abspath(argv[2]), "docs", "examples")
    names = argv[3:] or list(CASES)
    unknown = [name for name in names if name not in CASES]
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        try:
            CASES[name]()
            print(f"ok   {name}")
        except Failure as failure:
            failed += 1
            print(f"FAIL {name}: {failure}")
        except Exception:  # a crash in a case fails that case, not the run
            failed += 1
            print(f"FAIL {name}:")
            traceback.print_exc(file=sys.stdout)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
