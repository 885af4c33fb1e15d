"""End to end: the page in a real headless Chromium reads clocks (upload, several files, paste, examples), draws
every clock found with its box and hands, offers the downloads, and breaks no Content-Security-Policy rule.

``CLOCKREADER_PAGE_SCREENSHOT=docs/page.png pytest tests/test_browser.py`` also saves the page with a reading."""

import os
import shutil
import time

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi")
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from clockreader.render import render_clock  # noqa: E402
from clockreader.runtime.reader import load_reader  # noqa: E402
from clockreader.server.app import create_app  # noqa: E402
from conftest import serve_in_thread  # noqa: E402

CHROMIUM, DRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"
DELAY = 0.6   # seconds the test server waits before each read, so the "reading..." state can be seen


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver must be installed in CI (.ci/run installs them)")
        pytest.skip("chromium / chromedriver not installed")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
              "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--window-size=900,1200"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=DRIVER))
    yield drv
    drv.quit()


class SlowReader:
    """The real reader, a little slower."""

    def __init__(self, reader):
        self._reader = reader

    def __getattr__(self, name):
        return getattr(self._reader, name)

    def read_all(self, image, locate="auto"):
        time.sleep(DELAY)
        return self._reader.read_all(image, locate=locate)


@pytest.fixture(scope="module")
def server_url():
    reader = load_reader()
    with serve_in_thread(create_app(SlowReader(reader))) as url:
        yield url, reader


def _cards(browser):
    return browser.find_elements(By.CSS_SELECTOR, "#results .result")


def _wait_read(browser, n=1, timeout=60):
    """Wait until ``n`` result cards are done (no "reading..." left); return them, the newest first."""
    def done(b):
        cards = _cards(b)
        return cards if len(cards) >= n and all(not c.find_element(By.CLASS_NAME, "state").text for c in cards) else False
    return WebDriverWait(browser, timeout).until(done)


def _wait_downloads(browser, card, timeout=30):
    WebDriverWait(browser, timeout).until(lambda b: card.find_element(By.CLASS_NAME, "downloads").is_displayed())


def _csp_errors(browser):
    return [e["message"] for e in browser.get_log("browser")
            if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]


def _hand_pixels(browser, card):
    """Pixels of the hour (amber) and minute (cyan) hands' colours on the card's canvas."""
    return browser.execute_script("""
        const c = arguments[0].querySelector('.canvas'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let hour = 0, minute = 0;
        for (let i = 0; i < d.length; i += 4) {
          const r = d[i], g = d[i + 1], b = d[i + 2];
          if (r > 230 && g > 150 && g < 200 && b < 40) hour++;
          if (r < 40 && g > 195 && b > 230) minute++;
        }
        return [hour, minute];""", card)


def test_page_reads_an_uploaded_clock(browser, server_url, tmp_path):
    url, reader = server_url
    photo = tmp_path / "clock.png"
    render_clock(seed=11, size=192).image.save(photo)
    expected = str(reader.read_all(photo, locate="auto")[0])  # as the API answers: the locators' first clock
    browser.get(url)
    browser.get_log("browser")
    browser.find_element(By.ID, "file").send_keys(str(photo))
    WebDriverWait(browser, 10).until(lambda b: _cards(b))
    assert "reading" in _cards(browser)[0].find_element(By.CLASS_NAME, "state").text   # while the server reads
    card = _wait_read(browser)[0]
    assert card.find_element(By.CLASS_NAME, "time").text == expected
    assert "confidence" in card.find_element(By.CLASS_NAME, "confidence").text
    assert card.find_element(By.CLASS_NAME, "name").text == "clock.png"
    # the photo was drawn with the hands on the canvas, in the two hand colours
    assert browser.execute_script("return arguments[0].querySelector('.canvas').width", card) > 0
    hour, minute = _hand_pixels(browser, card)
    assert hour > 20 and minute > 10
    # and the annotated image and the JSON can be downloaded
    _wait_downloads(browser, card)
    img = card.find_element(By.CLASS_NAME, "download-image")
    assert img.get_attribute("href").startswith("blob:") and img.get_attribute("download") == "clock-annotated.png"
    assert int(card.get_attribute("data-annotated")) > 1000
    js = card.find_element(By.CLASS_NAME, "download-json")
    assert js.get_attribute("href").startswith("blob:") and js.get_attribute("download") == "clock.json"
    assert not _csp_errors(browser)


def test_page_shows_errors(browser, server_url, tmp_path):
    url, _ = server_url
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image at all")
    browser.get(url)
    browser.find_element(By.ID, "file").send_keys(str(bad))
    card = _wait_read(browser)[0]
    WebDriverWait(browser, 10).until(lambda b: card.find_element(By.CLASS_NAME, "error").text)
    assert "not an image" in card.find_element(By.CLASS_NAME, "error").text


