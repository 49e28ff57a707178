"""Procedural shoe and last meshes built from the graded dimensions of a last.

Frame (both the GLB and :func:`last_mesh`): +Y up, the back of the heel at the origin on the
ground plane, the toe along **+Z**, the shoe centred on X = 0. GLBs are in metres (glTF), the
try-on last in millimetres (footscan's unit).

A shoe is three closed meshes lofted along Z from superellipse cross-sections:

* ``sole``: outsole + midsole, thicker at the heel by the model's drop, with toe spring;
* ``upper``: the last's shape (its ball cross-section has the perimeter of the last's ball girth),
  1 mm proud of it, with a dished collar so it reads as a shoe opening;
* ``accent``: heel counter and toe bumper.

Each mesh has its own PBR material (``metallicFactor = 0``; glTF's default of 1 renders black
without an environment map, storefront §3.2), named like its node so the browser can recolour a
colourway by node name.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import trimesh
from scipy.interpolate import PchipInterpolator
from scipy.optimize import brentq

from storefront.catalog.models import LastSize, ShoeModel, Traits

__all__ = [
    "BALL_T",
    "ShoeShape",
    "shoe_shape",
    "shoe_meshes_mm",
    "shoe_glb_bytes",
    "last_mesh",
    "last_glb_bytes",
    "ring_perimeter_mm",
]

#: Position of the ball section as a fraction of last length from the heel.
BALL_T: float = 0.70

_N_T = 40  # sections along the upper
_N_RING = 28  # points per cross-section
_N_T_SOLE = 34
_N_RING_SOLE = 20
_N_T_ACCENT = 12
# Shoes with at least this much drop get a heel block and shank instead of a wedge, mm.
_HEEL_BLOCK_DROP_MM = 15.0

# Height of the last above its bottom, as a fraction of last length, at these stations; scaled
# per size so that the ball section's perimeter equals the ball girth.
_H_T = np.array([0.0, 0.15, 0.30, 0.45, 0.60, 0.72, 0.85, 0.95, 1.0])
_H_F = np.array([0.23, 0.25, 0.27, 0.25, 0.19, 0.15, 0.12, 0.09, 0.06])


@dataclass(frozen=True)
class ShoeShape:
    """Dimensions that drive the geometry, mm."""

    last_length_mm: float
    ball_width_mm: float
    heel_width_mm: float
    ball_girth_mm: float
    drop_mm: float
    forefoot_sole_mm: float
    toe_spring_mm: float
    toe_box: str


def shoe_shape(size: LastSize, traits: Traits) -> ShoeShape:
    """Geometry parameters for one size of a model (sole from cushioning and drop)."""
    return ShoeShape(
        last_length_mm=size.last_length_mm,
        ball_width_mm=size.ball_width_mm,
        heel_width_mm=size.heel_width_mm,
        ball_girth_mm=size.ball_girth_mm,
        drop_mm=traits.drop_mm,
        forefoot_sole_mm=8.0 + 16.0 * traits.cushioning,
        toe_spring_mm=6.0 + 8.0 * traits.cushioning,
        toe_box=traits.toe_box,
    )


def _half_width(t: np.ndarray, shape: ShoeShape) -> np.ndarray:
    """Half-width of the last along its length, mm, with rounded heel and toe."""
    hh, hb = 0.5 * shape.heel_width_mm, 0.5 * shape.ball_width_mm
    toe = {"narrow": 0.45, "standard": 0.62, "wide": 0.78}[shape.toe_box]
    ts = np.array([0.0, 0.12, 0.35, 0.50, BALL_T, 0.85, 0.95, 1.0])
    ws = np.array(
        [
            0.85 * hh,
            hh,
            0.97 * hh + 0.03 * hb,
            0.45 * hh + 0.5 * hb,
            hb,
            0.93 * hb,
            (0.35 + 0.5 * toe) * hb,
            toe * hb,
        ]
    )
    w = PchipInterpolator(ts, ws)(t)
    # Round both ends in plan view (quarter ellipses) so the outline closes smoothly.
    heel = np.clip(t / 0.10, 0.0, 1.0)
    toe_end = np.clip((1.0 - t) / 0.12, 0.0, 1.0)
    w = w * np.sqrt(1.0 - (1.0 - heel) ** 2) * np.sqrt(1.0 - (1.0 - toe_end) ** 2)
    return np.maximum(w, 0.4)


def _ring(half_w: float, height: float, n: int, base: float = 0.0) -> np.ndarray:
    """Closed superellipse cross-section: flat-ish bottom, rounder top. ``(n, 2)`` (x, y)."""
    th = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    c, s = np.cos(th), np.sin(th)
    e = np.where(s < 0.0, 2.0 / 5.0, 2.0 / 2.4)  # exponent 2/n: n=5 below, 2.4 above
    x = half_w * np.sign(c) * np.abs(c) ** e
    y = base + 0.5 * height * (1.0 + np.sign(s) * np.abs(s) ** e)
    return np.column_stack([x, y])


def ring_perimeter_mm(half_w: float, height: float, n: int = 256) -> float:
    """Perimeter of the cross-section used by :func:`_ring`, mm."""
    p = _ring(half_w, height, n)
    return float(np.linalg.norm(np.diff(np.vstack([p, p[:1]]), axis=0), axis=1).sum())


def _height_profile(t: np.ndarray, shape: ShoeShape) -> np.ndarray:
    """Last height along its length, mm, scaled so the ball section has the ball girth."""
    base = PchipInterpolator(_H_T, _H_F)(t) * shape.last_length_mm
    hw_ball = float(_half_width(np.array([BALL_T]), shape)[0])
    h_ball0 = float(PchipInterpolator(_H_T, _H_F)(BALL_T)) * shape.last_length_mm
    # Perimeter grows monotonically with height: bracket and solve for the girth.
    lo, hi = 1.0, 4.0 * shape.ball_girth_mm

    def f(h: float) -> float:
        return ring_perimeter_mm(hw_ball, h) - shape.ball_girth_mm

    if f(lo) > 0.0:  # absurdly wide for its girth: keep the shape, flatten it
        h_ball = lo
    else:
        h_ball = brentq(f, lo, hi, xtol=0.01)
    return base * (h_ball / h_ball0)


def _smoothstep(x: np.ndarray, a: float, b: float) -> np.ndarray:
    u = np.clip((x - a) / (b - a), 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def _loft(rings: np.ndarray) -> trimesh.Trimesh:
    """Closed mesh from ``(T, M, 3)`` section rings, capped at both ends, outward normals."""
    n_t, m, _ = rings.shape
    verts = rings.reshape(-1, 3)
    idx = np.arange(n_t * m).reshape(n_t, m)
    a = idx[:-1, :]
    b = idx[1:, :]
    a1 = np.roll(a, -1, axis=1)
    b1 = np.roll(b, -1, axis=1)
    faces = np.concatenate(
        [
            np.stack([a, b, b1], axis=-1).reshape(-1, 3),
            np.stack([a, b1, a1], axis=-1).reshape(-1, 3),
        ]
    )
    c0 = len(verts)
    c1 = c0 + 1
    verts = np.vstack([verts, rings[0].mean(axis=0), rings[-1].mean(axis=0)])
    r0 = idx[0]
    r1 = idx[-1]
    cap0 = np.column_stack([np.full(m, c0), np.roll(r0, -1), r0])
    cap1 = np.column_stack([np.full(m, c1), r1, np.roll(r1, -1)])
    mesh = trimesh.Trimesh(verts, np.vstack([faces, cap0, cap1]), process=False)
    if mesh.volume < 0.0:
        mesh.invert()
    return mesh


def _upper_rings(
    shape: ShoeShape, t: np.ndarray, base_y: np.ndarray, inflate_mm: float, collar: bool, m: int
) -> np.ndarray:
    hw = _half_width(t, shape) + inflate_mm
    h = _height_profile(t, shape) + inflate_mm
    rings = np.empty((len(t), m, 3))
    for i, ti in enumerate(t):
        xy = _ring(hw[i], h[i], m, base_y[i] - 0.5 * inflate_mm)
        if collar:
            # Dish the top of the rear third into an opening (depth fades in and out).
            bump = math.sin(math.pi * min(max((ti - 0.03) / 0.33, 0.0), 1.0)) ** 0.6
            depth = 0.50 * h[i] * bump
            top = xy[:, 1] > base_y[i] + 0.5 * h[i]
            u = 1.0 - (xy[:, 0] / hw[i]) ** 2
            xy[:, 1] -= np.where(top, depth * np.clip(u, 0.0, 1.0), 0.0)
        rings[i, :, 0] = xy[:, 0]
        rings[i, :, 1] = xy[:, 1]
        rings[i, :, 2] = ti * shape.last_length_mm
    return rings


def _sole_profile(shape: ShoeShape, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bottom and top of the sole along the length (toe spring, drop), mm."""
    spring = shape.toe_spring_mm * _smoothstep(t, 0.78, 1.02) ** 2
    top = spring + shape.forefoot_sole_mm + shape.drop_mm * (1.0 - _smoothstep(t, 0.22, 0.58))
    if shape.drop_mm < _HEEL_BLOCK_DROP_MM:
        return spring, top  # a wedge midsole
    # A built heel: a block under the rear quarter, a thin shank under the arch.
    shank = (top - shape.forefoot_sole_mm) * (1.0 - _smoothstep(t, 0.55, 0.68))
    bottom = np.maximum(spring, _smoothstep(t, 0.25, 0.30) * shank)
    return bottom, top


