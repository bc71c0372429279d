#!/usr/bin/env python3
"""A TCP proxy that adds latency: every chunk is forwarded DELAY milliseconds after it arrived, in each direction.

    delay-proxy.py LISTEN_PORT TARGET_PORT [--delay-ms 2.5]

Listens on 127.0.0.1:LISTEN_PORT and forwards to 127.0.0.1:TARGET_PORT; 2.5 ms each way adds 5 ms to every round
trip, a database in the same region but not on the same host. (This machine's kernel has no netem, so `tc` cannot
do it.) Data is delayed, not throttled: a chunk waits its own DELAY after arrival, however many are queued, so a
client that pipelines still pays one delay per direction. Each direction of a connection is a reader thread that
stamps the chunks and a writer thread that sleeps until each one is due (time.sleep is precise to ~0.1 ms here,
where an event loop's epoll timeout rounds up to whole milliseconds). Runs until killed.
"""
import argparse
import queue
import socket
import threading
import time


def pump(source, target, delay, done):
    chunks = queue.SimpleQueue()

    def read():
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            chunks.put((time.monotonic() + delay, data))
            if not data:
                return

    def write():
        while True:
            due, data = chunks.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if not data:
                try:
                    target.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return done()
            try:
                target.sendall(data)
            except OSError:
                return done()

    threading.Thread(target=read, daemon=True).start()
    threading.Thread(target=write, daemon=True).start()


def closer(*sockets):
    """Returns a function that closes the sockets on its second call: when both directions have ended."""
    lock, ended = threading.Lock(), []

    def done():
        with lock:
            ended.append(True)
            if len(ended) == 2:
                for s in sockets:
                    s.close()

    return done


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("listen_port", type=int)
    parser.add_argument("target_port", type=int)
    parser.add_argument("--delay-ms", type=float, default=2.5)
    args = parser.parse_args()
    delay = args.delay_ms / 1000
    server = socket.create_server(("127.0.0.1", args.listen_port), backlog=64)
    while True:
        client, _ = server.accept()
        try:
            upstream = socket.create_connection(("127.0.0.1", args.target_port))
        except OSError:
            client.close()
            continue
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        done = closer(client, upstream)
        pump(client, upstream, delay, done)
        pump(upstream, client, delay, done)


if __name__ == "__main__":
    main()
