"""Logs that tell one story: opes-proxy, opes-callout and its plugins name a
message by one id (the proxy's transaction id, sent as AM-OPT
transaction-id), the refusing service and its reply are in the proxy's
message line, a refusal is logged at the default level, and the syslog
format prefixes every line with its priority. One case per run:
log_story_test.py [paths] CASE."""

import datetime
import os
import re
import smtplib
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateway_harness import GTUBE, Failure, Gateway, check, run_case

CASES = {}

REJECT_REPLY = "550 5.7.1 Message content rejected (test)"
SEVERITY = {"error": 3, "warning": 4, "info": 6, "debug": 7}


def case(function):
    CASES[function.__name__] = function
    return function


def message(subject, body="Hello.\r\n"):
    return (f"From: <sender@example.org>\r\nTo: <user@example.net>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@example.org>\r\n\r\n{body}").encode()


_ESCAPES = {'"': '"', "\\": "\\", "r": "\r", "n": "\n", "t": "\t"}


def parse_line(line):
    """One log line as the daemons write it: optional `<N>` prefix, then
    key=value fields, values bare or double-quoted with \\" \\\\ \\r \\n \\t
    \\xHH escapes. Returns (priority or None, {key: value}); anything else
    is a Failure, so every line of a log is checked by reading it."""
    priority = None
    at = 0
    prefix = re.match(r"<(\d)>", line)
    if prefix:
        priority = int(prefix.group(1))
        at = prefix.end()
    fields = {}
    while at < len(line):
        key = re.compile(r"([a-z_]+)=").match(line, at)
        check(key, f"no key at {at}: {line!r}")
        name = key.group(1)
        check(name not in fields, f"{name} twice: {line!r}")
        at = key.end()
        if at < len(line) and line[at] == '"':
            at += 1
            value = []
            while True:
                check(at < len(line), f"unterminated quote: {line!r}")
                c = line[at]
                if c == '"':
                    at += 1
                    break
                if c == "\\":
                    escape = line[at + 1:at + 2]
                    if escape == "x":
                        value.append(chr(int(line[at + 2:at + 4], 16)))
                        at += 4
                        continue
                    check(escape in _ESCAPES, f"unknown escape \\{escape}: {line!r}")
                    value.append(_ESCAPES[escape])
                    at += 2
                    continue
                check(c >= " " and c != "\x7f", f"raw control octet in a value: {line!r}")
                value.append(c)
                at += 1
            fields[name] = "".join(value)
        else:
            end = line.find(" ", at)
            end = len(line) if end < 0 else end
            bare = line[at:end]
            check(bare and not any(ch in bare for ch in '"=\\'), f"bad bare value: {line!r}")
            fields[name] = bare
            at = end
        if at < len(line):
            check(line[at] == " ", f"no space after a field: {line!r}")
            at += 1
    check(list(fields)[:2] in (["level", "event"], ["time", "level"]), f"not a log line: {line!r}")
    return priority, fields


def events(process, event=None):
    """Every stderr line of `process` parsed; those of `event` if given."""
    parsed = [parse_line(line)[1] for line in process.stderr]
    return [f for f in parsed if event is None or f["event"] == event]


