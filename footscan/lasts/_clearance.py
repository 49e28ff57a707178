"""Clearance of the foot in its last: signed distances (mm) and a summary per style region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from footscan.lasts._styles import style_data

__all__ = ["ClearanceRegion", "clearance", "inside_mesh", "region_summary"]

_SAMPLE_AREA_MM2 = 0.25  # one surface sample per 0.25 mm^2: distances within ~0.3 mm


@dataclass(frozen=True)
class ClearanceRegion:
    """Clearance (last surface minus foot, mm; negative = the last presses) in one region."""

    name: str
    n_points: int
    min_mm: float
    p5_mm: float
    median_mm: float
    max_compression_allowed_mm: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.name,
            "n_points": self.n_points,
            "min_mm": round(self.min_mm, 2),
            "p5_mm": round(self.p5_mm, 2),
            "median_mm": round(self.median_mm, 2),
            "max_compression_allowed_mm": self.max_compression_allowed_mm,
        }


def clearance(
    v: NDArray[np.float64], fa: NDArray[np.int64], pts: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Signed distance from each point to the closed mesh, positive inside (mm)."""
    tri = v[fa]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    n = np.maximum(1, np.ceil(area / _SAMPLE_AREA_MM2).astype(np.int64))
    idx = np.repeat(np.arange(fa.shape[0]), n)
    rng = np.random.default_rng(7)
    r1 = np.sqrt(rng.random(idx.size))
    r2 = rng.random(idx.size)
    t = tri[idx]
    s = (
        (1 - r1)[:, None] * t[:, 0]
        + (r1 * (1 - r2))[:, None] * t[:, 1]
        + (r1 * r2)[:, None] * t[:, 2]
    )
    d, _ = cKDTree(s).query(pts, workers=1)
    return np.where(inside_mesh(v, fa, pts), d, -d)


def _candidates(tri: NDArray[np.float64], pts: NDArray[np.float64], cell_mm: float):
    """(point index, triangle index) pairs whose floor projections share a grid cell."""
    lo = np.minimum(pts[:, :2].min(axis=0), tri[:, :, :2].min(axis=(0, 1))) - cell_mm
    tmin = np.floor((tri[:, :, :2].min(axis=1) - lo) / cell_mm).astype(np.int64)
    tmax = np.floor((tri[:, :, :2].max(axis=1) - lo) / cell_mm).astype(np.int64)
    pc = np.floor((pts[:, :2] - lo) / cell_mm).astype(np.int64)
    ny = int(max(tmax[:, 1].max(), pc[:, 1].max())) + 2
    pc = pc.clip(min=0)
    span = (tmax - tmin + 1).clip(min=1)
    n_cells = span[:, 0] * span[:, 1]
    tid = np.repeat(np.arange(tri.shape[0]), n_cells)
    off = np.arange(tid.size) - np.repeat(np.cumsum(n_cells) - n_cells, n_cells)
    key = (tmin[tid, 0] + off // span[tid, 1]) * ny + tmin[tid, 1] + off % span[tid, 1]
    order = np.argsort(key, kind="stable")
    key, tid = key[order], tid[order]
    pkey = pc[:, 0] * ny + pc[:, 1]
    start = np.searchsorted(key, pkey, "left")
    cnt = np.searchsorted(key, pkey, "right") - start
    pid = np.repeat(np.arange(pts.shape[0]), cnt)
    cand = tid[
        np.repeat(start, cnt) + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    ]
    return pid, cand


def inside_mesh(
    v: NDArray[np.float64], fa: NDArray[np.int64], pts: NDArray[np.float64], cell_mm: float = 4.0
) -> NDArray[np.bool_]:
    """Inside test for a closed mesh: parity of crossings of the ray from each point along +z.

    Triangles are bucketed by their floor-projected bounding boxes, so each point meets only
    the few triangles above or below it.
    """
    tri = v[fa]
    pid, cand = _candidates(tri, pts, cell_mm)
    a, b, c = tri[cand, 0], tri[cand, 1], tri[cand, 2]
    p = pts[pid]
    # Barycentric coordinates in the floor projection.
    d = (b[:, 1] - c[:, 1]) * (a[:, 0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (a[:, 1] - c[:, 1])
    ok = np.abs(d) > 1e-12
    d = np.where(ok, d, 1.0)
    l1 = ((b[:, 1] - c[:, 1]) * (p[:, 0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (p[:, 1] - c[:, 1])) / d
    l2 = ((c[:, 1] - a[:, 1]) * (p[:, 0] - c[:, 0]) + (a[:, 0] - c[:, 0]) * (p[:, 1] - c[:, 1])) / d
    l3 = 1.0 - l1 - l2
    hit = ok & (l1 >= 0) & (l2 >= 0) & (l3 > 0)
    zt = l1 * a[:, 2] + l2 * b[:, 2] + l3 * c[:, 2]
    hit &= zt > p[:, 2]
    crossings = np.bincount(pid[hit], minlength=pts.shape[0])
    return crossings % 2 == 1


def region_summary(
    clr: NDArray[np.float64], x_frac: NDArray[np.float64]
) -> tuple[ClearanceRegion, ...]:
    """Clearance per style region (regions by the points' flat x as a fraction of FL)."""
    regs = style_data()["regions"]
    out = []
    for name in (k for k in regs if k != "doc"):
        lo, hi = regs[name]["x"]
        c = clr[(x_frac >= lo) & (x_frac < hi)]
        if c.size == 0:
            continue
        out.append(
            ClearanceRegion(
                name,
                int(c.size),
                float(c.min()),
                float(np.quantile(c, 0.05)),
                float(np.median(c)),
                float(regs[name]["max_compression_mm"]),
            )
        )
    return tuple(out)
