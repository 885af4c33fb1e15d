"""The web page and HTTP API: ``create_app(reader)`` builds the FastAPI app (served by uvicorn).

Routes: ``GET /`` (a page, no build step, no CDN), ``POST /api/v1/read`` (multipart ``file``),
``GET /healthz``, and FastAPI's OpenAPI docs at ``/docs``. Errors come back as JSON ``detail``:
400 bad image, 413 too large (bytes or pixels), 415 unsupported type; never a stack trace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from fastapi import FastAPI, File, HTTPException, UploadFile
from fastapi.responses import HTMLResponse

from .. import __version__
from ..errors import ImageTooLargeError, InvalidImageError
from ..images import MAX_PIXELS

STATIC = Path(__file__).parent / "static"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_ACCEPTED = ("image/", "application/octet-stream")


def create_app(reader, max_upload_bytes: int = MAX_UPLOAD_BYTES) -> FastAPI:
    """A FastAPI app that reads clocks with ``reader`` (a :class:`~clockreader.runtime.reader.ClockReader`)."""
    app = FastAPI(title="clockreader", version=__version__,
                  description="Read the time from photos of analog clocks.")
    page = (STATIC / "index.html").read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return page

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "version": __version__, "model": reader.spec.arch, "input_size": reader.spec.input_size}

    @app.post("/api/v1/read")
    def read(file: UploadFile = File(..., description="a photo of an analog clock"),
             locate: Literal["auto", "always", "never"] = "auto") -> dict:
        """Read one photo. Returns the most confident reading (time, hour, minute, confidence, alternatives,
        box, unsure, error) and ``readings``: every clock found, each with its box."""
        ctype = (file.content_type or "application/octet-stream").lower()
        if not ctype.startswith(_ACCEPTED):
            raise HTTPException(415, f"{file.filename}: unsupported type {ctype}; send an image (JPEG, PNG, WebP, ...)")
        data = file.file.read(max_upload_bytes + 1)
        if len(data) > max_upload_bytes:
            raise HTTPException(413, f"{file.filename}: upload is larger than {max_upload_bytes // (1024 * 1024)} MB")
        try:
            readings = reader.read_all(data, locate=locate)
        except ImageTooLargeError as e:
            raise HTTPException(413, f"{file.filename}: {str(e).split(': ', 1)[-1]} (limit {MAX_PIXELS // 1_000_000} MP)") from None
        except InvalidImageError as e:
            raise HTTPException(400, f"{file.filename}: {str(e).split(': ', 1)[-1]}") from None
        best = max(readings, key=lambda r: r.confidence)
        return {"path": file.filename, **best.to_dict(), "error": None, "readings": [r.to_dict() for r in readings]}

    return app
