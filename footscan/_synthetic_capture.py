"""Phone-like (or scanner-mesh) captures of a synthetic foot: pose, floor, leg, noise,
outliers, missing sole, holes, occluded side, unit. The transform that did it is kept, so the
truth of every capture is the foot it was made from (:mod:`footscan._synthetic`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from footscan._cloud import PointCloud
from footscan._io import write_scan
from footscan._surface import face_areas
from footscan._synthetic import SyntheticFoot, rot_z
from footscan._units import MM_PER_UNIT

__all__ = ["SyntheticCapture", "make_capture", "write_capture"]

_FLOOR_DENSITY = 0.5


@dataclass(frozen=True)
class SyntheticCapture:
    """A degraded capture of a :class:`SyntheticFoot`.

    Attributes
    ----------
    cloud : PointCloud
        The capture in mm, in the capture frame. ``units_detected`` is the unit the capture
        "was taken in" (what :func:`write_capture` writes); ``source_format`` is
        ``"synthetic"``.
    foot : SyntheticFoot
    transform : (4, 4) float64
        Canonical frame -> capture frame, mm: ``p_capture = R @ p_canonical + t``.
    degradations : dict
        Every degradation parameter actually used (after defaults and random draws).
    labels : (n,) int8
        Origin of each point: 0 foot, 1 floor, 2 leg, 3 outlier.
    """

    cloud: PointCloud
    foot: SyntheticFoot
    transform: NDArray[np.float64] = field(repr=False)
    degradations: dict[str, object]
    labels: NDArray[np.int8] = field(repr=False)


@dataclass(frozen=True)
class _PointSpec:
    """Degradations of a point capture (after defaults and the margin's random draw)."""

    noise_mm: float
    outlier_fraction: float
    floor: bool
    floor_margin_mm: float | None
    floor_noise_mm: float | None
    leg: bool
    leg_length_mm: float | None
    missing_sole: bool
    holes: int
    hole_radius_mm: tuple[float, float]
    occluded_side: str | None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _sample_surface(
    rng: np.random.Generator, v: NDArray[np.float64], f: NDArray[np.int64], n: int
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """``n`` random points on the mesh, uniform by area, and their faces."""
    tri = v[f]
    area = face_areas(v, f)
    face = rng.choice(len(f), size=n, p=area / area.sum())
    r1, r2 = rng.random(n), rng.random(n)
    flip = r1 + r2 > 1.0
    r1[flip], r2[flip] = 1.0 - r1[flip], 1.0 - r2[flip]
    t = tri[face]
    pts = t[:, 0] + r1[:, None] * (t[:, 1] - t[:, 0]) + r2[:, None] * (t[:, 2] - t[:, 0])
    return pts, face


def _face_normals(v: NDArray[np.float64], f: NDArray[np.int64]) -> NDArray[np.float64]:
    tri = v[f]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)


def _random_rotation(rng: np.random.Generator, tilt_deg: float) -> NDArray[np.float64]:
    yaw = rng.uniform(0.0, 2.0 * np.pi)
    tilt = np.deg2rad(rng.uniform(0.0, tilt_deg))
    axis_angle = rng.uniform(0.0, 2.0 * np.pi)
    axis = np.array([np.cos(axis_angle), np.sin(axis_angle), 0.0])
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    r_tilt = np.eye(3) + np.sin(tilt) * k + (1.0 - np.cos(tilt)) * (k @ k)
    return r_tilt @ rot_z(yaw)


def make_capture(
    foot: SyntheticFoot,
    seed: int,
    *,
    n_points: int = 60_000,
    units: str = "m",
    surface: str = "points",
    pose: bool = True,
    tilt_deg: float = 4.0,
    noise_mm: float = 1.0,
    outlier_fraction: float = 0.02,
    floor: bool | None = None,
    floor_margin_mm: float | None = None,
    floor_noise_mm: float = 1.0,
    leg: bool | None = None,
    leg_length_mm: float = 150.0,
    missing_sole: bool | None = None,
    holes: int = 0,
    hole_radius_mm: tuple[float, float] = (10.0, 25.0),
    occluded_side: str | None = None,
) -> SyntheticCapture:
    """Turn a synthetic foot into a phone-like (or scanner-mesh) capture.

    Parameters
    ----------
    foot : SyntheticFoot
    seed : int
        All random draws (pose, sampling, noise, holes) follow from it.
    n_points : int
        Points of a ``surface="points"`` capture (foot + floor + leg after the drops, plus
        outliers), exact.
    units : {"m", "cm", "mm"}
        Unit the capture is "taken" in (``cloud.units_detected``, what :func:`write_capture`
        writes); ``cloud.points_mm`` is always mm.
    surface : {"points", "mesh"}
        Surface samples (phone LiDAR / photogrammetry), or the foot mesh with vertex noise
        like a scanner export (pose, noise and units only).
    pose, tilt_deg : bool, float
        Random rigid pose: yaw 0-360 deg, tilt ``U(0, tilt_deg)`` about a random horizontal
        axis, translation ``U(-300, 300)`` mm per axis; False keeps the canonical frame.
    noise_mm : float
        Isotropic Gaussian noise (sigma, mm) on foot and leg points (mesh vertices).
    outlier_fraction : float
        Share of ``n_points`` that are uniform outliers in the bounding box + 30 mm.
    floor, floor_margin_mm, floor_noise_mm : bool, float, float
        A floor patch around the foot (default True for points) at half the foot's point
        density, ``floor_margin_mm`` (default ``U(50, 150)``) beyond it per side, not under
        the foot (hidden), with a height sigma of ``floor_noise_mm``.
    leg, leg_length_mm : bool, float
        The leg above the cut as an elliptic cylinder (default True for points); the flat
        cap of the foot mesh is never sampled.
    missing_sole : bool, optional
        Drop downward-facing surface (normal z < -0.5): a phone cannot see the sole of a
        standing foot (default True for points).
    holes, hole_radius_mm : int, (float, float)
        Spherical holes (radius ``U(*hole_radius_mm)``) cut in the foot surface.
    occluded_side : {"medial", "lateral"}, optional
        Drop foot points on surface facing that side (normal component > 0.3).

    Returns
    -------
    SyntheticCapture
    """
    _check_args(units, surface, occluded_side)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xCA97]))
    rot = _random_rotation(rng, tilt_deg) if pose else np.eye(3)
    trans = rng.uniform(-300.0, 300.0, 3) if pose else np.zeros(3)
    faces: NDArray[np.int64] | None = None
    if surface == "mesh":
        if floor or leg or missing_sole or holes or occluded_side:
            raise ValueError("surface='mesh' supports pose, noise and units only")
        pts, labels, faces = _mesh_capture(foot, rng, noise_mm)
        deg: dict[str, Any] = {"noise_mm": noise_mm}
    else:
        args = locals()  # the degradation arguments, by name (the fields of _PointSpec)
        spec = _point_spec(rng, {k: args[k] for k in _PointSpec.__dataclass_fields__})
        pts, labels, deg = _point_capture(foot, rng, n_points, spec)
    pose_deg = {"surface": surface, "pose": pose, "tilt_deg": tilt_deg if pose else 0.0}
    deg = {**pose_deg, "units": units, "side": foot.side, "n_points": int(pts.shape[0]), **deg}
    return _posed(foot, pts, labels, faces, rot, trans, units, deg)


