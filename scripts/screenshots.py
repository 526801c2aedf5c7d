"""Screenshots of the lessons, run in JupyterLab in headless Debian chromium, for the README tour (docs/screenshots/).

It is also the small library tests/test_browser.py drives the browser with: a throwaway JupyterLab over a copy of
the lessons (`lesson_root`, `lab_server`), a headless chromium page (`browser_page`), opening and running a lesson
(`open_lesson`, `run_all`), what went wrong on the page (`page_errors`) and the Stepper's parts (`StepperView`).
The browser is Debian's `chromium` (`executable_path`), driven by the `playwright` package: no browser download.

Run: .venv/bin/python scripts/screenshots.py [00-overview 03-controllers ...]   (default: every lesson)
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SHOTS = ROOT / "docs" / "screenshots"
#: the lesson the browser test opens, first that exists
TEST_LESSONS = ("03-controllers", "00-overview")
#: flags from the reference (jupyter-engineering.md 2.3): no sandbox as root, nothing fetched from the network
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1280, "height": 900}
#: texts ipywidgets' front end shows when a widget cannot be drawn
WIDGET_ERRORS = ("Error displaying widget", "Failed to load model class", "Error creating widget",
                 "Could not create a view for model")
#: JupyterLab settings for the throwaway server: every cell attached (no windowing), no news or update toasts
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none",
                                                                   "autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


def chromium_path() -> str | None:
    """Debian's chromium at its fixed path, never looked up on PATH (`KUBETEACH_CHROMIUM` overrides), or None when
    it is not installed (scripts/system.sh installs it as root)."""
    found = os.environ.get("KUBETEACH_CHROMIUM") or "/usr/bin/chromium"
    return found if found and os.access(found, os.X_OK) else None


def missing() -> str | None:
    """Why the browser cannot run here, with the command that fixes it; None when chromium and playwright exist."""
    reasons = []
    if chromium_path() is None:
        reasons.append("Debian's chromium is not installed (bash scripts/browser.sh, or: apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reasons.append("the playwright package is missing (.venv/bin/pip install playwright; "
                       "never `playwright install`: the test uses Debian's chromium)")
    return "; ".join(reasons) or None


def lessons() -> list[str]:
    """The lessons in notebooks/, by name without `.ipynb`, in order."""
    return sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def lesson_root(tmp: Path, names: list[str]) -> Path:
    """A folder to serve: `notebooks/` with copies of the lessons and `data` linked to the repo's, as `../data` needs.

    The copies have no outputs and no execution counts, so a cell's prompt reads `[n]:` only once it ran here.
    """
    (tmp / "notebooks").mkdir(parents=True, exist_ok=True)
    for name in names:
        nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        nb.get("metadata", {}).pop("widgets", None)
        (tmp / "notebooks" / f"{name}.ipynb").write_text(json.dumps(nb, indent=1))
    if not (tmp / "data").exists():
        (tmp / "data").symlink_to(ROOT / "data", target_is_directory=True)
    return tmp


@dataclass
class Lab:
    """A running JupyterLab: its base URL and token, and the log file it writes."""

    url: str
    token: str
    log: Path

    def api(self, method: str, path: str) -> Any:
        """One REST call to the server (`GET /api/kernels`, …); the decoded JSON, or None for an empty body."""
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log, for failure messages."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def lab_server(root: Path, timeout: float = 60.0) -> Iterator[Lab]:
    """JupyterLab on loopback serving `root`, with its own settings, workspaces and runtime dirs; stopped after.

    Shutdown asks the server to stop its kernels, then terminates the server's process group (kill after 10 s),
    even when the body raised.
    """
    state = Path(tempfile.mkdtemp(prefix="kubeteach-lab-"))
    settings = state / "settings"
    for rel, values in LAB_SETTINGS.items():
        (settings / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings / rel).write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [str(VENV_BIN / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--LabApp.news_url=None", f"--LabApp.user_settings_dir={settings}",
           f"--LabApp.workspaces_dir={state / 'workspaces'}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")  # Jupyter refuses to run as root without it
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(state / "runtime"), "JUPYTER_CONFIG_DIR": str(state / "config"),
           "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    lab = Lab(f"http://127.0.0.1:{port}", token, state / "lab.log")
    try:
        with lab.log.open("wb") as log:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                                    start_new_session=True)
    except OSError:  # no jupyter in this venv: JupyterLab comes with the dev extra
        shutil.rmtree(state, ignore_errors=True)
        raise
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {proc.returncode}:\n{lab.log_tail()}")
            try:
                lab.api("GET", "/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter lab did not answer in {timeout:.0f}s:\n{lab.log_tail()}") from None
                time.sleep(0.2)
        yield lab
    finally:
        _stop(lab, proc)
        shutil.rmtree(state, ignore_errors=True)


def _stop(lab: Lab, proc: subprocess.Popen) -> None:
    """Stop the kernels (they run in sessions of their own), then the server's process group."""
    if proc.poll() is None:
        try:
            for kernel in lab.api("GET", "/api/kernels"):
                lab.api("DELETE", f"/api/kernels/{kernel['id']}")
        except OSError:
            pass
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def browser_page(viewport: dict[str, int] | None = None) -> Iterator[Any]:
    """A page in headless Debian chromium (a playwright `Page`), closed after."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport=viewport or VIEWPORT)
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def open_lesson(page: Any, lab: Lab, name: str, timeout: float = 90.0) -> None:
    """Open notebooks/<name>.ipynb in JupyterLab and wait until its kernel runs, idle, with the page connected."""
    path = f"notebooks/{name}.ipynb"
    page.goto(f"{lab.url}/lab/tree/{path}?reset&token={lab.token}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=timeout * 1000)
    # the page shows "Idle" before the kernel exists; the server knows when it started and the page connected
    deadline = time.monotonic() + timeout
    while not any(s["path"] == path and s["kernel"]["execution_state"] == "idle" and s["kernel"]["connections"] > 0
                  for s in lab.api("GET", "/api/sessions")):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no idle kernel for {path} after {timeout:.0f}s:\n{lab.log_tail()}")
        time.sleep(0.2)
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=timeout * 1000)


#: true once every code cell has run (its prompt reads [n]:), or a cell failed, which stops Run All
_RUN_ALL_DONE = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim());
  const failed = document.querySelector('.jp-Notebook [data-mime-type="application/vnd.jupyter.stderr"]');
  return failed !== null || (prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p)));
}"""