def _t_stations(n: int, t0: float = 0.0, t1: float = 1.0) -> np.ndarray:
    # Cosine spacing: denser at the rounded ends.
    return t0 + (t1 - t0) * 0.5 * (1.0 - np.cos(np.linspace(0.0, np.pi, n)))


def shoe_meshes_mm(shape: ShoeShape) -> dict[str, trimesh.Trimesh]:
    """The ``sole``, ``upper`` and ``accent`` meshes of one shoe, mm, in the frame above."""
    length = shape.last_length_mm
    # Sole: a little larger than the last all round.
    ts = _t_stations(_N_T_SOLE)
    bottom, top = _sole_profile(shape, ts)
    hw = _half_width(ts, shape) * 1.06 + 2.5
    z = -3.0 + ts * (length + 7.0)
    sole_r = np.empty((len(ts), _N_RING_SOLE, 3))
    for i in range(len(ts)):
        xy = _ring(hw[i], top[i] - bottom[i], _N_RING_SOLE, bottom[i])
        sole_r[i, :, :2] = xy
        sole_r[i, :, 2] = z[i] + 3.0  # heel back of the sole at z = 0
    sole = _loft(sole_r)

    tu = _t_stations(_N_T)
    _, top_u = _sole_profile(shape, tu)
    upper = _loft(_upper_rings(shape, tu, top_u - 1.0, 1.0, True, _N_RING))
    upper.apply_translation([0.0, 0.0, 3.0])

    parts = []
    for t0, t1, frac in ((0.0, 0.26, 0.44), (0.90, 1.0, 0.33)):
        ta = _t_stations(_N_T_ACCENT, t0, t1)
        _, top_a = _sole_profile(shape, ta)
        r = _upper_rings(shape, ta, top_a - 1.0, 2.5, False, _N_RING)
        cap = top_a - 1.0 + frac * _height_profile(ta, shape)
        r[:, :, 1] = np.minimum(r[:, :, 1], cap[:, None])
        part = _loft(r)
        part.apply_translation([0.0, 0.0, 3.0])
        parts.append(part)
    accent = trimesh.util.concatenate(parts)
    return {"sole": sole, "upper": upper, "accent": accent}


