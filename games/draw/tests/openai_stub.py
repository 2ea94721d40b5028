"""A local stand-in for OpenAI's Chat Completions API, so the prompt tests make real HTTP calls, offline.

``with OpenAIStub(mode) as stub:`` serves ``POST {stub.base_url}/chat/completions`` on 127.0.0.1 from a thread
and records every request. Modes: good, malformed (not JSON), wrong_shape (the seed's JSON), slow, error (500).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal

Mode = Literal["good", "malformed", "wrong_shape", "slow", "error"]

GOOD_ANSWER: dict[str, Any] = {
    "theme": "A picnic in the park",
    "parts": [
        {"name": name, "prompts": [f"Draw {thing}", "Add some colour", "Add a small detail", "Add a shadow"]}
        for name, thing in [
            ("Blanket", "a checked picnic blanket"),
            ("Basket", "a wicker basket"),
            ("Tree", "a big shady tree"),
            ("Sky", "a sunny sky"),
            ("Pond", "a pond with ducks"),
            ("Dog", "a dog chasing a ball"),
            ("Kite", "a kite in the air"),
            ("Path", "a path with a bench"),
        ]
    ],
}
WRONG_SHAPE: dict[str, Any] = {"player1": ["Draw the sky", "Add a sun"], "player2": ["Draw the ground", "Add grass"]}
MALFORMED = "Sure! Here is a theme: a picnic. Player 1 draws the blanket..."


@dataclass
class Received:
    """One request the stub received: its path, headers (names in lower case) and JSON body."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class OpenAIStub:
    """The server and its knobs: ``mode``, ``content`` (overrides a good answer's text) and ``delay`` (slow mode)."""

    mode: Mode = "good"
    content: str | None = None
    delay: float = 5.0
    requests: list[Received] = field(default_factory=list)
    _release: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """What to pass as the client's ``base_url``."""
        assert self._server is not None, "the stub is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def answer(self) -> str:
        """The message content a good (or slow) answer carries."""
        if self.content is not None:
            return self.content
        return {"malformed": MALFORMED, "wrong_shape": json.dumps(WRONG_SHAPE)}.get(self.mode, json.dumps(GOOD_ANSWER))

    def __enter__(self) -> OpenAIStub:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="openai-stub", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._release.set()  # slow requests answer at once, so closing joins no sleeping thread
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def completion(content: str, model: str) -> dict[str, Any]:
    """A Chat Completions response body carrying ``content`` as the assistant's message."""
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 200, "total_tokens": 300},
    }


def _handler(stub: OpenAIStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = json.loads(raw or b"{}")
            headers = {name.lower(): value for name, value in self.headers.items()}
            stub.requests.append(Received(self.path, headers, body))
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._reply(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
            elif stub.mode == "error":
                self._reply(500, {"error": {"message": "the stub failed on purpose", "type": "server_error"}})
            else:
                if stub.mode == "slow":
                    stub._release.wait(stub.delay)
                self._reply(200, completion(stub.answer(), str(body.get("model", ""))))

        def _reply(self, status: int, data: dict[str, Any]) -> None:
            payload = json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (slow mode): nothing to tell it

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    return Handler