def test_several_files_at_once(browser, server_url, tmp_path):
    url, reader = server_url
    paths = []
    for seed in (3, 8):
        p = tmp_path / f"clock-{seed}.jpg"
        render_clock(seed=seed, size=160).image.save(p)
        paths.append(p)
    browser.get(url)
    browser.find_element(By.ID, "file").send_keys("\n".join(str(p) for p in paths))
    cards = _wait_read(browser, 2)
    shown = {c.find_element(By.CLASS_NAME, "name").text: c.find_element(By.CLASS_NAME, "time").text for c in cards}
    assert shown == {p.name: str(reader.read_all(p)[0]) for p in paths}


def test_paste_an_image(browser, server_url):
    url, reader = server_url
    browser.get(url)
    browser.execute_async_script("""
        const done = arguments[0];
        fetch('static/example-2.jpg').then(r => r.blob()).then(blob => {
          const dt = new DataTransfer();
          dt.items.add(new File([blob], 'pasted.jpg', { type: 'image/jpeg' }));
          document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
          done();
        });""")
    card = _wait_read(browser)[0]
    from clockreader.server.app import STATIC

    assert card.find_element(By.CLASS_NAME, "time").text == str(reader.read_all(STATIC / "example-2.jpg")[0])


def test_example_clocks(browser, server_url):
    url, reader = server_url
    from clockreader.server.app import STATIC

    browser.get(url)
    buttons = browser.find_elements(By.CSS_SELECTOR, "#examples .example")
    assert len(buttons) == 3
    assert all(browser.execute_script("return arguments[0].querySelector('img').naturalWidth", b) == 192 for b in buttons)
    buttons[0].click()
    card = _wait_read(browser)[0]
    assert card.find_element(By.CLASS_NAME, "name").text == "example-1.jpg"
    assert card.find_element(By.CLASS_NAME, "time").text == str(reader.read_all(STATIC / "example-1.jpg")[0])


def test_every_clock_is_listed_with_its_box(browser, server_url, tmp_path):
    url, reader = server_url
    photo = tmp_path / "two-clocks.jpg"
    scene = Image.new("RGB", (560, 300), (200, 205, 210))
    for k, seed in enumerate((6, 9)):
        scene.paste(render_clock(seed=seed, size=200).image, (40 + k * 280, 50))
    scene.save(photo, quality=92)
    readings = reader.read_all(photo)
    assert len(readings) >= 2
    browser.get(url)
    browser.find_element(By.ID, "file").send_keys(str(photo))
    card = _wait_read(browser)[0]
    rows = card.find_elements(By.CSS_SELECTOR, ".clocks tbody tr")
    assert len(rows) == len(readings)
    for row, r in zip(rows, readings):
        cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
        box = r.to_dict()["box"]   # as the API sends it; the page rounds as JavaScript's Math.round does
        assert cells[1] == str(r) and cells[4] == ", ".join(str(int(np.floor(v + 0.5))) for v in box)
    assert card.find_element(By.CLASS_NAME, "time").text == str(readings[0])
    # the box colour (green, for sure readings) and both clocks' hands are on the canvas
    boxes = browser.execute_script("""
        const c = arguments[0].querySelector('.canvas'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 30 && d[i + 1] > 200 && d[i + 2] > 90 && d[i + 2] < 140) n++;
        return n;""", card)
    assert boxes > 200
    hour, minute = _hand_pixels(browser, card)
    assert hour > 40 and minute > 20
    _wait_downloads(browser, card)
    if os.environ.get("CLOCKREADER_PAGE_SCREENSHOT"):
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(os.environ["CLOCKREADER_PAGE_SCREENSHOT"])


def test_unsure_and_no_clock_readings_are_marked(browser, server_url, tmp_path):
    url, reader = server_url
    noise = tmp_path / "noise.png"
    Image.fromarray((np.random.default_rng(0).random((200, 300, 3)) * 60 + 100).astype("uint8")).save(noise)
    status = reader.read_all(noise)[0].status
    assert status in ("unsure", "no clock")
    browser.get(url)
    browser.find_element(By.ID, "file").send_keys(str(noise))
    card = _wait_read(browser)[0]
    assert card.get_attribute("data-status") == status
    assert card.find_element(By.CLASS_NAME, "status").text == {"unsure": "unsure", "no clock": "no clock found"}[status]
    assert ("unsure" if status == "unsure" else "noclock") in card.get_attribute("class").split()
    row = card.find_element(By.CSS_SELECTOR, ".clocks tbody tr")
    assert "unsure" in row.get_attribute("class")


def test_docs_render_offline_under_the_csp(browser, server_url):
    url, _ = server_url
    browser.get(url)
    browser.get_log("browser")
    browser.get(url + "docs")
    WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock"))
    assert "/api/v1/read" in browser.find_element(By.ID, "swagger-ui").text
    assert not _csp_errors(browser)
