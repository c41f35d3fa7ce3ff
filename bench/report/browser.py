"""Drive a system-installed headless Chromium over the DevTools protocol, standard library only.

Chromium is started with `--remote-debugging-pipe`: it reads JSON commands on fd 3 and writes
replies and events on fd 4, each message ended by a NUL byte. No port, no websocket package, no
browser download: the executable comes from PATH (or $CHROMIUM). Used by the HTML page's test
and to screenshot `results/index.html`. It never fetches anything itself.
"""

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.errors import BenchError

NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome", "chrome-headless-shell")


def find_chromium() -> str | None:
    """Path of a Chromium executable: $CHROMIUM if set, else the first of NAMES on PATH."""
    if os.environ.get("CHROMIUM"):
        return shutil.which(os.environ["CHROMIUM"])
    return next((path for name in NAMES if (path := shutil.which(name))), None)


class Browser:
    """One headless Chromium with one page (tab); use as a context manager.

    `call(method, **params)` sends a command to the page and returns its result; every event
    received meanwhile is kept in `events` (list of (method, params)) for `wait_event`.
    """

    def __init__(self, width: int = 1280, height: int = 900, timeout: float = 30.0):
        exe = find_chromium()
        if exe is None:
            raise BenchError(f"no Chromium found on PATH (tried {', '.join(NAMES)})")
        self.timeout = timeout
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._next_id = 0
        self._buffer = b""
        self._profile = tempfile.TemporaryDirectory(prefix="bench-chromium-")
        self._log = open(Path(self._profile.name) / "stderr.log", "wb")  # noqa: SIM115
        to_child, self._write = os.pipe()  # we write commands, Chromium reads them on fd 3
        self._read, from_child = os.pipe()  # Chromium writes on fd 4, we read
        args = [
            exe,
            "--headless",
            "--remote-debugging-pipe",
            f"--user-data-dir={self._profile.name}",
            f"--window-size={width},{height}",
            "--hide-scrollbars",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            *(["--no-sandbox"] if os.geteuid() == 0 else []),  # Chromium refuses root otherwise
            "about:blank",
        ]
        # sh moves the pipe ends from stdin/stdout onto fds 3 and 4 (no preexec_fn, thread-safe).
        self._proc = subprocess.Popen(
            ["/bin/sh", "-c", 'exec "$@" 3<&0 4>&1 0</dev/null 1>&2', "sh", *args],
            stdin=to_child,
            stdout=from_child,
            stderr=self._log,
        )
        os.close(to_child)
        os.close(from_child)
        try:
            self._session = None
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self._session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
                "sessionId"
            ]
            self.call("Page.enable")
            self.call("Network.enable")
            self.call("Runtime.enable")
        except BaseException:
            self.close()
            raise

    # --- protocol -------------------------------------------------------------------------
    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise BenchError(f"Chromium did not answer within {self.timeout:.0f} s")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                log = Path(self._log.name).read_text(errors="replace")[-2000:]
                raise BenchError(f"Chromium exited: {log}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command (to the page once attached) and wait for its reply."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if self._session:
            message["sessionId"] = self._session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BenchError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append((reply["method"], reply.get("params", {})))

    def wait_event(self, method: str) -> dict[str, Any]:
        """Params of the first `method` event not yet consumed, reading until it arrives."""
        deadline = time.monotonic() + self.timeout
        while True:
            for i, (name, params) in enumerate(self.events):
                if name == method:
                    del self.events[i]
                    return params
            reply = self._receive(deadline)
            if "method" in reply:
                self.events.append((reply["method"], reply.get("params", {})))

    # --- page helpers ---------------------------------------------------------------------
    def open(self, path: Path) -> None:
        """Load a local file and wait for its load event and document.readyState complete."""
        self.events.clear()
        self.call("Page.navigate", url=Path(path).resolve().as_uri())
        self.wait_event("Page.loadEventFired")
        if self.evaluate("document.readyState") != "complete":
            raise BenchError("page loaded but document.readyState is not 'complete'")

    def evaluate(self, expression: str) -> Any:
        """Value of a JavaScript expression in the page (promises awaited, JSON-serialisable)."""
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise BenchError(f"page script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def _centre(self, selector: str) -> tuple[float, float]:
        """Scroll the first `selector` match into view; its centre in viewport pixels."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e) return null; e.scrollIntoView({block: 'center'});"
            " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2];"
            " })()"
        )
        if box is None:
            raise BenchError(f"nothing matches {selector!r}")
        return box[0], box[1]

    def _mouse(self, kinds: tuple[str, ...], x: float, y: float) -> None:
        for kind in kinds:
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def hover(self, selector: str) -> None:
        """Move the mouse onto the centre of the first `selector` match."""
        self._mouse(("mouseMoved",), *self._centre(selector))

    def click(self, selector: str) -> None:
        """A real mouse click (move, press, release) at the centre of the first match."""
        self._mouse(("mouseMoved", "mousePressed", "mouseReleased"), *self._centre(selector))

    def screenshot(self, width: int, height: int) -> bytes:
        """PNG bytes of the top `width` × `height` CSS pixels of the page."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width, height=height, deviceScaleFactor=1, mobile=False,
        )  # fmt: skip
        self.evaluate("window.scrollTo(0, 0)")
        data = self.call("Page.captureScreenshot", format="png")["data"]
        return base64.b64decode(data)

    def close(self) -> None:
        try:
            if self._proc.poll() is None:
                self._session = None
                self.call("Browser.close")
        except (BenchError, OSError):
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for fd in (self._read, self._write):
            os.close(fd)
        self._log.close()
        self._profile.cleanup()

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def screenshot(html_path: Path, png_path: Path, width: int = 1400, height: int = 2000) -> Path:
    """Render a local HTML file in headless Chromium and save the top width × height as PNG."""
    with Browser(width, height) as browser:
        browser.open(html_path)
        png_path = Path(png_path)
        png_path.parent.mkdir(parents=True, exist_ok=True)
        png_path.write_bytes(browser.screenshot(width, height))
    return png_path
