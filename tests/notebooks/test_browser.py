"""A real browser opens the built reports the way reviewers do: ``file://``, no server, no network.

Headless Chromium from Debian's ``chromium`` package, driven by Playwright for Python through
``executable_path`` (Playwright's own browser download is never used: it fails offline). ``.ci/run``
installs the package; elsewhere the test skips, saying why, unless ``DOLISA_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from dolisa_reports import DOMAINS

CANDIDATES = ("chromium", "chromium-browser", "/usr/bin/chromium", "/usr/lib/chromium/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES = ("file:", "data:", "about:")


def chromium_path() -> str | None:
    explicit = os.environ.get("DOLISA_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def why_unavailable() -> str | None:
    """Why the browser test cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install -r requirements.lock)"
    if chromium_path() is None:
        return (
            "no Chromium executable found (Debian: `make browser-deps` as root, i.e. apt-get install chromium; "
            "or set DOLISA_CHROMIUM=/path/to/chromium)"
        )
    return None


REASON = why_unavailable()
REQUIRED = os.environ.get("DOLISA_REQUIRE_BROWSER") == "1"  # set by .ci/run once chromium is installed
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(REASON is not None and not REQUIRED, reason=str(REASON)),
]


@pytest.fixture(scope="module")
def chromium() -> str:
    if REASON is not None:
        pytest.fail(f"DOLISA_REQUIRE_BROWSER=1 but {REASON}")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    return chromium_path()


@pytest.fixture
def browser_page(chromium, tmp_path):
    """A page in a fresh profile, offline, recording console errors and every request that is not local."""
    from playwright.sync_api import sync_playwright

    events = {"console_errors": [], "page_errors": [], "remote_requests": [], "failed_requests": []}
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium,
            headless=True,
            args=FLAGS,
            offline=True,  # even if the page asked, nothing would leave the machine
            viewport={"width": 1280, "height": 900},
            locale="vi-VN",
        )
        try:

            def on_request(request):
                if not request.url.startswith(LOCAL_SCHEMES):
                    events["remote_requests"].append(request.url)

            context.on("request", on_request)
            context.on("requestfailed", lambda r: events["failed_requests"].append(f"{r.url}: {r.failure}"))
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(60_000)
            page.on("console", lambda m: m.type == "error" and events["console_errors"].append(m.text))
            page.on("pageerror", lambda exc: events["page_errors"].append(str(exc)))
            yield page, events
        finally:
            context.close()


def test_reviewer_opens_index_and_follows_a_report(built_2021, browser_page, tmp_path):
    page, events = browser_page
    index = built_2021.outputs / "index.html"
    page.goto(index.as_uri())
    assert page.title() == "Danh mục báo cáo chuyên đề"

    row = page.locator('tr[data-key="2021/labour"]')
    link = row.get_by_role("link", name="HTML", exact=True)
    assert link.count() == 1, "the index should link the labour report's HTML"
    link.click()
    page.wait_for_url("**/2021/labour.html")

    table = page.locator("table.indicators")
    table.wait_for(state="visible")
    text = table.inner_text()
    assert "15.939" in text and "99,6%" in text, text[:500]
    assert page.locator("table.indicators tbody tr").count() >= 2

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    page.get_by_role("link", name="← Danh mục báo cáo").click()
    page.wait_for_url("**/index.html")
    assert page.locator('tr[data-key="2021/labour"]').count() == 1

    assert events["remote_requests"] == [], f"requests leaving the machine: {events['remote_requests']}"
    assert events["console_errors"] == [], f"console errors: {events['console_errors']}"
    assert events["page_errors"] == [], f"page errors: {events['page_errors']}"
    assert events["failed_requests"] == [], f"failed requests: {events['failed_requests']}"


def test_every_report_opens_clean(built_2021, browser_page):
    """Each 2021 report loads from disk with its table, images decoded, and nothing fetched or logged."""
    page, events = browser_page
    reports = [built_2021.out_year(2021) / f"{d}.html" for d in DOMAINS]
    for path in reports:
        page.goto(path.as_uri())
        page.locator("table.indicators").wait_for(state="visible")
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length"
        )
        assert broken == 0, f"{path.name}: {broken} image(s) did not load"
        assert page.evaluate("document.scripts.length") == 0, f"{path.name} has a script"
    assert events["remote_requests"] == [], f"requests leaving the machine: {events['remote_requests']}"
    assert events["console_errors"] == [], f"console errors: {events['console_errors']}"
    assert events["page_errors"] == [] and events["failed_requests"] == [], events
