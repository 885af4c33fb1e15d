"""The web page and HTTP API: ``create_app(reader)`` builds the FastAPI app (served by uvicorn).

Routes: ``GET /`` (one static page, no build step, no CDN; its script and style are ``/static/app.js`` and
``/static/app.css``), ``POST /api/v1/read`` (multipart ``file``), ``GET /healthz``, and the OpenAPI docs at
``/docs`` (Swagger UI served from the ``fastapi-offline`` package's files, so it works offline).

Every error is JSON ``{"detail": ...}``, 500 included, and never a stack trace: 400 bad image, 408 upload
stalled, 413 too large (the body is counted while it streams and refused at once from its Content-Length, so
an oversized upload is never spooled to disk; or too many pixels), 415 unsupported type, 503 busy (with
Retry-After). Every response carries security headers and a Content-Security-Policy the page satisfies.
:func:`serve_options` are the uvicorn settings ``clockreader serve`` runs with (keep-alive and header timeouts).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import threading
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, File, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import ImageTooLargeError, InvalidImageError
from ..runtime.reading import error_dict

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MULTIPART_OVERHEAD = 64 * 1024     # the form's boundaries and part headers, on top of the file itself
MAX_CONCURRENT = 32                # requests to the read route at once (uploading or waiting); over it: 503
# of those, images decoded and read at once (the rest wait their turn): more than the cores buys no speed (ONNX
# Runtime already uses them all in one read), only memory
MAX_READS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
READ_WAIT_S = 30.0                 # a request that waits longer than this for its turn gets 503
BODY_TIMEOUT_S = 30.0              # an upload that sends nothing for this long gets 408
RETRY_AFTER_S = 2
READ_PATH = "/api/v1/read"
DOCS_ASSETS = "/docs-assets"
_ACCEPTED = ("image/", "application/octet-stream")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
       "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


def _mb(n: int) -> str:
    return f"{n // 2**20} MB" if n % 2**20 == 0 else f"{n:,} bytes"


def _reason(e: Exception) -> str:
    """An image error's message without the input's placeholder name (``<SpooledTemporaryFile>: ...``)."""
    return str(e).split(": ", 1)[-1]


async def _send_json(send, status: int, detail: str, headers: dict | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), str(v).encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class _BodyError(StarletteHTTPException):
    """Raised from ``receive`` while the body streams; FastAPI passes HTTP exceptions from there through."""


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response that does not set them itself."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in SECURITY_HEADERS.items():
                    headers.setdefault(k, v)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _TrackedSend:
    """An ASGI ``send`` that remembers whether the response has started (after which no error response fits)."""

    def __init__(self, send):
        self.send, self.started = send, False

    async def __call__(self, message):
        self.started = self.started or message["type"] == "http.response.start"
        await self.send(message)


class CatchAll:
    """Any exception that escapes the app becomes a JSON 500 (logged with its traceback on the server), sent
    as a complete response, so uvicorn keeps the keep-alive connection instead of dropping it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        tracked = _TrackedSend(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception as e:  # noqa: BLE001 - the last line of defence: nothing leaks a trace to the client
            log.exception("clockreader server: unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if tracked.started:
                raise
            await _send_json(send, 500, f"internal error ({type(e).__name__}); the server log has the details")


class UploadGuard:
    """Bounds what a request may cost before any of it is parsed.

    * Body size: a Content-Length over ``max_body`` is answered 413 at once, without reading the body; a
      body without one is counted as it streams and refused the moment it passes ``max_body``, so the
      multipart parser never spools more than that to disk.
    * Stalls: a body that sends nothing for ``body_timeout`` seconds is answered 408.
    * Concurrency: at most ``max_concurrent`` requests to the read route at once; over it, 503 with Retry-After.
    """

    def __init__(self, app, max_body: int, max_concurrent: int, body_timeout: float, limit_text: str):
        self.app, self.max_body, self.max_concurrent = app, max_body, max_concurrent
        self.body_timeout, self.limit_text = body_timeout, limit_text
        self.active = 0
        self._lock = threading.Lock()   # TestClient runs requests on several event loops

    def _too_large(self) -> str:
        return f"upload is larger than {self.limit_text}"

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            length = int(Headers(scope=scope).get("content-length", "0"))
        except ValueError:
            length = 0
        if length > self.max_body:
            return await _send_json(send, 413, self._too_large(), {"connection": "close"})
        counted = scope["method"] == "POST" and scope["path"].endswith(READ_PATH)
        if counted:
            with self._lock:
                busy = self.active >= self.max_concurrent
                if not busy:
                    self.active += 1
            if busy:
                return await _send_json(send, 503, f"the server is busy ({self.max_concurrent} reads in progress); "
                                        f"try again in {RETRY_AFTER_S} s", {"retry-after": RETRY_AFTER_S})
        total, done = 0, False

        async def limited_receive():
            nonlocal total, done
            if done:   # the body is in: what is left is waiting for a disconnect, which has no time limit
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout)
            except asyncio.TimeoutError:
                raise _BodyError(408, f"the upload stalled (nothing received for {self.body_timeout:g} s)") from None
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                done = not message.get("more_body", False)
                if total > self.max_body:
                    raise _BodyError(413, self._too_large())
            return message

        tracked = _TrackedSend(send)
        try:
            await self.app(scope, limited_receive, tracked)
        except _BodyError as e:   # raised where no handler turned it into a response
            if tracked.started:
                raise
            await _send_json(send, e.status_code, e.detail, {"connection": "close"})
        finally:
            if counted:
                with self._lock:
                    self.active -= 1


def _docs_assets() -> Path | None:
    try:
        import fastapi_offline
    except ImportError:
        return None
    path = Path(fastapi_offline.__file__).parent / "static"
    return path if (path / "swagger-ui-bundle.js").is_file() else None


def create_app(reader, max_upload_bytes: int = MAX_UPLOAD_BYTES, max_concurrent: int = MAX_CONCURRENT,
               max_reads: int = MAX_READS, read_wait: float = READ_WAIT_S, body_timeout: float = BODY_TIMEOUT_S) -> FastAPI:
    """A FastAPI app that reads clocks with ``reader`` (a :class:`~clockreader.runtime.reader.ClockReader`).

    ``max_upload_bytes``: the largest image accepted; ``max_concurrent``: requests to the read route at once
    (over it, 503); ``max_reads``: images decoded and read at once, the others waiting up to ``read_wait``
    seconds for their turn (then 503); ``body_timeout``: seconds an upload may send nothing (then 408).
    """
    app = FastAPI(title="clockreader", version=__version__, docs_url=None, redoc_url=None,
                  description="Read the time from photos of analog clocks.")
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    slots = threading.BoundedSemaphore(max_reads)
    assets = _docs_assets()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return page

    @app.get("/docs", include_in_schema=False)
    def docs():
        if assets is None:
            return JSONResponse({"detail": 'the API docs need fastapi-offline: pip install "clockreader[serve]"'}, 404)
        return FileResponse(STATIC / "docs.html", media_type="text/html")

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "version": __version__, "model": reader.spec.arch, "input_size": reader.spec.input_size}

    def fail(status: int, name: str, message: str, headers: dict | None = None) -> JSONResponse:
        msg = f"{name}: {message}"
        return JSONResponse({"detail": msg, "path": name, **error_dict(msg)}, status, headers=headers)

    @app.post(READ_PATH, responses={s: {"description": d} for s, d in (
        (400, "not an image"), (408, "upload stalled"), (413, "too large (bytes or pixels)"),
        (415, "not an image type"), (503, "busy: try again after Retry-After seconds"))})
    def read(file: UploadFile = File(..., description="a photo of an analog clock"),
             locate: Literal["auto", "always", "never"] = "auto") -> dict:
        """Read one photo. Returns the best clock (the one read most surely, as ``clockreader read`` and
        ``read_time`` give): ``status`` (ok, unsure, no clock), time, hour, minute, confidence, alternatives,
        box, unsure, error; and ``readings``: every clock found, each with its box. An error answers
        ``detail`` (and the same row with ``status`` error)."""
        name = file.filename or "upload"
        ctype = (file.content_type or "application/octet-stream").lower()
        if not ctype.startswith(_ACCEPTED):
            return fail(415, name, f"unsupported type {ctype}; send an image (JPEG, PNG, WebP, ...)")
        size = file.size if file.size is not None else file.file.seek(0, 2)
        if size > max_upload_bytes:
            return fail(413, name, f"upload is larger than {_mb(max_upload_bytes)}")
        if size == 0:
            return fail(400, name, "empty upload (0 bytes)")
        if not slots.acquire(timeout=read_wait):
            return fail(503, name, f"the server is busy; try again in {RETRY_AFTER_S} s", {"retry-after": str(RETRY_AFTER_S)})
        try:
            file.file.seek(0)
            readings = reader.read_all(file.file, locate=locate)
        except ImageTooLargeError as e:
            return fail(413, name, _reason(e))
        except InvalidImageError as e:
            return fail(400, name, _reason(e))
        finally:
            slots.release()
        best = readings[0]   # the clock read most surely, as read_time and `clockreader read` answer
        return {"path": name, **best.to_dict(), "error": None, "readings": [r.to_dict() for r in readings]}

    if assets is not None:
        app.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # outermost last: security headers on everything, then the JSON 500, then the upload limits
    app.add_middleware(UploadGuard, max_body=max_upload_bytes + MULTIPART_OVERHEAD, max_concurrent=max_concurrent,
                       body_timeout=body_timeout, limit_text=_mb(max_upload_bytes))
    app.add_middleware(CatchAll)
    app.add_middleware(SecurityHeaders)
    return app