def _point_spec(rng: np.random.Generator, opts: dict[str, Any]) -> _PointSpec:
    """The point capture's degradations with the defaults resolved: floor, leg and missing
    sole on, the floor margin drawn when not given, floor and leg settings dropped when
    there is no floor or leg."""
    for key in ("floor", "leg", "missing_sole"):
        opts[key] = True if opts[key] is None else bool(opts[key])
    if opts["floor"]:
        if opts["floor_margin_mm"] is None:
            opts["floor_margin_mm"] = float(rng.uniform(50.0, 150.0))
    else:
        opts["floor_margin_mm"] = opts["floor_noise_mm"] = None
    if not opts["leg"]:
        opts["leg_length_mm"] = None
    opts["holes"] = int(opts["holes"])
    opts["hole_radius_mm"] = tuple(float(r) for r in opts["hole_radius_mm"])
    return _PointSpec(**opts)


def _check_args(units: str, surface: str, occluded_side: str | None) -> None:
    if units not in MM_PER_UNIT:
        raise ValueError(f"units must be one of {list(MM_PER_UNIT)}, got {units!r}")
    if occluded_side not in (None, "medial", "lateral"):
        raise ValueError(
            f"occluded_side must be None, 'medial' or 'lateral', got {occluded_side!r}"
        )
    if surface not in ("points", "mesh"):
        raise ValueError(f"surface must be 'points' or 'mesh', got {surface!r}")