def _rgba(hex_colour: str) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 255]


def shoe_glb_bytes(shape: ShoeShape, colours: Mapping[str, str], upper_kind: str) -> bytes:
    """One shoe as binary glTF: metres, +Y up, heel at origin, toe along +Z.

    Parameters
    ----------
    shape : ShoeShape
        Dimensions (mm).
    colours : mapping
        ``{"upper": "#rrggbb", "sole": ..., "accent": ...}`` (the default colourway).
    upper_kind : str
        ``mesh|knit|leather|synthetic``: sets the upper's roughness.
    """
    roughness = {"leather": 0.45, "synthetic": 0.6, "mesh": 0.85, "knit": 0.9}[upper_kind]
    scene = trimesh.Scene()
    for name, mesh in shoe_meshes_mm(shape).items():
        m = mesh.copy()
        m.apply_scale(0.001)
        material = trimesh.visual.material.PBRMaterial(
            name=name,
            baseColorFactor=_rgba(colours[name]),
            metallicFactor=0.0,
            roughnessFactor=roughness if name == "upper" else (0.9 if name == "sole" else 0.5),
        )
        m.visual = trimesh.visual.TextureVisuals(material=material)
        scene.add_geometry(m, node_name=name, geom_name=name)
    buf = io.BytesIO()
    scene.export(buf, file_type="glb", include_normals=True)
    return buf.getvalue()


def last_mesh(
    model: ShoeModel, size: LastSize | float, width: str | None = None
) -> trimesh.Trimesh:
    """The last of one size of a model for the try-on view, mm.

    Same frame as the GLB (+Y up, heel back at the origin, toe along +Z) but with a flat bottom on
    the ground (no heel pitch), so it overlays a weight-bearing foot scan. Its cross-section at
    ``BALL_T`` of the length has the last's ball girth as perimeter, and its widest plan-view
    width is the ball width.

    Parameters
    ----------
    model : ShoeModel
    size : LastSize or float
        The size row, or an EU size (then ``width`` picks the fitting).
    """
    last = size if isinstance(size, LastSize) else model.size(float(size), width)
    shape = ShoeShape(
        last_length_mm=last.last_length_mm,
        ball_width_mm=last.ball_width_mm,
        heel_width_mm=last.heel_width_mm,
        ball_girth_mm=last.ball_girth_mm,
        drop_mm=0.0,
        forefoot_sole_mm=0.0,
        toe_spring_mm=0.0,
        toe_box=model.traits.toe_box,
    )
    t = _t_stations(_N_T)
    mesh = _loft(_upper_rings(shape, t, np.zeros_like(t), 0.0, False, _N_RING * 2))
    mesh.merge_vertices()
    return mesh


def last_glb_bytes(
    model: ShoeModel, size: LastSize | float, width: str | None = None, colour: str = "#c8a878"
) -> bytes:
    """:func:`last_mesh` as binary glTF for the browser: metres, one node ``"last"`` with a PBR
    material (``metallicFactor = 0``, wood-like colour), same frame as the shoe GLBs."""
    mesh = last_mesh(model, size, width)
    mesh.apply_scale(0.001)
    mesh.visual = trimesh.visual.TextureVisuals(
        material=trimesh.visual.material.PBRMaterial(
            name="last", baseColorFactor=_rgba(colour), metallicFactor=0.0, roughnessFactor=0.7
        )
    )
    scene = trimesh.Scene()
    scene.add_geometry(mesh, node_name="last", geom_name="last")
    buf = io.BytesIO()
    scene.export(buf, file_type="glb", include_normals=True)
    return buf.getvalue()