def run_all(page: Any, timeout: float = 180.0) -> None:
    """Run → Run All Cells, then wait until every code cell has run (or one failed) and the kernel is idle."""
    page.locator("div.lm-MenuBar-itemLabel:text-is('Run')").click()
    page.locator("li.lm-Menu-item:has-text('Run All Cells')").first.click()
    page.wait_for_function(_RUN_ALL_DONE, timeout=timeout * 1000, polling=250)
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=timeout * 1000)


def page_errors(page: Any) -> list[str]:
    """Widget errors and cell errors (stderr output) on the page; empty when the lesson ran and drew cleanly."""
    text = page.locator(".jp-Notebook").inner_text()
    found = [f"widget error: {e}" for e in WIDGET_ERRORS if e in text]
    for out in page.locator('.jp-Notebook [data-mime-type="application/vnd.jupyter.stderr"]').all():
        found.append("cell output on stderr: " + out.inner_text()[:2000])
    return found


class StepperView:
    """A Stepper widget on the page (the first one, or the `index`-th): its buttons, clock and graph."""

    def __init__(self, page: Any, index: int = 0):
        self.page = page
        self.step_button = _buttons(page.locator(".jp-Notebook"), "Step").nth(index)
        # the Stepper is the VBox closest around its Step button's row
        self.root = self.step_button.locator("xpath=ancestor::div[contains(@class,'widget-vbox')][1]")
        self.clock = self.root.locator(".widget-label").filter(has_text=re.compile(r"^t=\d"))
        self.graph = self.root.locator(".widget-html svg").first

    def button(self, label: str) -> Any:
        """The Step, Run, Back or Reset button."""
        return _buttons(self.root, label)

    def clock_text(self) -> str:
        """What the clock label reads, e.g. `t=0.000s, 2 steps`."""
        return self.clock.inner_text().strip()

    def steps(self) -> int:
        """The step count the clock shows."""
        return int(re.search(r"(\d+) steps?$", self.clock_text()).group(1))

    def graph_nodes(self) -> list[str]:
        """The ownership graph's nodes as drawn, by their SVG titles (`Kind/namespace/name`, `Node/name`), in order."""
        return [t.strip() for t in self.graph.locator("g.node > title").all_text_contents()]

    def click(self, label: str, timeout: float = 60.0) -> str:
        """Click a button and wait until the clock reads differently (steps or time moved) and the kernel is idle
        again, so the graph and records have their new values too; returns the new clock text."""
        from playwright.sync_api import expect

        before = self.clock_text()
        self.button(label).click()
        # the kernel sends the clock, then the graph, then "idle": once the clock moved, "idle" means all arrived
        expect(self.clock).not_to_have_text(before, timeout=timeout * 1000)
        self.page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=timeout * 1000)
        return self.clock_text()

    def step_until_graph_changes(self, max_clicks: int = 10) -> tuple[list[str], list[str], int]:
        """Click Step until the graph's nodes change: (nodes before, nodes after, clicks); stops after `max_clicks`."""
        before = after = self.graph_nodes()
        clicks = 0
        while after == before and clicks < max_clicks:
            self.click("Step")
            clicks += 1
            after = self.graph_nodes()
        return before, after, clicks


