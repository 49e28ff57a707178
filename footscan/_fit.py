"""Fit the linear foot shape model to a capture: rigid pose + shape by trimmed ICP.

The cost is one-sided, scan -> model: every (trimmed) scan point should lie on the model
surface, while the model may have surface where the scan has none (the sole under a standing
foot, a hole, the far side). Each iteration linearises the point-to-plane residuals in a
small rotation, a translation and the shape coefficients and solves the Tikhonov-regularised
normal equations (the prior is the coefficients' Gaussian, ``sum c_k^2 / sd_k^2``). Two
floor terms keep the model on the support plane: no vertex below it, and the lowest vertices
on it.

The posterior covariance of the coefficients (Gauss-Newton approximation at the optimum)
gives a standard deviation of the surface along its normal at every vertex; measurements that
rely on model surface report their uncertainty from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from footscan._shape_model import ShapeBasis, load_shape_basis

__all__ = ["ModelFit", "fit_foot_model", "vertex_normals"]

_N_SAMPLE = 2500  # scan points per iteration: plenty for ~40 unknowns, fast on two cores
_TRIM_KEEP = 0.9  # the worst 10 % of correspondences are ignored (outliers, leg, debris)
_MIN_SIGMA_MM = 1.0  # residual scale floor for the robust weights
_FLOOR_WEIGHT = 3.0  # weight of the floor terms relative to one scan point
_N_REVERSE = 1500  # model vertices in the model -> capture term
_REVERSE_MAX_MM = 12.0  # farther than this from the capture: unobserved model surface
_REVERSE_WEIGHT = 0.5  # model -> capture term relative to the capture -> model term
_PRIOR_WEIGHT = 25.0  # neighbouring scan points are correlated: the prior counts for more
_N_LOWEST = 30  # vertices that should touch the support plane
_MAX_FIT_HEIGHT_FRAC = 0.36  # scan points above 0.36 FL (the leg) are not fitted
# Trust region of one Gauss-Newton step (feet converge far inside it; see _trust_region).
_MAX_STEP_ROT_RAD = 0.35  # 20 deg
_MAX_STEP_SHIFT_FRAC = 0.2  # of the foot length
_MAX_STEP_SD = 3.0  # prior standard deviations of any one coefficient


@dataclass(frozen=True)
class ModelFit:
    """The shape model fitted to one capture (frame of the points given to the fit).

    Attributes
    ----------
    vertices_mm : (n, 3) float64
        Fitted model vertices.
    faces : (m, 3) int64
    coeffs : (k,) float64
        Shape coefficients (units of ``ShapeBasis.mode_sd``).
    rotation : (3, 3) float64
    translation : (3,) float64
        ``vertices = rotation @ shape + translation``.
    rms_mm : float
        RMS point-to-surface distance of the kept (90 %) scan points.
    inlier_share : float
        Share of all fitted scan points within 4 mm of the surface.
    residuals_mm : (p,) float64
        Unsigned distance of every input point to the fitted surface (nearest vertex plane).
    shape_energy : float
        Mahalanobis norm of the coefficients over their count (1 for a typical foot).
    vertex_sd_mm : (n,) float64
        Posterior standard deviation of the surface along the normal at each vertex.
    keypoints_mm : dict[str, (3,) float64]
        FIND keypoints on the fitted surface.
    iterations : int
    """

    vertices_mm: NDArray[np.float64] = field(repr=False)
    faces: NDArray[np.int64] = field(repr=False)
    coeffs: NDArray[np.float64] = field(repr=False)
    rotation: NDArray[np.float64] = field(repr=False)
    translation: NDArray[np.float64] = field(repr=False)
    rms_mm: float
    inlier_share: float
    residuals_mm: NDArray[np.float64] = field(repr=False)
    shape_energy: float
    vertex_sd_mm: NDArray[np.float64] = field(repr=False)
    keypoints_mm: dict[str, NDArray[np.float64]] = field(repr=False)
    iterations: int

    @property
    def length_mm(self) -> float:
        """Heel-to-toe extent of the fitted model along its own X axis (mm)."""
        return float(np.ptp((self.vertices_mm - self.translation) @ self.rotation[:, 0]))


def vertex_normals(v: NDArray[np.float64], f: NDArray[np.int64]) -> NDArray[np.float64]:
    """Area-weighted unit vertex normals ``(n, 3)`` of a triangle mesh."""
    fn = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    idx = f.ravel()
    vn = np.column_stack(
        [np.bincount(idx, weights=np.repeat(fn[:, d], 3), minlength=v.shape[0]) for d in range(3)]
    )
    norm = np.linalg.norm(vn, axis=1, keepdims=True)
    return vn / np.maximum(norm, 1e-12)


def _rodrigues(w: NDArray[np.float64]) -> NDArray[np.float64]:
    theta = float(np.linalg.norm(w))
    if theta < 1e-12:
        return np.eye(3)
    k = w / theta
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(theta) * kx + (1 - np.cos(theta)) * kx @ kx


def _initial_pose(
    pts: NDArray[np.float64], basis: ShapeBasis, length_mm: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Translation and scale coefficients that put the mean foot over the points."""
    coeffs = np.zeros(basis.n_modes)
    sx = basis.mode_names.index("scale_x")
    s = length_mm / basis.length_mm - 1.0
    coeffs[sx] = s
    coeffs[basis.mode_names.index("scale_y")] = s
    coeffs[basis.mode_names.index("scale_z")] = s
    low = pts[pts[:, 2] <= 0.15 * length_mm]
    x0 = np.quantile(low[:, 0], 0.002) if low.shape[0] else pts[:, 0].min()
    y0 = np.median(low[:, 1]) if low.shape[0] else np.median(pts[:, 1])
    shape = basis.shape(coeffs)
    y_model = np.median(shape[shape[:, 2] <= 0.15 * length_mm, 1])
    t = np.array([x0 - shape[:, 0].min(), y0 - y_model, 0.0])
    return np.eye(3), t, coeffs


