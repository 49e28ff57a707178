"""The completed foot: capture points plus fitted model surface where the capture has none,
and the landmarks (heel centre, second-toe tip, MTH1, MTH5) taken from the fitted model.

Measured values then come from the capture wherever it saw the surface; only the hidden parts
(the sole under a standing foot, a hole, the heel back of a phone capture) come from the model,
and the measurements that depend on them say so (status ``model-completed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from footscan._fit import ModelFit
from footscan._landmarks import robust_extreme
from footscan._shape_model import load_shape_basis
from footscan._surface import face_areas, sample_faces
from footscan.exceptions import NotAFootError

__all__ = ["CompletedFoot", "complete_foot", "model_landmarks", "ModelLandmarks"]

_SURFACE_STEP_MM = 1.5  # model surface sampling step (the capture's fine grid)
_GAP_MIN_MM = 3.0  # model surface closer than this to a capture point is already seen
_TOE_BIN_MM = 1.5  # y-bins of the toe front outline
_TOE_SNAP_MM = 3.0  # the 2nd-toe tip is the foremost capture point within this of its line
_MIN_NOTCH_MM = 0.4  # shallowest notch between two toes that counts (deeper with noise)


@dataclass(frozen=True)
class CompletedFoot:
    """Capture points and model fill-in, in the frame of the fit.

    Attributes
    ----------
    points_mm : (n, 3) float64
        Capture points followed by model surface points.
    from_model : (n,) bool
        True for the model's fill-in points.
    model_sd_mm : (n,) float64
        Posterior surface standard deviation for model points, 0 for capture points.
    """

    points_mm: NDArray[np.float64] = field(repr=False)
    from_model: NDArray[np.bool_] = field(repr=False)
    model_sd_mm: NDArray[np.float64] = field(repr=False)

    @property
    def model_share(self) -> float:
        """Share of the completed points that come from the model."""
        return float(self.from_model.mean()) if self.from_model.size else 0.0


@dataclass(frozen=True)
class ModelLandmarks:
    """Axis and ball landmarks from the fitted model, in the frame of the fit (mm)."""

    heel_centre_xy: NDArray[np.float64]
    second_toe_xy: NDArray[np.float64]
    hallux_xy: NDArray[np.float64]
    mth1: NDArray[np.float64]
    mth5: NDArray[np.float64]


def _surface_samples(
    v: NDArray[np.float64], f: NDArray[np.int64], step_mm: float
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Points on every face, about one per ``step_mm`` square, with the face's first vertex."""
    n = np.maximum(1, np.ceil(face_areas(v, f) / (0.5 * step_mm * step_mm)).astype(np.int64))
    pts, face = sample_faces(v, f, n)
    return pts, f[face, 0]


def complete_foot(
    points_mm: NDArray[np.float64], fit: ModelFit, noise_mm: float, max_height_mm: float
) -> CompletedFoot:
    """Add the fitted model's surface where the capture has no points.

    Parameters
    ----------
    points_mm : (n, 3) float64
        Capture points (frame of the fit).
    fit : ModelFit
    noise_mm : float
        Capture point noise; the gap that counts as "not seen" grows with it.
    max_height_mm : float
        Model surface above this height (the leg) is not added.

    Returns
    -------
    CompletedFoot
    """
    basis = load_shape_basis()
    surf_faces = fit.faces[np.all(basis.surface_vertex[fit.faces], axis=1)]
    # Only surface a capture can miss is filled: the sole (facing down) within the capture's
    # heel-to-toe extent. Model surface beyond the capture is the model's guess, not the foot.
    fn = np.cross(
        fit.vertices_mm[surf_faces[:, 1]] - fit.vertices_mm[surf_faces[:, 0]],
        fit.vertices_mm[surf_faces[:, 2]] - fit.vertices_mm[surf_faces[:, 0]],
    )
    fn /= np.maximum(np.linalg.norm(fn, axis=1, keepdims=True), 1e-12)
    down = fn[:, 2] < -0.2
    samples, vert = _surface_samples(fit.vertices_mm, surf_faces[down], _SURFACE_STEP_MM)
    x_lo, x_hi = np.quantile(points_mm[:, 0], [0.001, 0.999])
    ok = (
        (samples[:, 2] <= max_height_mm)
        & (samples[:, 2] >= 0.0)
        & (samples[:, 0] >= x_lo)
        & (samples[:, 0] <= x_hi)
    )
    samples, vert = samples[ok], vert[ok]
    gap = max(_GAP_MIN_MM, 3.0 * noise_mm)
    d, _ = cKDTree(points_mm).query(samples, distance_upper_bound=gap, workers=-1)
    fill = ~np.isfinite(d)
    pts = np.vstack([points_mm, samples[fill]])
    from_model = np.zeros(pts.shape[0], dtype=bool)
    from_model[points_mm.shape[0] :] = True
    sd = np.zeros(pts.shape[0])
    sd[points_mm.shape[0] :] = fit.vertex_sd_mm[vert[fill]]
    return CompletedFoot(points_mm=pts, from_model=from_model, model_sd_mm=sd)


