"""Offscreen pictures of a last, the foot in it and the insole (PNG, numpy only).

Orthographic point splatting: dense surface samples are projected, the nearest per pixel wins,
and the colour is shaded by the surface normal. Used for docs/made-to-measure.md.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from footscan.lasts._build import PersonalLast
from footscan.lasts._insole import Insole

__all__ = ["write_png", "render_cutaway", "render_insole"]

_PX_MM = 2.5  # pixels per mm


def write_png(path: str | Path, rgb: NDArray[np.uint8]) -> None:
    """Write an (h, w, 3) uint8 image as PNG."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[i].tobytes() for i in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    Path(path).write_bytes(png)


def _samples(v, f, per_mm2, seed=0):
    tri = v[f]
    nrm = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    area = 0.5 * np.linalg.norm(nrm, axis=1)
    nrm /= np.maximum(2 * area[:, None], 1e-12)
    n = np.maximum(1, np.ceil(area * per_mm2).astype(np.int64))
    idx = np.repeat(np.arange(f.shape[0]), n)
    rng = np.random.default_rng(seed)
    r1, r2 = np.sqrt(rng.random(idx.size)), rng.random(idx.size)
    t = tri[idx]
    p = (
        (1 - r1)[:, None] * t[:, 0]
        + (r1 * (1 - r2))[:, None] * t[:, 1]
        + (r1 * r2)[:, None] * t[:, 2]
    )
    return p, nrm[idx]


def _splat(layers, axes, depth_axis, depth_sign, bounds):
    """Composite layers of (points, rgb (n,3) float 0-1) into an image."""
    (u0, u1), (v0, v1) = bounds
    w = int((u1 - u0) * _PX_MM) + 1
    h = int((v1 - v0) * _PX_MM) + 1
    img = np.ones((h, w, 3))
    zbuf = np.full(h * w, np.inf)
    for p, col, rad in layers:
        iu0 = ((p[:, axes[0]] - u0) * _PX_MM).astype(int)
        iv0 = ((v1 - p[:, axes[1]]) * _PX_MM).astype(int)
        offs = [(a, b) for a in range(-rad, rad + 1) for b in range(-rad, rad + 1)]
        iu = np.concatenate([iu0 + a for a, _ in offs])
        iv = np.concatenate([iv0 + b for _, b in offs])
        dd = np.tile(depth_sign * p[:, depth_axis], len(offs))
        cc = np.tile(col, (len(offs), 1))
        ok = (iu >= 0) & (iu < w) & (iv >= 0) & (iv < h)
        key = iv[ok] * w + iu[ok]
        d = dd[ok]
        c = cc[ok]
        order = np.lexsort((d, key))
        key, d, c = key[order], d[order], c[order]
        first = np.concatenate([[True], key[1:] != key[:-1]])
        key, d, c = key[first], d[first], c[first]
        closer = d < zbuf[key]
        zbuf[key[closer]] = d[closer]
        img.reshape(-1, 3)[key[closer]] = c[closer]
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def _clearance_rgb(c):
    c = np.asarray(c)
    out = np.empty((c.size, 3))
    out[:] = (0.27, 0.48, 0.62)  # > 3 mm room
    out[c < 3.0] = (0.16, 0.62, 0.56)
    out[c < 0.0] = (0.97, 0.50, 0.0)
    out[c < -1.0] = (0.84, 0.16, 0.16)
    return out


def render_cutaway(last: PersonalLast, path: str | Path, view: str = "side") -> None:
    """Foot-in-last picture: ``side`` (medial half of the last cut away) or ``top``.

    The foot's points are coloured by clearance (red presses > 1 mm, orange snug, green
    0-3 mm room, blue more); the last is grey.
    """
    p, n = _samples(last.vertices_mm, last.faces, 1.5)
    light = np.array([0.3, -0.5, 0.8])
    shade = 0.55 + 0.4 * np.abs(n @ (light / np.linalg.norm(light)))
    grey = np.repeat(shade[:, None], 3, axis=1) * np.array([0.85, 0.82, 0.78])
    foot = last.foot_points_mm
    fcol = _clearance_rgb(last.clearance_points_mm)
    medial = -1.0 if last.side == "left" else 1.0
    lo, hi = last.vertices_mm.min(axis=0) - 5, last.vertices_mm.max(axis=0) + 5
    if view == "side":
        ymid = 0.5 * (lo[1] + hi[1])
        keep = medial * (p[:, 1] - ymid) < 0  # cut the medial half away
        # Look from the medial side: depth increases away from the viewer.
        img = _splat(
            [(foot, fcol, 2), (p[keep], grey[keep], 1)],
            (0, 2),
            1,
            -medial,
            ((lo[0], hi[0]), (lo[2], hi[2])),
        )
    else:
        keep = p[:, 2] < np.quantile(foot[:, 2], 0.35)  # the last cut at a third of its height
        img = _splat(
            [(foot, fcol, 2), (p[keep], grey[keep], 1)],
            (0, 1),
            2,
            -1.0,
            ((lo[0], hi[0]), (lo[1], hi[1])),
        )
    write_png(path, img)


def render_insole(insole: Insole, path: str | Path) -> None:
    """Top view of the insole coloured by thickness (light = thin), reliefs in red."""
    p, n = _samples(insole.vertices_mm, insole.faces, 3.0)
    up = n[:, 2] > 0.3
    p = p[up]
    from scipy.spatial import cKDTree

    xy = np.column_stack(
        [np.repeat(insole.station_x_mm, insole.across_y_mm.shape[1]), insole.across_y_mm.ravel()]
    )
    if insole.side == "right":
        xy[:, 1] = -xy[:, 1]
    _, j = cKDTree(xy).query(p[:, :2])
    thick = insole.thickness_mm.ravel()[j]
    t = np.clip((thick - thick.min()) / max(np.ptp(thick), 1e-6), 0, 1)
    col = np.column_stack([0.95 - 0.6 * t, 0.93 - 0.45 * t, 0.88 - 0.2 * t])
    col[insole.relief_mm.ravel()[j] > 0.05] = (0.85, 0.25, 0.2)
    lo, hi = insole.vertices_mm.min(axis=0) - 5, insole.vertices_mm.max(axis=0) + 5
    write_png(path, _splat([(p, col, 1)], (0, 1), 2, -1.0, ((lo[0], hi[0]), (lo[1], hi[1]))))
