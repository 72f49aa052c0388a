"""A real HTTP server on 127.0.0.1 that records webhook payloads and can fail or hang on request."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Recorder:
    """What the server received, and how it should answer the next requests."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.statuses: list[int] = []  # answers to give, in order; then 200
        self.delay = 0.0


@contextmanager
def webhook_server() -> Iterator[tuple[str, Recorder]]:
    """Serve on a free port; yields the base URL and the recorder."""
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            recorder.paths.append(self.path)
            recorder.payloads.append(json.loads(body))
            if recorder.delay:
                time.sleep(recorder.delay)
            status = recorder.statuses.pop(0) if recorder.statuses else 200
            try:
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"error")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", recorder
    finally:
        server.shutdown()
        server.server_close()