def _posed(
    foot: SyntheticFoot,
    pts: NDArray[np.float64],
    labels: NDArray[np.int8],
    faces: NDArray[np.int64] | None,
    rot: NDArray[np.float64],
    trans: NDArray[np.float64],
    units: str,
    deg: dict[str, Any],
) -> SyntheticCapture:
    """The capture in its pose (canonical -> capture frame) with its transform."""
    transform = np.eye(4)
    transform[:3, :3] = rot
    transform[:3, 3] = trans
    cloud = PointCloud(
        points_mm=np.ascontiguousarray(pts @ rot.T + trans),
        faces=faces,
        units_detected=units,
        units_source="synthetic",
        source_format="synthetic",
    )
    return SyntheticCapture(
        cloud=cloud, foot=foot, transform=transform, degradations=deg, labels=labels
    )


def _mesh_capture(
    foot: SyntheticFoot, rng: np.random.Generator, noise_mm: float
) -> tuple[NDArray[np.float64], NDArray[np.int8], NDArray[np.int64]]:
    v = np.array(foot.vertices_mm)
    v = v + rng.normal(0.0, noise_mm, v.shape) if noise_mm > 0 else v
    return v, np.zeros(v.shape[0], dtype=np.int8), np.array(foot.faces)


@dataclass(frozen=True)
class _Visibility:
    """Which foot surface points a phone sees (sole, occluded side, holes)."""

    fn: NDArray[np.float64] = field(repr=False)
    medial_sign: float
    spec: _PointSpec
    hole_centres: NDArray[np.float64] = field(repr=False)
    hole_radii: NDArray[np.float64] = field(repr=False)

    def keep(self, pts: NDArray[np.float64], face: NDArray[np.int64]) -> NDArray[np.bool_]:
        keep = np.ones(len(pts), dtype=bool)
        nrm = self.fn[face]
        if self.spec.missing_sole:
            keep &= nrm[:, 2] >= -0.5
        if self.spec.occluded_side is not None:
            sign = self.medial_sign if self.spec.occluded_side == "medial" else -self.medial_sign
            keep &= nrm[:, 1] * sign <= 0.3
        for c, r in zip(self.hole_centres, self.hole_radii):
            keep &= np.linalg.norm(pts - c, axis=1) > r
        return keep


def _visibility(
    rng: np.random.Generator,
    v: NDArray[np.float64],
    f: NDArray[np.int64],
    foot: SyntheticFoot,
    spec: _PointSpec,
) -> _Visibility:
    fn = _face_normals(v, f)
    centres, radii = np.zeros((0, 3)), np.zeros(0)
    if spec.holes:
        # Holes sit on the visible upper surface (a phone's blind spots are not on the sole).
        cand, cf = _sample_surface(rng, v, f, 2000)
        cand = cand[fn[cf, 2] > -0.2]
        centres = cand[rng.choice(len(cand), size=spec.holes, replace=False)]
        radii = rng.uniform(*spec.hole_radius_mm, size=spec.holes)
    return _Visibility(fn, -1.0 if foot.side == "left" else 1.0, spec, centres, radii)