def fit_foot_model(
    points_mm: NDArray[np.float64],
    length_mm: float,
    *,
    support_plane: bool = True,
    max_iter: int = 30,
    seed: int = 0,
    basis: ShapeBasis | None = None,
    init: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]] | None = None,
    posterior: bool = True,
) -> ModelFit:
    """Fit pose and shape of the foot model to a left-convention foot capture.

    The normal equations are tiny (about 40 unknowns): BLAS threads only add contention on a
    shared two-core machine (a 4000 x 44 product took 67 ms with them and 1 ms without), so
    the fit runs with one BLAS thread.

    Parameters
    ----------
    points_mm : (p, 3) float64
        Foot points in a floor frame (z = height above the support plane, mm), roughly heel ->
        toe along +X, medial side at -Y (mirror right feet first). Floor and leg removed or not:
        points above 0.36 FL are ignored and the worst 10 % are trimmed.
    length_mm : float
        Rough foot length (sets the starting scale and the step limits).
    support_plane : bool
        Keep the model on z >= 0 with its lowest vertices at z = 0 (the foot stands on the
        plane, or rests on it when the plane is the sole's own support plane).
    max_iter : int
    seed : int
        Sub-sampling seed (results are deterministic for a seed).
    basis : ShapeBasis, optional
        The bundled basis by default.
    init : (rotation, translation, coeffs), optional
        Start from a previous fit instead of the mean shape.
    posterior : bool
        Compute ``vertex_sd_mm`` (zeros otherwise: a trial fit that is refined later).

    Returns
    -------
    ModelFit
    """
    from threadpoolctl import threadpool_limits

    basis = basis or load_shape_basis()
    pts_all = np.asarray(points_mm, dtype=np.float64)
    pts = pts_all[pts_all[:, 2] <= _MAX_FIT_HEIGHT_FRAC * length_mm]
    rng = np.random.default_rng(seed)
    if pts.shape[0] > _N_SAMPLE:
        pts = pts[rng.choice(pts.shape[0], _N_SAMPLE, replace=False)]
    start = init if init is not None else _initial_pose(pts, basis, length_mm)
    state = _Pose(*(np.array(a, dtype=np.float64) for a in start))
    with threadpool_limits(limits=1, user_api="blas"):
        state, jtj, sigma, it = _iterate(pts, basis, state, length_mm, support_plane, max_iter)
        return _summarise(pts_all, basis, state, jtj, sigma, it, length_mm, posterior)


@dataclass
class _Pose:
    """Mutable fit state: ``vertices = rot @ basis.shape(c) + t``."""

    rot: NDArray[np.float64]
    t: NDArray[np.float64]
    c: NDArray[np.float64]


@dataclass(frozen=True)
class _Frame:
    """The model posed for one iteration."""

    verts: NDArray[np.float64]
    normals: NDArray[np.float64]
    rot: NDArray[np.float64]


