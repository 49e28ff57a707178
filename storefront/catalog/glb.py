"""Procedural shoe and last meshes built from the graded dimensions of a last.

Frame (both the GLB and :func:`storefront.catalog.last_glb.last_mesh`): +Y up, the back of the heel at the origin on the
ground plane, the toe along **+Z**, the shoe centred on X = 0. GLBs are in metres (glTF), the
try-on last in millimetres (footscan's unit).

A shoe is three meshes built from superellipse cross-sections of its last, lofted along Z:

* ``sole``: outsole + midsole, thicker at the heel by the model's drop, with toe spring; a
  cupsole's boxy walls, a runner's flared rocker, a dress shoe's thin sole and heel block, lugs;
* ``upper``: the last's shape (its ball cross-section has the perimeter of the last's ball girth),
  1 mm proud of it, with a dished collar so it reads as a shoe opening, a shaft on a boot, or
  only straps on a sandal;
* ``accent``: the trim that makes the style recognisable: laces, toe cap or wingtip, moccasin
  apron, hook-and-loop straps, side stripes, heel counter and pull tab, toe bumper.

:func:`shoe_style` picks one of :data:`STYLES` for a catalogue model from its category and name.

Each mesh has its own PBR material (``metallicFactor = 0``; glTF's default of 1 renders black
without an environment map, storefront §3.2), named like its node so the browser can recolour a
colourway by node name.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import trimesh
from scipy.interpolate import PchipInterpolator
from scipy.optimize import brentq

from storefront.catalog.models import LastSize, Traits
from storefront.catalog.styles import STYLE_SPECS, STYLES, StyleSpec, shoe_style

__all__ = [
    "BALL_T",
    "STYLES",
    "ShoeShape",
    "shoe_shape",
    "shoe_style",
    "shoe_meshes_mm",
    "shoe_glb_bytes",
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


def _ring(
    half_w: float,
    height: float,
    n: int,
    base: float = 0.0,
    exps: tuple[float, float] = (2.0 / 5.0, 2.0 / 2.4),
) -> np.ndarray:
    """Closed superellipse cross-section: flat-ish bottom, rounder top. ``(n, 2)`` (x, y).

    ``exps`` are the exponents below and above mid-height (2/n: n = 5 below, 2.4 above by
    default; smaller values make boxier walls, as on a cupsole)."""
    th = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    c, s = np.cos(th), np.sin(th)
    e = np.where(s < 0.0, exps[0], exps[1])
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
    shape: ShoeShape,
    t: np.ndarray,
    base_y: np.ndarray,
    inflate_mm: float,
    collar: tuple[float, float, float] | None,
    m: int,
    shaft_mm: float = 0.0,
) -> np.ndarray:
    """Sections of the last (inflated by ``inflate_mm``) standing on ``base_y``; ``collar``
    ``(t0, t1, depth)`` dishes the top between t0 and t1 into the shoe's opening and
    ``shaft_mm`` raises the top of the rear into a boot shaft. ``(T, m, 3)``, mm."""
    hw = _half_width(t, shape) + inflate_mm
    h = _height_profile(t, shape) + inflate_mm
    rings = np.empty((len(t), m, 3))
    for i, ti in enumerate(t):
        xy = _ring(hw[i], h[i], m, base_y[i] - 0.5 * inflate_mm)
        mid = base_y[i] - 0.5 * inflate_mm + 0.5 * h[i]
        top = xy[:, 1] > mid
        extra = shaft_mm * (1.0 - float(_smoothstep(np.array(ti), 0.22, 0.44)))
        if extra > 0.0:
            xy[:, 1] += extra * np.clip((xy[:, 1] - mid) / (0.5 * h[i]), 0.0, 1.0)
        if collar:
            # Dish the top between t0 and t1 into an opening (depth fades in and out).
            t0, t1, frac = collar
            bump = math.sin(math.pi * min(max((ti - t0) / (t1 - t0), 0.0), 1.0)) ** 0.6
            depth = frac * (h[i] + extra) * bump
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


def _arc_rings(
    shape: ShoeShape,
    t: np.ndarray,
    base_y: np.ndarray,
    inflate_mm: float,
    th0: np.ndarray,
    th1: np.ndarray,
    n: int,
    z_off: float,
) -> np.ndarray:
    """Open arcs of the last's cross-section between angles ``th0``..``th1`` (0 = lateral
    mid-height, pi/2 = top), inflated by ``inflate_mm``; ``(T, n, 3)``."""
    hw = _half_width(t, shape) + inflate_mm
    h = _height_profile(t, shape) + inflate_mm
    out = np.empty((len(t), n, 3))
    for i in range(len(t)):
        th = np.linspace(th0[i], th1[i], n)
        c, s = np.cos(th), np.sin(th)
        e = np.where(s < 0.0, 2.0 / 5.0, 2.0 / 2.4)
        out[i, :, 0] = hw[i] * np.sign(c) * np.abs(c) ** e
        out[i, :, 1] = (
            base_y[i] - 0.5 * inflate_mm + 0.5 * h[i] * (1.0 + np.sign(s) * np.abs(s) ** e)
        )
        out[i, :, 2] = t[i] * shape.last_length_mm + z_off
    return out


def _shell(inner: np.ndarray, outer: np.ndarray) -> trimesh.Trimesh:
    """Closed band between two ``(T, n, 3)`` grids of open arcs (a strap, a stripe)."""
    n_t, n, _ = inner.shape
    verts = np.vstack([outer.reshape(-1, 3), inner.reshape(-1, 3)])
    off = n_t * n
    idx = np.arange(off).reshape(n_t, n)

    def grid(ix: np.ndarray, flip: bool) -> np.ndarray:
        a, b, a1, b1 = ix[:-1, :-1], ix[1:, :-1], ix[:-1, 1:], ix[1:, 1:]
        f = np.concatenate(
            [np.stack([a, b, b1], -1).reshape(-1, 3), np.stack([a, b1, a1], -1).reshape(-1, 3)]
        )
        return f[:, ::-1] if flip else f

    def strip(o: np.ndarray, i: np.ndarray, flip: bool) -> np.ndarray:
        a, a1, b, b1 = o[:-1], o[1:], i[:-1], i[1:]
        f = np.concatenate([np.stack([a, b, b1], -1), np.stack([a, b1, a1], -1)])
        return f[:, ::-1] if flip else f

    faces = [grid(idx, False), grid(idx + off, True)]
    faces += [strip(idx[0], idx[0] + off, False), strip(idx[-1], idx[-1] + off, True)]
    faces += [strip(idx[:, 0], idx[:, 0] + off, True), strip(idx[:, -1], idx[:, -1] + off, False)]
    mesh = trimesh.Trimesh(verts, np.vstack(faces), process=False)
    if mesh.volume < 0.0:
        mesh.invert()
    return mesh


def _band(
    shape: ShoeShape,
    t0: float,
    t1: float,
    th0: float | np.ndarray,
    th1: float | np.ndarray,
    insole_y: Callable[[np.ndarray], np.ndarray] | None = None,
    inner_mm: float = 1.0,
    outer_mm: float = 3.0,
    n_t: int = 8,
) -> trimesh.Trimesh:
    """A band over the last between ``t0``..``t1`` and angles ``th0``..``th1``."""
    t = np.linspace(t0, t1, n_t)
    a0 = np.broadcast_to(np.asarray(th0, float), t.shape)
    a1 = np.broadcast_to(np.asarray(th1, float), t.shape)
    base = insole_y(t) if insole_y is not None else np.zeros_like(t)
    inner = _arc_rings(shape, t, base, inner_mm, a0, a1, 18, 3.0)
    outer = _arc_rings(shape, t, base, outer_mm, a0, a1, 18, 3.0)
    return _shell(inner, outer)


def _box(
    size_mm: tuple[float, float, float], centre_mm: tuple[float, float, float]
) -> trimesh.Trimesh:
    return trimesh.creation.box(
        extents=size_mm, transform=trimesh.transformations.translation_matrix(centre_mm)
    )


def _top_y(rings: np.ndarray, z_mm: float) -> float:
    """Highest point of the ring nearest to ``z_mm`` (mm)."""
    i = int(np.argmin(np.abs(rings[:, 0, 2] - z_mm)))
    return float(rings[i, :, 1].max())


def _heel_post(shape: ShoeShape, top_y_mm: float, hw_mm: float) -> trimesh.Trimesh:
    """A pump's heel: a post from the ground to the sole plate under the heel seat, mm.

    Its top covers the heel seat (most of the heel width, the rear ~20 % of the last); it tapers
    to a 14 x 12 mm top-lift set a little forward, as a court shoe's heel does.
    """
    length = shape.last_length_mm
    levels = np.linspace(0.0, 1.0, 12)
    th = np.linspace(0.0, 2.0 * np.pi, 24, endpoint=False)
    rings = np.empty((len(levels), len(th), 3))
    for k, f in enumerate(levels):
        g = f**2.2  # slim most of the way down, flaring under the seat
        a = 7.0 + g * (0.78 * hw_mm - 7.0)
        b = 6.0 + g * (0.10 * length - 6.0)
        zc = 0.085 * length + g * (0.11 * length - 0.085 * length)
        rings[k, :, 0] = a * np.cos(th)
        rings[k, :, 1] = f * top_y_mm
        rings[k, :, 2] = zc + b * np.sin(th)
    return _loft(rings)


def _sole_meshes(shape: ShoeShape, spec: StyleSpec) -> list[trimesh.Trimesh]:
    """Outsole + midsole (wedge or heel block, rounded or cupsole walls), lugs; or a pump's
    thin sole plate on a heel post."""
    length = shape.last_length_mm
    exps = (2.0 / 9.0, 2.0 / 9.0) if spec.cup else (2.0 / 5.0, 2.0 / 2.4)
    ts = _t_stations(_N_T_SOLE)
    bottom, top = _sole_profile(shape, ts)
    if spec.heel_mm > 0.0:  # a thin plate following the pitched insole
        bottom = top - max(spec.sole_max_mm, 3.0)
    hw_sole = _half_width(ts, shape) * spec.sole_flare + spec.sole_margin_mm
    z = ts * (length + 7.0)
    sole_r = np.empty((len(ts), _N_RING_SOLE, 3))
    for i in range(len(ts)):
        sole_r[i, :, :2] = _ring(hw_sole[i], top[i] - bottom[i], _N_RING_SOLE, bottom[i], exps)
        sole_r[i, :, 2] = z[i]
    soles = [_loft(sole_r)]
    if spec.heel_mm > 0.0:
        seat = ts <= 0.2
        soles.append(_heel_post(shape, float(bottom[seat].min()) + 1.0, float(hw_sole[seat].max())))
    if spec.lugs:
        for tl in np.arange(0.05, 0.97, 0.075):
            k = int(np.argmin(np.abs(ts - tl)))
            for fx in (-0.62, 0.0, 0.62):
                soles.append(_box((8.0, 4.0, 7.0), (fx * hw_sole[k], bottom[k] - 1.5, z[k])))
    return soles


#: Toe panels per ``StyleSpec.toe``: (t0, t1, inflate mm, cut above / below x height).
_TOE_PANELS: dict[str, list[tuple[float, float, float, float | None, float | None]]] = {
    "cap": [(0.80, 1.0, 2.0, None, None)],
    "wing": [(0.74, 1.0, 2.0, None, None), (0.30, 0.74, 1.8, None, 0.30)],
    "bumper": [(0.86, 1.0, 2.8, None, 0.42)],
    "moc": [(0.60, 0.94, 1.8, 0.66, None)],
}


def _concat(meshes: list[trimesh.Trimesh]) -> trimesh.Trimesh:
    out = trimesh.util.concatenate(meshes)
    assert isinstance(out, trimesh.Trimesh)
    return out


class _Trim:
    """Builds the pieces of one shoe that stand on its insole (``insole(t)``, mm)."""

    def __init__(self, shape: ShoeShape, spec: StyleSpec) -> None:
        self.shape, self.spec = shape, spec
        self.length = shape.last_length_mm

    def insole(self, t: np.ndarray) -> np.ndarray:
        return _sole_profile(self.shape, t)[1] - 1.0

    def at(self, t: float) -> tuple[float, float, float]:
        """Half-width, insole height and last height at ``t``, mm."""
        a = np.array([t])
        return (
            float(_half_width(a, self.shape)[0]),
            float(self.insole(a)[0]),
            float(_height_profile(a, self.shape)[0]),
        )

    def cap(
        self, t0: float, t1: float, inflate: float, lo: float | None, hi: float | None
    ) -> trimesh.Trimesh:
        """A panel over the last between t0 and t1, cut below ``hi`` / above ``lo`` (x height)."""
        ta = _t_stations(_N_T_ACCENT, t0, t1)
        base = self.insole(ta)
        r = _upper_rings(self.shape, ta, base, inflate, None, _N_RING)
        h = _height_profile(ta, self.shape)
        if hi is not None:
            r[:, :, 1] = np.minimum(r[:, :, 1], (base + hi * h)[:, None])
        if lo is not None:
            r[:, :, 1] = np.maximum(r[:, :, 1], (base + lo * h)[:, None])
        part = _loft(r)
        part.apply_translation([0.0, 0.0, 3.0])
        return part

    def straps(self) -> list[trimesh.Trimesh]:
        """Sandal straps (with buckles) or hook-and-loop straps (with their tabs)."""
        out = []
        for ts in self.spec.straps:
            hw, y, h = self.at(ts)
            z = ts * self.length + 3.0
            if self.spec.open_upper:
                out.append(_box((4.0, 16.0, 22.0), (hw + 5.0, y + 14.0, z)))
            else:
                band = _band(self.shape, ts - 0.035, ts + 0.035, -0.1, np.pi + 0.1, self.insole)
                out += [
                    band,
                    _box((5.0, 0.45 * h, 0.07 * self.length), (hw + 3.5, y + 0.45 * h, z)),
                ]
        return out

    def lining(self) -> trimesh.Trimesh:
        """The lining seen through the opening (in the trim colour), just above the insole."""
        t0, t1, _ = self.spec.collar
        tl = np.linspace(t0 + 0.02, t1 - 0.04, 10)
        rings = np.empty((len(tl), 16, 3))
        hl = _half_width(tl, self.shape)
        yl = self.insole(tl) + 0.22 * _height_profile(tl, self.shape)
        for i in range(len(tl)):
            rings[i, :, :2] = _ring(0.75 * hl[i], 2.0, 16, yl[i])
            rings[i, :, 2] = tl[i] * self.length + 3.0
        return _loft(rings)

    def panels(self) -> list[trimesh.Trimesh]:
        """Heel counter, toe cap / wingtip / bumper / moccasin apron, side stripes."""
        spec, out = self.spec, []
        if spec.counter:
            out.append(self.cap(0.0, 0.26, 2.5, None, 0.44))
        toe = _TOE_PANELS.get(spec.toe, [])
        out += [self.cap(*args) for args in toe]
        if spec.stripe:
            centre = 0.18 + 0.55 * np.linspace(0.0, 1.0, 8)  # rises towards the heel
            for a0, a1 in (
                (centre - 0.14, centre + 0.14),
                (np.pi - centre - 0.14, np.pi - centre + 0.14),
            ):
                out.append(_band(self.shape, 0.62, 0.30, a0, a1, self.insole, 0.8, 2.2))
        return out

    def laces_and_tab(self, upper_r: np.ndarray) -> list[trimesh.Trimesh]:
        """Lace bars across the throat and a pull tab at the back."""
        n_laces, l0, l1 = self.spec.laces
        out = []
        for tl in np.linspace(l0, l1, n_laces) if n_laces else ():
            zl = tl * self.length + 3.0
            hw = self.at(tl)[0]
            out.append(_box((0.9 * hw, 3.0, 4.0), (0.0, _top_y(upper_r, zl) + 0.8, zl)))
        if self.spec.heel_tab:
            out.append(_box((14.0, 22.0, 4.0), (0.0, _top_y(upper_r, 3.0) + 4.0, 3.0)))
        return out


def shoe_meshes_mm(shape: ShoeShape, style: str = "runner") -> dict[str, trimesh.Trimesh]:
    """The ``sole``, ``upper`` and ``accent`` meshes of one shoe, mm, in the frame above.

    Every style is built on the same last (:func:`_half_width`, :func:`_height_profile`), so the
    shoe's inside is the last of its size; the style sets the sole (thickness, cupsole walls,
    rocker, lugs), the upper (collar, boot shaft, or straps only for a sandal) and the trim (laces,
    toe cap or wingtip, moccasin apron, hook-and-loop straps, side stripes, heel counter and tab).

    Parameters
    ----------
    shape : ShoeShape
        Dimensions of the size (mm).
    style : str
        One of :data:`STYLES`.
    """
    if style not in STYLE_SPECS:
        raise ValueError(f"unknown shoe style {style!r}; expected one of {', '.join(STYLES)}")
    spec = STYLE_SPECS[style]
    shape = replace(
        shape,
        forefoot_sole_mm=min(spec.sole_max_mm, shape.forefoot_sole_mm * spec.sole_scale),
        toe_spring_mm=shape.toe_spring_mm + spec.rocker,
        drop_mm=max(shape.drop_mm, spec.heel_mm),
    )
    trim = _Trim(shape, spec)
    tu = _t_stations(_N_T)
    upper_r = _upper_rings(shape, tu, trim.insole(tu), 1.0, spec.collar, _N_RING, spec.shaft_mm)
    upper_r[:, :, 2] += 3.0
    if spec.open_upper:  # a sandal: wide straps over the instep and the toes
        uppers = [
            _band(shape, t - 0.055, t + 0.055, -0.5, np.pi + 0.5, trim.insole, 1.0, 4.0)
            for t in spec.straps
        ]
        accents = trim.straps()
    else:
        uppers = [_loft(upper_r)]
        accents = [trim.lining(), *trim.straps(), *trim.panels(), *trim.laces_and_tab(upper_r)]
    parts: dict[str, trimesh.Trimesh] = {
        "sole": _concat(_sole_meshes(shape, spec)),
        "upper": _concat(uppers),
        "accent": _concat(accents),
    }
    floor = min(float(m.bounds[0, 1]) for m in parts.values())
    for m in parts.values():
        m.apply_translation([0.0, -floor, 0.0])
    return parts


def _rgba(hex_colour: str) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 255]


def shoe_glb_bytes(
    shape: ShoeShape, colours: Mapping[str, str], upper_kind: str, style: str = "runner"
) -> bytes:
    """One shoe as binary glTF: metres, +Y up, heel at origin, toe along +Z.

    Parameters
    ----------
    shape : ShoeShape
        Dimensions (mm).
    colours : mapping
        ``{"upper": "#rrggbb", "sole": ..., "accent": ...}`` (the default colourway).
    upper_kind : str
        ``mesh|knit|leather|synthetic``: sets the upper's roughness.
    style : str
        One of :data:`STYLES` (:func:`shoe_style` picks it for a catalogue model).
    """
    roughness = {"leather": 0.45, "synthetic": 0.6, "mesh": 0.85, "knit": 0.9}[upper_kind]
    scene = trimesh.Scene()
    for name, mesh in shoe_meshes_mm(shape, style).items():
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