def _point_capture(
    foot: SyntheticFoot, rng: np.random.Generator, n_points: int, spec: _PointSpec
) -> tuple[NDArray[np.float64], NDArray[np.int8], dict[str, Any]]:
    """Points of foot, floor, leg and outliers (canonical frame), labels, degradations."""
    v = np.asarray(foot.vertices_mm)
    f = np.asarray(foot.faces)[~foot.cap_face_mask]
    vis = _visibility(rng, v, f, foot, spec)
    # Recorded (canonical frame) so tests and reports can see where the holes are.
    deg = {
        **spec.as_dict(),
        "hole_centres_mm": vis.hole_centres.tolist(),
        "hole_radii_mm": vis.hole_radii.tolist(),
    }
    # Area of each component decides its share of points, at one common density.
    probe_pts, probe_face = _sample_surface(rng, v, f, 20_000)
    foot_share = float(vis.keep(probe_pts, probe_face).mean())
    areas = _component_areas(foot, v, f, foot_share, spec)
    n_out = int(round(spec.outlier_fraction * n_points))
    n_surface = n_points - n_out
    total = sum(areas)
    n_foot = int(round(n_surface * areas[0] / total))
    n_leg = int(round(n_surface * areas[2] / total))
    n_floor = n_surface - n_foot - n_leg
    parts = [_foot_points(rng, v, f, vis, n_foot, foot_share)]
    labels = [np.zeros(n_foot, dtype=np.int8)]
    if spec.floor and n_floor > 0:
        parts.append(_floor_points(rng, v, spec, n_floor))
        labels.append(np.ones(n_floor, dtype=np.int8))
    if spec.leg and n_leg > 0:
        parts.append(_leg_points(rng, foot, spec, n_leg))
        labels.append(np.full(n_leg, 2, dtype=np.int8))
    if n_out:
        pts = np.vstack(parts)
        parts.append(rng.uniform(pts.min(axis=0) - 30.0, pts.max(axis=0) + 30.0, (n_out, 3)))
        labels.append(np.full(n_out, 3, dtype=np.int8))
    pts, lab = np.vstack(parts), np.concatenate(labels)
    order = rng.permutation(pts.shape[0])
    return pts[order], lab[order], deg


def _component_areas(
    foot: SyntheticFoot,
    v: NDArray[np.float64],
    f: NDArray[np.int64],
    foot_share: float,
    spec: _PointSpec,
) -> tuple[float, float, float]:
    """Visible foot, floor (at half density: seen at grazing angles) and leg areas, mm^2."""
    visible_foot = float(face_areas(v, f).sum()) * max(foot_share, 1e-3)
    floor = 0.0
    if spec.floor:
        lo, hi = _floor_rect(v, spec)
        floor = _FLOOR_DENSITY * (float(np.prod(hi - lo)) - _footprint_area(v))
    leg = 0.0
    if spec.leg:
        _, _, a, b = _leg_ellipse(foot)
        perim = np.pi * (3 * (a + b) - np.sqrt((3 * a + b) * (a + 3 * b)))
        leg = perim * float(spec.leg_length_mm or 0.0)
    return visible_foot, floor, leg