def _iterate(
    pts: NDArray[np.float64],
    basis: ShapeBasis,
    state: _Pose,
    length_mm: float,
    support_plane: bool,
    max_iter: int,
) -> tuple[_Pose, NDArray[np.float64], float, int]:
    """Gauss-Newton iterations with a trust region; returns the state, J^T J, sigma, count."""
    k = basis.n_modes
    prior = 1.0 / basis.mode_sd**2
    surface_idx = np.flatnonzero(basis.surface_vertex)
    sigma = 5.0
    it = 0
    jtj = np.eye(6 + k)
    pts_tree = cKDTree(pts)
    for it in range(1, max_iter + 1):
        verts = basis.shape(state.c) @ state.rot.T + state.t
        fr = _Frame(verts, vertex_normals(verts, basis.faces), state.rot)
        jac, res, sigma, n_kept = _capture_rows(pts, basis, fr, surface_idx)
        rows, resid = [jac], [res]
        if support_plane:
            _append(rows, resid, _floor_rows(basis, fr, surface_idx, n_kept))
        _append(rows, resid, _reverse_rows(pts, pts_tree, basis, fr, surface_idx, sigma, n_kept))
        jm, rv = np.vstack(rows), np.concatenate(resid)
        # Residual scale sigma: the prior is in units of the data term's noise.
        reg = np.zeros(6 + k)
        reg[6:] = _PRIOR_WEIGHT * prior * sigma**2
        jtj = jm.T @ jm + np.diag(reg)
        rhs = -(jm.T @ rv) - np.concatenate([np.zeros(6), reg[6:] * state.c])
        try:
            delta = np.linalg.solve(jtj, rhs)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(delta)):
            break
        delta = _trust_region(delta, basis.mode_sd, length_mm)
        dr = _rodrigues(delta[:3])
        state = _Pose(dr @ state.rot, dr @ state.t + delta[3:6], state.c + delta[6:])
        if np.abs(delta[:3]).max() < 1e-5 and np.abs(delta[3:6]).max() < 1e-3 and it > 3:
            break
    return state, jtj, sigma, it


def _trust_region(
    delta: NDArray[np.float64], mode_sd: NDArray[np.float64], length_mm: float
) -> NDArray[np.float64]:
    """Scale a Gauss-Newton step down to the trust region (the whole step, one factor).

    A foot converges in steps far inside these limits; a capture that is not a foot (a chair)
    could otherwise run the linearisation away (RMS 1e17 was seen) before it is refused.
    """
    factor = min(
        1.0,
        _MAX_STEP_ROT_RAD / max(float(np.linalg.norm(delta[:3])), 1e-12),
        _MAX_STEP_SHIFT_FRAC * length_mm / max(float(np.linalg.norm(delta[3:6])), 1e-12),
        _MAX_STEP_SD / max(float(np.abs(delta[6:] / mode_sd).max(initial=0.0)), 1e-12),
    )
    return delta * factor


def _append(
    rows: list[NDArray[np.float64]],
    resid: list[NDArray[np.float64]],
    block: tuple[NDArray[np.float64], NDArray[np.float64]] | None,
) -> None:
    if block is not None:
        rows.append(block[0])
        resid.append(block[1])


def _capture_rows(
    pts: NDArray[np.float64], basis: ShapeBasis, fr: _Frame, surface_idx: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, int]:
    """Capture -> model point-to-plane rows (trimmed, Huber-weighted), sigma, rows kept."""
    _, nn = cKDTree(fr.verts[surface_idx]).query(pts, workers=1)
    j = surface_idx[nn]
    nrm = fr.normals[j]
    r = np.einsum("ij,ij->i", fr.verts[j] - pts, nrm)
    a = np.abs(r)
    cut = np.quantile(a, _TRIM_KEEP)
    sigma = max(_MIN_SIGMA_MM, 1.4826 * float(np.median(a)))
    keep = a <= max(cut, 2.0 * sigma)
    # Huber-like weights on the kept set: full weight within 2 sigma.
    w = np.sqrt(np.where(a[keep] <= 2 * sigma, 1.0, 2 * sigma / a[keep]))
    jk, nk = j[keep], nrm[keep]
    jac = _pose_shape_jacobian(basis, fr, jk, nk)
    return jac * w[:, None], r[keep] * w, sigma, int(keep.sum())


def _pose_shape_jacobian(
    basis: ShapeBasis, fr: _Frame, idx: NDArray[np.int64], nrm: NDArray[np.float64]
) -> NDArray[np.float64]:
    """d(n . v_idx) / d(rotation about the origin, translation, coefficients)."""
    # n . (R B) = (R^T n) . B: rotate the normals, not the modes.
    jac_shape = np.einsum("kmd,md->mk", basis.modes[:, idx, :], nrm @ fr.rot)
    return np.hstack([np.cross(fr.verts[idx], nrm), nrm, jac_shape])


