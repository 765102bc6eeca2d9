#!/usr/bin/env python3
"""A local stand-in for the SMS and app-push HTTP gateways (run and test commands).

Speaks the JSON-over-HTTP protocol of services/notifications/delivery/http_gateway.h on loopback:

  POST /sms/{gateway}/messages   {"to", "body", "title", "reference", "urgent"} with an
  POST /push/messages            Idempotency-Key header -> 200 {"id": "..."}
      A repeated Idempotency-Key (per gateway, as a real provider scopes it) answers the first id
      again, stores nothing and counts a duplicate.
  GET    /messages?kind=sms|push&gateway=NAME&to=ADDRESS   {"messages": [...]} in arrival order
  GET    /stats                  {"gateways": {NAME: {"messages", "duplicates", "refused"}}, ...}
  DELETE /messages               forgets every message and counter
  POST   /control {"gateway": "sms-a", "status": 503, "delay_ms": 200}
      From now on that gateway answers `status` without storing (0 restores); `delay_ms` delays
      every answer of that gateway (a stored message is stored before the delay, so a client that
      times out has in fact been taken: the ambiguous case).

Messages are kept in memory and appended as JSON lines to DIR/messages.jsonl, reloaded at start
(so idempotency survives a restart). With --token-file every request must carry
`Authorization: Bearer <the file's content>` (re-read per request: a rotated secret applies at once).

  python3 scripts/gateway_sink.py --port 8091 --dir /tmp/sink [--token-file F] [--host 127.0.0.1]
"""

import argparse
import json
import os
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 1 << 20
SMS_PATH = re.compile(r"^/sms/([A-Za-z0-9_.-]{1,64})/messages$")


class Store:
    def __init__(self, directory):
        self.lock = threading.Lock()
        self.path = os.path.join(directory, "messages.jsonl")
        os.makedirs(directory, exist_ok=True)
        self.messages = []
        self.by_key = {}  # (gateway, idempotency key) -> id
        self.counts = {}  # gateway -> {"messages", "duplicates", "refused"}
        self.control = {}  # gateway -> {"status", "delay_ms"}
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as f:
                for line in f:
                    line = line.strip()
                    if line:
                        self._remember(json.loads(line))

    def _count(self, gateway):
        return self.counts.setdefault(gateway, {"messages": 0, "duplicates": 0, "refused": 0})

    def _remember(self, msg):
        self.messages.append(msg)
        if msg.get("idempotency_key"):
            self.by_key[(msg["gateway"], msg["idempotency_key"])] = msg["id"]
        self._count(msg["gateway"])["messages"] += 1

    def behaviour(self, gateway):
        with self.lock:
            c = self.control.get(gateway, {})
            return c.get("status", 0), c.get("delay_ms", 0)

    def refused(self, gateway):
        with self.lock:
            self._count(gateway)["refused"] += 1

    def add(self, kind, gateway, key, payload):
        """Returns (id, duplicate)."""
        with self.lock:
            if key and (gateway, key) in self.by_key:
                self._count(gateway)["duplicates"] += 1
                return self.by_key[(gateway, key)], True
            msg = {
                "id": "%s-%s" % (gateway, uuid.uuid4().hex[:16]),
                "kind": kind,
                "gateway": gateway,
                "idempotency_key": key,
                "to": payload.get("to", ""),
                "title": payload.get("title", ""),
                "body": payload.get("body", ""),
                "reference": payload.get("reference", ""),
                "urgent": bool(payload.get("urgent", False)),
                "received_at": time.time(),
            }
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(msg, ensure_ascii=False) + "\n")
            self._remember(msg)
            return msg["id"], False

    def list(self, kind=None, gateway=None, to=None):
        with self.lock:
            return [m for m in self.messages
                    if (kind is None or m["kind"] == kind)
                    and (gateway is None or m["gateway"] == gateway)
                    and (to is None or m["to"] == to)]

    def stats(self):
        with self.lock:
            gateways = {g: dict(c) for g, c in self.counts.items()}
        total = {k: sum(c[k] for c in gateways.values()) for k in ("messages", "duplicates", "refused")}
        return {"gateways": gateways, "total": total}

    def clear(self):
        with self.lock:
            self.messages, self.by_key, self.counts = [], {}, {}
            open(self.path, "w").close()

    def set_control(self, gateway, status, delay_ms):
        with self.lock:
            if status == 0 and delay_ms == 0:
                self.control.pop(gateway, None)
            else:
                self.control[gateway] = {"status": status, "delay_ms": delay_ms}


def make_handler(store, token_file):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the client reuses connections
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

        def log_message(self, fmt, *args):  # the messages are personal data: log nothing
            pass

        def _send(self, status, obj):
            data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _read_json(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0 or length > MAX_BODY:
                return None
            raw = self.rfile.read(length)
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return None
            return obj if isinstance(obj, dict) else None

        def _authorised(self):
            if not token_file:
                return True
            try:
                with open(token_file, encoding="utf-8") as f:
                    token = f.read().strip()
            except OSError:
                return False
            return self.headers.get("Authorization", "") == "Bearer " + token

        def _guard(self):
            if self._authorised():
                return True
            # Drain the body so the connection stays usable.
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._send(401, {"error": "unauthorised"})
            return False

        def do_POST(self):
            if not self._guard():
                return
            path = urlsplit(self.path).path
            if path == "/control":
                body = self._read_json()
                if body is None or not isinstance(body.get("gateway"), str):
                    return self._send(400, {"error": "expected {\"gateway\": ..., \"status\": ...}"})
                store.set_control(body["gateway"], int(body.get("status", 0)), int(body.get("delay_ms", 0)))
                return self._send(200, {"ok": True})
            m = SMS_PATH.match(path)
            if m:
                kind, gateway = "sms", m.group(1)
            elif path == "/push/messages":
                kind, gateway = "push", "push"
            else:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                return self._send(404, {"error": "no such endpoint"})
            payload = self._read_json()
            status, delay_ms = store.behaviour(gateway)
            if status:
                if delay_ms:
                    time.sleep(delay_ms / 1000.0)
                store.refused(gateway)
                return self._send(status, {"error": "gateway set to answer %d" % status})
            if payload is None or not isinstance(payload.get("to"), str) or not payload.get("to"):
                return self._send(400, {"error": "expected a JSON object with \"to\""})
            msg_id, _ = store.add(kind, gateway, self.headers.get("Idempotency-Key", ""), payload)
            if delay_ms:
                time.sleep(delay_ms / 1000.0)
            return self._send(200, {"id": msg_id})

        def do_GET(self):
            if not self._guard():
                return
            url = urlsplit(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/messages":
                return self._send(200, {"messages": store.list(q.get("kind"), q.get("gateway"), q.get("to"))})
            if url.path == "/stats":
                return self._send(200, store.stats())
            if url.path == "/healthz":
                return self._send(200, {"ok": True})
            return self._send(404, {"error": "no such endpoint"})

        def do_DELETE(self):
            if not self._guard():
                return
            if urlsplit(self.path).path == "/messages":
                store.clear()
                return self._send(200, {"ok": True})
            return self._send(404, {"error": "no such endpoint"})

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True, help="where messages.jsonl is kept")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--token-file", help="require this bearer token")
    args = ap.parse_args()
    store = Store(args.dir)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(store, args.token_file))
    server.daemon_threads = True
    print("gateway sink on http://%s:%d (messages in %s)" % (args.host, server.server_port, store.path), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
