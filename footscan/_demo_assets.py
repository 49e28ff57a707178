"""Rebuild ``assets/`` from the shared reference data: ``python -m footscan._demo_assets``.

What it writes (all deterministic):

* ``assets/find/``: the FIND model (``model.onnx``, ``latents.json``, ``template_lowres.obj``,
  copied unchanged), the high-resolution FOCUS template converted to ``template_hires.npz``
  (same vertices and faces, plus the ``FIND`` keypoint row), and both MIT licence files.
* ``assets/ansur/foot_stats.json``: per-sex mean and covariance of five ANSUR II foot columns.
* ``assets/demo/phone_scan_left.ply``: a synthetic phone capture (seed 20261121, 150k points,
  binary PLY, float32, metres) used by ``footscan measure`` quick starts and the storefront demo.

Usage: ``python -m footscan._demo_assets [--shared ../shared/data] [--only find|demo]``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np

from footscan._find import assets_dir

__all__ = ["DEMO_SEED", "build_demo_capture", "build_find_assets", "main"]

#: Seed of the bundled demo capture.
DEMO_SEED = 20261121
DEMO_POINTS = 150_000


def _sha16(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def build_find_assets(shared: Path, out: Path) -> None:
    """Copy the FIND model/template and fit the ANSUR statistics into ``out``."""
    from footscan._ansur import fit_foot_stats
    from footscan._io import load_scan

    fs = shared / "footscan"
    find_dir = out / "find"
    find_dir.mkdir(parents=True, exist_ok=True)
    for src, dst in [
        (fs / "find_model" / "model.onnx", "model.onnx"),
        (fs / "find_model" / "latents.json", "latents.json"),
        (fs / "find_model" / "template.obj", "template_lowres.obj"),
        (fs / "find_model" / "LICENSE.FIND.txt", "LICENSE.FIND.txt"),
        (fs / "find_template" / "LICENSE.FOCUS.txt", "LICENSE.FOCUS.txt"),
        (fs / "find_template" / "keypoints.csv", "keypoints.csv"),
    ]:
        shutil.copyfile(src, find_dir / dst)
    hires = load_scan(fs / "find_template" / "template.obj", units="m")
    if hires.faces is None:
        raise RuntimeError("the FIND template has no faces")
    with (fs / "find_template" / "keypoints.csv").open(newline="") as fh:
        rows = {r["model"]: r for r in csv.DictReader(fh)}
    names = [k for k in rows["FIND"] if k != "model"]
    np.savez_compressed(
        find_dir / "template_hires.npz",
        vertices_m=hires.points_mm / 1000.0,
        faces=hires.faces.astype(np.int32),
        keypoint_names=np.array(names),
        keypoint_index=np.array([int(rows["FIND"][k]) for k in names], dtype=np.int64),
    )
    stats = fit_foot_stats(fs / "ansur2")
    (out / "ansur").mkdir(parents=True, exist_ok=True)
    (out / "ansur" / "foot_stats.json").write_text(
        json.dumps(
            {
                "source": "ANSUR II public data (US Army Natick Soldier RD&E Center, 2012 survey)",
                "files_sha256_16": {
                    f.name: _sha16(f) for f in sorted((fs / "ansur2").glob("*.csv"))
                },
                "stats": stats,
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )


def build_demo_capture(out: Path) -> Path:
    """Write the bundled demo phone capture (left foot, metres) and return its path."""
    from footscan._io import write_scan
    from footscan._synthetic import make_foot
    from footscan._synthetic_capture import make_capture

    foot = make_foot(DEMO_SEED, sex="male", side="left")
    cap = make_capture(foot, DEMO_SEED + 1, n_points=DEMO_POINTS, units="m")
    (out / "demo").mkdir(parents=True, exist_ok=True)
    path = out / "demo" / "phone_scan_left.ply"
    write_scan(path, cap.cloud.points_mm / 1000.0, fmt="ply", float32=True)
    truth = {
        "seed": DEMO_SEED,
        "capture_seed": DEMO_SEED + 1,
        "sex": foot.sex,
        "side": foot.side,
        "units": "m",
        "n_points": cap.cloud.n_points,
        "targets_mm": {k: round(v, 2) for k, v in foot.targets.items()},
        "achieved_mm": {k: round(v, 2) for k, v in foot.achieved.items()},
        "degradations": {k: _jsonable(v) for k, v in cap.degradations.items()},
    }
    (out / "demo" / "phone_scan_left.truth.json").write_text(
        json.dumps(truth, indent=1) + "\n", encoding="utf-8"
    )
    return path


def _jsonable(v: object) -> object:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, tuple | list):
        return [_jsonable(x) for x in v]
    return v


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--only", choices=["find", "demo"], default=None)
    args = parser.parse_args(argv)
    out = assets_dir()
    if args.only in (None, "find"):
        build_find_assets(args.shared, out)
    if args.only in (None, "demo"):
        print(build_demo_capture(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
