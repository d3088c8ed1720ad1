#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A PyNet Chat server written literally from the seed specification.

Python 3 standard library only: socket, threading, json. One thread per
client, recv(1024) and json.loads() on whatever arrived, one json.dumps() per
send() with no delimiter, and every chat message relayed to all other clients.
It replies to nothing else. Our ChatClient must work against it.

Usage: seed_server.py PORT   (0 picks a free port)
Prints "listening on PORT" when ready, then one line per event on stdout:
"joined NAME", "chat NAME: TEXT", "left NAME". A message json.loads() cannot
read is reported on stderr as "json error: ...".
"""

import json
import socket
import sys
import threading

clients = {}  # socket -> name
clients_lock = threading.Lock()


def broadcast(message, sender):
    with clients_lock:
        others = [client for client in clients if client is not sender]
    for client in others:
        try:
            client.send(json.dumps(message).encode("utf-8"))
        except OSError:
            remove(client)


def remove(client):
    with clients_lock:
        name = clients.pop(client, None)
    client.close()
    if name is not None:
        print(f"left {name}", flush=True)


def handle_client(client):
    while True:
        try:
            data = client.recv(1024)
            if not data:
                break
            try:
                message = json.loads(data.decode("utf-8"))
            except ValueError as error:
                print(f"json error: {error}: {data!r}", file=sys.stderr, flush=True)
                continue
            if message.get("type") == "join":
                with clients_lock:
                    clients[client] = message.get("data")
                print(f"joined {message.get('data')}", flush=True)
            elif message.get("type") == "chat":
                with clients_lock:
                    name = clients.get(client)
                print(f"chat {name}: {message.get('data')}", flush=True)
                broadcast({"type": "message", "from": name, "data": message.get("data")}, client)
        except OSError:  # ConnectionResetError when a client vanishes
            break
    remove(client)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5050
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    print(f"listening on {server.getsockname()[1]}", flush=True)
    while True:
        client, _ = server.accept()
        threading.Thread(target=handle_client, args=(client,), daemon=True).start()


if __name__ == "__main__":
    main()
