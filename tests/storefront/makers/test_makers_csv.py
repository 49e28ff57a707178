"""The dashboard's client-side CSV of a release has the server CSV's columns and values.

The dashboard saves a release it already holds as CSV in the browser (exporting costs no
budget); that CSV must be the API's ``format=csv`` file of the same release. Node runs the
dashboard's own ``shapeReleaseToCsv`` (its two imports stubbed) on the release JSON the API
returned, and the result is compared, column by column and value by value, with the server's
``releases.to_csv`` of the same JSON.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from storefront.makers import releases
from tests.storefront.makers.test_makers_api import _get, _mfr, _people

_JS = Path(__file__).parents[3] / "storefront" / "static" / "js" / "lib" / "makerCharts.js"


def _client_csv(out: dict, folder: Path) -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    src = _JS.read_text(encoding="utf-8")
    src = re.sub(r"^import .*? from 'shoestreet/[^']+';$", "", src, flags=re.M)
    stub = "const svg = () => null;\nconst t = (s) => s;\n"
    (folder / "charts.mjs").write_text(stub + src, encoding="utf-8")
    (folder / "out.json").write_text(json.dumps(out), encoding="utf-8")
    (folder / "run.mjs").write_text(
        "import { readFileSync } from 'node:fs';\n"
        "import { shapeReleaseToCsv } from './charts.mjs';\n"
        "process.stdout.write(shapeReleaseToCsv(JSON.parse(readFileSync(process.argv[2], 'utf8'))));\n",
        encoding="utf-8",
    )
    res = subprocess.run([node, str(folder / "run.mjs"), str(folder / "out.json")],
                         capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert res.returncode == 0, res.stderr
    return res.stdout


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    except ValueError:
        return False


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "average_feet", "epsilon": "1"},
        {"kind": "quantiles", "measure": "ball_girth", "epsilon": "0.5"},
        {"kind": "regression", "epsilon": "0.5"},
    ],
)
def test_client_csv_equals_server_csv(app, client, runner, tmp_path, params) -> None:  # type: ignore[no-untyped-def]
    app.config["PRIVACY_MANUFACTURER_EPSILON_PER_YEAR"] = 4.0
    token = _mfr(runner, "Leisten", "3")
    _people(app, 400, seed=5)
    r = _get(client, token, "/api/manufacturer/shape-stats", **params)
    assert r.status_code == 200, r.json
    out = r.json
    server = list(csv.reader(io.StringIO(releases.to_csv(out))))
    browser = list(csv.reader(io.StringIO(_client_csv(out, tmp_path))))
    assert browser[0] == server[0]
    if params["kind"] == "average_feet":
        assert {"mean_length_mm", "mean_ball_width_mm", "people_fitted",
                "mesh_length_noise_sd_mm"} <= set(server[0])  # fmt: skip
        assert any(row[server[0].index("mean_length_mm")] for row in server[1:])
    assert len(browser) == len(server)
    for got, want in zip(browser[1:], server[1:]):
        bad = [(h, g, w) for h, g, w in zip(server[0], got, want) if not _same(g, w)]
        assert not bad, bad