def _floor_rows(
    basis: ShapeBasis, fr: _Frame, surface_idx: NDArray[np.int64], n_kept: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """No vertex below the support plane, the lowest vertices on it."""
    zv = fr.verts[surface_idx, 2]
    below = surface_idx[zv < 0.0]
    lowest = surface_idx[np.argsort(zv)[:_N_LOWEST]]
    fj = np.unique(np.concatenate([below, lowest]))
    if not fj.size:
        return None
    ez = np.tile(np.array([0.0, 0.0, 1.0]), (fj.size, 1))
    sw = np.sqrt(_FLOOR_WEIGHT * n_kept / (10.0 * fj.size))
    return _pose_shape_jacobian(basis, fr, fj, ez) * sw, fr.verts[fj, 2] * sw


def _reverse_rows(
    pts: NDArray[np.float64],
    pts_tree: cKDTree,
    basis: ShapeBasis,
    fr: _Frame,
    surface_idx: NDArray[np.int64],
    sigma: float,
    n_kept: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """Model -> capture rows on surface a capture sees (not the sole).

    A one-sided cost alone lets the model bulge past the capture (toes lifted beyond merged,
    flat ones).
    """
    up = surface_idx[fr.normals[surface_idx, 2] > -0.3]
    up = up[:: max(1, up.size // _N_REVERSE)]
    dr_, nr_ = pts_tree.query(fr.verts[up], distance_upper_bound=_REVERSE_MAX_MM, workers=1)
    ok = np.isfinite(dr_)
    if not ok.any():
        return None
    uj = up[ok]
    un = fr.normals[uj]
    ur = np.einsum("ij,ij->i", fr.verts[uj] - pts[nr_[ok]], un)
    ua = np.abs(ur)
    uw = np.where(ua <= 2 * sigma, 1.0, 2 * sigma / np.maximum(ua, 1e-9))
    scale = np.sqrt(_REVERSE_WEIGHT * n_kept / max(uj.size, 1)) * np.sqrt(uw)
    return _pose_shape_jacobian(basis, fr, uj, un) * scale[:, None], ur * scale


def _summarise(
    pts_all: NDArray[np.float64],
    basis: ShapeBasis,
    state: _Pose,
    jtj: NDArray[np.float64],
    sigma: float,
    it: int,
    length_mm: float,
    posterior: bool,
) -> ModelFit:
    """Residuals, gate figures and the posterior surface sd of the final state."""
    surface_idx = np.flatnonzero(basis.surface_vertex)
    prior = 1.0 / basis.mode_sd**2
    verts = basis.shape(state.c) @ state.rot.T + state.t
    normals = vertex_normals(verts, basis.faces)
    d_all, nn_all = cKDTree(verts[surface_idx]).query(pts_all, workers=1)
    jn = surface_idx[nn_all]
    # Point-to-plane where the projection stays near the vertex, else point-to-vertex.
    plane = np.abs(np.einsum("ij,ij->i", pts_all - verts[jn], normals[jn]))
    resid = np.where(d_all < 6.0, plane, d_all)
    rf = resid[pts_all[:, 2] <= _MAX_FIT_HEIGHT_FRAC * length_mm]
    kept = np.sort(rf)[: max(1, int(_TRIM_KEEP * rf.size))]
    rms = float(np.sqrt(np.mean(kept**2))) if kept.size else float("inf")
    vsd = np.zeros(verts.shape[0])
    if posterior:
        # Posterior covariance of the shape coefficients (pose marginalised) in mm^2 units.
        try:
            cov = np.linalg.inv(jtj)[6:, 6:] * max(sigma, _MIN_SIGMA_MM) ** 2
        except np.linalg.LinAlgError:
            cov = np.diag(basis.mode_sd**2)
        g = np.einsum("knd,nd->nk", basis.modes, normals @ state.rot)  # (n, k)
        vsd = np.sqrt(np.maximum(np.einsum("nk,kl,nl->n", g, cov, g), 0.0))
    return ModelFit(
        vertices_mm=verts,
        faces=basis.faces,
        coeffs=state.c,
        rotation=state.rot,
        translation=state.t,
        rms_mm=rms,
        inlier_share=float(np.mean(rf <= 4.0)) if rf.size else 0.0,
        residuals_mm=resid,
        shape_energy=float(np.mean(state.c**2 * prior)),
        vertex_sd_mm=vsd,
        keypoints_mm={name: verts[i].copy() for name, i in basis.keypoints.items()},
        iterations=it,
    )
