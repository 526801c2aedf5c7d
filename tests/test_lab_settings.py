"""`make lab` (scripts/lab.sh) opens JupyterLab without the "Would you like to receive official Jupyter news?" prompt:
the lab it starts resolves `@jupyterlab/apputils-extension:notification` to fetchNews "false" (no prompt, no news)
and checkForUpdates false, from the overrides.json scripts/setup.sh writes into the project's venv."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from conftest import ROOT

NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_resolves_fetch_news_to_false(tmp_path: Path) -> None:
    port, token = _free_port(), secrets.token_hex(16)
    # a fresh HOME and Jupyter dirs: no user setting of this machine's can hide what the project sets
    env = {"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    log = (tmp_path / "lab.log").open("wb")
    proc = subprocess.Popen(["/bin/bash", "scripts/lab.sh", "--no-browser", "--ServerApp.ip=127.0.0.1",
                             f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                             f"--IdentityProvider.token={token}"],
                            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/lab/api/settings/{NOTIFICATION}?token={token}"
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "lab.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    answer = json.load(resp)
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, (tmp_path / "lab.log").read_text()[-3000:]
                time.sleep(0.3)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    # the overrides become the schema's defaults; with no user settings those are what the front end uses
    properties = answer["schema"]["properties"]
    assert (properties["fetchNews"]["default"], properties["checkForUpdates"]["default"]) == ("false", False)
    assert "fetchNews" not in answer["settings"] and "checkForUpdates" not in answer["settings"]
