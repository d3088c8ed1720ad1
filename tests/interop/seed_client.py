#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A PyNet Chat client written literally from the seed specification.

Python 3 standard library only: socket, threading, json. One json.dumps() per
send() with no delimiter, recv(1024) and json.loads() on whatever arrived. It is
the compatibility floor our server must keep working for, so its protocol
handling stays exactly this naive.

Usage: seed_client.py HOST PORT NAME
Each line read from stdin is sent as a chat message ("quit" leaves). Each
message received is printed on stdout, one per line: "FROM: TEXT" for a chat
message, the "data" of anything else. A reply json.loads() cannot read is
reported on stderr as "json error: ...".
"""

import json
import socket
import sys
import threading


def receive(client):
    while True:
        try:
            data = client.recv(1024)
        except OSError:
            break
        if not data:
            break
        try:
            message = json.loads(data.decode("utf-8"))
        except ValueError as error:
            print(f"json error: {error}: {data!r}", file=sys.stderr, flush=True)
            continue
        if message.get("type") == "message":
            print(f"{message.get('from')}: {message.get('data')}", flush=True)
        elif "data" in message:
            print(message["data"], flush=True)
    print("disconnected", file=sys.stderr, flush=True)


def main():
    host, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.connect((host, port))
    client.send(json.dumps({"type": "join", "data": name}).encode("utf-8"))
    threading.Thread(target=receive, args=(client,), daemon=True).start()

    for line in sys.stdin:
        text = line.rstrip("\n")
        if text == "quit":
            break
        client.send(json.dumps({"type": "chat", "data": text}).encode("utf-8"))
    client.close()


if __name__ == "__main__":
    main()
