#!/usr/bin/env python3
"""A port-protocol worker that floods main (docs/port-protocol.md, as
docs/examples/echo_worker.py speaks it): says PROCESS_READY, then sends DATA
with SYNC as fast as it can and never reads, so that main's answers find its
port full and every further one is dropped and reported.
"""
import os
import socket
import struct

HEADER = struct.Struct("<BBBBIiII")     # type, flags, version, reserved, stream, pid, port, length
LAST, SYNC = 0x01, 0x04
PROCESS_READY, DATA = 1, 5


def main():
    port = socket.socket(fileno=int(os.environ["CORRAL_PORT_FD"]))
    pid = os.getpid()
    port.send(HEADER.pack(PROCESS_READY, LAST, 1, 0, int(os.environ["CORRAL_STREAM"]), pid, 0, 0))
    stream = 0
    while True:
        stream = stream % 0x7FFF_FFFF + 1
        port.send(HEADER.pack(DATA, LAST | SYNC, 1, 0, stream, pid, 0, 5) + b"flood")


if __name__ == "__main__":
    main()
