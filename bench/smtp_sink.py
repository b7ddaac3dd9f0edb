"""A mail server for benchmarks: speaks enough SMTP for Django's backend and counts what it
accepts, so a run pays for a real SMTP exchange (connection, envelope, DATA) the way a
municipality's relay would make it, instead of printing every mail to the worker's log.

    with SmtpSink() as sink:
        os.environ["EMAIL_URL"] = sink.url
        ...
        sink.messages  # how many were accepted
"""

from __future__ import annotations

import socketserver
import threading
from typing import Any


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._reply("220 bench sink ready")
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self._reply("250-bench sink")
                self._reply("250 8BITMIME")
            elif verb == b"DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                while True:
                    body = self.rfile.readline(1 << 20)
                    if not body or body in (b".\r\n", b".\n"):
                        break
                with self.server.lock:
                    self.server.messages += 1
                self._reply("250 queued")
            elif verb == b"QUIT":
                self._reply("221 bye")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self._reply("250 ok")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.messages = 0


class SmtpSink:
    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self._server.server_address[1]}"

    @property
    def messages(self) -> int:
        return self._server.messages

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
