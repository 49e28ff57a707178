"""The wheel runs outside the checkout: CLI smoke tests and the street, from package data only.

Builds ``pip wheel --no-deps .``, installs it into a fresh virtual environment in a temporary
folder (the dependencies come from the shared environment through a ``.pth`` line, so nothing
is downloaded and the checkout is not on the path), then runs ``footscan demo``,
``gait simulate`` + ``gait analyze`` and ``storefront serve``, and fetches ``/``, the catalogue
API and the pinned three.js module (minified, gzip, cached for a year).

Slow (about a minute); it runs under the test command (``scripts/test.sh`` sets
``SHOESTREET_WHEEL_SMOKE=1``) and in CI, and skips elsewhere unless asked for.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    os.environ.get("SHOESTREET_WHEEL_SMOKE") != "1",
    reason="builds and installs the wheel (~1 min): set SHOESTREET_WHEEL_SMOKE=1 (the test "
    "command does)",
)


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout_s: float = 300) -> str:
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s, check=False
    )
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, dict(resp.headers), resp.read()


def _wait_up(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 90) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        assert proc.poll() is None, "storefront serve exited"
        try:
            if _get(url)[0] == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout_s} s")


def test_the_wheel_runs_outside_the_checkout(tmp_path: Path) -> None:
    t0 = time.monotonic()
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"

    # 1. the wheel: package data only (catalogue, FIND model, size tables, three.js)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)], work, env)  # fmt: skip
    (wheel,) = dist.glob("shoestreet-*.whl")
    # the gait package's C extensions are compiled into the wheel (setup.py; gcc is set up)
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    for ext in ("gait/readers/_decimals", "gait/insole/_rowhash"):
        assert any(re.fullmatch(re.escape(ext) + r"\..+\.so", n) for n in names), ext
    built_s = time.monotonic() - t0

    # 2. a fresh environment outside the checkout; dependencies from the shared one
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], work, env)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    shared_site = sysconfig.get_path("purelib")
    (site / "shared-deps.pth").write_text(shared_site + "\n")
    py = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)], work, env)  # fmt: skip
    where = _run([str(py), "-c", "import footscan, gait, storefront; print(storefront.__file__, footscan.__file__)"], work, env)  # fmt: skip
    assert str(REPO) not in where and str(venv) in where, where
    _run([str(py), "-c", "from gait.readers import _plain; assert _plain.plain_available()"], work, env)  # fmt: skip
    installed_s = time.monotonic() - t0

    # 3. the CLIs on bundled data
    out = _run([str(venv / "bin" / "footscan"), "demo", "--json"], work, env)
    demo = json.loads(out)
    assert 200 < demo["foot_length_mm"]["value"] < 300 if isinstance(demo["foot_length_mm"], dict) else 200 < demo["foot_length_mm"] < 300  # fmt: skip
    session = work / "walk.gsn"
    _run([str(venv / "bin" / "gait"), "simulate", "--seconds", "20", "--speed", "200", "--out", str(session)], work, env)  # fmt: skip
    report = json.loads(_run([str(venv / "bin" / "gait"), "analyze", "--json", str(session)], work, env))  # fmt: skip
    assert report, "empty gait report"

    # 4. the street, served by the installed package
    port = _free_port()
    senv = {
        **env,
        "SHOESTREET_DATABASE_URL": f"sqlite:///{work / 'shoestreet.db'}",
        "SHOESTREET_UPLOAD_DIR": str(work / "uploads"),
        "SHOESTREET_SECRET_KEY": "wheel-smoke-test-secret-key-0123456789",
        "SHOESTREET_SEED_DEMO": "0",
    }
    proc = subprocess.Popen(
        [str(venv / "bin" / "storefront"), "serve", "--port", str(port), "--workers", "1"],
        cwd=work,
        env=senv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_up(f"{base}/api/health", proc)
        status, _, body = _get(f"{base}/")
        assert status == 200
        html = body.decode()
        imports = json.loads(re.search(r'<script type="importmap">(.*?)</script>', html, re.S).group(1))["imports"]  # fmt: skip
        three_url = imports["three"]
        assert re.fullmatch(r"/vendor/three-\d+\.\d+\.\d+/build/three\.module\.js", three_url)
        status, headers, body = _get(base + three_url, {"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert "immutable" in headers["Cache-Control"] and "max-age=31536000" in headers["Cache-Control"]  # fmt: skip
        js = gzip.decompress(body).decode()
        assert "./three.core.js" in js and "/**" not in js  # minified: no licence/doc comments
        shops = json.loads(_get(f"{base}/api/shops")[2])["shops"]
        assert len(shops) >= 5 and all(s["models"] for s in shops)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:  # pragma: no cover
            os.killpg(proc.pid, signal.SIGKILL)
    total_s = time.monotonic() - t0
    print(f"wheel smoke: built {built_s:.1f} s, installed {installed_s:.1f} s, all {total_s:.1f} s")
    assert total_s < 240, f"the wheel smoke test took {total_s:.0f} s"
