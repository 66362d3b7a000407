#!/usr/bin/env python3
"""A port-protocol worker in plain Python (no Corral code), as docs/port-protocol.md
describes it: says PROCESS_READY, answers DATA upper-cased on the same stream
through the socket it came on, keeps the ports main hands it, forgets the dead,
exits 0 on QUIT or when main closes its port.

    corral:spawn --type worker --ready port /usr/bin/python3 docs/examples/echo_worker.py
"""
import array
import os
import selectors
import socket
import struct
import sys

HEADER = struct.Struct("<BBBBIiII")     # type, flags, version, reserved, stream, pid, port, length
LAST, CLOSE_FD, SYNC = 0x01, 0x02, 0x04
PROCESS_READY, NEW_PORT, REMOVE_PID, QUIT, DATA, START_WORKER, RPC_READY, RPC_ERROR = range(1, 9)
MAX_FRAME = 16384
TYPES = ["main", "discovery", "controller", "router", "worker"]


def log(text):
    print("echo_worker.py: " + text, flush=True)


def send(sock, type_, stream, payload=b"", flags=LAST):
    sock.send(HEADER.pack(type_, flags, 1, 0, stream, os.getpid(), 0, len(payload)) + payload)


def receive(sock):
    """One frame: (type, flags, stream, payload, fd or None), or None at end of file."""
    data, ancillary, msg_flags, _ = sock.recvmsg(MAX_FRAME, socket.CMSG_SPACE(4))
    fds = array.array("i")
    for level, kind, cdata in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(cdata[: len(cdata) - len(cdata) % fds.itemsize])
    if not data and not fds:
        return None
    if len(data) < HEADER.size or HEADER.unpack_from(data)[7] != len(data) - HEADER.size:
        for fd in fds:
            os.close(fd)        # refused: never keep a descriptor that came with a bad frame
        log("refused a malformed frame of %d bytes" % len(data))
        return ()
    type_, flags, _, _, stream, _, _, _ = HEADER.unpack_from(data)
    return type_, flags, stream, data[HEADER.size:], fds[0] if fds else None


def main():
    main_port = socket.socket(fileno=int(os.environ["CORRAL_PORT_FD"]))
    selector = selectors.DefaultSelector()
    selector.register(main_port, selectors.EVENT_READ, ("main", int(os.environ["CORRAL_MAIN_PID"])))
    send(main_port, PROCESS_READY, int(os.environ["CORRAL_STREAM"]))
    log("ready: " + os.environ["CORRAL_PID_TYPE"])
    while True:
        for key, _ in selector.select():
            sock, (peer_type, peer_pid) = key.fileobj, key.data
            frame = receive(sock)
            if frame is None:                   # the other end closed
                selector.unregister(sock)
                sock.close()
                if sock is main_port:
                    log("main closed the port")
                    return 0
                continue
            if not frame:
                continue
            type_, flags, stream, payload, fd = frame
            if type_ == NEW_PORT:               # pid, port id, process type, role (0 holder, 1 owner)
                pid, _, ptype, role = struct.unpack("<iIII", payload)
                peer = socket.socket(fileno=fd)
                selector.register(peer, selectors.EVENT_READ, (TYPES[ptype], pid))
                log("new port: %s %d (%s)" % (TYPES[ptype], pid, "holder" if role == 0 else "owner"))
            elif type_ == REMOVE_PID:
                (dead,) = struct.unpack("<i", payload)
                for k in list(selector.get_map().values()):
                    if k.fileobj is not main_port and k.data[1] == dead:
                        selector.unregister(k.fileobj)
                        k.fileobj.close()
                log("remove pid %d" % dead)
            elif type_ == QUIT:
                log("quit")
                return 0
            elif type_ == DATA:
                if fd is not None:
                    os.close(fd)
                send(sock, DATA, stream, payload.decode("utf-8", "replace").upper().encode("utf-8"))
            if flags & SYNC:
                send(sock, RPC_READY, stream)


if __name__ == "__main__":
    sys.exit(main())
