"""A HOST-first connector for SMTP clients that know nothing of HOST: it
connects to opes-proxy, says `HOST target` at once (the draft's client
speaks first) and then joins stdin/stdout to the connection, so the
client's first line read is the named server's greeting. For swaks --pipe.
Usage: host_first_pipe.py PROXY_HOST PROXY_PORT TARGET"""

import os
import select
import socket
import sys


def main():
    proxy_host, proxy_port, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    connection = socket.create_connection((proxy_host, proxy_port), timeout=30)
    connection.sendall(f"HOST {target}\r\n".encode())
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    open_input = True
    while True:
        watched = [connection] + ([stdin] if open_input else [])
        readable, _, _ = select.select(watched, [], [], 30)
        if not readable:
            return 1
        if connection in readable:
            data = connection.recv(65536)
            if not data:
                return 0
            os.write(stdout, data)
        if open_input and stdin in readable:
            data = os.read(stdin, 65536)
            if not data:
                open_input = False
                connection.shutdown(socket.SHUT_WR)
            else:
                connection.sendall(data)


if __name__ == "__main__":
    sys.exit(main())
