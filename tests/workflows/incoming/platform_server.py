"""A small edXML exchange platform for the tests: a real HTTP server on 127.0.0.1 speaking the VXP-style REST
interface `HttpTransport` uses (sendEdoc, getReceivedEdocList, getEdoc, updateStatus), checking each request's
system id, timestamp and HMAC-SHA256 signature, and delivering what one unit sends to the unit it names."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from base64 import b64encode
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Message:
    id: str
    sender: str
    to: str
    kind: str
    data: bytes
    state: str = "new"  # new | done | fail


@dataclass
class Platform:
    units: dict[str, tuple[str, str]]  # OrganId -> (system id, secret)
    messages: dict[str, Message] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (path, OrganId)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def inbox(self, organ_id: str) -> list[Message]:
        return [m for m in self.messages.values() if m.to == organ_id and m.state == "new"]


def _handler(platform: Platform):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, payload: dict, status: int = 200) -> None:
            self._answer(status, json.dumps(payload).encode())

        def _unit(self) -> str | None:
            organ_id = self.headers.get("from", "")
            system_id, timestamp, signature = (self.headers.get(h, "") for h in ("systemId", "timestamp", "signature"))
            expected = platform.units.get(organ_id)
            if expected is None or expected[0] != system_id or not timestamp.isdigit():
                return None
            if abs(time.time() * 1000 - int(timestamp)) > 5 * 60 * 1000:
                return None
            mac = hmac.new(expected[1].encode(), f"{system_id}{timestamp}".encode(), hashlib.sha256).digest()
            return organ_id if hmac.compare_digest(b64encode(mac).decode(), signature) else None

        def _route(self, method: str) -> None:
            path = self.path.rsplit("/", 1)[-1]
            unit = self._unit()
            with platform.lock:
                platform.calls.append((path, unit or "?"))
            if unit is None:
                return self._json({"status": "FAIL", "ErrorDesc": "bad credentials"}, 401)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with platform.lock:
                if method == "POST" and path == "sendEdoc":
                    to = self.headers.get("to", "")
                    if to not in platform.units:
                        return self._json({"status": "FAIL", "ErrorDesc": f"unknown unit {to}"})
                    doc_id = f"doc-{next(platform._ids)}"
                    platform.messages[doc_id] = Message(
                        id=doc_id, sender=unit, to=to, kind=self.headers.get("messagetype", ""), data=body
                    )
                    return self._json({"status": "OK", "DocId": doc_id})
                if method == "GET" and path == "getReceivedEdocList":
                    items = [{"id": m.id, "from": m.sender, "messagetype": m.kind} for m in platform.inbox(unit)]
                    return self._json({"status": "OK", "data": items})
                message = platform.messages.get(self.headers.get("docId", ""))
                if message is None or message.to != unit:
                    return self._json({"status": "FAIL", "ErrorDesc": "no such document"}, 404)
                if method == "GET" and path == "getEdoc":
                    return self._answer(200, message.data, "application/xml")
                if method == "POST" and path == "updateStatus":
                    message.state = self.headers.get("status", "")
                    return self._json({"status": "OK"})
            return self._json({"status": "FAIL", "ErrorDesc": "unknown operation"}, 404)

        def do_GET(self):  # noqa: N802
            self._route("GET")

        def do_POST(self):  # noqa: N802
            self._route("POST")

    return Handler


class PlatformServer:
    def __init__(self, units: dict[str, tuple[str, str]]) -> None:
        self.platform = Platform(units=units)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.platform))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