HEADER_TIMEOUT_S = 10.0
KEEP_ALIVE_S = 5
MAX_HEADER_BYTES = 16 * 1024


def _h11_with_header_timeout(seconds: float):
    """uvicorn's h11 protocol, closing a connection whose request headers are not complete ``seconds`` after
    it opened or after its previous response (uvicorn has no header timeout of its own: a client that
    trickles a header every few seconds would otherwise hold the connection for ever)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class H11WithHeaderTimeout(H11Protocol):
        header_timeout = seconds
        _header_timer = None

        def connection_made(self, transport):
            super().connection_made(transport)
            self._arm_header_timer()

        def on_response_complete(self):
            super().on_response_complete()
            self._arm_header_timer()

        def connection_lost(self, exc):
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None
            super().connection_lost(exc)

        def _arm_header_timer(self):
            if self._header_timer is not None:
                self._header_timer.cancel()
            self._header_timer = None
            if not self.transport.is_closing():
                self._header_timer = self.loop.call_later(self.header_timeout, self._on_header_timeout)

        def _on_header_timeout(self):
            self._header_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return H11WithHeaderTimeout


def serve_options(header_timeout: float = HEADER_TIMEOUT_S, keep_alive: int = KEEP_ALIVE_S) -> dict:
    """The uvicorn settings ``clockreader serve`` uses, so slow clients cannot hold connections: h11 with a
    header timeout, a short keep-alive, a cap on the header size; only those the installed uvicorn knows."""
    import uvicorn

    wanted = {"http": _h11_with_header_timeout(header_timeout), "timeout_keep_alive": keep_alive,
              "h11_max_incomplete_event_size": MAX_HEADER_BYTES, "timeout_graceful_shutdown": 10}
    known = inspect.signature(uvicorn.Config.__init__).parameters
    return {k: v for k, v in wanted.items() if k in known}
