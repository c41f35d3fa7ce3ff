"""Open a local HTML file in headless Chromium through Playwright, on the system's own Chromium.

Playwright (the optional `browser` extra, part of `dev`) drives the Chromium found on PATH (or
$CHROMIUM): Debian's `chromium` package, never a browser downloaded by `playwright install`,
which nothing here runs. Every request the page makes other than the file itself is refused and
recorded, so a test can check that the page fetches nothing. Used by the page's test and by
`leaderboard` to picture the page; it starts no server and fetches nothing itself.
"""

import importlib.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bench.errors import BenchError

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page, Playwright, Route

NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome", "chrome-headless-shell")
# --no-sandbox: Chromium refuses to start as root with its sandbox, and container CI often lacks
# the user namespaces it needs; it only ever loads our own local file with the network refused.
# --disable-dev-shm-usage: containers' /dev/shm is often too small for a tall page.
ARGS = ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars")
INSTALL_HINT = "pip install 'chaos-sae-bench[browser]' (Playwright; it uses Chromium from PATH)"


def find_chromium() -> str | None:
    """Path of a Chromium executable: $CHROMIUM if set, else the first of NAMES on PATH."""
    if os.environ.get("CHROMIUM"):
        return shutil.which(os.environ["CHROMIUM"])
    return next((path for name in NAMES if (path := shutil.which(name))), None)


def unavailable() -> str | None:
    """Why no page can be opened here (no Chromium on PATH, or no Playwright), else None."""
    if find_chromium() is None:
        if os.environ.get("CHROMIUM"):
            return f"$CHROMIUM={os.environ['CHROMIUM']} is not an executable on PATH"
        return f"no Chromium on PATH (tried {', '.join(NAMES)}; apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return f"Playwright is not installed: {INSTALL_HINT}"
    return None


@dataclass
class Visit:
    """One local file open in a headless tab.

    page: Playwright's Page (click, hover, evaluate, screenshot, set_viewport_size).
    requested: every URL the page asked for, in order, the file itself first (data: URIs are not
    requests). blocked: those refused, i.e. all but the file. errors: uncaught script errors and
    console errors, as text.
    """

    page: "Page"
    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_started: list["Playwright"] = []  # the Playwright this thread runs, while one runs


@contextmanager
def _playwright() -> Iterator["Playwright"]:
    """Playwright's driver; a nested visit reuses the running one (its sync API cannot nest)."""
    if _started:
        yield _started[-1]
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        _started.append(playwright)
        try:
            yield playwright
        finally:
            _started.pop()


@contextmanager
def visit(html: Path, *, width: int = 1400, height: int = 1000) -> Iterator[Visit]:
    """Open `html` in a `width` × `height` CSS-pixel window; the page has loaded on entry."""
    if reason := unavailable():
        raise BenchError(f"cannot open {html} in a browser: {reason}")
    if not Path(html).is_file():
        raise BenchError(f"no page at {html}")
    url = Path(html).resolve().as_uri()
    with _playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=list(ARGS))
        try:
            context = browser.new_context(
                viewport={"width": width, "height": height}, service_workers="block"
            )
            tab = Visit(context.new_page())

            def gate(route: "Route") -> None:
                tab.requested.append(route.request.url)
                if route.request.url == url:
                    route.continue_()
                else:
                    tab.blocked.append(route.request.url)
                    route.abort("blockedbyclient")

            def console(message: "ConsoleMessage") -> None:
                if message.type == "error":
                    tab.errors.append(message.text)

            context.route("**/*", gate)
            tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
            tab.page.on("console", console)
            tab.page.goto(url, wait_until="load")
            yield tab
        finally:
            browser.close()


def screenshot(html: Path, png: Path, *, width: int = 1400, height: int = 2000) -> Path:
    """Save the top `width` × `height` CSS pixels of the page `html` as the PNG file `png`."""
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    with visit(html, width=width, height=height) as tab:
        tab.page.screenshot(path=str(png))
    return png