def _floor_rect(
    v: NDArray[np.float64], spec: _PointSpec
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    m = float(spec.floor_margin_mm or 0.0)
    return v[:, :2].min(axis=0) - m, v[:, :2].max(axis=0) + m


def _foot_points(
    rng: np.random.Generator,
    v: NDArray[np.float64],
    f: NDArray[np.int64],
    vis: _Visibility,
    n_foot: int,
    foot_share: float,
) -> NDArray[np.float64]:
    """Oversample the surface, drop the invisible parts, keep exactly ``n_foot``, add noise."""
    need = int(n_foot / max(foot_share, 1e-3) * 1.15) + 100
    got = np.zeros((0, 3))
    while got.shape[0] < n_foot:
        s_pts, s_face = _sample_surface(rng, v, f, need)
        got = np.vstack([got, s_pts[vis.keep(s_pts, s_face)]])
    return got[:n_foot] + rng.normal(0.0, vis.spec.noise_mm, (n_foot, 3))


def _floor_points(
    rng: np.random.Generator, v: NDArray[np.float64], spec: _PointSpec, n_floor: int
) -> NDArray[np.float64]:
    """Floor around the foot, not under it (the foot hides its footprint)."""
    lo, hi = _floor_rect(v, spec)
    foot_print = _footprint(v)
    fl = np.zeros((0, 2))
    while fl.shape[0] < n_floor:
        cand = rng.uniform(lo, hi, size=(int(n_floor * 1.3) + 100, 2))
        fl = np.vstack([fl, cand[foot_print.find_simplex(cand) < 0]])
    z = rng.normal(0.0, float(spec.floor_noise_mm or 0.0), n_floor)
    return np.column_stack([fl[:n_floor], z])


def _leg_points(
    rng: np.random.Generator, foot: SyntheticFoot, spec: _PointSpec, n_leg: int
) -> NDArray[np.float64]:
    """The leg above the cut: an elliptic cylinder."""
    c, axes, a, b = _leg_ellipse(foot)
    th = rng.uniform(0.0, 2.0 * np.pi, n_leg)
    zz = foot.cut_height_mm + rng.uniform(0.0, float(spec.leg_length_mm or 0.0), n_leg)
    xy = c + np.outer(a * np.cos(th), axes[0]) + np.outer(b * np.sin(th), axes[1])
    return np.column_stack([xy, zz]) + rng.normal(0.0, spec.noise_mm, (n_leg, 3))


def _footprint_area(v: NDArray[np.float64]) -> float:
    from scipy.spatial import ConvexHull

    return float(ConvexHull(v[v[:, 2] < 30.0, :2]).volume)


def _footprint(v: NDArray[np.float64]) -> Any:
    from scipy.spatial import Delaunay

    low = v[v[:, 2] < 30.0, :2]
    return Delaunay(low[::4])


def _leg_ellipse(
    foot: SyntheticFoot,
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, float]:
    cap = np.asarray(foot.faces)[foot.cap_face_mask]
    counts = np.bincount(cap.ravel())
    ring_idx = np.setdiff1d(np.unique(cap), [int(np.argmax(counts))])
    ring = np.asarray(foot.vertices_mm)[ring_idx, :2]
    c = ring.mean(axis=0)
    cov = np.cov((ring - c).T)
    w, vec = np.linalg.eigh(cov)
    # Points spread evenly on an ellipse have variance r^2 / 2 along each axis.
    a, b = np.sqrt(2.0 * w[1]), np.sqrt(2.0 * w[0])
    return c, np.array([vec[:, 1], vec[:, 0]]), float(a), float(b)


def write_capture(
    capture: SyntheticCapture, path: str | os.PathLike[str], fmt: str | None = None
) -> Path:
    """Write a capture to a scan file in its own unit (``capture.cloud.units_detected``).

    Parameters
    ----------
    capture : SyntheticCapture
    path : path-like
    fmt : str, optional
        A :data:`footscan._io.WRITE_FORMATS` name; default from the extension. STL needs a
        mesh capture (``surface="mesh"``).

    Returns
    -------
    Path
    """
    cloud = capture.cloud
    factor = MM_PER_UNIT[cloud.units_detected]
    return write_scan(path, cloud.points_mm / factor, cloud.faces, fmt=fmt)
