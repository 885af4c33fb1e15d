"""End to end: the page in a real headless Chromium uploads a rendered clock and shows the reading."""

import os
import shutil

import pytest

pytest.importorskip("fastapi")
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from clockreader.render import render_clock  # noqa: E402
from clockreader.runtime.reader import load_reader  # noqa: E402
from clockreader.server.app import create_app  # noqa: E402
from conftest import serve_in_thread  # noqa: E402

CHROMIUM, DRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver must be installed in CI (.ci/run installs them)")
        pytest.skip("chromium / chromedriver not installed")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
              "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        opts.add_argument(a)
    drv = webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=DRIVER))
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def server_url():
    reader = load_reader()
    with serve_in_thread(create_app(reader)) as url:
        yield url, reader


def test_page_reads_an_uploaded_clock(browser, server_url, tmp_path):
    url, reader = server_url
    photo = tmp_path / "clock.png"
    render_clock(seed=11, size=192).image.save(photo)
    expected = str(max(reader.read_all(photo, locate="auto"), key=lambda r: r.confidence))  # as the API answers
    browser.get(url)
    browser.find_element(By.ID, "file").send_keys(str(photo))
    WebDriverWait(browser, 30).until(EC.text_to_be_present_in_element((By.ID, "time"), ":"))
    assert browser.find_element(By.ID, "time").text == expected
    assert "confidence" in browser.find_element(By.ID, "confidence").text
    # the photo was drawn with the hands on the canvas
    assert browser.execute_script("return document.getElementById('canvas').width") > 0
    browser.save_screenshot(str(tmp_path / "page.png"))


def test_page_shows_errors(browser, server_url, tmp_path):
    url, _ = server_url
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image at all")
    browser.get(url)
    browser.find_element(By.ID, "file").send_keys(str(bad))
    WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "error").text)
    assert "not an image" in browser.find_element(By.ID, "error").text
