"""USD readers: ``.usdz`` (the iPhone's default 3D export) and single-file ``.usd/.usda/.usdc``.

Read with Pixar's ``usd-core`` (``pxr``; extra ``usd``). Every ``UsdGeom.Mesh`` (and
``UsdGeom.Points``) of the composed stage is taken with its local-to-world transform, polygons
are fan-triangulated, the stage's ``upAxis`` is honoured (Y up is rotated to our +Z up, like
glTF) and an authored ``metersPerUnit`` becomes the declared unit (coordinates are returned in
metres with ``units_hint="m"``; without it the unit is inferred from the extent as for any
other format).

``pxr`` opens files by path only, so the bytes go to a private temporary directory, and it
aborts the whole process on some corrupt files, so it runs in a child process
(:mod:`footscan._io_usd_child`, run by path without importing ``footscan``) with an address-space
and CPU limit and a timeout; a crash or a limit is one :class:`ScanReadError`. A layer may
reference other files by path: a USDZ may only reference files inside its own package, and a
single-file USD nothing at all, so a scan can never pull in files from the server's disk.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from footscan._io_common import (
    MAX_FACES,
    MAX_POINTS,
    BudgetExceededError,
    Raw,
    check_count,
)
from footscan._io_usd_child import triangulate_polygons
from footscan.exceptions import MissingExtraError, ScanReadError

__all__ = [
    "USD_CHILD_MAX_CPU_S",
    "USD_CHILD_MAX_MEMORY_BYTES",
    "USD_CHILD_TIMEOUT_S",
    "read_usd_bytes",
    "read_usdz_bytes",
    "triangulate_polygons",
]

_log = logging.getLogger("footscan")
_USD_LAYERS = (".usdc", ".usda", ".usd")
_CHILD = str(Path(__file__).with_name("_io_usd_child.py"))

#: Address-space limit of the USD child process (bytes): a 5 M-vertex mesh needs ~0.5 GB.
USD_CHILD_MAX_MEMORY_BYTES = 3 << 30
#: CPU-time limit of the USD child process (s).
USD_CHILD_MAX_CPU_S = 60
#: Wall-clock limit of the USD child process (s).
USD_CHILD_TIMEOUT_S = 120


def _have_pxr() -> None:
    import importlib.util

    if importlib.util.find_spec("pxr") is None:
        raise MissingExtraError("usd", "usd-core")


def read_usdz_bytes(data: bytes) -> Raw:
    """Read a USDZ package from memory.

    Parameters
    ----------
    data : bytes
        The ``.usdz`` file (a zip, members stored uncompressed, first member the root layer).

    Returns
    -------
    Raw
        Mesh vertices in world coordinates, +Z up; in metres with ``units_hint="m"`` when the
        stage authors ``metersPerUnit``, else in the stage's own unit.

    Raises
    ------
    ScanReadError
        Not a USDZ, references outside the package, no mesh, counts over the budgets, corrupt
        data (also when the USD library aborts: it runs in a child process).
    MissingExtraError
        ``usd-core`` is not installed.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ScanReadError(f"not a USDZ package ({exc})") from None
    names = [i.filename for i in infos]
    if not names or not names[0].lower().endswith(_USD_LAYERS):
        raise ScanReadError("not a USDZ package (its first file is not a USD layer)")
    if any(i.compress_type != zipfile.ZIP_STORED for i in infos):
        raise ScanReadError("not a valid USDZ package (its files must be stored uncompressed)")
    layers = [n for n in names if n.lower().endswith(_USD_LAYERS)]
    return _read_usd(data, ".usdz", layers)


def read_usd_bytes(data: bytes) -> Raw:
    """Read a single-file USD layer (``.usd``, ``.usda`` text or ``.usdc`` crate) from memory.

    Parameters
    ----------
    data : bytes
        The layer; it may not reference other files.

    Returns
    -------
    Raw
        As :func:`read_usdz_bytes`.
    """
    if data.startswith(b"PXR-USDC"):
        suffix = ".usdc"
    elif data.lstrip().startswith(b"#usda"):
        suffix = ".usda"
    else:
        raise ScanReadError("not a USD layer (no 'PXR-USDC' or '#usda' header)")
    return _read_usd(data, suffix, None)


def _read_usd(data: bytes, suffix: str, package_layers: list[str] | None) -> Raw:
    """Decode in a child process with memory and CPU limits; see :mod:`._io_usd_child`."""
    _have_pxr()
    limits = {
        "max_points": MAX_POINTS,
        "max_faces": MAX_FACES,
        "max_memory_bytes": USD_CHILD_MAX_MEMORY_BYTES,
        "max_cpu_s": USD_CHILD_MAX_CPU_S,
        "package_layers": package_layers,
    }
    with tempfile.TemporaryDirectory(prefix="footscan-usd-") as tmp:
        src = os.path.join(tmp, "scan" + suffix)
        out = os.path.join(tmp, "out.npz")
        with open(src, "wb") as fh:
            fh.write(data)
        try:
            proc = subprocess.run(
                [sys.executable, "-I", _CHILD, src, out, json.dumps(limits)],
                capture_output=True,
                timeout=USD_CHILD_TIMEOUT_S,
                check=False,
                cwd=tmp,
            )
        except subprocess.TimeoutExpired:
            raise ScanReadError(
                f"reading the USD file took longer than {USD_CHILD_TIMEOUT_S} s"
            ) from None
        if os.path.exists(out + ".json"):
            with open(out + ".json", encoding="utf-8") as fh:
                report = json.load(fh)
            cls = BudgetExceededError if report.get("kind") == "budget" else ScanReadError
            raise cls(str(report.get("error", "unreadable USD file")))
        if proc.returncode != 0 or not os.path.exists(out):
            last = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            _log.info("USD child exited with %s: %s", proc.returncode, last[0][:200])
            raise ScanReadError(
                "the USD library could not read this file (corrupt USD data; "
                f"exit status {proc.returncode})"
            )
        with np.load(out, allow_pickle=False) as npz:
            pts = np.asarray(npz["points"], dtype=np.float64)
            faces = np.asarray(npz["faces"], dtype=np.int64)
            hint = str(npz["units_hint"]) or None
            up = str(npz["up_axis"])
    check_count(pts.shape[0], "vertices (USD meshes)", MAX_POINTS)
    check_count(faces.shape[0], "triangles (USD meshes)", MAX_FACES)
    _log.info(
        "USD stage: upAxis %s, metersPerUnit %s, %d vertices",
        up,
        "authored" if hint else "not authored",
        pts.shape[0],
    )
    return Raw(pts, faces if faces.size else None, units_hint=hint)
