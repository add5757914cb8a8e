#!/usr/bin/env python3
"""The chain collector's steady-state JSON-RPC calls, sent directly to the node: a reference for its scrape time.

One round is what ChainReader + StakingReader send per scrape once the metadata is loaded and the finished
eras are cached, in the same order and with the same dependencies (the header and storage reads use the hash
the first call returned):

  chain_getBlockHash, chain_getHeader(best), chain_getFinalizedHead, chain_getHeader(finalized), system_health,
  [system_syncState, only with --sync-state: chopsticks does not have it, the exporter stops asking],
  state_getRuntimeVersion(best), state_queryStorageAt(6 era-independent keys, best),
  state_queryStorageAt(4 keys of the active and next era, best)

Two transports, each over one long-lived connection: HTTP POST with keep-alive (http.client) and WebSocket (a
minimal RFC 6455 client on a plain socket; the exporter uses a WebSocket). The storage keys come from
storage_keys.cjs (@polkadot/api), so this script needs nothing but the standard library.

Importable (scrape.py interleaves it with the exporter's scrapes) or standalone:
  rpc_reference.py --url http://127.0.0.1:PORT --keys keys.json [--ws] [--rounds N]
"""
import argparse
import base64
import json
import os
import socket
import statistics
import struct
import sys
import time
import urllib.parse

# keepalive.py is shared with the scrape scripts, one folder up; nothing compiled is written beside it.
sys.dont_write_bytecode = True
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from keepalive import KeepAlive, percentile  # noqa: E402


class RpcError(Exception):
    pass


class HttpTransport:
    """JSON-RPC over HTTP POST on one keep-alive connection."""

    name = "http"

    def __init__(self, url):
        self.http = KeepAlive(url)

    def exchange(self, payload):
        return self.http.request("POST", body=payload, headers={"Content-Type": "application/json"})[1]

    def close(self):
        self.http.close()


class WebSocketTransport:
    """JSON-RPC over one WebSocket: masked text frames out, (possibly fragmented) text frames in."""

    name = "ws"

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET / HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        status = self.reader.readline()
        if b" 101 " not in status:
            raise RpcError(f"WebSocket handshake refused: {status!r}")
        while self.reader.readline() not in (b"\r\n", b""):
            pass

    def _send(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        header = bytes([0x80 | opcode])
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        # XOR with the repeated mask, as one big integer (fast enough for a few hundred bytes).
        repeated = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big") if n else b""
        self.sock.sendall(header + mask + masked)

    def _read_frame(self):
        first, second = self.reader.read(2)
        n = second & 0x7F
        if n == 126:
            n = struct.unpack(">H", self.reader.read(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self.reader.read(8))[0]
        return first & 0x80, first & 0x0F, self.reader.read(n)  # servers do not mask

    def exchange(self, payload):
        self._send(0x1, payload)
        message = b""
        while True:
            fin, opcode, data = self._read_frame()
            if opcode == 0x9:  # ping: answer, keep waiting
                self._send(0xA, data)
                continue
            if opcode == 0x8:
                raise RpcError("the node closed the WebSocket")
            message += data
            if fin:
                return message

    def close(self):
        try:
            self._send(0x8, struct.pack(">H", 1000))
        except OSError:
            pass
        self.sock.close()


class Reference:
    """Sends one round of the collector's calls per round(); keeps the round times and per-method times (ms)."""

    def __init__(self, transport, keys, sync_state=False):
        self.transport = transport
        self.name = transport.name
        self.first, self.second = keys["first"], keys["second"]
        self.sync_state = sync_state
        self.next_id = 0
        self.times = []
        self.methods = {}
        self.calls_per_round = 0

    def call(self, method, params, record):
        self.next_id += 1
        payload = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}).encode()
        started = time.perf_counter()
        body = self.transport.exchange(payload)
        elapsed = time.perf_counter() - started
        answer = json.loads(body)
        if "error" in answer:
            raise RpcError(f"{method}: {answer['error']}")
        if record:
            self.methods.setdefault(method, []).append(elapsed * 1000)
        self.calls += 1
        return answer["result"]

    def round(self, record):
        self.calls = 0
        started = time.perf_counter()
        best = self.call("chain_getBlockHash", [], record)
        self.call("chain_getHeader", [best], record)
        finalized = self.call("chain_getFinalizedHead", [], record)
        self.call("chain_getHeader", [finalized], record)
        self.call("system_health", [], record)
        if self.sync_state:
            self.call("system_syncState", [], record)
        self.call("state_getRuntimeVersion", [best], record)
        first = self.call("state_queryStorageAt", [self.first, best], record)
        second = self.call("state_queryStorageAt", [self.second, best], record)
        elapsed = time.perf_counter() - started
        # The staking picture must be there (not a chain that lost its state): every key of the first batch is set.
        present = sum(1 for change in first[0]["changes"] if change[1] is not None)
        if present != len(self.first) or len(second[0]["changes"]) != len(self.second):
            raise RpcError(f"unexpected storage answer: {present} of {len(self.first)} keys set")
        if record:
            self.times.append(elapsed * 1000)
        self.calls_per_round = self.calls

    def summary(self):
        return {
            "rounds": len(self.times),
            "calls_per_round": self.calls_per_round,
            "median_ms": statistics.median(self.times),
            "p99_ms": percentile(self.times, 99),
            "mean_ms": statistics.fmean(self.times),
            "method_median_ms": {m: round(statistics.median(t), 3) for m, t in self.methods.items()},
        }


def open_transport(url, websocket):
    if websocket:
        parts = urllib.parse.urlsplit(url)
        return WebSocketTransport(urllib.parse.urlunsplit(("ws", parts.netloc, "/", "", "")))
    return HttpTransport(url)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="the node, http://127.0.0.1:PORT (ws:// with --ws)")
    parser.add_argument("--keys", required=True, help="JSON from storage_keys.cjs")
    parser.add_argument("--ws", action="store_true", help="WebSocket instead of HTTP POST")
    parser.add_argument("--sync-state", action="store_true", help="also call system_syncState (real nodes have it)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with open(args.keys) as f:
        keys = json.load(f)
    reference = Reference(open_transport(args.url, args.ws), keys, args.sync_state)
    for i in range(args.warmup + args.rounds):
        reference.round(record=i >= args.warmup)
    reference.transport.close()
    json.dump(reference.summary(), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