def _front_outline(
    p: NDArray[np.float64], y_lo: float, y_hi: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    edges = np.arange(y_lo, y_hi + _TOE_BIN_MM, _TOE_BIN_MM)
    centres, front = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        s = p[(p[:, 1] >= a) & (p[:, 1] < b), 0]
        if s.size >= 2:
            centres.append(0.5 * (a + b))
            # Second-highest: one stray point does not make a toe.
            front.append(np.partition(s, -2)[-2])
    return np.asarray(centres), np.asarray(front)


def _smooth(x: NDArray[np.float64], width: int) -> NDArray[np.float64]:
    half = width // 2
    return np.convolve(np.pad(x, half, mode="edge"), np.ones(width) / width, mode="valid")


def _crest_y(yc: NDArray[np.float64], sm: NDArray[np.float64], i: int) -> float:
    """Crest position refined between bins (vertex of the parabola through three bins)."""
    if i <= 0 or i >= sm.size - 1:
        return float(yc[i])
    den = sm[i - 1] - 2.0 * sm[i] + sm[i + 1]
    if den >= 0.0:
        return float(yc[i])
    off = 0.5 * (sm[i - 1] - sm[i + 1]) / den
    return float(yc[i] + np.clip(off, -0.5, 0.5) * _TOE_BIN_MM)


def _crests(sm: NDArray[np.float64]) -> list[int]:
    return [i for i in range(1, sm.size - 1) if sm[i] >= sm[i - 1] and sm[i] >= sm[i + 1]]


def _tangent_toe_y(
    yc: NDArray[np.float64],
    sm: NDArray[np.float64],
    h: int,
    y_prior: float,
    spacing_mm: float,
    min_drop_mm: float,
) -> float | None:
    """Second-toe position on a front without a notch: the toe-line tangent, or None.

    Merged toes (a scanner, or noise that hides a shallow notch) leave the 2nd toe as a
    shoulder of the front outline, not a crest. The toe line is the line through the hallux
    crest that touches the outline lateral of it (the next convex-hull vertex of the front,
    searched 0.6-1.35 model spacings lateral; real toes sit at 0.6-0.95 of FIND's spacing).
    It is used only when all of these hold, else None (the model's spacing stands):

    * the prior position (one model spacing lateral, ``y_prior``) lies behind that line by
      at least ``min_drop_mm`` (the notch threshold: the prior is off the toe front);
    * the toe line drops by 0 to 0.1 mm per mm lateral (the 2nd toe nearly level with the
      hallux: the shoulder of a merged 2nd toe, not a flank);
    * the touching point is not lateral of the prior (beyond it lies the 3rd toe).

    On the synthetic FIND feet these never hold together (their 2nd-toe keypoint is where
    the model's spacing puts it); on the right real foot as a phone-like capture the prior
    lies 2-3 mm behind the toe line.
    """
    dy = yc - yc[h]
    win = np.flatnonzero((dy >= 0.6 * spacing_mm) & (dy <= 1.35 * spacing_mm))
    if win.size == 0:
        return None
    slope = (sm[h] - sm[win]) / dy[win]
    j = int(np.argmin(slope))
    drop = sm[h] - slope[j] * (y_prior - yc[h]) - float(np.interp(y_prior, yc, sm))
    if drop >= min_drop_mm and 0.0 <= slope[j] <= 0.1 and dy[win[j]] <= spacing_mm:
        return float(yc[win[j]])
    return None


def _toe_tips(
    toes: NDArray[np.float64],
    y_lo: float,
    y_hi: float,
    spacing_mm: float,
    noise_mm: float,
    hallux_hint: float | None = None,
) -> tuple[tuple[float, float], tuple[float, float], str] | None:
    """Hallux and second-toe tips on the front outline of toe points ``(n, 2)`` (x fwd, y).

    The hallux is the most medial crest of the outline smoothed over ~7.5 mm (a hallux is
    about 20 mm wide) within 2 mm of the foremost point. The second toe is the next crest of
    the outline smoothed over ~4.5 mm, at least half a toe spacing lateral, past a notch (the
    gap between the toes) deeper than ``max(0.4 mm, 1.5 noise)``. Without such a notch (toes
    merged smoothly), it lies on the toe line when the outline shows a shoulder there
    (:func:`_tangent_toe_y`), else one model toe spacing lateral of the hallux. Crests
    farther than 0.6 spacing from the model's hallux (``hallux_hint``) are noise, and a crest
    more than 1.35 spacings lateral is the 3rd toe: the model's spacing is kept then.
    The third value says how the 2nd toe was found: ``"notch"``, ``"toe line"`` or
    ``"spacing"``.
    """
    yc, xf = _front_outline(toes, y_lo, y_hi)
    if yc.size < 7:
        return None
    wide = _smooth(xf, 5)
    near_top = [
        i
        for i in _crests(wide)
        if wide[i] >= wide.max() - 2.0
        and (hallux_hint is None or abs(yc[i] - hallux_hint) <= 0.6 * spacing_mm)
    ]
    if not near_top:
        return None
    h = near_top[0]
    hallux = (float(np.max(xf[max(0, h - 2) : h + 3])), _crest_y(yc, wide, h))
    sm = _smooth(xf, 3 if noise_mm < 0.5 else 5)
    min_notch = max(_MIN_NOTCH_MM, 1.5 * noise_mm)
    second = None
    for j in _crests(sm):
        dy = yc[j] - yc[h]
        if dy < 0.5 * spacing_mm:
            continue
        if dy > 1.6 * spacing_mm:
            break
        if min(sm[j], sm[h]) - float(sm[h : j + 1].min()) >= min_notch:
            # A crest past a real notch is the 2nd toe from half a model spacing on (real
            # toes are closer together than FIND's: 0.6-0.95 of its spacing on the two real
            # feet); far beyond one spacing it is the 3rd toe.
            if dy <= 1.35 * spacing_mm:
                second = (float(np.max(xf[max(0, j - 1) : j + 2])), _crest_y(yc, sm, j))
            break
    kind = "notch"
    if second is None:
        y_prior = hallux[1] + spacing_mm
        y2 = _tangent_toe_y(yc, sm, h, y_prior, spacing_mm, min_notch)
        kind = "spacing" if y2 is None else "toe line"
        y2 = y_prior if y2 is None else y2
        band = toes[np.abs(toes[:, 1] - y2) <= _TOE_SNAP_MM]
        if band.shape[0] < 3:
            return None
        second = (float(np.partition(band[:, 0], -2)[-2]), y2)
    return hallux, second, kind


def _read_toe_front(
    seen: NDArray[np.float64],
    hc: NDArray[np.float64],
    second: NDArray[np.float64],
    fit: ModelFit,
    fl_mm: float,
    spacing: float,
    noise_mm: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], str] | None:
    """Hallux and 2nd-toe tips (xy) read in the frame of the axis heel centre -> ``second``,
    and how the 2nd toe was found (``"notch"``, ``"toe line"``, ``"spacing"``)."""
    d = (second - hc) / max(float(np.linalg.norm(second - hc)), 1e-9)
    n = np.array([-d[1], d[0]])
    u = np.column_stack([(seen[:, :2] - hc) @ d, (seen[:, :2] - hc) @ n])
    toes = u[u[:, 0] >= 0.75 * fl_mm]
    if toes.shape[0] < 20:
        return None
    # The model's own hallux bounds the search in every pass (no drift between passes).
    y_h = float((fit.keypoints_mm["big toe"][:2] - hc) @ n)
    found = _toe_tips(
        toes, y_h - 0.08 * fl_mm, y_h + 2.0 * spacing, spacing, noise_mm, hallux_hint=y_h
    )
    if found is None:
        return None
    (hx, hy), (sx, sy), kind = found
    return hc + hx * d + hy * n, hc + sx * d + sy * n, kind