def wait_event(process, event, count=1, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = events(process, event)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise Failure(f"{process.what} logged {len(events(process, event))} {event}, wanted {count}:\n"
                  + process.log())


def opes_system_session(dump):
    found = re.search(r"^OPES-System: \S+\?session=(\S+)$", dump, re.MULTILINE)
    check(found, "no OPES-System session in\n" + dump)
    return found.group(1)


def send_spam_then_clean(gateway, spam_first=True):
    """One session: a GTUBE message (refused) and a clean one, in the given order."""
    with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
        client.ehlo("client.test")
        order = ["spam", "clean"] if spam_first else ["clean", "spam"]
        for kind in order:
            mailed = client.mail("sender@example.org")
            check(mailed[0] == 250, f"MAIL {mailed}\n{gateway.logs()}")
            check(client.rcpt("user@example.net")[0] == 250, "RCPT")
            if kind == "spam":
                code, text = client.data(message("spam", GTUBE + "\r\n"))
                check(f"{code} {text.decode()}" == REJECT_REPLY, f"{code} {text}")
            else:
                code, text = client.data(message("clean"))
                check(code == 250, f"{code} {text}")


@case
def at_the_default_level_a_refusal_is_one_line_in_each_daemon_under_one_id(paths):
    # The shipped level on both sides: warning.
    with Gateway(paths, log_level="warning") as gateway:
        send_spam_then_clean(gateway)
        [dump] = gateway.sink.messages(1)
        [proxy_line] = wait_event(gateway.proxy, "smtp.message")
        [callout_line] = wait_event(gateway.callout, "transaction.rejected")
        story = gateway.logs()
        check(proxy_line["level"] == "warning" and proxy_line["outcome"] == "rejected by the callout server",
              story)
        check(proxy_line["service"] == "content-filter" and proxy_line["reply"] == REJECT_REPLY, story)
        refused = proxy_line["transaction"]
        check(callout_line["level"] == "warning", story)
        check(callout_line["transaction"] == refused, f"two ids for one message:\n{story}")
        check(callout_line["service"] == "content-filter" and callout_line["reply"] == REJECT_REPLY, story)
        # The clean message is the session's next transaction; its id is the
        # OPES-System session its trace carries, and at the default level
        # neither daemon says anything about it.
        session, number = refused.rsplit(".", 1)
        clean = f"{session}.{int(number) + 1}"
        check(opes_system_session(dump) == clean, f"{clean} is not the trace's session:\n{dump}")
        quiet = [f for p in (gateway.proxy, gateway.callout) for f in events(p)
                 if f.get("transaction") == clean or f["level"] in ("info", "debug")]
        check(not quiet, f"lines at the default level for a clean message: {quiet}\n{story}")


@case
def at_info_and_debug_the_id_is_in_the_proxy_callout_and_plugin_lines(paths):
    with Gateway(paths, log_level="info", callout_extra={"log_level": "debug"}) as gateway:
        send_spam_then_clean(gateway, spam_first=False)
        [dump] = gateway.sink.messages(1)
        delivered, refused = wait_event(gateway.proxy, "smtp.message", 2)
        story = gateway.logs()
        clean = delivered["transaction"]
        check(delivered["outcome"] == "delivered" and "service" not in delivered, story)
        check(opes_system_session(dump) == clean, dump)
        for event in ("transaction-started", "transaction-completed"):
            ids = [f["transaction"] for f in events(gateway.callout, event)]
            check(clean in ids, f"no {event} for {clean}:\n{story}")
        spam = refused["transaction"]
        check(spam != clean and refused["service"] == "content-filter", story)
        # content-filter logs the match at info; the host names the
        # transaction the plugin was called for.
        plugin_lines = [f for f in wait_event(gateway.callout, "plugin-log")
                        if f["service"] == "content-filter"]
        check([f["transaction"] for f in plugin_lines] == [spam], f"plugin lines {plugin_lines}:\n{story}")
        check(plugin_lines[0]["text"] == "pattern matched in the body", story)
        [rejected] = events(gateway.callout, "transaction.rejected")
        check(rejected["transaction"] == spam, story)


@case
def the_syslog_format_prefixes_every_line_with_its_priority_and_a_utc_timestamp(paths):
    keys = {"log_format": "syslog", "log_timestamps": True}
    started = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
    with Gateway(paths, callout_extra=dict(keys), **keys) as gateway:  # proxy at info (harness)
        send_spam_then_clean(gateway)
        wait_event(gateway.proxy, "smtp.message", 2)
        wait_event(gateway.callout, "transaction.rejected")
        ended = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
        story = gateway.logs()
        for process in (gateway.proxy, gateway.callout):
            check(process.stderr, f"{process.what} logged nothing")
            priorities = set()
            for line in process.stderr:
                check(re.match(r"<[0-7]>time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=", line),
                      f"{process.what}: {line!r}")
                priority, fields = parse_line(line)
                check(priority == SEVERITY[fields["level"]], f"{process.what}: {line!r}")
                when = datetime.datetime.strptime(fields["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                    tzinfo=datetime.timezone.utc)
                check(started <= when <= ended, f"{fields['time']} outside {started}..{ended}")
                priorities.add(priority)
            check(4 in priorities, f"{process.what}: no warning line:\n{story}")
        check(6 in {parse_line(line)[0] for line in gateway.proxy.stderr}, story)


@case
def client_text_cannot_end_a_log_line_or_forge_a_field(paths):
    sender = '"a b=c \\"d\\" level=error event=forged"@example.org'
    with Gateway(paths, log_level="debug") as gateway:
        # A bare CR in a command line never reaches a log: refused as a control character.
        with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as raw:
            reader = raw.makefile("rb")
            check(reader.readline().startswith(b"220 "), "greeting")
            raw.sendall(b"EHLO evil\rlevel=error event=forged\r\n")
            check(reader.readline().startswith(b"500 5.5.2"), "bare CR in EHLO accepted")
            raw.sendall(b"QUIT\r\n")
            reader.readline()
        # Quotes, spaces and = in an address do reach the message line:
        # they stay inside its from field.
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=20) as client:
            client.ehlo("client.test")
            check(client.mail(sender)[0] == 250, "MAIL with a quoted local part")
            check(client.rcpt("user@example.net")[0] == 250, "RCPT")
            code, text = client.data(message("quoted sender"))
            check(code == 250, f"{code} {text}")
        [line] = wait_event(gateway.proxy, "smtp.message")
        check(line["from"] == sender, f"from={line['from']!r}\n{gateway.logs()}")
        for process in (gateway.proxy, gateway.callout):
            check(all(f["event"] != "forged" for f in events(process)), process.log())


if __name__ == "__main__":
    sys.exit(run_case(CASES))
