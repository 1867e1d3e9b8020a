"""Open a page in headless Chromium and report what a reader's browser would see going wrong.

No Python dependency: Chromium is driven over the Chrome DevTools Protocol on a pipe
(``--remote-debugging-pipe``: JSON messages separated by NUL bytes on file descriptors 3 and 4 of
the browser process), so neither a websocket client nor selenium/playwright is needed.

:func:`inspect_page` returns a :class:`PageReport`: every image with its natural size, every
console error or uncaught exception, every request the page made for anything other than itself
(``data:`` URIs are part of the page), and a full-page screenshot written where asked.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PageReport", "chromium_path", "inspect_page"]

#: Executable names of Chromium tried in order (Debian's package installs ``chromium``).
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str | None:
    """The first Chromium on PATH (or ``$ROBTHEORY_CHROMIUM``), else None."""
    env = os.environ.get("ROBTHEORY_CHROMIUM")
    if env:
        return env if shutil.which(env) else None
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    """What :func:`inspect_page` saw: ``images`` (src prefix, complete, naturalWidth, naturalHeight),
    ``console_errors`` (console.error calls, uncaught exceptions, browser log errors),
    ``outside_requests`` (URLs other than the page and data: URIs), ``screenshot`` (its path)."""

    url: str
    images: list[dict] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    screenshot: Path | None = None
    #: Under the print stylesheet: how many ``.detail`` blocks there are and how many are laid out
    #: (height > 0), and the page printed to PDF (its path), when asked.
    print_details: tuple[int, int] = (0, 0)
    pdf: Path | None = None

    @property
    def broken_images(self) -> list[dict]:
        return [im for im in self.images if not im["complete"] or im["naturalWidth"] <= 0]

    def problems(self) -> list[str]:
        """Every problem, one line each (empty when the page is clean)."""
        out = [f"image not decoded: {im['src']}" for im in self.broken_images]
        out += [f"console error: {e}" for e in self.console_errors]
        out += [f"request outside the page: {u}" for u in self.outside_requests]
        return out


class _Pipe:
    def __init__(self, exe: str, profile: str):
        # fd 3: the browser reads commands; fd 4: it writes replies and events
        cmd_r, self._cmd_w = os.pipe()
        self._evt_r, evt_w = os.pipe()

        def child_fds():
            # copies first: the pipe's own numbers may be 3 or 4; dup2 makes 3 and 4 inheritable, and
            # the child closes nothing after this (close_fds=False: subprocess would close them)
            a, b = os.dup(cmd_r), os.dup(evt_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [exe, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=child_fds, close_fds=False)
        os.close(cmd_r)
        os.close(evt_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        import select

        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._evt_r], [], [], left)
            if ready:
                chunk = os.read(self._evt_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buf += chunk
        msg, _, self._buf = self._buf.partition(b"\0")
        return json.loads(msg)

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60.0):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        for ev in self.events:
            if ev.get("method") == method:
                return ev
        while True:
            ev = self._read_message(deadline)
            self.events.append(ev)
            if ev.get("method") == method:
                return ev

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except Exception:  # noqa: BLE001 - the browser may already be gone
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_w)
        os.close(self._evt_r)


_IMAGES_JS = """JSON.stringify(Array.from(document.images).map(im => ({
  src: im.getAttribute('src').slice(0, 60), complete: im.complete,
  naturalWidth: im.naturalWidth, naturalHeight: im.naturalHeight})))"""


_DETAILS_JS = """JSON.stringify((() => { const d = Array.from(document.querySelectorAll('.detail'));
  return [d.length, d.filter(e => e.checkVisibility() && e.getBoundingClientRect().height > 0).length]; })())"""


def inspect_page(html_path: str | Path, screenshot: str | Path | None = None, *, width: int = 1280,
                 exe: str | None = None, timeout: float = 90.0, pdf: str | Path | None = None) -> PageReport:
    """Load ``html_path`` in headless Chromium and report its images, console errors and outside
    requests; write a full-page PNG screenshot to ``screenshot`` if given; with ``pdf``, also
    switch to print media, count the ``.detail`` blocks laid out there and print the page to
    that PDF."""
    exe = exe or chromium_path()
    if exe is None:
        raise FileNotFoundError("no Chromium found (apt-get install chromium)")
    url = Path(html_path).resolve().as_uri()
    report = PageReport(url=url)
    with tempfile.TemporaryDirectory(prefix="robtheory-chromium-") as profile:
        pipe = _Pipe(exe, profile)
        try:
            target = pipe.send("Target.createTarget", {"url": "about:blank"}, timeout=timeout)["targetId"]
            sid = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                pipe.send(f"{domain}.enable", session=sid)
            pipe.send("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=sid)
            pipe.events.clear()  # what happened on about:blank is not the page's
            pipe.send("Page.navigate", {"url": url}, session=sid)
            pipe.wait_for("Page.loadEventFired", timeout=timeout)
            # let late scripts, image decoding and their errors arrive
            pipe.send("Runtime.evaluate", {"expression": "new Promise(r => setTimeout(r, 300))",
                                           "awaitPromise": True}, session=sid)
            res = pipe.send("Runtime.evaluate", {"expression": _IMAGES_JS, "returnByValue": True}, session=sid)
            report.images = json.loads(res["result"]["value"])
            if screenshot is not None:
                h = pipe.send("Runtime.evaluate", {"expression": "document.documentElement.scrollHeight",
                                                   "returnByValue": True}, session=sid)["result"]["value"]
                pipe.send("Emulation.setDeviceMetricsOverride",
                          {"width": width, "height": int(h), "deviceScaleFactor": 1, "mobile": False}, session=sid)
                shot = pipe.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                                 session=sid, timeout=timeout)
                Path(screenshot).write_bytes(base64.b64decode(shot["data"]))
                report.screenshot = Path(screenshot)
            if pdf is not None:
                pipe.send("Emulation.setEmulatedMedia", {"media": "print"}, session=sid)
                res = pipe.send("Runtime.evaluate", {"expression": _DETAILS_JS, "returnByValue": True}, session=sid)
                report.print_details = tuple(json.loads(res["result"]["value"]))
                out = pipe.send("Page.printToPDF", {"printBackground": True}, session=sid, timeout=timeout)
                Path(pdf).write_bytes(base64.b64decode(out["data"]))
                report.pdf = Path(pdf)
        finally:
            pipe.close()
    for ev in pipe.events:
        m, p = ev.get("method"), ev.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            report.console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p["args"]))
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            report.console_errors.append(str(d.get("exception", {}).get("description", d.get("text", ""))))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            report.console_errors.append(f"{p['entry'].get('source')}: {p['entry'].get('text')}")
        elif m == "Network.requestWillBeSent":
            u = p.get("request", {}).get("url", "")
            if u != url and not u.startswith("data:"):
                report.outside_requests.append(u)
    return report
