"""A real HTTP receiver for webhook tests: a ThreadingHTTPServer on 127.0.0.1 (a free port) in a
thread, recording every request. What it answers is set per test: a status and body, or to hold
the request until the test releases it (``hold()`` / ``release()``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


class Receiver:
    def __init__(self):
        self.requests: list[Received] = []
        self.status = 200
        self.answer = "ok"
        self.first_answers: list[tuple[int, str]] = []  # answered in order before status/answer
        self._lock = threading.Lock()
        self._held = threading.Event()
        self._held.set()  # not holding
        self.arrived = threading.Event()  # set when a request has come in (also a held one)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode()
                receiver.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                receiver.arrived.set()
                receiver._held.wait(timeout=60)
                with receiver._lock:
                    status, text = receiver.first_answers.pop(0) if receiver.first_answers else (receiver.status, receiver.answer)
                payload = text.encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "text/plain; charset=utf-8")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "Receiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def answer_with(self, status: int, text: str = "ok") -> None:
        self.status, self.answer = status, text

    def answer_first(self, *answers: tuple[int, str]) -> None:
        """The next requests get these answers, in order; later ones what ``answer_with`` set
        (no race with a sender that retries quickly)."""
        with self._lock:
            self.first_answers = list(answers)

    def hold(self) -> None:
        """Requests wait (unanswered) until release()."""
        self._held.clear()

    def release(self) -> None:
        self._held.set()
