"""A contractor's webhook receiver: a real HTTP server on this machine, in a thread."""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def signature_valid(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does (the README's recipe)."""
    timestamp = headers["X-Meldpunt-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + expected.hexdigest(), headers["X-Meldpunt-Signature"])


@dataclass
class Receiver:
    """Answers each request with the next status of ``script`` (the last one repeats);
    ``hang=True`` never answers (until stopped); ``delay`` answers that many seconds late."""

    script: list[int] = field(default_factory=lambda: [200])
    hang: bool = False
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._release = threading.Event()
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._arrived:
                    receiver.received.append(Received(dict(self.headers.items()), body))
                    number = len(receiver.received)
                    receiver._arrived.notify_all()
                if receiver.hang:
                    receiver._release.wait(30)
                    return
                if receiver.delay:
                    receiver._release.wait(receiver.delay)
                status = receiver.script[min(number, len(receiver.script)) - 1]
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"try again later")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/meldpunt"

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.received) >= count, timeout)
        return list(self.received)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
