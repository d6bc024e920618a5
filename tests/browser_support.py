"""Headless Chromium for the tests that open pages in a real browser (Debian's ``chromium`` and
``chromium-driver``, driven by selenium). Tests using :func:`chromium` are skipped, with the reason, where
Chromium or its driver is missing; ``bin/setup-env`` installs both with apt when run as root."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("chromedriver",)


def _first(names: tuple[str, ...]) -> str | None:
    return next((found for name in names if (found := shutil.which(name))), None)


def missing_reason() -> str | None:
    """Why no headless Chromium can run here, or None when it can."""
    browser, driver = _first(BROWSERS), _first(DRIVERS)
    if browser is None or driver is None:
        absent = [name for name, found in (("chromium", browser), ("chromedriver", driver)) if found is None]
        return (f"headless Chromium test: {' and '.join(absent)} not installed "
                "(apt-get install chromium chromium-driver)")
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless Chromium WebDriver, or the test is skipped saying what is missing."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _first(BROWSERS)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1400,1000", "--allow-file-access-from-files"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(_first(DRIVERS)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def broken_images(driver: Any) -> list[str]:
    """The ``src`` of every image on the current page that did not load."""
    return driver.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);")
