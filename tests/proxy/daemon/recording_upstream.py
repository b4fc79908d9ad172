"""A small SMTP server for the opes-proxy tests that records every octet
each connection sends it, so that a test can assert the exact command
lines the proxy sent upstream (XCLIENT, XFORWARD, STARTTLS). It offers the
EHLO keywords it is given, answers XCLIENT with a new 220 greeting and
XFORWARD with 250 (as Postfix does), and with `broken_tls` answers STARTTLS
with 220 and then sends plain text instead of a TLS handshake."""

import socket
import threading
import time

from gateway_harness import free_port


class RecordingUpstream:
    def __init__(self, keywords=(), broken_tls=False, name="recorder.test"):
        self.keywords = list(keywords)
        self.broken_tls = broken_tls
        self.name = name
        self.port = free_port()
        self.connections = []  # one bytearray per connection, in accept order
        self.segments = []  # per connection, each recv() apart: what arrived in one read
        self.messages = 0
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(16)
        self._listener.settimeout(0.2)
        self._running = True
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._running = False
        self._thread.join(timeout=5)
        self._listener.close()
        return False

    def received(self):
        """Each connection's octets so far, as bytes."""
        with self._lock:
            return [bytes(c) for c in self.connections]

    def _serve(self):
        while self._running:
            try:
                connection, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            record = bytearray()
            reads = []
            with self._lock:
                self.connections.append(record)
                self.segments.append(reads)
            threading.Thread(target=self._session, args=(connection, record, reads), daemon=True).start()

    def received_segments(self):
        """Each connection's reads, as lists of bytes: octets the proxy
        wrote at once (a pipelined group) arrive in one read."""
        with self._lock:
            return [list(reads) for reads in self.segments]

    def _session(self, connection, record, reads=None):
        connection.settimeout(30)
        greeting = f"220 {self.name} ESMTP recorder\r\n".encode()
        buffer = b""
        in_data = False

        def send(text):
            connection.sendall(text.encode() if isinstance(text, str) else text)

        try:
            send(greeting)
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                with self._lock:
                    record.extend(chunk)
                    if reads is not None:
                        reads.append(bytes(chunk))
                buffer += chunk
                while True:
                    if in_data:
                        end = buffer.find(b"\r\n.\r\n")
                        if end < 0:
                            break
                        buffer = buffer[end + 5:]
                        in_data = False
                        with self._lock:
                            self.messages += 1
                        send("250 2.0.0 Ok: queued\r\n")
                        continue
                    end = buffer.find(b"\r\n")
                    if end < 0:
                        break
                    line = buffer[:end].decode("ascii", "replace")
                    buffer = buffer[end + 2:]
                    verb = line.split(" ", 1)[0].upper()
                    if verb == "EHLO":
                        lines = [self.name, *self.keywords]
                        send("".join(f"250{'-' if i < len(lines) - 1 else ' '}{text}\r\n"
                                     for i, text in enumerate(lines)))
                    elif verb == "XCLIENT":
                        send(greeting)
                    elif verb == "XFORWARD":
                        send("250 2.0.0 Ok\r\n")
                    elif verb == "STARTTLS" and self.broken_tls:
                        send("220 2.0.0 Ready to start TLS\r\n")
                        # Apart from the 220, so that the proxy reads it as
                        # the server's first handshake octets.
                        time.sleep(0.3)
                        send("this is not a TLS server hello\r\n")
                    elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                        send("250 2.0.0 Ok\r\n")
                    elif verb == "DATA":
                        send("354 End data with <CR><LF>.<CR><LF>\r\n")
                        in_data = True
                    elif verb == "QUIT":
                        send("221 2.0.0 Bye\r\n")
                        return
                    else:
                        send("502 5.5.2 Error: command not recognized\r\n")
        except OSError:
            return
        finally:
            connection.close()
