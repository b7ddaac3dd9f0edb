"""An SMTP server on loopback that keeps every message it accepts: the mail relay (outside the
machine in production) of a stack the test runs in processes of its own, where Django's
locmem outbox cannot see."""

import email
import socketserver
import threading
from email.message import Message


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                sink._converse(self.rfile, self.wfile)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def received(self) -> list[Message]:
        with self._lock:
            return list(self.messages)

    def _converse(self, rfile, wfile) -> None:
        def reply(text: str) -> None:
            wfile.write(text.encode() + b"\r\n")
            wfile.flush()

        reply("220 sink ESMTP")
        for raw in iter(rfile.readline, b""):
            verb = raw[:4].upper()
            if verb == b"EHLO":
                reply("250-sink\r\n250 8BITMIME")
            elif verb == b"DATA":
                reply("354 end with <CRLF>.<CRLF>")
                lines = []
                for line in iter(rfile.readline, b""):
                    if line in (b".\r\n", b".\n"):
                        break
                    # RFC 5321 4.5.2: a leading dot was doubled by the client.
                    lines.append(line[1:] if line.startswith(b"..") else line)
                message = email.message_from_bytes(b"".join(lines))
                with self._lock:
                    self.messages.append(message)
                reply("250 accepted")
            elif verb == b"QUIT":
                reply("221 bye")
                return
            elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                reply("250 ok")
            else:
                reply("502 not implemented")
