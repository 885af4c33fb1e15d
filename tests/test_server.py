"""The HTTP API and page: FastAPI's TestClient, limits, and a bounded concurrent burst on loopback."""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

pytest.importorskip("fastapi")
import httpx  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from clockreader.render import render_clock  # noqa: E402
from clockreader.runtime.reader import load_reader  # noqa: E402
from clockreader.server.app import create_app  # noqa: E402
from conftest import serve_in_thread  # noqa: E402


@pytest.fixture(scope="module")
def reader():
    return load_reader()


@pytest.fixture(scope="module")
def client(reader):
    return TestClient(create_app(reader, max_upload_bytes=2_000_000))


def _jpeg(seed=0, size=160) -> bytes:
    buf = io.BytesIO()
    render_clock(seed=seed, size=size).image.save(buf, "JPEG")
    return buf.getvalue()


def test_page_health_and_docs(client):
    r = client.get("/")
    assert r.status_code == 200 and "clockreader" in r.text and "api/v1/read" in r.text
    assert "http://" not in r.text.replace("http://www.w3.org", "")  # no CDN
    h = client.get("/healthz").json()
    assert h["status"] == "ok" and h["input_size"] > 0
    assert "/api/v1/read" in client.get("/openapi.json").json()["paths"]


def test_read_returns_the_reading(client, reader):
    data = _jpeg(5)
    r = client.post("/api/v1/read", files={"file": ("c.jpg", data, "image/jpeg")})
    assert r.status_code == 200
    body = r.json()
    # the service's default pipeline is read_all(locate="auto"), answering with the most confident clock
    expect = max(reader.read_all(data, locate="auto"), key=lambda x: x.confidence)
    assert body["time"] == str(expect) and body["hour"] == expect.hour and body["minute"] == expect.minute
    assert body["error"] is None and body["path"] == "c.jpg" and isinstance(body["alternatives"], list)
    # and ?locate=never reads the whole photo, as reader.read does
    whole = client.post("/api/v1/read?locate=never", files={"file": ("c.jpg", data, "image/jpeg")}).json()
    assert whole["time"] == str(reader.read(data))


@pytest.mark.parametrize("name,data,ctype,status,detail", [
    ("a.txt", b"hello", "text/plain", 415, "unsupported type text/plain"),
    ("a.png", b"hello, not a png", "image/png", 400, "not an image file"),
    ("a.png", b"", "image/png", 400, "empty"),
    ("big.jpg", b"\xff" * 2_000_001, "image/jpeg", 413, "larger than"),
])
def test_errors_are_json_never_traces(client, name, data, ctype, status, detail):
    r = client.post("/api/v1/read", files={"file": (name, data, ctype)})
    assert r.status_code == status and detail in r.json()["detail"] and "Traceback" not in r.text


def test_pixel_bomb_is_413(client):
    buf = io.BytesIO()
    Image.new("1", (12000, 10000)).save(buf, "PNG")
    r = client.post("/api/v1/read", files={"file": ("bomb.png", buf.getvalue(), "image/png")})
    assert r.status_code == 413 and "too large" in r.json()["detail"]


def test_concurrent_burst_on_loopback(reader):
    images = [_jpeg(i, 128) for i in range(4)]
    with serve_in_thread(create_app(reader)) as url:

        def post(i):
            with httpx.Client(timeout=30) as c:
                return c.post(f"{url}api/v1/read", files={"file": (f"{i}.jpg", images[i % 4], "image/jpeg")})

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(post, range(32)))
    assert [r.status_code for r in results] == [200] * 32
    times = {r.json()["path"]: r.json()["time"] for r in results}
    assert times["0.jpg"] == times["4.jpg"] == times["8.jpg"]   # same image, same reading under load