def _heel_centre_xy(
    completed: CompletedFoot, fit: ModelFit, fl_mm: float, heel_height_mm: float
) -> np.ndarray:
    """Floor-projected heel centre, shape (2,), mm, in the capture's frame.

    Read in the model's frame (X heel -> toe, origin near the pternion), where the height
    limit and the pternion are well defined.

    Raises
    ------
    NotAFootError
        No capture point lies below the heel height in the model's frame.
    """
    rot, t = fit.rotation, fit.translation
    q = (completed.points_mm - t) @ rot
    low = q[q[:, 2] <= heel_height_mm]
    if low.shape[0] == 0:
        raise NotAFootError("no heel found under the fitted foot model")
    ext = robust_extreme(low, (-1.0, 0.0, 0.0))
    pt = ext.point if ext is not None else low[np.argmin(low[:, 0])]
    near = low[np.linalg.norm(low[:, :2] - pt[:2], axis=1) <= 0.077 * fl_mm]
    return (rot @ np.array([*near[:, :2].mean(axis=0), 0.0]) + t)[:2]


def model_landmarks(
    completed: CompletedFoot,
    fit: ModelFit,
    fl_mm: float,
    heel_height_mm: float,
    noise_mm: float = 0.0,
) -> ModelLandmarks:
    """Heel centre, second-toe tip and ball joints of a left-convention foot.

    * **Heel centre**: floor-projected centroid of the completed surface within 0.077 FL (20 mm
      on a 258 mm foot) of the pternion, below ``heel_height_mm`` (the FIND-frame definition).
    * **Second-toe tip**: the fitted model labels the toes, but toes merged in a capture carry
      no identity of their own, so the model's label is used where the capture is least
      ambiguous: the hallux tip (the foremost medial toe; searched around the model's
      ``big toe``) is found on the capture's front outline, the second toe lies the model's
      hallux -> second-toe spacing lateral to it, and its tip is the foremost capture point
      on that line.
    * **MTH1 / MTH5**: the model's ``inner extrema`` / ``outer extrema`` keypoints.

    Parameters
    ----------
    completed : CompletedFoot
    fit : ModelFit
    fl_mm : float
        Current foot length estimate, mm.
    heel_height_mm : float
        Height limit for heel points (0.155 FL).
    noise_mm : float
        Capture noise (a notch between toes must be deeper than 1.5 noise).

    Returns
    -------
    ModelLandmarks

    Raises
    ------
    NotAFootError
        No capture point lies below the heel height in the model's frame.
    """
    hc = _heel_centre_xy(completed, fit, fl_mm, heel_height_mm)
    basis = load_shape_basis()
    mean_kp = {n: basis.mean_mm[i] for n, i in basis.keypoints.items()}
    spacing = (mean_kp["2nd toe"][1] - mean_kp["big toe"][1]) / basis.length_mm * fl_mm
    p = completed.points_mm
    seen = p[~completed.from_model & (p[:, 2] <= 0.19 * fl_mm)]
    second = fit.keypoints_mm["2nd toe"][:2].copy()
    hallux = fit.keypoints_mm["big toe"][:2].copy()
    # The model's yaw can be a few degrees off on feet unlike FIND; the toe front is read in
    # the frame of the current axis (heel centre -> 2nd toe), twice (the second reading
    # steadies noisy captures). A crest is a maximum of the outline, and a maximum moves when
    # the frame turns. On a clean surface (noise low enough that the notch threshold is its
    # 0.4 mm floor) a 2nd toe found past a notch is a measured feature and is kept when the
    # second reading finds no notch and falls back to the model's toe spacing: a real plate
    # scan with merged toes lost its 0.5 mm notch that way and read 0.7 mm short. On noisy
    # captures a first-reading notch may be noise, and the second reading decides (keeping
    # it there made 20 captures of one foot vary more: SD 0.54 vs 0.48 mm). A 2nd toe found
    # on the toe line (a merged toe's shoulder) is kept likewise when the second reading
    # falls back to the spacing: turning the frame onto the shoulder levels the front, and
    # the hallux crest found then lies on the plateau itself.
    keep_first = False
    for _ in range(2):
        found = _read_toe_front(seen, hc, second, fit, fl_mm, spacing, noise_mm)
        if found is None or (keep_first and found[2] == "spacing"):
            break
        hallux, second, kind = found
        clean = 1.5 * noise_mm < _MIN_NOTCH_MM
        keep_first = (kind == "notch" and clean) or kind == "toe line"

    return ModelLandmarks(
        heel_centre_xy=hc,
        second_toe_xy=second,
        hallux_xy=hallux,
        mth1=fit.keypoints_mm["inner extrema"].copy(),
        mth5=fit.keypoints_mm["outer extrema"].copy(),
    )