def _buttons(scope: Any, label: str) -> Any:
    """ipywidgets buttons inside `scope` whose whole text is `label`."""
    return scope.locator("button.widget-button").filter(has_text=re.compile(rf"^\s*{label}\s*$"))


def close_lesson(lab: Lab, name: str) -> None:
    """Shut down the lesson's kernel (its session), so lessons run one after another do not pile up kernels."""
    for session in lab.api("GET", "/api/sessions"):
        if session["path"] == f"notebooks/{name}.ipynb":
            lab.api("DELETE", f"/api/sessions/{session['id']}")


def hide_sidebar(page: Any) -> None:
    """Collapse the left sidebar (the file browser) so a screenshot shows the notebook wide."""
    current = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if current.count():
        current.first.click()
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").wait_for(state="detached")


def show_at_top(page: Any, target: Any) -> None:
    """Scroll the notebook so `target`'s cell starts at the top of the view."""
    target.locator("xpath=ancestor-or-self::div[contains(@class,'jp-Cell')][1]").evaluate(
        "cell => cell.scrollIntoView({block: 'start'})")
    page.wait_for_function("() => new Promise(done => requestAnimationFrame(() => done(true)))")


def shoot(page: Any, path: Path, target: Any = None) -> Path:
    """Save a screenshot of the page, or of one element (`target`), to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    (target or page).screenshot(path=str(path))
    return path


def first_picture(page: Any) -> Any:
    """The lesson's own first picture: a graphviz, matplotlib or HTML-table output that is not a widget (the
    Stepper, which many lessons show first, would make every screenshot alike); else any picture; else None."""
    own = page.locator('.jp-OutputArea-output[data-mime-type="image/png"] img, '
                       '.jp-OutputArea-output[data-mime-type="image/svg+xml"] svg, '
                       '.jp-OutputArea-output[data-mime-type="text/html"]')
    if own.count():
        return own.first
    pictures = page.locator(".jp-OutputArea-output img, .jp-OutputArea-output svg")
    return pictures.first if pictures.count() else None


def shoot_lesson(page: Any, lab: Lab, name: str, out: Path) -> list[Path]:
    """Open and run one lesson and save `<name>.png`, the view at its first picture; for the browser test's lesson
    also `<name>-top.png` and `<name>-stepper.png` (the Stepper after Reset and Steps until its graph changed)."""
    open_lesson(page, lab, name)
    run_all(page)
    hide_sidebar(page)
    errors = page_errors(page)
    if errors:
        raise RuntimeError(f"{name}: " + "\n".join(errors))
    written = []
    picture = first_picture(page)
    show_at_top(page, picture if picture is not None else page.locator(".jp-Notebook .jp-Cell").first)
    written.append(shoot(page, out / f"{name}.png"))
    if name == lesson_under_test():
        show_at_top(page, page.locator(".jp-Notebook .jp-Cell").first)
        written.append(shoot(page, out / f"{name}-top.png"))
        stepper = StepperView(page)
        if stepper.steps():
            stepper.click("Reset")
        stepper.step_until_graph_changes()
        written.append(shoot(page, out / f"{name}-stepper.png", stepper.root))
    close_lesson(lab, name)
    return written


def lesson_under_test() -> str | None:
    """The lesson tests/test_browser.py opens: the first of TEST_LESSONS that exists."""
    return next((n for n in TEST_LESSONS if (ROOT / "notebooks" / f"{n}.ipynb").exists()), None)


def main(argv: list[str]) -> int:
    """Screenshot the lessons named in `argv` (default: all) into docs/screenshots/."""
    reason = missing()
    if reason:
        print(f"screenshots: {reason}", file=sys.stderr)
        return 1
    names = argv or lessons()
    with tempfile.TemporaryDirectory(prefix="kubeteach-lessons-") as tmp:
        root = lesson_root(Path(tmp), names)
        with lab_server(root) as lab, browser_page() as page:
            for name in names:
                started = time.monotonic()
                paths = shoot_lesson(page, lab, name, SHOTS)
                print(f"screenshots: {name} ({time.monotonic() - started:.1f}s): "
                      + ", ".join(str(p.relative_to(ROOT)) for p in paths))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
