#!/usr/bin/env python3
"""Recording TCP proxy for MQTT (Python standard library only).

Sits between MQTT clients and a broker, relays bytes unchanged in both directions and cuts each
direction's byte stream into MQTT control packets (fixed header byte + Remaining Length as a
variable byte integer + that many bytes). Every complete packet becomes one record:

    {"session": LABEL, "conn": N, "dir": "client-to-server" | "server-to-client",
     "seq": N, "hex": "..."}

`seq` is a counter over all records of one Recorder, so records can be put back in the order the
proxy saw them.

Use as a library (capture.py starts one Recorder per client command, so every packet is tagged
with the command that caused it) or stand-alone:

    python3 record.py --listen 18830 --target 127.0.0.1:1883 --out packets.jsonl [--label NAME]

Stand-alone mode appends one JSON line per packet to --out until interrupted (Ctrl-C / SIGTERM).
Only loopback addresses are accepted for --target and the listener binds to 127.0.0.1.
"""

import argparse
import json
import signal
import socket
import sys
import threading

C2S = "client-to-server"
S2C = "server-to-client"


class PacketSplitter:
    """Cuts one direction of a byte stream into MQTT control packets."""

    def __init__(self):
        self.buf = bytearray()
        self.broken = None  # set when the stream cannot be framed any more

    def feed(self, data):
        """Adds bytes; returns the list of complete packets (bytes) now available."""
        self.buf.extend(data)
        out = []
        while self.broken is None and self.buf:
            if len(self.buf) < 2:
                break
            length = 0
            mult = 1
            i = 1
            complete = False
            while i < len(self.buf) and i <= 4:
                b = self.buf[i]
                length += (b & 0x7F) * mult
                mult *= 128
                i += 1
                if b & 0x80 == 0:
                    complete = True
                    break
            if not complete:
                if i > 4:
                    self.broken = "remaining length longer than 4 bytes"
                break
            total = i + length
            if len(self.buf) < total:
                break
            out.append(bytes(self.buf[:total]))
            del self.buf[:total]
        return out

    def leftover(self):
        return bytes(self.buf)


class Recorder:
    """One listening socket on 127.0.0.1; every accepted connection is relayed to `target`."""

    def __init__(self, target, label="", listen_port=0, sink=None, cut_before=None):
        host, port = target
        if not host.startswith("127.") and host not in ("localhost", "::1"):
            raise ValueError("only loopback targets are allowed: %r" % host)
        self.target = (host, port)
        self.label = label
        self.lock = threading.Lock()
        self.records = []
        self.sink = sink  # optional callable(record)
        # optional predicate(direction, packet bytes): the first matching packet is recorded but
        # not delivered, and that connection is cut (both sockets closed) - used to make the
        # broker resend an unacknowledged PUBLISH with DUP set after the client reconnects.
        self.cut_before = cut_before
        self.cut_done = False
        self.seq = 0
        self.conn_count = 0
        self.threads = []
        self.open_conns = 0
        self.closed = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", listen_port))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.accept_thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.accept_thread.start()

    def _record(self, conn, direction, packet):
        with self.lock:
            self.seq += 1
            rec = {"session": self.label, "conn": conn, "dir": direction,
                   "seq": self.seq, "hex": packet.hex()}
            self.records.append(rec)
        if self.sink:
            self.sink(rec)

    def _note(self, conn, direction, text):
        with self.lock:
            self.seq += 1
            rec = {"session": self.label, "conn": conn, "dir": direction,
                   "seq": self.seq, "note": text}
            self.records.append(rec)
        if self.sink:
            self.sink(rec)

    def _accept_loop(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError as e:
                client.close()
                self._note(0, C2S, "upstream connect failed: %s" % e)
                continue
            with self.lock:
                self.conn_count += 1
                conn = self.conn_count
                self.open_conns += 2
            for src, dst, direction in ((client, upstream, C2S), (upstream, client, S2C)):
                t = threading.Thread(target=self._pump, args=(conn, src, dst, direction),
                                     daemon=True)
                t.start()
                self.threads.append(t)

    def _pump(self, conn, src, dst, direction):
        splitter = PacketSplitter()
        try:
            while True:
                try:
                    data = src.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    break
                if splitter.broken:
                    # Framing was lost earlier: relay the bytes as they come.
                    try:
                        dst.sendall(data)
                    except OSError:
                        break
                    continue
                cut = False
                for packet in splitter.feed(data):
                    self._record(conn, direction, packet)
                    if self.cut_before and not self.cut_done and self.cut_before(direction, packet):
                        with self.lock:
                            self.cut_done = True
                        self._note(conn, direction, "cut: the packet above was not delivered")
                        cut = True
                        break
                    try:
                        dst.sendall(packet)  # whole packets only, so a cut never splits one
                    except OSError:
                        cut = True
                        break
                if cut:
                    for sock in (src, dst):
                        try:
                            sock.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
                    break
                if splitter.broken:
                    self._note(conn, direction, "framing lost: " + splitter.broken)
                    try:
                        dst.sendall(splitter.leftover())
                    except OSError:
                        break
                    splitter.buf.clear()
        finally:
            rest = splitter.leftover()
            if rest:
                self._note(conn, direction, "incomplete packet at close: " + rest.hex())
            # Propagate the half-close, then let the other pump finish.
            for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
                try:
                    s.shutdown(how)
                except OSError:
                    pass
            with self.lock:
                self.open_conns -= 1
                done = self.open_conns == 0
            if done:
                self.closed.set()

    def wait_idle(self, timeout):
        """Waits until every relayed connection has closed in both directions."""
        for t in list(self.threads):
            t.join(timeout)
        return all(not t.is_alive() for t in self.threads)

    def has_packet(self, predicate):
        with self.lock:
            return any("hex" in r and predicate(r) for r in self.records)

    def close(self):
        try:
            self.listener.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--listen", type=int, required=True, help="port on 127.0.0.1 to listen on")
    ap.add_argument("--target", required=True, help="broker as HOST:PORT (loopback only)")
    ap.add_argument("--out", required=True, help="JSON-lines file to append packets to")
    ap.add_argument("--label", default="", help="session label written into every record")
    args = ap.parse_args()
    host, _, port = args.target.rpartition(":")
    out = open(args.out, "a", encoding="utf-8")
    out_lock = threading.Lock()

    def sink(rec):
        with out_lock:
            out.write(json.dumps(rec) + "\n")
            out.flush()

    rec = Recorder((host, int(port)), label=args.label, listen_port=args.listen, sink=sink)
    print("recording 127.0.0.1:%d -> %s into %s" % (rec.port, args.target, args.out),
          file=sys.stderr)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    rec.close()


if __name__ == "__main__":
    main()
