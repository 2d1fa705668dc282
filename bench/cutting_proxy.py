#!/usr/bin/env python3
"""TCP proxy for bench/resumable.sh: forwards 127.0.0.1:<free port> to 127.0.0.1:TARGET_PORT, counts every byte the
client sends, and cuts the connection (RST both ways) the first time that count crosses each of CUT... (bytes), so a
PATCH is broken off midway as a dropped network would. Prints its port on the first line of stdout; after every closed
connection rewrites STATS_FILE with "<bytes sent by the client> <cuts made>".
    bench/cutting_proxy.py TARGET_PORT STATS_FILE CUT [CUT...]
(tests/tus-client has the same idea in Node, but inside its test file, which cannot be imported without running it.)"""
import os
import socket
import struct
import sys
import threading

target_port, stats_file = int(sys.argv[1]), sys.argv[2]
cuts = sorted(int(c) for c in sys.argv[3:])
lock = threading.Lock()
state = {"sent": 0, "cuts": 0}


def write_stats():
    with lock:
        line = f"{state['sent']} {state['cuts']}\n"
    tmp = stats_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(line)
    os.replace(tmp, stats_file)


def client_to_server(client, upstream, done, result):
    buf = memoryview(bytearray(1 << 20))
    try:
        while True:
            n = client.recv_into(buf)
            if n == 0:
                upstream.shutdown(socket.SHUT_WR)
                return
            with lock:
                state["sent"] += n
                cut = state["cuts"] < len(cuts) and state["sent"] > cuts[state["cuts"]]
                if cut:
                    state["cuts"] += 1
            if cut:
                # Whatever of this read lies before the cut point still goes through; the rest is lost.
                keep = n - (state["sent"] - cuts[state["cuts"] - 1])
                if keep > 0:
                    upstream.sendall(buf[:keep])
                result["cut"] = True
                return
            upstream.sendall(buf[:n])
    except OSError:
        pass
    finally:
        done.set()


def server_to_client(client, upstream, done):
    buf = memoryview(bytearray(1 << 16))
    try:
        while not done.is_set():
            n = upstream.recv_into(buf)
            if n == 0:
                client.shutdown(socket.SHUT_WR)
                return
            client.sendall(buf[:n])
    except OSError:
        pass
    finally:
        done.set()


def handle(client):
    upstream = socket.create_connection(("127.0.0.1", target_port))
    done, result = threading.Event(), {"cut": False}
    a = threading.Thread(target=client_to_server, args=(client, upstream, done, result), daemon=True)
    b = threading.Thread(target=server_to_client, args=(client, upstream, done), daemon=True)
    a.start(); b.start()
    done.wait()
    for s in (client, upstream):
        try:
            if result["cut"]:  # linger 0: close() sends RST and drops what is unsent, as when a connection dies
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.shutdown(socket.SHUT_RD if result["cut"] else socket.SHUT_RDWR)  # wakes the other thread's recv
        except OSError:
            pass
    a.join(); b.join()
    client.close(); upstream.close()
    write_stats()


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(16)
write_stats()
print(server.getsockname()[1], flush=True)
while True:
    conn, _ = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
