"""STEP export is deterministic: the same mesh and name give the same bytes in any process.

OpenCASCADE's writer settings are process-wide (``Interface_Static``) and its product names and
header carry a counter and the time, so without care two writes of one last differ. Here the
same write is repeated after another write and after the settings were changed behind the
writer's back, compared with the bytes of a fresh interpreter (where the first writer resets
the settings to OpenCASCADE's defaults), and written from two threads at once. The header is
read as text: the schema each encoding promises, the fixed time stamp, the product's name.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from footscan.lasts import step_available, step_bytes
from footscan.lasts._step import TIME_STAMP

pytestmark = pytest.mark.skipif(not step_available(), reason="the 'step' extra is not installed")

#: A closed, outward-wound octahedron, 20 mm across.
V_MM = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], float) * 10
F = np.array(
    [[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]]
)

_FRESH = """
import sys, numpy as np
from footscan.lasts import step_bytes
v = np.array({v}, float); f = np.array({f})
a = step_bytes(v, f, "last 42", encoding=sys.argv[1])
b = step_bytes(v, f, "last 42", encoding=sys.argv[1])
assert a == b, "two writes in one fresh process differ"
open(sys.argv[2], "wb").write(a)  # not stdout: OpenCASCADE logs there
"""


def _disturb() -> None:
    """Change every writer setting the way other code in the process might."""
    from OCP.Interface import Interface_Static

    for key, value in (
        ("write.step.schema", "AP203"),
        ("write.step.unit", "M"),
        ("xstep.cascade.unit", "M"),
        ("write.step.product.name", "someone else's part"),
        ("write.step.tessellated", "Off"),
        ("write.step.assembly", "On"),
        ("write.precision.mode", "Max"),
        ("write.precision.val", "0.5"),
    ):
        assert Interface_Static.SetCVal_s(key, value), key


@pytest.mark.parametrize(
    ("encoding", "schema"),
    [("tessellated", "AP242_MANAGED_MODEL_BASED_3D_ENGINEERING"), ("brep", "AUTOMOTIVE_DESIGN")],
)
def test_two_writes_are_byte_identical_whatever_came_before(encoding: str, schema: str) -> None:
    first = step_bytes(V_MM, F, "last 42", encoding=encoding)
    step_bytes(V_MM * 2, F, "", encoding="brep" if encoding == "tessellated" else "tessellated")
    _disturb()
    again = step_bytes(V_MM, F, "last 42", encoding=encoding)
    assert again == first
    head = first.split(b"ENDSEC;", 1)[0].decode("ascii")
    assert f"'{TIME_STAMP}'" in head and schema in head
    products = re.findall(r"PRODUCT\('([^']*)','([^']*)'", first.decode("ascii"))
    assert products == [("last 42", "last 42")]  # the name as given, no process-wide counter
    if encoding == "tessellated":
        assert b"TESSELLATED_SOLID" in first and b"(10.,0.,0.)" in first  # millimetres
    else:
        assert b"MANIFOLD_SOLID_BREP" in first or b"BREP_WITH_VOIDS" in first


@pytest.mark.parametrize("encoding", ["tessellated", "brep"])
def test_a_fresh_process_writes_the_same_bytes(encoding: str, tmp_path: Path) -> None:
    code = _FRESH.format(v=V_MM.tolist(), f=F.tolist())
    root = Path(__file__).resolve().parents[3]
    out = tmp_path / "fresh.step"
    subprocess.run(
        [sys.executable, "-c", code, encoding, str(out)],
        capture_output=True,
        check=True,
        timeout=120,
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"},
    )
    _disturb()
    assert out.read_bytes() == step_bytes(V_MM, F, "last 42", encoding=encoding)


def test_concurrent_writes_from_two_threads_match_the_sequential_ones() -> None:
    want = {
        enc: step_bytes(V_MM, F, f"last {enc}", encoding=enc) for enc in ("tessellated", "brep")
    }
    got: dict[str, list[bytes]] = {enc: [] for enc in want}

    def run(enc: str) -> None:
        for _ in range(3):
            got[enc].append(step_bytes(V_MM, F, f"last {enc}", encoding=enc))

    threads = [threading.Thread(target=run, args=(enc,)) for enc in want]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert {enc: set(b) for enc, b in got.items()} == {enc: {b} for enc, b in want.items()}
