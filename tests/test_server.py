"""The HTTP API and page: FastAPI's TestClient, limits, security headers, offline docs, and loopback servers."""

import argparse
import asyncio
import contextlib
import http.client
import io
import re
import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from PIL import Image

pytest.importorskip("fastapi")
import httpx  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from clockreader.render import render_clock  # noqa: E402
from clockreader.runtime.reader import load_reader  # noqa: E402
from clockreader.runtime.reading import Reading  # noqa: E402
from clockreader.server.app import STATIC, create_app  # noqa: E402
from conftest import serve_in_thread  # noqa: E402

MB = 1024 * 1024


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


class FakeReader:
    """Stands in for ClockReader: answers ``readings``, or raises ``exc``, after ``gate`` opens."""

    spec = SimpleNamespace(arch="fake", input_size=64)

    def __init__(self, readings=None, exc=None, gate=None):
        self.readings = readings or [Reading(10, 10, 0.9, [], False, (1.0, 2.0, 30.0, 40.0))]
        self.exc, self.gate, self.entered = exc, gate, 0
        self._lock = threading.Lock()

    def read_all(self, image, locate="auto"):
        with self._lock:
            self.entered += 1
        if self.gate is not None:
            self.gate.wait(20)
        if self.exc is not None:
            raise self.exc
        return self.readings


