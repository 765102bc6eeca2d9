#!/usr/bin/python3
"""A local mail catcher: a real SMTP server (aiosmtpd, Debian's python3-aiosmtpd) that keeps every
message it receives, and a small read-only HTTP JSON API over them. Loopback only; for the demo
(scripts/run.sh), the tests (scripts/test.sh) and `parleyctl mail`.

    mail_catcher.py --smtp-port 2525 --http-port 8025 --dir DIR [--ports-file FILE]

Each message is DIR/NNNNNN.eml, and DIR/index.jsonl has one JSON line per message (n, message_id,
from, to, rcpt, subject, school, time, file); a restart continues the numbering. Port 0 picks a free
port; --ports-file then receives {"smtp": P, "http": H} once both listen.

HTTP (JSON):
    GET    /messages[?message_id=<id>&to=<address>]  the index, oldest first (filters exact)
    GET    /messages/N                              one message: headers and its decoded text body
    DELETE /messages                                forget every message (files and index)
    GET    /stats                                   messages, SMTP sessions (all and by envelope sender)
    POST   /control {"refuse": true|false}          fault injection: 421 to every connection and command

Recipients whose local part starts with "bounce" get 550 5.1.1 (no such mailbox).
"""
import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

try:
    from aiosmtpd.smtp import SMTP
except ImportError:  # a Python outside Debian's (pyenv, venv) does not see Debian's packages
    import sys

    sys.path.append("/usr/lib/python3/dist-packages")
    from aiosmtpd.smtp import SMTP

REFUSAL = "421 4.3.2 Service not available (mail catcher refusing)"


class Store:
    """The messages on disk and in memory; shared by the SMTP loop and the HTTP threads."""

    def __init__(self, folder):
        self.folder = folder
        self.lock = threading.Lock()
        self.index = []
        self.sessions = 0
        self.sessions_by_sender = {}
        self.refuse = False
        os.makedirs(folder, exist_ok=True)
        self.index_path = os.path.join(folder, "index.jsonl")
        if os.path.exists(self.index_path):
            with open(self.index_path, encoding="utf-8") as f:
                self.index = [json.loads(line) for line in f if line.strip()]
        self.next_n = max((m["n"] for m in self.index), default=0) + 1

    def add(self, envelope):
        raw = envelope.original_content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            n = self.next_n
            self.next_n += 1
            name = "%06d.eml" % n
            with open(os.path.join(self.folder, name), "wb") as f:
                f.write(raw)
            entry = {
                "n": n,
                "message_id": str(msg.get("Message-ID", "")).strip(),
                "from": str(msg.get("From", "")),
                "to": str(msg.get("To", "")),
                "rcpt": list(envelope.rcpt_tos),
                "subject": str(msg.get("Subject", "")),
                "school": str(msg.get("X-Parley-School", "")),
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "file": name,
            }
            self.index.append(entry)
            with open(self.index_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return n

    def clear(self):
        with self.lock:
            for entry in self.index:
                try:
                    os.remove(os.path.join(self.folder, entry["file"]))
                except FileNotFoundError:
                    pass
            self.index = []
            open(self.index_path, "w").close()

    def message(self, n):
        with self.lock:
            entry = next((m for m in self.index if m["n"] == n), None)
        if entry is None:
            return None
        with open(os.path.join(self.folder, entry["file"]), "rb") as f:
            msg = email.message_from_bytes(f.read(), policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain",))
        body = part.get_content().replace("\r\n", "\n") if part is not None else ""
        headers = [[k, str(v)] for k, v in msg.items()]
        return dict(entry, headers=headers, body=body)


class Handler:
    """aiosmtpd hooks: bounces, refusal, storing."""

    def __init__(self, store):
        self.store = store

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.store.refuse:
            return REFUSAL
        # A session is counted under the sender of its first message: tests tell their own apart.
        if not getattr(session, "parley_counted", False):
            session.parley_counted = True
            with self.store.lock:
                self.store.sessions_by_sender[address] = self.store.sessions_by_sender.get(address, 0) + 1
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.store.refuse:
            return REFUSAL
        if address.split("@", 1)[0].lower().startswith("bounce"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.store.refuse:
            return REFUSAL
        self.store.add(envelope)
        return "250 2.0.0 OK queued"


class Refusing(asyncio.Protocol):
    """What a new connection meets while refusing: a 421 greeting, then the connection closes."""

    def connection_made(self, transport):
        transport.write((REFUSAL + "\r\n").encode())
        transport.close()


class Counting(SMTP):
    def __init__(self, store, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with store.lock:
            store.sessions += 1


def make_http_handler(store):
    class Api(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet: the messages hold personal data
            pass

        def reply(self, code, value):
            data = json.dumps(value, ensure_ascii=False).encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlparse(self.path)
            parts = [p for p in url.path.split("/") if p]
            if parts == ["messages"]:
                query = parse_qs(url.query)
                with store.lock:
                    items = list(store.index)
                if "message_id" in query:
                    items = [m for m in items if m["message_id"] in query["message_id"]]
                if "to" in query:
                    items = [m for m in items if set(m["rcpt"]) & set(query["to"])]
                return self.reply(200, {"messages": items, "count": len(items)})
            if len(parts) == 2 and parts[0] == "messages" and parts[1].isdigit():
                m = store.message(int(parts[1]))
                return self.reply(200, m) if m else self.reply(404, {"error": "no such message"})
            if parts == ["stats"]:
                with store.lock:
                    stats = {
                        "messages": len(store.index),
                        "sessions": store.sessions,
                        "sessions_by_sender": dict(store.sessions_by_sender),
                        "refusing": store.refuse,
                    }
                return self.reply(200, stats)
            self.reply(404, {"error": "not found"})

        def do_DELETE(self):
            if urlparse(self.path).path.rstrip("/") == "/messages":
                store.clear()
                return self.reply(200, {"cleared": True})
            self.reply(404, {"error": "not found"})

        def do_POST(self):
            if urlparse(self.path).path.rstrip("/") != "/control":
                return self.reply(404, {"error": "not found"})
            try:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                refuse = body["refuse"]
                if not isinstance(refuse, bool):
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return self.reply(400, {"error": 'expected {"refuse": true|false}'})
            store.refuse = refuse
            self.reply(200, {"refusing": refuse})

    return Api


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--ports-file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs peers and recipients

    store = Store(args.dir)
    handler = Handler(store)
    http = ThreadingHTTPServer(("127.0.0.1", args.http_port), make_http_handler(store))
    http.daemon_threads = True
    threading.Thread(target=http.serve_forever, daemon=True).start()

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def protocol():
        if store.refuse:
            return Refusing()
        # A fixed hostname: the default asks DNS for this machine's name on every connection.
        return Counting(store, handler, hostname="parley-mail-catcher", loop=loop)

    server = loop.run_until_complete(loop.create_server(protocol, "127.0.0.1", args.smtp_port))
    smtp_port = server.sockets[0].getsockname()[1]
    if args.ports_file:
        tmp = args.ports_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"smtp": smtp_port, "http": http.server_address[1]}, f)
        os.replace(tmp, args.ports_file)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
        http.shutdown()


if __name__ == "__main__":
    main()
