"""The HTTP face: a JSON API and a chat page over one KnowledgeBase (``askdefector serve``).

Only request checking, one library call per route and JSON shaping live here; the model and the
index are loaded once, before the first request, and shared by every client. The server never
writes: questions are answered from the index as it was when the server started.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import re
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, TypeVar

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.responses import JSONResponse as _StarletteJSON
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .knowledge import MAX_QUESTION_CHARS, KnowledgeBase
from .render import answer_dict, safe_json
from .stores.columns import DamagedText
from .types import Hit

T = TypeVar("T")

STATIC = Path(__file__).parent / "static"
MAX_BODY = 64 * 1024  # bytes of a request body: a question, its history and k fit many times over
MAX_HISTORY = 50  # earlier questions sent with a follow-up
MAX_K = 10  # quotes or hits per request
# The page loads nothing from elsewhere and runs no inline script: article text can't become code.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
     b"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class JSONResponse(_StarletteJSON):
    """JSON as every face prints it: control and bidi characters escaped (``render.safe_json``)."""

    def render(self, content: object) -> bytes:
        return safe_json(content).encode("utf-8")


class ApiError(Exception):
    """A request the API refuses: sent as ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def create_app(kb: KnowledgeBase, corpus: str = "", store: str = "local", workers: int | None = None) -> Starlette:
    """The ASGI app serving ``kb``; ``corpus`` and ``store`` name them in ``/api/health``.

    At most ``workers`` questions (default: one per core) run in the engine at once; the others
    wait their turn, which keeps answers fast under load instead of sharing the cores out thinly."""
    limiter = anyio.CapacityLimiter(workers or os.cpu_count() or 1)

    async def _engine(fn: Callable[..., T], *args: object) -> T:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args), limiter=limiter)

    async def ask(request: Request) -> Response:
        payload = await _json_object(request)
        question = _question(payload.get("question"))
        history = _history(payload.get("history", []))
        k = _k(payload.get("k", 3))
        answer = await _engine(kb.ask, question, history, k)
        return JSONResponse(answer_dict(answer))

    async def search(request: Request) -> Response:
        query = _question(request.query_params.get("q"))
        k = _k(request.query_params.get("k", "5"), from_text=True)
        hits = await _engine(kb.search, query, k)
        return JSONResponse({"query": query, "hits": [_hit_dict(h) for h in hits]})

    async def document(request: Request) -> Response:
        # Only the loaded documents are looked up by id: no id ever becomes a file path.
        try:
            doc = kb.document(request.path_params["doc_id"])
        except DamagedText as exc:
            raise ApiError(500, f"{exc}: run askdefector index") from None
        if doc is None:
            raise ApiError(404, "no document with that id")
        return JSONResponse(
            {"id": doc.id, "title": doc.title, "outlet": doc.outlet, "authors": list(doc.authors), "date": doc.date, "text": doc.text}
        )

    async def health(request: Request) -> Response:
        report = kb.report
        return JSONResponse(
            {
                "status": "ok",
                "corpus": corpus,
                "documents": report.documents,
                "passages": report.passages,
                "sentences": report.sentences,
                "model": kb.embedder.model_id,
                "store": store,
            }
        )

    async def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})

    routes = [
        Route("/", page),
        Route("/api/ask", ask, methods=["POST"]),
        Route("/api/search", search),
        Route("/api/documents/{doc_id:path}", document),
        Route("/api/health", health),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    handlers = {ApiError: _api_error, HTTPException: _http_error}
    return Starlette(routes=routes, middleware=[Middleware(_Guard)], exception_handlers=handlers)


# -- request checking --------------------------------------------------------------------------


async def _json_object(request: Request) -> dict:
    declared = request.headers.get("content-length", "")
    if re.fullmatch("[0-9]+", declared) and (len(declared) > 12 or int(declared) > MAX_BODY):
        raise ApiError(413, f"the request body is over {MAX_BODY} bytes")
    body = bytearray()
    async for chunk in request.stream():  # a body sent without a length is counted as it comes
        body += chunk
        if len(body) > MAX_BODY:
            raise ApiError(413, f"the request body is over {MAX_BODY} bytes")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: brackets nested thousands deep
        raise ApiError(400, "the body must be a JSON object, e.g. {\"question\": \"Who shot him?\"}") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "the body must be a JSON object, e.g. {\"question\": \"Who shot him?\"}")
    return payload


def _question(value: object) -> str:
    if value is None:
        raise ApiError(400, "the question is missing")
    if not isinstance(value, str):
        raise ApiError(400, "the question must be a string")
    if not value.strip():
        raise ApiError(400, "the question is empty")
    if len(value) > MAX_QUESTION_CHARS:
        raise ApiError(400, f"the question is over {MAX_QUESTION_CHARS} characters")
    return value


def _history(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        raise ApiError(400, "history must be a list of the earlier questions (strings)")
    if len(value) > MAX_HISTORY or any(len(h) > MAX_QUESTION_CHARS for h in value):
        raise ApiError(400, f"history holds at most {MAX_HISTORY} questions of at most {MAX_QUESTION_CHARS} characters")
    return value


def _k(value: object, from_text: bool = False) -> int:
    # ASCII digits only, and few: int() refuses "²" and numbers of over 4,300 digits
    if from_text and isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,9}\s*", value):
        value = int(value)
    if type(value) is not int or not 1 <= value <= MAX_K:
        raise ApiError(400, f"k must be a whole number from 1 to {MAX_K}")
    return value


def _hit_dict(hit: Hit) -> dict[str, object]:
    return {
        "text": hit.text,
        "doc_id": hit.doc_id,
        "title": hit.title,
        "outlet": hit.outlet,
        "paragraph": hit.paragraph,
        "start": hit.start,
        "end": hit.end,
        "score": round(hit.score, 6),
    }


# -- errors: always JSON, never a traceback ----------------------------------------------------


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse({"error": exc.message}, status_code=exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": str(exc.detail).lower()}, status_code=exc.status_code, headers=exc.headers)


class _Guard:
    """Adds ``SECURITY_HEADERS`` to every response, and answers an unforeseen error with a JSON
    500 and one line on stderr: Starlette's own handler for it re-raises, so the server would
    print a traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            print(f"askdefector: error answering {scope.get('path', '')!r}: {type(exc).__name__}: {exc}", file=sys.stderr)
            if not started:
                response = JSONResponse({"error": "internal error: the server could not answer"}, status_code=500)
                await response(scope, receive, send_with_headers)


# -- running -----------------------------------------------------------------------------------


def prepare(kb: KnowledgeBase) -> None:
    """Ready ``kb`` for many questions at once: one thread per question inside the model and the
    BLAS (questions run in parallel instead), and the question encoder loaded before the first
    client waits on it, and the reader too (benchmarks/load.py measures the difference)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    kb.embed_question("warm-up")
    if kb.reader is not None:
        kb.reader.threads = 1
        kb.reader.read("warm-up", [("", "warm-up")])


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (port 0: any free one), for uvicorn to serve on."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)  # clients that connect before uvicorn starts wait in the queue
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(app: Starlette, sock: socket.socket, out: TextIO = sys.stderr) -> None:
    """Serve ``app`` on ``sock`` until Ctrl-C or SIGTERM."""
    import uvicorn

    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    if not is_loopback(host):
        print(f"askdefector: warning: listening on {host}: anyone who can reach this machine can ask", file=out)
    print(f"askdefector: serving on http://{shown}:{port}/ (Ctrl-C to stop)", file=out, flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", server_header=False)
    uvicorn.Server(config).run(sockets=[sock])
