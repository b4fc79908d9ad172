"""A small reader of OCP messages (RFC 4037 §3.1) for the daemon tests.

Follows the message ABNF exactly: values are structures {..}, lists (..),
bare atoms of safe-OCTETs, or quoted atoms "size:octets"; a payload is
size:octets after CRLF. Sizes decide where data ends, so payloads may hold
';', CR, LF and '"'. Standard library only.
"""

SAFE = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
DIGITS = set(b"0123456789")


class NeedMore(Exception):
    """The buffer ends inside a message."""


class Malformed(Exception):
    """The octets cannot be an OCP message."""


class Structure:
    """{anonymous values, named values}: a feature, a result, ..."""

    def __init__(self, anonymous, named):
        self.anonymous = anonymous
        self.named = named

    def __repr__(self):
        return f"Structure({self.anonymous!r}, {self.named!r})"


class Message:
    def __init__(self, name, anonymous, named, payload, raw):
        self.name = name          # str
        self.anonymous = anonymous  # list of values (bytes, list, Structure)
        self.named = named        # dict str -> value
        self.payload = payload    # bytes or None
        self.raw = raw            # the message's octets

    def text(self, key):
        """A named atom as str, or None."""
        value = self.named.get(key)
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else None

    def xid(self):
        return self.anonymous[0].decode() if self.anonymous and isinstance(self.anonymous[0], bytes) else None

    def __repr__(self):
        return f"Message({self.raw!r})"


class _Cursor:
    def __init__(self, data, pos):
        self.data = data
        self.pos = pos

    def peek(self, n=1):
        if self.pos + n > len(self.data):
            raise NeedMore()
        return self.data[self.pos:self.pos + n]

    def at(self, octets):
        available = self.data[self.pos:self.pos + len(octets)]
        if len(available) < len(octets) and octets.startswith(available):
            raise NeedMore()
        return available == octets

    def expect(self, octets):
        if not self.at(octets):
            raise Malformed(f"expected {octets!r} at {self.pos}: {self.data[self.pos:self.pos + 20]!r}")
        self.pos += len(octets)

    def run(self, allowed):
        start = self.pos
        while True:
            if self.pos >= len(self.data):
                raise NeedMore()
            if self.data[self.pos] not in allowed:
                break
            self.pos += 1
        return self.data[start:self.pos]


def _data(cursor):
    size = cursor.run(DIGITS)
    if not size:
        raise Malformed(f"size expected at {cursor.pos}")
    cursor.expect(b":")
    n = int(size)
    octets = cursor.peek(n) if n else b""
    cursor.pos += n
    return octets


def _named_values(cursor):
    named = {}
    while True:
        name = cursor.run(SAFE)
        if not name:
            raise Malformed(f"parameter name expected at {cursor.pos}")
        cursor.expect(b": ")
        named[name.decode()] = _value(cursor)
        # Another named value follows CRLF + ALPHA.
        if cursor.at(b"\r\n") and cursor.data[cursor.pos + 2:cursor.pos + 3].isalpha():
            cursor.pos += 2
            continue
        if cursor.pos + 3 > len(cursor.data):
            raise NeedMore()
        return named


def _anonymous_values(cursor, first=True):
    values = []
    if not first:
        values.append(_value(cursor))
    while cursor.at(b" "):
        cursor.pos += 1
        values.append(_value(cursor))
    return values


def _value(cursor):
    octet = cursor.peek()
    if octet == b"{":
        cursor.pos += 1
        anonymous = []
        if not cursor.at(b"}") and not cursor.at(b"\r\n"):
            anonymous = _anonymous_values(cursor, first=False)
        named = {}
        if cursor.at(b"\r\n"):
            cursor.pos += 2
            named = _named_values(cursor)
            cursor.expect(b"\r\n")
        cursor.expect(b"}")
        return Structure(anonymous, named)
    if octet == b"(":
        cursor.pos += 1
        items = []
        if not cursor.at(b")"):
            items.append(_value(cursor))
            while cursor.at(b","):
                cursor.pos += 1
                items.append(_value(cursor))
        cursor.expect(b")")
        return items
    if octet == b'"':
        cursor.pos += 1
        octets = _data(cursor)
        cursor.expect(b'"')
        return octets
    atom = cursor.run(SAFE)
    if not atom:
        raise Malformed(f"value expected at {cursor.pos}: {cursor.data[cursor.pos:cursor.pos + 20]!r}")
    return atom


def parse_one(data, pos=0):
    """(Message, end position) for the message at `pos`; NeedMore if incomplete."""
    cursor = _Cursor(data, pos)
    name = cursor.run(SAFE)
    if not name:
        raise Malformed(f"message name expected at {pos}: {data[pos:pos + 20]!r}")
    anonymous = _anonymous_values(cursor)
    named = {}
    payload = None
    if cursor.at(b"\r\n"):
        following = cursor.peek(3)[2:3]
        if following.isalpha():
            cursor.pos += 2
            named = _named_values(cursor)
            cursor.expect(b"\r\n")
            if cursor.at(b"\r\n"):
                cursor.pos += 2
                payload = _data(cursor)
                cursor.expect(b"\r\n")
        elif following.isdigit():
            cursor.pos += 2
            payload = _data(cursor)
            cursor.expect(b"\r\n")
    cursor.expect(b";\r\n")
    return Message(name.decode(), anonymous, named, payload, data[pos:cursor.pos]), cursor.pos


def parse_all(data):
    """(complete messages, octets left over)."""
    messages = []
    pos = 0
    while pos < len(data):
        try:
            message, pos = parse_one(data, pos)
        except NeedMore:
            break
        messages.append(message)
    return messages, data[pos:]


def quoted(text):
    """An OCP quoted atom: "size:octets"."""
    octets = text.encode() if isinstance(text, str) else text
    return b'"' + str(len(octets)).encode() + b":" + octets + b'"'