@contextlib.contextmanager
def serve_with(app, **options):
    """As conftest's serve_in_thread, with uvicorn options (here: :func:`serve_options`)."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", **options))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    try:
        deadline = time.time() + 20
        while not server.started and time.time() < deadline:
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        yield port
    finally:
        server.should_exit = True
        th.join(timeout=10)


def _post(url, name, data, ctype="image/jpeg", timeout=30):
    with httpx.Client(timeout=timeout) as c:
        return c.post(f"{url}api/v1/read", files={"file": (name, data, ctype)})


# -- the page, the docs, the reading -------------------------------------------------------------------------------


def test_page_health_and_docs(client):
    r = client.get("/")
    assert r.status_code == 200 and "clockreader" in r.text and "api/v1/read" in r.text
    assert "http://" not in r.text and "https://" not in r.text  # no CDN
    h = client.get("/healthz").json()
    assert h["status"] == "ok" and h["input_size"] > 0
    assert "/api/v1/read" in client.get("/openapi.json").json()["paths"]


def test_docs_work_offline(client):
    """/docs used to load Swagger UI from a CDN; now from the app itself, and every asset it names answers."""
    r = client.get("/docs")
    assert r.status_code == 200 and "swagger-ui" in r.text
    assert "http://" not in r.text and "https://" not in r.text and "//" not in r.text.replace("<!--", "")
    refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert len(refs) >= 3
    for ref in refs:
        got = client.get("/" + ref.lstrip("/"))
        assert got.status_code == 200 and len(got.content) > 0, ref
        if ref.endswith(".js") and "bundle" not in ref:
            assert "http" not in got.text, ref   # our init script: nothing from outside (no validator badge)
    assert client.get("/openapi.json").status_code == 200


def test_page_has_no_inline_script_or_style():
    """The strict CSP (script-src/style-src 'self') would block inline code; the page must not need any."""
    for name in ("index.html", "docs.html"):
        html = (STATIC / name).read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), name
        assert "<style" not in html and " style=" not in html, name
        assert not re.search(r"\son[a-z]+=", html), name   # no inline event handlers


def test_example_clocks_are_served(client):
    page = client.get("/").text
    examples = sorted(set(re.findall(r"static/example-\d\.jpg", page)))
    assert len(examples) == 3
    for ex in examples:
        r = client.get("/" + ex)
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg" and len(r.content) < 16_000
        assert Image.open(io.BytesIO(r.content)).size == (192, 192)
    for asset in ("static/app.js", "static/app.css"):
        assert asset in page and client.get("/" + asset).status_code == 200


def test_read_returns_the_reading(client, reader):
    data = _jpeg(5)
    r = client.post("/api/v1/read", files={"file": ("c.jpg", data, "image/jpeg")})
    assert r.status_code == 200
    body = r.json()
    # the service's default pipeline is read_all(locate="auto"), answering with its first (most likely) clock
    readings = reader.read_all(data, locate="auto")
    expect = readings[0]
    assert body["time"] == str(expect) and body["hour"] == expect.hour and body["minute"] == expect.minute
    assert body["status"] == expect.status and body["error"] is None and body["path"] == "c.jpg"
    assert isinstance(body["alternatives"], list)
    assert body["readings"] == [x.to_dict() for x in readings]
    # and ?locate=never reads the whole photo, as reader.read does
    whole = client.post("/api/v1/read?locate=never", files={"file": ("c.jpg", data, "image/jpeg")}).json()
    assert whole["time"] == str(reader.read(data))


def test_the_answer_is_the_locators_first_clock_not_the_most_confident():
    readings = [Reading(10, 10, 0.3, [], True, (0.0, 0.0, 50.0, 50.0)), Reading(3, 0, 0.95, [], False, (60.0, 0.0, 90.0, 30.0))]
    c = TestClient(create_app(FakeReader(readings)))
    body = c.post("/api/v1/read", files={"file": ("two.jpg", b"xx", "image/jpeg")}).json()
    assert body["time"] == "10:10" and body["status"] == "unsure" and body["box"] == [0.0, 0.0, 50.0, 50.0]
    assert [x["time"] for x in body["readings"]] == ["10:10", "3:00"]
    assert [x["box"] for x in body["readings"]] == [[0.0, 0.0, 50.0, 50.0], [60.0, 0.0, 90.0, 30.0]]


# -- errors ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,data,ctype,status,detail", [
    ("a.txt", b"hello", "text/plain", 415, "unsupported type text/plain"),
    ("a.png", b"hello, not a png", "image/png", 400, "not an image file"),
    ("a.png", b"", "image/png", 400, "empty"),
    ("big.jpg", b"\xff" * 2_000_001, "image/jpeg", 413, "larger than"),
])
def test_errors_are_json_never_traces(client, name, data, ctype, status, detail):
    r = client.post("/api/v1/read", files={"file": (name, data, ctype)})
    assert r.status_code == status and detail in r.json()["detail"] and "Traceback" not in r.text
    body = r.json()
    assert body["status"] == "error" and body["error"] == body["detail"] and body["path"] == name


def test_pixel_bomb_is_413_and_says_its_limit_once(client):
    buf = io.BytesIO()
    Image.new("1", (12000, 10000)).save(buf, "PNG")
    r = client.post("/api/v1/read", files={"file": ("bomb.png", buf.getvalue(), "image/png")})
    detail = r.json()["detail"]
    assert r.status_code == 413 and "too large" in detail
    assert detail.count("100 MP") == 1 and detail.count("limit") == 1, detail   # it used to say the limit twice
    assert detail.startswith("bomb.png: ") and detail.count("bomb.png") == 1


def _dds(fourcc=b"ZZZZ", size=16) -> bytes:
    """A DDS file with a pixel format Pillow does not implement (it raised NotImplementedError)."""
    pf = struct.pack("<II4sIIIII", 32, 0x4, fourcc, 0, 0, 0, 0, 0)
    header = struct.pack("<IIIIIII", 124, 0x1007, size, size, 0, 0, 0) + b"\0" * 44 + pf + struct.pack("<IIIII", 0x1000, 0, 0, 0, 0)
    return b"DDS " + header + b"\0" * (size * size * 4)


def test_a_crafted_dds_named_jpg_is_a_json_error(client):
    r = client.post("/api/v1/read", files={"file": ("photo.jpg", _dds(), "image/jpeg")})
    assert r.status_code == 400 and r.json()["detail"].startswith("photo.jpg") and "Traceback" not in r.text


def test_an_unexpected_error_is_json_500_and_keeps_the_connection():
    """A decoder bug (Pillow raising NotImplementedError) used to give a plain-text 500 and a dropped
    keep-alive connection; now it is JSON, and the connection serves the next request."""
    app = create_app(FakeReader(exc=NotImplementedError("Unimplemented pixel format b'ZZZZ'")))
    r = TestClient(app, raise_server_exceptions=False).post("/api/v1/read", files={"file": ("x.jpg", b"xx", "image/jpeg")})
    assert r.status_code == 500 and "NotImplementedError" in r.json()["detail"] and "Traceback" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    body, boundary = _multipart("x.jpg", b"xx")
    with serve_with(app) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        socks = []
        for _ in range(2):
            conn.request("POST", "/api/v1/read", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
            resp = conn.getresponse()
            got = resp.read()
            socks.append(conn.sock)
            assert resp.status == 500 and b"detail" in got and b"Traceback" not in got
        assert socks[0] is socks[1] and socks[0] is not None   # one keep-alive connection for both
        conn.close()


# -- limits ----------------------------------------------------------------------------------------------------------


def _multipart(name, data, boundary="XBOUNDARYX"):
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), boundary


def _asgi_post(app, chunks, headers):
    """POST ``chunks`` (an iterator of bytes) to the read route at the ASGI level; returns (status, body, pulled)."""
    pulled, sent = 0, []

    async def receive():
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.disconnect"}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/v1/read", "raw_path": b"/api/v1/read", "root_path": "", "query_string": b"",
             "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 1234), "server": ("127.0.0.1", 80)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, pulled


def _huge_upload(total=300 * MB, boundary="XBOUNDARYX"):
    yield _multipart("huge.jpg", b"", boundary)[0][:-len(f"\r\n--{boundary}--\r\n")]
    block = b"\0" * MB
    for _ in range(total // MB):
        yield block


def test_upload_limit_is_enforced_while_the_body_streams(reader):
    """A 300 MB body without Content-Length: refused once it passes the limit, not after spooling it all."""
    app = create_app(reader, max_upload_bytes=2 * MB)
    status, body, pulled = _asgi_post(app, _huge_upload(), {"content-type": "multipart/form-data; boundary=XBOUNDARYX"})
    assert status == 413 and b"larger than 2 MB" in body
    assert pulled < 4 * MB, f"the app read {pulled / MB:.0f} MB of the body before refusing it"


def test_upload_limit_from_content_length_at_once(reader):
    app = create_app(reader, max_upload_bytes=2 * MB)
    status, body, pulled = _asgi_post(app, _huge_upload(), {"content-type": "multipart/form-data; boundary=XBOUNDARYX",
                                                            "content-length": str(300 * MB)})
    assert status == 413 and pulled == 0 and body.count(b"larger than") == 1
    # and on a real server: the headers alone get the answer, the body is never sent
    with serve_in_thread(app) as url:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"POST /api/v1/read HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=X\r\n"
                      b"Content-Length: %d\r\n\r\n" % (300 * MB))
            answer = s.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413") and b'"detail"' in answer


def test_a_stalled_upload_is_408():
    app = create_app(FakeReader(), body_timeout=0.5)
    with serve_with(app) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"POST /api/v1/read HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=X\r\n"
                  b"Content-Length: 1000\r\n\r\n--X\r\n")
        t0 = time.time()
        answer = s.recv(65536)
    assert answer.startswith(b"HTTP/1.1 408") and b"stalled" in answer and time.time() - t0 < 5


def test_concurrent_reads_are_capped_with_503():
    gate = threading.Event()
    fake = FakeReader(gate=gate)
    data = _jpeg(1, 96)
    with serve_in_thread(create_app(fake, max_concurrent=2)) as url, ThreadPoolExecutor(2) as pool:
        first = [pool.submit(_post, url, f"{i}.jpg", data) for i in range(2)]
        deadline = time.time() + 15
        while fake.entered < 2 and time.time() < deadline:
            time.sleep(0.02)
        over = _post(url, "over.jpg", data)
        gate.set()
        done = [f.result() for f in first]
    assert over.status_code == 503 and int(over.headers["retry-after"]) > 0 and "busy" in over.json()["detail"]
    assert [r.status_code for r in done] == [200, 200]


def test_reads_wait_their_turn_then_503():
    gate = threading.Event()
    fake = FakeReader(gate=gate)
    app = create_app(fake, max_reads=1, read_wait=0.3)
    with serve_in_thread(app) as url, ThreadPoolExecutor(1) as pool:
        first = pool.submit(_post, url, "a.jpg", b"xx")
        deadline = time.time() + 15
        while fake.entered < 1 and time.time() < deadline:
            time.sleep(0.02)
        second = _post(url, "b.jpg", b"xx")
        gate.set()
        assert first.result().status_code == 200
    assert second.status_code == 503 and "retry-after" in second.headers and second.json()["status"] == "error"


# -- headers and uvicorn settings ------------------------------------------------------------------------------------


def test_security_headers_on_every_response(client):
    responses = [client.get("/"), client.get("/healthz"), client.get("/docs"), client.get("/static/app.js"),
                 client.get("/nowhere"), client.post("/api/v1/read", files={"file": ("a.txt", b"x", "text/plain")}),
                 client.post("/api/v1/read", content=b"x", headers={"content-length": str(300 * MB)})]
    for r in responses:
        h = r.headers
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY", r.url
        csp = h["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp, r.url
        assert r.headers["content-type"].startswith(("application/json", "text/", "application/javascript")), r.url
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 404, 415, 413]
    assert responses[4].json() == {"detail": "Not Found"}


def test_serve_sets_uvicorn_timeouts(monkeypatch):
    import uvicorn
    from uvicorn.protocols.http.h11_impl import H11Protocol

    from clockreader import cli
    from clockreader.runtime import reader as reader_module

    got = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: got.update(kw))
    monkeypatch.setattr(reader_module, "load_reader", lambda *a, **k: FakeReader())
    assert cli.cmd_serve(argparse.Namespace(host="127.0.0.1", port=1, model=None, threads=None)) == 0
    assert 0 < got["timeout_keep_alive"] <= 10 and 0 < got["h11_max_incomplete_event_size"] <= 64 * 1024
    assert issubclass(got["http"], H11Protocol) and 0 < got["http"].header_timeout <= 30


def test_slow_headers_are_cut_off():
    """uvicorn has no header timeout: a client trickling headers held the connection; serve_options closes it."""
    from clockreader.server.app import serve_options

    with serve_with(create_app(FakeReader()), **serve_options(header_timeout=0.5)) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:   # a complete request is served
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert s.recv(65536).startswith(b"HTTP/1.1 200")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            t0 = time.time()
            for _ in range(3):        # a header every 0.3 s keeps it from going idle, but not past the timeout
                time.sleep(0.3)
                try:
                    s.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    break
            try:
                closed = s.recv(65536) == b""
            except ConnectionResetError:
                closed = True
        assert closed and time.time() - t0 < 5


def test_concurrent_burst_on_loopback(reader):
    images = [_jpeg(i, 128) for i in range(4)]
    with serve_in_thread(create_app(reader)) as url:

        def post(i):
            return _post(url, f"{i}.jpg", images[i % 4])

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(post, range(32)))
    assert [r.status_code for r in results] == [200] * 32
    times = {r.json()["path"]: r.json()["time"] for r in results}
    assert times["0.jpg"] == times["4.jpg"] == times["8.jpg"]   # same image, same reading under load
